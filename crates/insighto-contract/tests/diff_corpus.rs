//! The classifier on its corpus (`insighto_contract::corpus`): every case gets its
//! expected verdicts, and every rule of the rule table has a case.

use std::collections::BTreeSet;

use insighto_contract::{
    Spec,
    corpus::{Case, GET, at, base, corpus, prop, remove, schema},
    diff::{RULES, Rule, Severity::*, diff, json as json_report, markdown, verdict},
};
use serde_json::{Value, json};

fn run(case: &Case) -> Vec<insighto_contract::diff::Change> {
    let (old, new) = case.specs();
    diff(&old, &new)
}

#[test]
fn every_case_gets_its_verdicts() {
    let cases = corpus();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let changes = run(case);
        let got = (verdict(&changes, |c| c.http), verdict(&changes, |c| c.rust));
        let rule_found = match case.rule {
            Some(rule) => changes.iter().any(|c| c.rule == rule),
            Option::None => changes.is_empty(),
        };
        if got != (case.http, case.rust) || !rule_found {
            failures.push(format!(
                "{} ({}): expected {:?} by {:?}, got {got:?} from {changes:#?}",
                case.name,
                case.why,
                (case.http, case.rust),
                case.rule
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<Rule> = corpus().iter().filter_map(|c| c.rule).collect();
    let missing: Vec<&str> = RULES
        .iter()
        .filter(|(rule, _)| !covered.contains(rule))
        .map(|(_, info)| info.id)
        .collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}

#[test]
fn the_rule_table_is_consistent() {
    let mut ids = BTreeSet::new();
    for (i, (rule, info)) in RULES.iter().enumerate() {
        assert_eq!(*rule as usize, i, "{} out of order", info.id);
        assert!(ids.insert(info.id), "{} twice", info.id);
        assert!(
            info.http.max(info.rust) > None && !info.explanation.is_empty(),
            "{} says nothing",
            info.id
        );
        assert_eq!(rule.info(), info);
    }
}

#[test]
fn cases_have_distinct_names_and_reasons() {
    let cases = corpus();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "duplicate case names");
    assert!(
        cases
            .iter()
            .all(|c| !c.why.is_empty() && !c.why.contains('\n'))
    );
}

#[test]
fn docs_only_changes_are_docs_only() {
    let mut new = base();
    at(&mut new, GET)["summary"] = json!("Read my profile");
    at(&mut new, &prop("UserProfile", "phone"))["description"] = json!("Where to call.");
    at(&mut new, "/info")["description"] = json!("Changed.");
    *at(
        &mut new,
        "/components/examples/DocumentedProfileEnvelope/value/message",
    ) = json!("Hello");
    let changes = diff(&Spec::from_doc(base()), &Spec::from_doc(new));
    assert!(changes.len() >= 3, "{changes:#?}");
    assert!(
        changes.iter().all(|c| c.http == Docs && c.rust == Docs),
        "{changes:#?}"
    );
}

#[test]
fn reordering_is_no_change() {
    fn reverse(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.reverse();
                for (k, mut v) in entries {
                    if k != "examples" && k != "example" && k != "oneOf" {
                        reverse(&mut v);
                    }
                    map.insert(k, v);
                }
            }
            Value::Array(items) => {
                items.iter_mut().for_each(reverse);
            }
            _ => {}
        }
    }
    let mut new = base();
    reverse(&mut new);
    at(&mut new, &schema("UserProfileResponse/required"))
        .as_array_mut()
        .unwrap()
        .reverse();
    at(&mut new, &schema("ValidationLocation/oneOf"))
        .as_array_mut()
        .unwrap()
        .reverse();
    let changes = diff(&Spec::from_doc(base()), &Spec::from_doc(new));
    assert!(changes.is_empty(), "{changes:#?}");
}

#[test]
fn markdown_groups_by_severity_and_flags_disagreement() {
    let mut new = base();
    remove(&mut new, &schema("UserProfileUpdate/properties"), "phone");
    at(&mut new, GET)["summary"] = json!("Read my profile");
    let report = markdown(&diff(&Spec::from_doc(base()), &Spec::from_doc(new)), "main");
    assert!(
        report.contains("**1 breaking**, 0 non-breaking, 1 docs-only against `main`"),
        "{report}"
    );
    assert!(
        report.contains("### Breaking") && report.contains("### Docs-only"),
        "{report}"
    );
    assert!(
        report.contains("`request-property-removed` ⚠ views differ"),
        "{report}"
    );
}

#[test]
fn json_names_each_rule_and_its_explanation() {
    let mut new = base();
    remove(&mut new, &schema("UserProfileUpdate/properties"), "phone");
    let report = json_report(&diff(&Spec::from_doc(base()), &Spec::from_doc(new)), "main");
    let change = &report["changes"][0];
    assert_eq!(change["rule"], "request-property-removed");
    assert_eq!(
        (change["http"].as_str(), change["rust"].as_str()),
        (Some("non-breaking"), Some("breaking"))
    );
    assert_eq!(
        change["explanation"],
        Rule::RequestPropertyRemoved.info().explanation
    );
    assert_eq!(report["summary"]["breaking_for_rust"], 1);
}
