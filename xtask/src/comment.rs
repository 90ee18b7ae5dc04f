//! The sticky pull-request comment: one comment per pull request, found again by a
//! hidden marker and updated in place, never a new comment per push.
//!
//! The workflow lists the pull request's comments (`gh api .../comments`), hands them to
//! `cargo xtask pr-comment`, and carries out the one request it prints.

use serde::Deserialize;
use serde_json::json;

/// The hidden first line that identifies the contract-review comment.
pub const MARKER: &str = "<!-- insighto:contract-review -->";

/// The account GitHub Actions posts as with the workflow's `GITHUB_TOKEN`.
pub const BOT: &str = "github-actions[bot]";

/// One existing comment, as the GitHub REST API lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Existing {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
}

/// Reads a listing (comments, issues): a JSON array, or one JSON object a line (what `gh api --paginate
/// --jq '.[]'` prints for every page).
pub fn parse_listing<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<Vec<T>, serde_json::Error> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text);
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

/// What to do with the pull request's comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No comment of ours yet: create one.
    Create,
    /// Ours exists with other text: edit it.
    Update(u64),
    /// Ours already says this.
    Unchanged(u64),
}

/// The comment text for a report: the marker, then the report.
pub fn body(report: &str) -> String {
    format!("{MARKER}\n{}", report.trim_end())
}

/// Decides between creating and updating. Only a comment the bot wrote and that starts
/// with the marker counts (a person quoting the marker is never overwritten); if there
/// are several, the oldest (lowest id) is kept up to date.
pub fn plan(existing: &[Existing], body: &str) -> Action {
    let ours = existing
        .iter()
        .filter(|c| c.user.as_ref().is_some_and(|u| u.login == BOT))
        .filter(|c| c.body.as_deref().is_some_and(|b| b.starts_with(MARKER)))
        .min_by_key(|c| c.id);
    match ours {
        None => Action::Create,
        Some(c) if c.body.as_deref() == Some(body) => Action::Unchanged(c.id),
        Some(c) => Action::Update(c.id),
    }
}

/// The request that carries out `action` (method, path below the repository, JSON body).
pub fn request(action: &Action, pr: u64, body: &str) -> Option<(&'static str, String, String)> {
    let payload = json!({ "body": body }).to_string();
    match action {
        Action::Create => Some(("POST", format!("issues/{pr}/comments"), payload)),
        Action::Update(id) => Some(("PATCH", format!("issues/comments/{id}"), payload)),
        Action::Unchanged(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, login: &str, body: &str) -> Existing {
        Existing {
            id,
            body: Some(body.to_owned()),
            user: Some(User {
                login: login.to_owned(),
            }),
        }
    }

    #[test]
    fn creates_when_none_is_ours() {
        let report = body("## API contract changes\n");
        let others = [
            comment(1, "alice", "LGTM"),
            // A person quoting the marker does not make the comment ours.
            comment(2, "bob", &format!("{MARKER}\nfake")),
            // Nor does a bot comment without the marker.
            comment(3, BOT, "Deploy preview ready"),
        ];
        assert_eq!(plan(&others, &report), Action::Create);
        assert_eq!(plan(&[], &report), Action::Create);
        let (method, path, payload) = request(&Action::Create, 42, &report).unwrap();
        assert_eq!((method, path.as_str()), ("POST", "issues/42/comments"));
        let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(payload["body"], report.as_str());
    }

    #[test]
    fn updates_ours_in_place_on_every_push() {
        let first = body("**1 breaking**");
        let second = body("**0 breaking**");
        let existing = [
            comment(7, "alice", "please bump the version"),
            comment(9, BOT, &first),
        ];
        assert_eq!(plan(&existing, &second), Action::Update(9));
        assert_eq!(plan(&existing, &first), Action::Unchanged(9));
        assert_eq!(request(&Action::Unchanged(9), 42, &first), None);
        let (method, path, _) = request(&Action::Update(9), 42, &second).unwrap();
        assert_eq!((method, path.as_str()), ("PATCH", "issues/comments/9"));
    }

    #[test]
    fn keeps_the_oldest_of_several() {
        let existing = [comment(12, BOT, &body("b")), comment(10, BOT, &body("a"))];
        assert_eq!(plan(&existing, &body("c")), Action::Update(10));
    }

    #[test]
    fn reads_the_rest_api_listing() {
        let listing = r#"[{"id": 5, "body": "<!-- insighto:contract-review -->\nold", "user": {"login": "github-actions[bot]", "type": "Bot"}, "html_url": "x"},
                          {"id": 6, "body": null, "user": null}]"#;
        let existing: Vec<Existing> = parse_listing(listing).unwrap();
        assert_eq!(plan(&existing, &body("new")), Action::Update(5));
    }

    #[test]
    fn reads_one_comment_a_line() {
        let lines = "{\"id\": 3, \"body\": \"hi\", \"user\": {\"login\": \"alice\"}}\n\n{\"id\": 4, \"body\": \"<!-- insighto:contract-review -->\\nx\", \"user\": {\"login\": \"github-actions[bot]\"}}\n";
        let existing: Vec<Existing> = parse_listing(lines).unwrap();
        assert_eq!(existing.len(), 2);
        assert_eq!(plan(&existing, &body("y")), Action::Update(4));
        assert!(parse_listing::<Existing>("").unwrap().is_empty());
        assert!(parse_listing::<Existing>("{oops").is_err());
    }

    #[test]
    fn the_marker_is_hidden_and_first() {
        let text = body("## API contract changes\n\nNo change.\n\n");
        assert!(text.starts_with("<!--") && MARKER.ends_with("-->"));
        assert!(text.ends_with("No change."));
    }
}
