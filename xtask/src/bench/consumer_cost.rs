//! Section 5, what a dependency costs: clean builds of an application outside the
//! workspace (`crate::consumer`) with no insighto (the floor), insighto's defaults, and
//! the lean build, side by side, `--build-runs` runs of each.

use std::{path::Path, process::Command};

use crate::consumer::{Cost, Flavor, build, create, package};

use super::{
    process::run,
    report::{Section, Verdict},
    say,
    table::{Align, Table},
    thresholds,
};

/// Which figure of a build a column shows: its CPU time or its wall-clock time.
type Measure = fn(&Cost) -> std::time::Duration;

pub fn build_cost(root: &Path, runs: usize) -> Result<Section, String> {
    // Verification builds everything once more; the bench needs only the .crate files.
    let packages = package(root, false)?;
    let work = root.join("target/bench/consumer");
    let flavors = [Flavor::Floor, Flavor::Default, Flavor::Lean];
    for flavor in flavors {
        let dir = work.join(flavor.name());
        create(root, &packages, flavor, &dir)?;
        // Resolve and download first, so that only compiling is timed.
        run(Command::new("cargo")
            .current_dir(&dir)
            .args(["fetch", "--quiet"]))?;
    }
    // One clean build of each flavor a run, the order turned each run, so that a slower
    // stretch of the machine does not fall on one flavor only; ratios are paired within
    // a run (the three builds are minutes apart, not hours).
    let runs = runs.max(1);
    let mut costs: Vec<Vec<Cost>> = flavors.iter().map(|_| Vec::new()).collect();
    for r in 0..runs {
        for i in (0..flavors.len()).map(|i| (i + r) % flavors.len()) {
            let flavor = flavors[i];
            let target = work.join(format!("target-{}", flavor.name()));
            let _ = std::fs::remove_dir_all(&target);
            say(&format!(
                "clean build of the {} consumer ({}/{runs})",
                flavor.name(),
                r + 1
            ));
            costs[i].push(build(&work.join(flavor.name()), &target)?);
            let _ = std::fs::remove_dir_all(&target);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        (v[(n - 1) / 2] + v[n / 2]) / 2.0
    };
    let (cpu, wall): (Measure, Measure) = (|c| c.cpu, |c| c.wall);
    let secs =
        |i: usize, of: Measure| median(costs[i].iter().map(|c| of(c).as_secs_f64()).collect());
    let ratio = |i: usize, of: Measure| {
        median(
            costs[i]
                .iter()
                .zip(&costs[0])
                .map(|(c, floor)| of(c).as_secs_f64() / of(floor).as_secs_f64())
                .collect(),
        )
    };
    use Align::{Left, Right};
    let mut table = Table::new(&[
        ("application depends on", Left),
        ("CPU (user+sys)", Right),
        ("wall", Right),
        ("CPU / floor", Right),
        ("wall / floor", Right),
    ]);
    for (i, flavor) in flavors.iter().enumerate() {
        table.row([
            match flavor {
                Flavor::Floor => "(a) floor: reqwest + serde + serde_json + tokio + uuid + chrono",
                Flavor::Default => "(b) `insighto` (default features)",
                Flavor::Lean => {
                    "(c) `insighto` lean (`default-features = false, features = [\"rustls\"]`)"
                }
            }
            .to_owned(),
            format!("{:.1} s", secs(i, cpu)),
            format!("{:.1} s", secs(i, wall)),
            format!("{:.2}×", ratio(i, cpu)),
            format!("{:.2}×", ratio(i, wall)),
        ]);
    }
    let (default, lean) = (ratio(1, cpu), ratio(2, cpu));
    Ok(Section {
        body: format!(
            "{table}\nMedians of {runs} clean build(s) of each; a ratio is the median of the \
             runs' ratios to the floor built in the same run.\n"
        ),
        verdicts: vec![
            Verdict::against(
                "consumer clean build, lean / floor (CPU)",
                lean,
                2,
                &thresholds::CONSUMER_LEAN,
            ),
            Verdict::against(
                "consumer clean build, default / floor (CPU)",
                default,
                2,
                &thresholds::CONSUMER_DEFAULT,
            ),
        ],
    })
}
