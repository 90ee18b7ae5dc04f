//! What the bench reports: numbered sections of markdown, then verdicts that hold each
//! measured value against its threshold (`thresholds.rs`), then those thresholds.

use std::{fmt, path::Path};

use super::{
    table::{Align, Table},
    thresholds::Threshold,
};

/// How a verdict judges its value.
enum Check {
    /// Against a pass threshold.
    Threshold(&'static Threshold),
    /// A condition without a figure: it holds or not.
    Holds(bool),
    /// A figure shown for the record, with no target.
    Reported,
}

/// A measured value and how the report prints it.
struct Measured {
    value: f64,
    decimals: usize,
    unit: &'static str,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.*}{}", self.decimals, self.value, self.unit)
    }
}

/// One line of the report's verdicts: a name, the measured value, what it is held
/// against, and whether it passes.
pub struct Verdict {
    name: String,
    /// `None` for a condition.
    measured: Option<Measured>,
    /// What the value was computed from, e.g. the two figures of a ratio.
    detail: Option<String>,
    check: Check,
}

impl Verdict {
    /// `value` (printed with `decimals` digits) held against `threshold`.
    pub fn against(
        name: impl Into<String>,
        value: f64,
        decimals: usize,
        threshold: &'static Threshold,
    ) -> Self {
        Self::new(
            name,
            value,
            decimals,
            threshold.unit,
            Check::Threshold(threshold),
        )
    }

    /// A figure shown without a target.
    pub fn reported(
        name: impl Into<String>,
        value: f64,
        decimals: usize,
        unit: &'static str,
    ) -> Self {
        Self::new(name, value, decimals, unit, Check::Reported)
    }

    /// A condition that holds or not.
    pub fn holds(name: impl Into<String>, ok: bool) -> Self {
        Self {
            name: name.into(),
            measured: None,
            detail: None,
            check: Check::Holds(ok),
        }
    }

    fn new(
        name: impl Into<String>,
        value: f64,
        decimals: usize,
        unit: &'static str,
        check: Check,
    ) -> Self {
        Self {
            name: name.into(),
            measured: Some(Measured {
                value,
                decimals,
                unit,
            }),
            detail: None,
            check,
        }
    }

    /// What the value was computed from, printed beside it.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Whether the verdict passes; `None` for a figure without a target.
    pub fn pass(&self) -> Option<bool> {
        match self.check {
            Check::Threshold(t) => Some(t.bound.holds(self.measured.as_ref()?.value)),
            Check::Holds(ok) => Some(ok),
            Check::Reported => None,
        }
    }
}

/// The mark of a verdict that passes or misses.
fn mark(ok: bool) -> &'static str {
    if ok { "✅" } else { "❌ missed" }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(measured) = &self.measured else {
            return write!(f, "{}: {}", self.name, mark(self.pass() == Some(true)));
        };
        write!(f, "{} = **{measured}** (", self.name)?;
        if let Some(detail) = &self.detail {
            write!(f, "{detail}; ")?;
        }
        match self.check {
            Check::Threshold(t) => write!(
                f,
                "target {}{}) {}",
                t.bound,
                t.unit,
                mark(self.pass() == Some(true))
            ),
            Check::Reported | Check::Holds(_) => write!(f, "reported)"),
        }
    }
}

/// What one measurement adds to the report: markdown and verdicts.
#[derive(Default)]
pub struct Section {
    pub body: String,
    pub verdicts: Vec<Verdict>,
}

/// The report: numbered sections, then every verdict.
pub struct Report {
    text: String,
    verdicts: Vec<Verdict>,
}

impl Report {
    pub fn new(rounds: usize) -> Self {
        Self {
            text: format!(
                "# insighto benchmarks\n\nProduced by `cargo xtask bench` ({rounds} rounds; machine: {} cores). Ratios compare medians measured side by side in this run.\n\n",
                std::thread::available_parallelism().map_or(0, |n| n.get())
            ),
            verdicts: Vec::new(),
        }
    }

    /// Appends a section under `heading`.
    pub fn add(&mut self, heading: &str, section: Section) {
        if !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
        self.text
            .push_str(&format!("## {heading}\n\n{}", section.body));
        self.verdicts.extend(section.verdicts);
    }

