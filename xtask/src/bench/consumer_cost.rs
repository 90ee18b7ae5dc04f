//! Section 5, what a dependency costs: clean builds of an application outside the
//! workspace (`crate::consumer`) with no insighto (the floor), insighto's defaults, and
//! the lean build, one run each, side by side.

use std::{path::Path, process::Command};

use crate::consumer::{Cost, Flavor, build, create, package};

use super::{
    process::run,
    report::{Section, Verdict},
    say,
    table::{Align, Table},
    thresholds,
};

pub fn build_cost(root: &Path) -> Result<Section, String> {
    // Verification builds everything once more; the bench needs only the .crate files.
    let packages = package(root, false)?;
    let work = root.join("target/bench/consumer");
    let mut rows = Vec::new();
    for flavor in [Flavor::Floor, Flavor::Default, Flavor::Lean] {
        let dir = work.join(flavor.name());
        create(root, &packages, flavor, &dir)?;
        // Resolve and download first, so that only compiling is timed.
        run(Command::new("cargo")
            .current_dir(&dir)
            .args(["fetch", "--quiet"]))?;
        let target = work.join(format!("target-{}", flavor.name()));
        let _ = std::fs::remove_dir_all(&target);
        say(&format!("clean build of the {} consumer", flavor.name()));
        rows.push((flavor, build(&dir, &target)?));
        let _ = std::fs::remove_dir_all(&target);
    }
    let floor = &rows[0].1;
    let ratio = |cost: &Cost| {
        (
            cost.cpu.as_secs_f64() / floor.cpu.as_secs_f64(),
            cost.wall.as_secs_f64() / floor.wall.as_secs_f64(),
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
    for (flavor, cost) in &rows {
        let (cpu, wall) = ratio(cost);
        table.row([
            match flavor {
                Flavor::Floor => "(a) floor: reqwest + serde + serde_json + tokio + uuid + chrono",
                Flavor::Default => "(b) `insighto` (default features)",
                Flavor::Lean => {
                    "(c) `insighto` lean (`default-features = false, features = [\"rustls\"]`)"
                }
            }
            .to_owned(),
            format!("{:.1} s", cost.cpu.as_secs_f64()),
            format!("{:.1} s", cost.wall.as_secs_f64()),
            format!("{cpu:.2}×"),
            format!("{wall:.2}×"),
        ]);
    }
    let (default, _) = ratio(&rows[1].1);
    let (lean, _) = ratio(&rows[2].1);
    Ok(Section {
        body: table.to_string(),
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
