//! Conformance with a peer checker's own test suite: spec pairs from oasdiff's `data/`
//! directory (copied, with its licence, under `tests/oasdiff/`), each with the verdict
//! oasdiff's Go tests state for it (`tests/oasdiff/pairs.json`). oasdiff's ERR level
//! means breaking for HTTP clients; WARN, INFO and no change mean not breaking. The
//! classifier's HTTP verdict must be the peer's, unless the pair names the `RULES` entry
//! that decides otherwise and that entry says it is a policy. The agreement table, per
//! peer check, is printed on every run.

use std::collections::BTreeMap;

use insighto_contract::{
    Spec,
    diff::{Change, Rule, Severity, diff, verdict},
};
use serde::Deserialize;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oasdiff");

/// One spec pair and the peer's verdict on it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    /// Paths under `tests/oasdiff/data/` (as under oasdiff's `data/`).
    base: String,
    revision: String,
    /// The OpenAPI version of the documents: "3.0" or "3.1".
    openapi: String,
    /// oasdiff's worst level for the pair: ERR, WARN, INFO, none, or no-ERR where its
    /// test only says that nothing reaches ERR.
    peer: String,
    /// This tool's HTTP verdict: "breaking" or "not breaking" (none for a pair out of scope that cannot be read).
    ours: Option<String>,
    /// The oasdiff change ids its tests expect.
    peer_ids: Vec<String>,
    /// The oasdiff tests that state the verdict (`file test-name`).
    peer_tests: Vec<String>,
    /// The rules of `RULES` that make this tool's verdict differ from the peer's, by
    /// policy: every rule that finds the pair breaking, or one that finds it not.
    #[serde(default)]
    policy: Vec<String>,
    /// Why the pair is outside this tool's scope, so not compared: `refused: ...` for a
    /// document `Spec::parse` refuses (checked), else what the pair turns on that this
    /// tool does not review (webhooks, serialization styles).
    #[serde(default)]
    out_of_scope: Option<String>,
    /// Where the peer's verdict is not the one its test states, why.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

impl Pair {
    /// The peer check the pair belongs to: the Go test file, without `check_` and `_test.go`.
    fn check(&self) -> String {
        let file = self.peer_tests[0].split(' ').next().unwrap_or_default();
        let file = file.strip_prefix("check_").unwrap_or(file);
        file.strip_suffix("_test.go").unwrap_or(file).to_owned()
    }

    fn load(&self, name: &str) -> Result<Spec, String> {
        let path = format!("{DIR}/data/{name}");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        Spec::parse(&text).map_err(|e| format!("{path}: {e}"))
    }
}

#[derive(Default)]
struct Tally {
    agree: usize,
    policy: usize,
    disagree: usize,
    out_of_scope: usize,
}

fn pairs() -> Vec<Pair> {
    let text = std::fs::read_to_string(format!("{DIR}/pairs.json")).expect("pairs.json");
    serde_json::from_str(&text).expect("pairs.json is a list of pairs")
}

fn rule_by_id(id: &str) -> Option<Rule> {
    insighto_contract::diff::RULES
        .iter()
        .find(|(_, info)| info.id == id)
        .map(|(rule, _)| *rule)
}

