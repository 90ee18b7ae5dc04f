//! Instructions per call, counted by callgrind: the deterministic figure of the client's
//! overhead (wall-clock ratios on a shared 2-core machine move by several percent between
//! runs; instruction counts move by a fraction of a percent).
//!
//! The bench server runs natively in its own process (`insighto-bench serve`); only the
//! calling process (`insighto-bench calls ...`) runs under callgrind. Each side makes `few`
//! and then `many` calls in two separate runs, and the difference of the two totals over
//! `many - few` calls is the cost of one call: start-up, connecting and warming up cancel
//! out. The baseline sends the same request (key in the query, same headers) and decodes
//! into the same generated types, so only the client's own layer differs.

use std::{path::Path, process::Command};

use super::{
    process::{bench_server, run},
    report::{Section, Verdict},
    table::{Align, Table},
    thresholds,
};

/// Calls in the short and the long run of each side.
pub struct Calls {
    pub few: u64,
    pub many: u64,
}

/// Instructions per call of one side and operation.
fn per_call(bin: &Path, base: &str, side: &str, op: &str, calls: &Calls) -> Result<f64, String> {
    let total = |n: u64| -> Result<u64, String> {
        let out = std::env::temp_dir().join(format!(
            "insighto-callgrind-{side}-{op}-{n}-{}.out",
            std::process::id()
        ));
        run(Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(bin)
            .args(["calls", side, op, &n.to_string(), base]))?;
        let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&out);
        text.lines()
            .find_map(|l| l.strip_prefix("summary:").or(l.strip_prefix("totals:")))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| format!("no instruction total in callgrind's output for {side} {op}"))
    };
    let (few, many) = (total(calls.few)?, total(calls.many)?);
    Ok((many as f64 - few as f64) / (calls.many - calls.few) as f64)
}

/// The table of instruction counts (markdown) and one verdict per operation; `Err` also
/// when valgrind is missing.
pub fn instructions(root: &Path, calls: &Calls) -> Result<Section, String> {
    let bin = root.join("target/release/insighto-bench");
    let (server, base) = bench_server(root, &["serve".as_ref()], "the bench server")?;

    use Align::{Left, Right};
    let mut table = Table::new(&[
        ("operation", Left),
        ("client instructions/call", Right),
        ("baseline instructions/call", Right),
        ("client / baseline", Right),
    ]);
    let mut verdicts = Vec::new();
    for op in ["get", "put"] {
        let client = per_call(&bin, &base, "client", op, calls)?;
        let baseline = per_call(&bin, &base, "baseline", op, calls)?;
        let ratio = client / baseline;
        let op = op.to_uppercase();
        table.row([
            op.clone(),
            format!("{client:.0}"),
            format!("{baseline:.0}"),
            format!("{ratio:.4}"),
        ]);
        verdicts.push(
            Verdict::against(
                format!("client {op} instructions/call / baseline"),
                ratio,
                4,
                &thresholds::CLIENT_INSTRUCTIONS,
            )
            .detail(format!("{client:.0} vs {baseline:.0}")),
        );
    }
    drop(server);
    let body = format!(
        "{table}\ncallgrind, client process only (the server is another process); per call = (total of {} calls − total of {} calls) / {}.\n",
        calls.many,
        calls.few,
        calls.many - calls.few
    );
    Ok(Section { body, verdicts })
}
