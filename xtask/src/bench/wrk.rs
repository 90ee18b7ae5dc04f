//! One wrk run and what its output says.

use std::{path::Path, process::Command};

use super::process::run;

/// What one wrk run measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    pub rps: f64,
    pub p99_ms: f64,
}

/// Loads `url` for `seconds` (1 thread, 32 connections), with the Lua `script` if any.
pub fn wrk(url: &str, script: Option<&Path>, seconds: u32) -> Result<Load, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t1", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    // The query holds the sandbox's key: errors name the target by its path only, also
    // where they quote the command line or wrk's output (which starts with the URL).
    let target = url.split('?').next().unwrap_or_default();
    let hide = |e: String| e.replace(url, target);
    let out = run(cmd.arg(url)).map_err(hide)?;
    parse(&out).map_err(|e| format!("{} (wrk against {target})", hide(e)))
}

/// Requests/s and p99 of wrk's output (`--latency`); an error when it saw non-2xx answers.
fn parse(out: &str) -> Result<Load, String> {
    if let Some(line) = out.lines().find(|l| l.contains("Non-2xx")) {
        return Err(format!("wrk saw errors: {}", line.trim()));
    }
    let rps = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output:\n{out}"))?;
    let p99_ms = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| duration_ms(v.trim()))
        .ok_or_else(|| format!("no 99% in wrk output:\n{out}"))?;
    Ok(Load { rps, p99_ms })
}

/// A wrk duration (`812.00us`, `1.90ms`, `2.50s`, `1.00m`) in ms; NaN if unreadable.
fn duration_ms(v: &str) -> f64 {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 5s test @ http://127.0.0.1:3000/api/v1/user?api_key=k
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   475.12us  120.40us   5.03ms   90.12%
    Req/Sec    67.27k     2.10k   70.01k    80.00%
  Latency Distribution
     50%  450.00us
     75%  500.00us
     90%  600.00us
     99%    1.90ms
  336350 requests in 5.00s, 250.12MB read
Requests/sec:  67270.10
Transfer/sec:     50.02MB
";

    #[test]
    fn reads_throughput_and_p99() {
        assert_eq!(
            parse(OUTPUT),
            Ok(Load {
                rps: 67270.10,
                p99_ms: 1.90
            })
        );
    }

    #[test]
    fn non_2xx_answers_are_an_error() {
        let out = OUTPUT.replace(
            "Requests/sec",
            "  Non-2xx or 3xx responses: 12\nRequests/sec",
        );
        assert_eq!(
            parse(&out),
            Err("wrk saw errors: Non-2xx or 3xx responses: 12".into())
        );
    }

    #[test]
    fn missing_figures_are_an_error() {
        assert!(parse("").unwrap_err().starts_with("no Requests/sec"));
        let out = OUTPUT.replace("     99%    1.90ms\n", "");
        assert!(parse(&out).unwrap_err().starts_with("no 99%"));
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(duration_ms("812.00us"), 0.812);
        assert_eq!(duration_ms("1.90ms"), 1.90);
        assert_eq!(duration_ms("2.5s"), 2500.0);
        assert_eq!(duration_ms("1.00m"), 60_000.0);
        assert!(duration_ms("12").is_nan());
        assert!(duration_ms("x ms").is_nan());
    }
}
