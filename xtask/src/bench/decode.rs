//! Section 2, decoding: the documented envelope decoded into the generated types against
//! the same bytes parsed into `serde_json::Value` (in-process, `insighto-bench`).

use insighto_bench_report::Measurements;

use super::{
    report::{Section, Verdict},
    table::Figures,
    thresholds,
};

pub fn decoding(m: &Measurements) -> Section {
    let mut t = Figures::new();
    let typed = t.row("typed decode of the envelope", &m.decode_typed_ns, "ns/op");
    let untyped = t.row(
        "serde_json::Value parse of the same bytes",
        &m.decode_value_ns,
        "ns/op",
    );
    Section {
        body: t.to_string(),
        verdicts: vec![Verdict::against(
            "typed decode time / Value parse time",
            typed / untyped,
            3,
            &thresholds::DECODE,
        )],
    }
}
