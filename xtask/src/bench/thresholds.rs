//! Every pass threshold of `cargo xtask bench`, written once: the verdicts hold their
//! values against these, and the report lists the ones it used with their reasons.

use std::fmt;

/// A bound a measured value must keep.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
    Below(f64),
}

impl Bound {
    /// Whether `value` keeps the bound (never for NaN, a figure that was not measured).
    pub fn holds(self, value: f64) -> bool {
        match self {
            Self::AtLeast(limit) => value >= limit,
            Self::AtMost(limit) => value <= limit,
            Self::Below(limit) => value < limit,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AtLeast(limit) => write!(f, "≥ {limit}"),
            Self::AtMost(limit) => write!(f, "≤ {limit}"),
            Self::Below(limit) => write!(f, "< {limit}"),
        }
    }
}

/// A pass threshold of the bench: what it bounds, the bound, its unit, and why.
#[derive(Debug)]
pub struct Threshold {
    /// What is held against the bound.
    pub name: &'static str,
    pub bound: Bound,
    /// Appended to the bound and to the measured value (`""`, `"×"`, `" ms"`).
    pub unit: &'static str,
    /// Why the bound is what it is.
    pub why: &'static str,
}

pub static CLIENT_INSTRUCTIONS: Threshold = Threshold {
    name: "client instructions per call / baseline's (callgrind)",
    bound: Bound::AtMost(1.03),
    unit: "",
    why: "the generated client may add at most 3% to what hand-written reqwest + \
          serde_json spends on the same request and typed decode; instruction counts \
          are deterministic, so a tight bound does not flap",
};

pub static CLIENT_THROUGHPUT: Threshold = Threshold {
    name: "client throughput / baseline's (wall clock, median over pairs of adjacent batches)",
    bound: Bound::AtLeast(0.97),
    unit: "",
    why: "the same 3% in wall-clock terms. Noisier than the instruction count on a \
          shared machine, so read it beside that; pairing adjacent batches keeps the \
          machine's drift out of it (on the development machine, the baseline against a second copy of itself gave \
          1.00 ± 0.01, where the ratio of the rounds' medians strayed 3-4%)",
};

pub static DECODE: Threshold = Threshold {
    name: "typed decode time / `serde_json::Value` parse time of the same bytes",
    bound: Bound::AtMost(1.0),
    unit: "",
    why: "decoding into the generated types must cost no more than parsing into an \
          untyped `Value`",
};

pub static BUILD_SCRIPT_MS: Threshold = Threshold {
    name: "the build script's codegen step",
    bound: Bound::Below(500.0),
    unit: " ms",
    why: "every build with the default `codegen` feature runs it; half a second keeps \
          it from being noticed",
};

pub static SANDBOX_VS_PRISM: Threshold = Threshold {
    name: "sandbox (file-backed) throughput / Prism's, per operation",
    bound: Bound::AtLeast(10.0),
    unit: "×",
    why: "the sandbox is the local mock of the API in place of Prism; an order of \
          magnitude makes it worth having",
};

pub static SANDBOX_P99_VS_PRISM: Threshold = Threshold {
    name: "sandbox (file-backed) p99 latency / Prism's, per operation",
    bound: Bound::Below(1.0),
    unit: "",
    why: "its slowest answers must beat Prism's too, not only its throughput",
};

pub static SANDBOX_VS_LIMIT: Threshold = Threshold {
    name: "sandbox (file-backed) GET throughput / a bare axum endpoint's, same body",
    bound: Bound::AtLeast(0.5),
    unit: "",
    why: "authentication, SQLite and the envelope may cost at most half of what the \
          framework alone serves",
};

pub static CONSUMER_DEFAULT: Threshold = Threshold {
    name: "CPU time of a clean build of an application on insighto's defaults / on the floor",
    bound: Bound::AtMost(1.10),
    unit: "×",
    why: "the default is the cheap build (the checked-in client, no progenitor): at most a \
          tenth more than the least a hand-written client of this API needs",
};

pub static CONSUMER_LEAN: Threshold = Threshold {
    name: "CPU time of a clean build of an application on lean insighto / on the floor",
    bound: Bound::AtMost(1.25),
    unit: "×",
    why: "depending on insighto without `codegen` costs at most a quarter more than \
          the least a hand-written client of this API needs",
};

pub static FIXTURE_VS_WIREMOCK: Threshold = Threshold {
    name: "a test's time with the sandbox in memory / with wiremock and one mounted mock",
    bound: Bound::AtMost(1.0),
    unit: "",
    why: "the sandbox does far more (accounts, validation, every documented error, the \
          record of requests) yet must start and answer no slower than the mock server \
          users would otherwise pick, or they would pick it",
};

#[cfg(test)]
mod tests {
    use super::Bound;

    #[test]
    fn bounds_at_their_edge() {
        assert!(Bound::AtLeast(0.5).holds(0.5));
        assert!(!Bound::AtLeast(0.5).holds(0.49));
        assert!(Bound::AtMost(1.25).holds(1.25));
        assert!(!Bound::AtMost(1.25).holds(1.26));
        assert!(!Bound::Below(500.0).holds(500.0));
        assert!(Bound::Below(500.0).holds(499.9));
        assert_eq!(Bound::AtLeast(0.97).to_string(), "≥ 0.97");
    }
}
