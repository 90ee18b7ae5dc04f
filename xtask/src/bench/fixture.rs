//! Section 6, the sandbox as a test fixture against wiremock, the mock server Rust users
//! of other SDKs reach for: one test's time (its runtime, a fresh fixture with the one
//! mock it needs, a client, one `GET` answered) and a suite of tests each starting
//! their own (in-process, `insighto-bench fixture`).

use std::{path::Path, process::Command};

use insighto_bench_report::{FixtureMeasurements, FixtureRound};

use super::{
    process::run,
    report::{Section, Verdict},
    say,
    table::Figures,
    thresholds,
};

/// Tests of each fixture per round, as in a suite of a thousand tests.
const TESTS: usize = 1000;

pub fn fixture(root: &Path, rounds: usize) -> Result<Section, String> {
    say("the sandbox as a test fixture vs wiremock (in-process)");
    let json = run(
        Command::new(root.join("target/release/insighto-bench")).args([
            "fixture".to_owned(),
            rounds.to_string(),
            TESTS.to_string(),
        ]),
    )?;
    let m: FixtureMeasurements =
        serde_json::from_str(&json).map_err(|e| format!("insighto-bench fixture output: {e}"))?;
    let mut t = Figures::new();
    let mut rows = |name: &str, rounds: &[FixtureRound]| {
        let series =
            |figure: fn(&FixtureRound) -> f64| rounds.iter().map(figure).collect::<Vec<_>>();
        let p50 = t.row(
            &format!("{name}: one test, median"),
            &series(|r| r.p50_us),
            "µs",
        );
        t.row(
            &format!("{name}: one test, p99"),
            &series(|r| r.p99_us),
            "µs",
        );
        let total = t.row(
            &format!("{name}: {TESTS} tests, each its own"),
            &series(|r| r.total_ms),
            "ms",
        );
        (p50, total)
    };
    let (sandbox_one, sandbox_all) = rows("sandbox in memory", &m.sandbox);
    let (wiremock_one, wiremock_all) = rows("wiremock, one mounted mock", &m.wiremock);
    Ok(Section {
        body: t.to_string(),
        verdicts: vec![
            Verdict::against(
                "sandbox / wiremock, one test (median)",
                sandbox_one / wiremock_one,
                2,
                &thresholds::FIXTURE_VS_WIREMOCK,
            )
            .detail(format!("{sandbox_one:.0} µs / {wiremock_one:.0} µs")),
            Verdict::against(
                format!("sandbox / wiremock, {TESTS} tests"),
                sandbox_all / wiremock_all,
                2,
                &thresholds::FIXTURE_VS_WIREMOCK,
            )
            .detail(format!("{sandbox_all:.0} ms / {wiremock_all:.0} ms")),
        ],
    })
}