    /// The whole report: verdicts last, then the targets they were held against.
    pub fn render(&self) -> String {
        let mut text = self.text.clone();
        text.push_str("\n## Verdicts\n\n");
        let mut used: Vec<&Threshold> = Vec::new();
        for v in &self.verdicts {
            text.push_str(&format!("- {v}\n"));
            if let Check::Threshold(t) = v.check
                && !used.iter().any(|u| u.name == t.name)
            {
                used.push(t);
            }
        }
        if !used.is_empty() {
            let mut targets = Table::new(&[
                ("target", Align::Left),
                ("bound", Align::Left),
                ("why", Align::Left),
            ]);
            for t in used {
                targets.row([
                    t.name.to_owned(),
                    format!("{}{}", t.bound, t.unit),
                    t.why.to_owned(),
                ]);
            }
            text.push_str(&format!(
                "\nTargets (`xtask/src/bench/thresholds.rs`):\n\n{targets}"
            ));
        }
        text
    }

    /// Writes the report to `out_dir/report.md` and prints it.
    pub fn finish(&self, out_dir: &Path) -> Result<(), String> {
        let report = self.render();
        let path = out_dir.join("report.md");
        std::fs::write(&path, &report)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("{report}");
        super::say(&format!("written to {}", path.display()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::thresholds;

    #[test]
    fn a_verdict_passes_by_its_threshold() {
        let ok = Verdict::against("x / y", 1.02, 4, &thresholds::CLIENT_INSTRUCTIONS);
        let missed = Verdict::against("x / y", 1.031, 4, &thresholds::CLIENT_INSTRUCTIONS);
        let nan = Verdict::against("x / y", f64::NAN, 4, &thresholds::CLIENT_INSTRUCTIONS);
        assert_eq!(
            (ok.pass(), missed.pass(), nan.pass()),
            (Some(true), Some(false), Some(false))
        );
        assert_eq!(ok.to_string(), "x / y = **1.0200** (target ≤ 1.03) ✅");
        assert_eq!(
            missed.detail("3 vs 2").to_string(),
            "x / y = **1.0310** (3 vs 2; target ≤ 1.03) ❌ missed"
        );
    }

    #[test]
    fn the_unit_follows_the_value_and_the_bound() {
        let v = Verdict::against("step", 47.4, 0, &thresholds::BUILD_SCRIPT_MS);
        assert_eq!(v.to_string(), "step = **47 ms** (target < 500 ms) ✅");
        let v = Verdict::against("a / b", 9.96, 1, &thresholds::SANDBOX_VS_PRISM);
        assert_eq!(v.to_string(), "a / b = **10.0×** (target ≥ 10×) ❌ missed");
    }

    #[test]
    fn reported_figures_and_conditions() {
        let v = Verdict::reported("a / b", 1.5, 2, "×");
        assert_eq!(v.pass(), None);
        assert_eq!(v.to_string(), "a / b = **1.50×** (reported)");
        let v = Verdict::reported("a / b", 0.9, 2, "").detail("9 vs 10");
        assert_eq!(v.to_string(), "a / b = **0.90** (9 vs 10; reported)");
        assert_eq!(Verdict::holds("fresh", true).to_string(), "fresh: ✅");
        assert_eq!(
            Verdict::holds("fresh", false).to_string(),
            "fresh: ❌ missed"
        );
    }

    #[test]
    fn sections_then_verdicts_then_targets() {
        let mut report = Report::new(5);
        let decode = |v| Verdict::against("decode", v, 1, &thresholds::DECODE);
        report.add(
            "1. One",
            Section {
                body: "body one\n".into(),
                verdicts: vec![Verdict::holds("first", true), decode(0.5)],
            },
        );
        report.add(
            "2. Two",
            Section {
                body: "body two\n".into(),
                verdicts: vec![decode(2.0)],
            },
        );
        let text = report.render();
        let tail = text.split_once("run.\n\n").unwrap().1;
        let targets = tail.split_once("Targets").unwrap().1;
        assert_eq!(
            tail.split_once("\nTargets").unwrap().0,
            "## 1. One\n\nbody one\n\n## 2. Two\n\nbody two\n\n## Verdicts\n\n\
             - first: ✅\n- decode = **0.5** (target ≤ 1) ✅\n\
             - decode = **2.0** (target ≤ 1) ❌ missed\n"
        );
        // One row per threshold used, with its reason.
        assert_eq!(targets.matches("| ≤ 1 |").count(), 1, "{targets}");
        assert!(targets.contains(thresholds::DECODE.why), "{targets}");
        assert!(
            !targets.contains(thresholds::CONSUMER_LEAN.name),
            "{targets}"
        );
    }
}
