//! What each failure of an API call means for the user: one exit code per kind of
//! failure, and a hint that fits it. Only the codes for network trouble (6) and a
//! failing service (7) suggest trying again, because only there can it help.

use insighto::Error;

/// Exit codes scripts can rely on (also in `--help` and the README).
pub const OTHER: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const REFUSED: u8 = 4;
pub const NOT_FOUND: u8 = 5;
pub const NETWORK: u8 = 6;
pub const SERVER: u8 = 7;
pub const UNEXPECTED: u8 = 8;
pub const DRIFT: u8 = 9;

/// The `--help` text for the codes above.
pub const HELP: &str = "Exit codes: 0 ok, 1 other failure, 2 usage or configuration (also a value \
the API cannot store), 3 authentication (key refused, account inactive, not allowed), \
4 request refused as invalid (validation, too large), 5 not found, 6 network or timeout \
(try again), 7 service failed or rate limited (try again later), 8 unexpected answer \
(not the Insighto API: check --base-url), 9 the service differs from openapi.yaml \
(`insighto doctor`).";

/// The exit code and hint for a failed call.
pub fn classify(e: &Error) -> (u8, &'static str) {
    const CHECK_URL: &str =
        "check --base-url: it must be the API's root, such as https://api.insighto.ai";
    match e {
        _ if e.is_inactive_account() => (
            AUTH,
            "this account is deactivated; an administrator must reactivate it",
        ),
        Error::Unauthorized { .. } => (
            AUTH,
            "check --api-key, INSIGHTO_API_KEY or `insighto login`",
        ),
        Error::Forbidden { .. } => (
            AUTH,
            "this key may not do that (only a superuser changes other profiles or grants \
             superuser); check --api-key",
        ),
        Error::Validation { .. } => (REFUSED, "fix the values given"),
        Error::BadRequest {
            status: 413 | 414 | 431,
            ..
        } => (REFUSED, "shorten the values given"),
        Error::BadRequest { .. } => (REFUSED, "the server could not read the request"),
        Error::InvalidRequest { .. } => (USAGE, "fix the values given"),
        Error::NotFound { .. } => (NOT_FOUND, CHECK_URL),
        Error::Timeout { .. } | Error::Transport { .. } => (
            NETWORK,
            "check your network and --base-url, then try again (see --timeout, --retries)",
        ),
        Error::RateLimited { .. } => (SERVER, "wait a moment and try again"),
        Error::Drift { .. } => (
            DRIFT,
            "the service and openapi.yaml part ways; `insighto doctor` lists every difference",
        ),
        Error::Server { .. } => (SERVER, "the service failed; try again later"),
        Error::UnexpectedStatus { status: 408, .. } => (
            SERVER,
            "the service timed out reading the request; try again later",
        ),
        // Nothing was sent: this machine cannot make https requests.
        Error::TlsUnavailable { .. } => (
            USAGE,
            "install the system's CA certificates (ca-certificates), or build with insighto's webpki-roots feature",
        ),
        // Redirects, 204, 418, bodies that are not the documented JSON or too large:
        // the other end is not (or not only) the Insighto API, and retrying cannot help.
        _ => (UNEXPECTED, CHECK_URL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_suggest_trying_again() {
        let meta = |status: u16| insighto::ResponseMeta::from_parts(status, Default::default());
        let status = |status: u16| Error::UnexpectedStatus {
            status,
            excerpt: String::new(),
            response: meta(status),
        };
        let bad = |status: u16, detail: &str| Error::BadRequest {
            status,
            detail: detail.to_owned(),
            response: meta(status),
        };
        let cases = [
            (bad(400, "Inactive user"), AUTH),
            (bad(400, "There was an error parsing the body"), REFUSED),
            (bad(413, "too large"), REFUSED),
            (bad(431, "too many"), REFUSED),
            (status(418), UNEXPECTED),
            (status(302), UNEXPECTED),
            (status(204), UNEXPECTED),
            (status(408), SERVER),
            (
                Error::Decode {
                    status: 200,
                    reason: "x".into(),
                    excerpt: "x".into(),
                    response: meta(200),
                },
                UNEXPECTED,
            ),
            (
                Error::InvalidRequest {
                    reason: insighto::InvalidRequestReason::Builder,
                    detail: "x".into(),
                },
                USAGE,
            ),
            (
                Error::NotFound {
                    detail: "x".into(),
                    response: meta(404),
                },
                NOT_FOUND,
            ),
            (
                Error::Timeout {
                    limit: insighto::TimeLimit::Total,
                },
                NETWORK,
            ),
            (
                Error::TlsUnavailable {
                    reason: "no CA certificates".into(),
                },
                USAGE,
            ),
        ];
        for (error, code) in cases {
            let (found, hint) = classify(&error);
            assert_eq!(found, code, "{error}");
            let retry_helps = matches!(code, NETWORK | SERVER);
            assert_eq!(hint.contains("try again"), retry_helps, "{error}: {hint}");
            assert!(!hint.contains("user id"), "{hint}");
        }
    }
}
