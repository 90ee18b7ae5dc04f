//! The in-process measurements of `insighto-bench`, printed as one JSON object and read
//! back by `cargo xtask bench`. Both sides use these types, so a renamed or added figure
//! fails to compile instead of reading as missing.
//!
//! A crate of its own (serde only) so that xtask reads the figures without building
//! insighto-bench's dependencies (axum, reqwest, tokio, the client).
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// Everything one run of `insighto-bench [ROUNDS] [REQUESTS_PER_ROUND]` measures; each
/// `Vec` holds one entry per round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    /// Round trips of `GET /api/v1/user`.
    pub get: Sides,
    /// Round trips of `PUT /api/v1/user/{id}`.
    pub put: Sides,
    /// The documented envelope decoded into the generated types, ns per decode.
    pub decode_typed_ns: Vec<f64>,
    /// The same bytes parsed into `serde_json::Value`, ns per parse.
    pub decode_value_ns: Vec<f64>,
    /// `insighto_codegen::generate` compiled with optimisations, ms per run.
    pub codegen_release_ms: Vec<f64>,
}

/// One operation through the generated client and through the hand-written baseline
/// (reqwest + serde_json), same server, interleaved round by round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sides {
    /// Through `insighto::Client`.
    pub client: Vec<Round>,
    /// Through hand-written reqwest + serde_json.
    pub baseline: Vec<Round>,
    /// The client's throughput over the baseline's, one entry per pair of adjacent
    /// batches (one of each side, run back to back) across all rounds: what the machine
    /// does meanwhile hits both batches of a pair alike, so their ratio drifts less than
    /// the rounds' own figures do.
    pub paired: Vec<f64>,
}

/// Throughput and latency percentiles of one round of calls.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Requests per second.
    pub rps: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
}

/// What `insighto-bench fixture [ROUNDS] [TESTS]` measures: tests each starting their
/// own fixture and making one call through the client, the sandbox against wiremock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FixtureMeasurements {
    /// `Sandbox::open` in memory, `spawn_local`, one `GET`; one entry per round.
    pub sandbox: Vec<FixtureRound>,
    /// `wiremock::MockServer::start`, one mounted mock of the `GET`, one `GET`.
    pub wiremock: Vec<FixtureRound>,
}

/// One round of tests of one fixture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixtureRound {
    /// How many tests ran, one after the other.
    pub tests: usize,
    /// Median time of one test (its runtime, fixture, client and first answer), µs.
    pub p50_us: f64,
    /// 99th percentile of the same, µs.
    pub p99_us: f64,
    /// All the tests of the round, ms.
    pub total_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON keys are the field names: what `insighto-bench` prints is what xtask reads.
    #[test]
    fn round_trips_through_json() {
        let round = |rps| Round {
            rps,
            p50_us: 40.0,
            p99_us: 90.5,
        };
        let m = Measurements {
            get: Sides {
                client: vec![round(1.0)],
                baseline: vec![round(2.0)],
                paired: vec![0.5],
            },
            put: Sides {
                client: vec![round(3.0)],
                baseline: vec![],
                paired: vec![],
            },
            decode_typed_ns: vec![5.0],
            decode_value_ns: vec![6.0],
            codegen_release_ms: vec![7.0, 8.0],
        };
        let text = serde_json::to_string(&m).unwrap();
        assert!(text.contains("\"decode_typed_ns\":[5.0]"), "{text}");
        assert_eq!(serde_json::from_str::<Measurements>(&text).unwrap(), m);
    }

    /// A figure missing from the output is an error, not an empty series.
    #[test]
    fn a_missing_figure_is_an_error() {
        let err = serde_json::from_str::<Measurements>(
            r#"{"get":{"client":[],"baseline":[],"paired":[]}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing field `put`"), "{err}");
    }
}