#[test]
fn agrees_with_the_peer_outside_documented_policy() {
    let pairs = pairs();
    let mut table: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for pair in &pairs {
        let tally = table.entry(pair.check()).or_default();
        let name = format!("{} -> {}", pair.base, pair.revision);
        if let Some(why) = &pair.out_of_scope {
            let refused = pair.load(&pair.base).is_err() || pair.load(&pair.revision).is_err();
            if refused != why.starts_with("refused: ") {
                failures.push(format!(
                    "{name}: out of scope as {why:?}, but refused: {refused}"
                ));
            }
            tally.out_of_scope += 1;
            continue;
        }
        let (old, new) = match (pair.load(&pair.base), pair.load(&pair.revision)) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(e), _) | (_, Err(e)) => {
                failures.push(format!("{name}: not read: {e}"));
                tally.disagree += 1;
                continue;
            }
        };
        let changes = diff(&old, &new);
        let ours = verdict(&changes, |c| c.http) == Severity::Breaking;
        let said = if ours { "breaking" } else { "not breaking" };
        if pair.ours.as_deref() != Some(said) {
            failures.push(format!(
                "{name}: this tool says {said}, pairs.json {:?}",
                pair.ours
            ));
        }
        let peer = match pair.peer.as_str() {
            "ERR" => true,
            "WARN" | "INFO" | "none" | "no-ERR" => false,
            other => panic!("{name}: unknown peer level {other}"),
        };
        match (pair.policy.is_empty(), ours == peer) {
            (true, true) => tally.agree += 1,
            (false, false) => match policy_applies(&pair.policy, ours, &changes) {
                Ok(()) => tally.policy += 1,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    tally.disagree += 1;
                }
            },
            _ => {
                failures.push(format!(
                    "{name}: peer {} ({:?}), this tool {} (policy listed: {:?}); changes: {}",
                    pair.peer,
                    pair.peer_ids,
                    said,
                    pair.policy,
                    show(&changes)
                ));
                tally.disagree += 1;
            }
        }
    }
    eprintln!("\nAgreement with oasdiff, per peer check (HTTP view):");
    eprintln!(
        "{:<48} {:>5} {:>5} {:>6} {:>8} {:>7}",
        "check", "pairs", "agree", "policy", "disagree", "out of scope"
    );
    let mut total = Tally::default();
    for (check, t) in &table {
        let n = t.agree + t.policy + t.disagree + t.out_of_scope;
        eprintln!(
            "{check:<48} {n:>5} {:>5} {:>6} {:>8} {:>7}",
            t.agree, t.policy, t.disagree, t.out_of_scope
        );
        total.agree += t.agree;
        total.policy += t.policy;
        total.disagree += t.disagree;
        total.out_of_scope += t.out_of_scope;
    }
    eprintln!(
        "{:<48} {:>5} {:>5} {:>6} {:>8} {:>7}",
        "total",
        pairs.len(),
        total.agree,
        total.policy,
        total.disagree,
        total.out_of_scope
    );
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total.agree + total.policy >= 150, "too few pairs ran");
}

/// A listed policy holds when each listed rule is a policy of `RULES` and reported a
/// change, and, if this tool finds the pair breaking, every breaking change is theirs.
fn policy_applies(ids: &[String], breaking: bool, changes: &[Change]) -> Result<(), String> {
    let mut rules = Vec::new();
    for id in ids {
        let rule = rule_by_id(id).ok_or_else(|| format!("policy {id} is not a rule"))?;
        if !rule.info().explanation.starts_with("policy: ") {
            return Err(format!("{id} does not say it is a policy"));
        }
        if !changes.iter().any(|c| c.rule == rule) {
            return Err(format!(
                "policy {id} listed, but not reported: {}",
                show(changes)
            ));
        }
        rules.push(rule);
    }
    let unexplained: Vec<String> = changes
        .iter()
        .filter(|c| breaking && c.http == Severity::Breaking && !rules.contains(&c.rule))
        .map(|c| c.rule.to_string())
        .collect();
    if unexplained.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "breaking by rules not listed as policy: {unexplained:?}"
        ))
    }
}

fn show(changes: &[Change]) -> String {
    let list: Vec<String> = changes
        .iter()
        .filter(|c| c.http >= Severity::NonBreaking)
        .map(|c| format!("{} {} ({})", c.rule, c.pointer, c.http.label()))
        .collect();
    format!("[{}]", list.join("; "))
}

#[test]
fn the_copied_files_keep_their_licence_and_notice() {
    for file in ["LICENSE", "NOTICE.md"] {
        let text = std::fs::read_to_string(format!("{DIR}/{file}")).unwrap_or_default();
        assert!(
            text.contains("oasdiff") || text.contains("Apache License"),
            "{file}"
        );
    }
    for pair in pairs() {
        assert!(!pair.peer_tests.is_empty() && !pair.openapi.is_empty());
        assert!(
            ["3.0", "3.1"].contains(&pair.openapi.as_str()),
            "{}",
            pair.base
        );
    }
}
