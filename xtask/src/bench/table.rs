//! Markdown tables for the report.

use std::fmt;

/// How a column's cells are aligned.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Right,
}

/// A markdown table.
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; its cells fill the columns from the left.
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        self.rows.push(cells.into_iter().collect());
    }
}

/// One row of cells: `| a | b |`.
fn line<'a>(f: &mut fmt::Formatter<'_>, cells: impl Iterator<Item = &'a str>) -> fmt::Result {
    for cell in cells {
        write!(f, "| {cell} ")?;
    }
    writeln!(f, "|")
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        line(f, self.columns.iter().map(|(name, _)| *name))?;
        for (_, align) in &self.columns {
            f.write_str(match align {
                Align::Left => "|---",
                Align::Right => "|---:",
            })?;
        }
        writeln!(f, "|")?;
        for row in &self.rows {
            line(f, row.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

/// min, median, max (NaN for no values); the median of an even count is the mean of the
/// two middle values, leaning to neither side of a threshold.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    match (v.first(), v.last()) {
        (Some(&min), Some(&max)) if n % 2 == 1 => (min, v[n / 2], max),
        (Some(&min), Some(&max)) => (min, (v[n / 2 - 1] + v[n / 2]) / 2.0, max),
        _ => (f64::NAN, f64::NAN, f64::NAN),
    }
}

/// A table of figures measured over several rounds: min, median and max of each.
pub struct Figures(Table);

impl Figures {
    pub fn new() -> Self {
        use Align::{Left, Right};
        Self(Table::new(&[
            ("figure", Left),
            ("min", Right),
            ("median", Right),
            ("max", Right),
            ("unit", Left),
        ]))
    }

    /// Appends the row of one figure, one decimal; returns its median.
    pub fn row(&mut self, name: &str, values: &[f64], unit: &str) -> f64 {
        self.row_with(name, values, unit, 1)
    }

    /// Like [`row`](Self::row), with `decimals` digits after the point.
    pub fn row_with(&mut self, name: &str, values: &[f64], unit: &str, decimals: usize) -> f64 {
        let (min, median, max) = stats(values);
        self.0.row([
            name.to_owned(),
            fixed(min, decimals),
            fixed(median, decimals),
            fixed(max, decimals),
            unit.to_owned(),
        ]);
        median
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `value` with `decimals` digits after the point.
fn fixed(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_give_min_median_max() {
        let mut t = Figures::new();
        assert_eq!(t.row("calls", &[3.0, 1.0, 2.0], "req/s"), 2.0);
        assert!(t.row("none", &[], "ms").is_nan());
        assert_eq!(
            t.row_with("ratio", &[1.0126, 0.9, 0.97, 2.0], "", 3),
            0.9913
        );
        assert_eq!(
            t.to_string(),
            "| figure | min | median | max | unit |\n|---|---:|---:|---:|---|\n\
             | calls | 1.0 | 2.0 | 3.0 | req/s |\n| none | NaN | NaN | NaN | ms |\n\
             | ratio | 0.900 | 0.991 | 2.000 |  |\n"
        );
    }
}
