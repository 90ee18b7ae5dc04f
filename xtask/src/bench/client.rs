//! Section 1, the client's overhead: the generated client against raw reqwest +
//! serde_json doing the same request and typed decode, as instructions per call
//! (`callgrind.rs`, the deterministic figure) and as wall-clock throughput and latency
//! (in-process, `insighto-bench`).

use std::{path::Path, process::Command};

use insighto_bench_report::{Measurements, Round};

use super::{
    callgrind::{self, Calls},
    process::run,
    report::{Section, Verdict},
    say,
    table::Figures,
    thresholds,
};

/// Calls of each callgrind run.
const CALLGRIND_CALLS: Calls = Calls {
    few: 100,
    many: 600,
};

/// Requests of each side per round of the in-process run.
const REQUESTS_PER_ROUND: usize = 2000;

/// The section, and the in-process measurements that sections 2 and 3 read too.
pub fn overhead(root: &Path, rounds: usize) -> Result<(Section, Measurements), String> {
    say("client overhead: instructions per call (callgrind)");
    let mut section = callgrind::instructions(root, &CALLGRIND_CALLS)?;

    say("client overhead and decoding (in-process, wall clock)");
    let json = run(Command::new(root.join("target/release/insighto-bench"))
        .args([rounds.to_string(), REQUESTS_PER_ROUND.to_string()]))?;
    let m: Measurements =
        serde_json::from_str(&json).map_err(|e| format!("insighto-bench output: {e}"))?;

    let mut t = Figures::new();
    for (op, sides) in [("GET", &m.get), ("PUT", &m.put)] {
        let series = |rounds: &[Round], figure: fn(&Round) -> f64| -> Vec<f64> {
            rounds.iter().map(figure).collect()
        };
        t.row(
            &format!("client {op} req/s"),
            &series(&sides.client, |r| r.rps),
            "req/s",
        );
        t.row(
            &format!("baseline {op} req/s"),
            &series(&sides.baseline, |r| r.rps),
            "req/s",
        );
        let paired = t.row_with(
            &format!("client {op} throughput / baseline's, per pair of adjacent batches"),
            &sides.paired,
            "",
            3,
        );
        for (pct, figure) in [
            ("p50", (|r| r.p50_us) as fn(&Round) -> f64),
            ("p99", |r| r.p99_us),
        ] {
            t.row(
                &format!("client {op} {pct}"),
                &series(&sides.client, figure),
                "µs",
            );
            t.row(
                &format!("baseline {op} {pct}"),
                &series(&sides.baseline, figure),
                "µs",
            );
        }
        section.verdicts.push(Verdict::against(
            format!("client {op} throughput / baseline"),
            paired,
            3,
            &thresholds::CLIENT_THROUGHPUT,
        ));
    }
    section.body.push_str(&format!(
        "\nWall clock (interleaved batches of 50 calls, one connection each; {rounds} \
         rounds of {REQUESTS_PER_ROUND} calls a side):\n\n{t}"
    ));
    Ok((section, m))
}
