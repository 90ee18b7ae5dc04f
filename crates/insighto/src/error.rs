//! Typed errors. None of them can carry the API key: every string that came from the
//! server is redacted, and transport errors are stripped of their URL.

use std::time::Duration;

use crate::{ApiKey, ResponseMeta, response::Head, types::ValidationError};

/// How much of an error response's body is looked at (a `detail` is short).
const ERROR_BODY_BYTES: usize = 64 * 1024;

/// How many characters of an unexpected body an error keeps.
const EXCERPT_CHARS: usize = 200;

/// The client could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key was given (or `INSIGHTO_API_KEY` is unset).
    #[error("no Insighto API key: set INSIGHTO_API_KEY or pass a key (Settings, API Keys)")]
    MissingApiKey,
    /// The key is empty or only whitespace.
    #[error("the Insighto API key is empty")]
    EmptyApiKey,
    /// The key cannot be a key.
    #[error("the Insighto API key is malformed: {reason}")]
    InvalidApiKey {
        /// What is wrong with it (never the key itself).
        reason: &'static str,
    },
    /// The base URL is not an http(s) URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An environment variable is set but is not Unicode.
    #[error("environment variable {0} is not valid Unicode")]
    NotUnicode(&'static str),
    /// reqwest could not build its HTTP client (for example, no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// A [`default_header`](crate::ClientBuilder::default_header) the client cannot
    /// send: not valid HTTP, the key, or a header the client sets itself.
    #[error("cannot send the header {name:?}: {reason}")]
    InvalidHeader {
        /// The header's name (never its value).
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The config file is not valid: a TOML error, an unknown setting, or a bad value.
    #[error("malformed config file {}, line {line}, column {column}: {message}", path.display())]
    MalformedConfigFile {
        /// The file.
        path: std::path::PathBuf,
        /// Where the problem is, from 1.
        line: usize,
        /// The column in that line, from 1.
        column: usize,
        /// What is wrong (never the key).
        message: String,
    },
    /// The config file could not be read or written.
    #[error("cannot {action} {}: {reason}", path.display())]
    ConfigFileIo {
        /// The file or directory.
        path: std::path::PathBuf,
        /// `read`, `write` or `create`.
        action: &'static str,
        /// The operating system's reason.
        reason: String,
    },
    /// The config file is not a regular file, or others could have written it or the
    /// directory it is in (as ssh refuses its own): it is not read.
    #[error("refusing the config file {}: {reason}; {fix}", path.display())]
    UnsafeConfigFile {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
        /// How to fix it, such as `run chmod 600 <path>`.
        fix: String,
    },
    /// The config file has no `api_key` (or does not exist).
    #[error("no API key in {}: run `insighto login` or set INSIGHTO_API_KEY", .0.display())]
    NoKeyInConfigFile(std::path::PathBuf),
    /// Neither `XDG_CONFIG_HOME` nor `HOME` (on Windows `APPDATA`) is an absolute path.
    #[error("cannot find your config directory: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
}

/// The first finding and how many there are, on one line.
fn summarize_findings(findings: &[crate::Finding], omitted: usize) -> String {
    let total = findings.len() + omitted;
    match findings.first() {
        Some(first) if total > 1 => format!("{first} (and {} more)", total - 1),
        Some(first) => first.to_string(),
        None => "no finding kept".to_owned(),
    }
}

/// The errors an error status can become, as `openapi.yaml` names them on each response
/// (`x-insighto-error`); the generated `error_class` maps each operation's statuses to
/// these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Validation,
    RateLimited,
    Server,
}

/// A failed API call.
///
/// # Which status becomes which error
///
/// Each error status an operation of `openapi.yaml` documents, the variant its
/// response names (`x-insighto-error`), whether [`Error::is_retryable`] says a retry can
/// help, and the exit code of the `insighto` command-line tool. A test generates this
/// table from the spec and checks each row with a real call.
///
#[doc = include_str!("error_table.md")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the key is missing or unknown.
    #[error("the Insighto API rejected the API key ({}): {detail}", response.status())]
    Unauthorized {
        /// The server's `detail`.
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 403: the key may not do this (older FastAPI versions also use 403 for a bad key).
    #[error("the Insighto API refused the request ({}): {detail}", response.status())]
    Forbidden {
        /// The server's `detail`.
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 400, 413, 414 or 431: the server would not read the request (a deactivated
    /// account's key, a body or URL too large, headers too many); sending it again
    /// cannot help.
    #[error("the Insighto API refused the request ({status}): {detail}")]
    BadRequest {
        /// The HTTP status.
        status: u16,
        /// The server's `detail`, such as "Inactive user".
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 404: no such user.
    #[error("not found ({}): {detail}", response.status())]
    NotFound {
        /// The server's `detail`.
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 422: the request did not validate; `detail` says which field and why.
    #[error("the request did not validate ({}): {}", response.status(), summarize(detail))]
    Validation {
        /// FastAPI's list of problems.
        detail: Vec<ValidationError>,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 429: too many requests, after any retries allowed.
    #[error("rate limited by the Insighto API ({}){}", response.status(), retry_hint(*retry_after))]
    RateLimited {
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The server's `detail`, if any.
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// 5xx: the service (or a proxy in front of it) failed.
    #[error("the Insighto API failed ({status}): {detail}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's `detail`, or an excerpt of its body.
        detail: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// Another status the API does not document.
    #[error("unexpected HTTP status {status} from the Insighto API: {excerpt}")]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        excerpt: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// A time limit ran out: one attempt's (connect, send, read:
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout)) or the whole call's,
    /// retries and waits included
    /// ([`ClientBuilder::total_timeout`](crate::ClientBuilder::total_timeout)).
    #[error("the request to the Insighto API timed out ({limit})")]
    Timeout {
        /// Which limit ran out.
        limit: TimeLimit,
    },
    /// The server could not be reached or the connection failed.
    #[error("could not reach the Insighto API: {source}")]
    Transport {
        /// What the HTTP stack reported, its URL (which holds the key) removed.
        #[source]
        source: TransportError,
    },
    /// The response had a success status but a body that is not the documented JSON.
    #[error(
        "undecodable response from the Insighto API ({status}): {reason}; body starts: {excerpt}"
    )]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The start of the body.
        excerpt: String,
        /// The status and headers of the response (request id, rate-limit headers...).
        response: ResponseMeta,
    },
    /// The response body was larger than the configured limit.
    #[error("the response from the Insighto API is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The limit (see `ClientBuilder::max_response_bytes`).
        limit: usize,
        /// The status and headers, which arrived before the body.
        response: Option<ResponseMeta>,
    },
    /// The response differs from `openapi.yaml`, and the client is strict
    /// ([`ClientBuilder::strict_responses`](crate::ClientBuilder::strict_responses)):
    /// where and how, with the response's status and headers. The forgiving default
    /// reads such a response when it can, and logs a warning instead.
    #[error(
        "the response to {operation} differs from openapi.yaml: {}",
        summarize_findings(findings, *omitted)
    )]
    Drift {
        /// The operation called, such as `get_user_profile`.
        operation: &'static str,
        /// What differs, where (JSON pointers; no value that could hold a secret).
        findings: Vec<crate::Finding>,
        /// How many findings more than `findings` holds.
        omitted: usize,
        /// The status and headers of the response.
        response: ResponseMeta,
    },
    /// The request could not be built from the arguments given; nothing was sent.
    #[error("invalid request ({reason}): {detail}")]
    InvalidRequest {
        /// Why, as a kind to match on.
        reason: InvalidRequestReason,
        /// Why, in words (the key redacted).
        detail: String,
    },
    /// The base URL is https but TLS could not be set up: the system has no CA
    /// certificates (install them, or enable the `webpki-roots` feature), or the crate was
    /// built without a TLS feature. Nothing was sent.
    #[error("cannot make https requests: {reason}")]
    TlsUnavailable {
        /// What is missing and how to provide it.
        reason: String,
    },
}

/// Which time limit ran out ([`Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// One attempt's limit ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout),
    /// 30 s by default), or the connect limit; a retry may follow it.
    Attempt,
    /// The whole call's ([`ClientBuilder::total_timeout`](crate::ClientBuilder::total_timeout)):
    /// an attempt was cut short, or the wait before the next would pass it.
    Total,
}

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Attempt => "the per-attempt time limit ran out",
            Self::Total => "the call's total time limit ran out",
        })
    }
}

/// Why a request could not be built ([`Error::InvalidRequest`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequestReason {
    /// An update builder could not produce an update (a field given an unusable value).
    Builder,
    /// A value could not be encoded as the API stores it (a date-time outside years
    /// 1-9999, say).
    Unencodable,
    /// An argument of the operation could not be sent.
    Argument,
}

impl std::fmt::Display for InvalidRequestReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Builder => "the update could not be built",
            Self::Unencodable => "a value cannot be sent",
            Self::Argument => "an argument cannot be sent",
        })
    }
}

/// A failure to reach the service or to keep the connection, as the HTTP stack reported
/// it; its URL (which holds the key) is removed, and its text redacted.
///
/// `Display` gives the whole chain of causes on one line (`error sending request: client
/// error (Connect): tcp connect error: Connection refused`); `source()` gives the causes
/// themselves.
#[derive(Debug)]
pub struct TransportError {
    inner: reqwest::Error,
    /// The redacted chain, made once with the key at hand.
    text: String,
}

impl TransportError {
    fn new(inner: reqwest::Error, key: &ApiKey) -> Self {
        let inner = inner.without_url();
        let mut text = inner.to_string();
        let mut cause = std::error::Error::source(&inner);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        Self {
            text: key.redact(&text),
            inner,
        }
    }

    /// Whether connecting failed (nothing was sent).
    pub fn is_connect(&self) -> bool {
        self.inner.is_connect()
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner)
    }
}

impl Error {
    /// Whether trying the same call again later may succeed: a timeout, a connection
    /// failure, 408, 429 and 5xx, the failures the [`RetryPolicy`](crate::RetryPolicy)
    /// retries (this error came after its retries ran out). Everything else (a refused
    /// key, a request the service will not take, an answer that is not the API's, drift)
    /// fails the same way again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::RateLimited { response, .. }
            | Self::Server { response, .. }
            | Self::UnexpectedStatus { response, .. } => {
                crate::retry::is_retryable_status(response.status())
            }
            _ => false,
        }
    }

    /// Whether the key was refused because its account is deactivated (400 "Inactive
    /// user", as `openapi.yaml` documents).
    pub fn is_inactive_account(&self) -> bool {
        matches!(self, Self::BadRequest { status: 400, detail, .. } if detail == "Inactive user")
    }

    /// The HTTP status of the response behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            // The table in `openapi.yaml` may give a variant more than one status.
            Self::Unauthorized { response, .. }
            | Self::Forbidden { response, .. }
            | Self::NotFound { response, .. }
            | Self::Validation { response, .. }
            | Self::RateLimited { response, .. }
            | Self::Drift { response, .. } => Some(response.status()),
            Self::Server { status, .. }
            | Self::BadRequest { status, .. }
            | Self::UnexpectedStatus { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::ResponseTooLarge { .. }
            | Self::InvalidRequest { .. }
            | Self::TlsUnavailable { .. } => None,
        }
    }

    /// The status and headers of the response behind this error, if one arrived.
    pub fn response(&self) -> Option<&ResponseMeta> {
        match self {
            Self::Unauthorized { response, .. }
            | Self::Forbidden { response, .. }
            | Self::BadRequest { response, .. }
            | Self::NotFound { response, .. }
            | Self::Validation { response, .. }
            | Self::RateLimited { response, .. }
            | Self::Server { response, .. }
            | Self::UnexpectedStatus { response, .. }
            | Self::Decode { response, .. }
            | Self::Drift { response, .. } => Some(response),
            Self::ResponseTooLarge { response, .. } => response.as_ref(),
            Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::InvalidRequest { .. }
            | Self::TlsUnavailable { .. } => None,
        }
    }

    /// The request id of the response behind this error (see
    /// [`ResponseMeta::request_id`]), to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        self.response().and_then(ResponseMeta::request_id)
    }

    /// Turns progenitor's error into ours, reading the body of error responses. `head`
    /// is the final response's status and headers, which `exec` moved out of it.
    pub(crate) async fn from_generated(
        err: progenitor_client::Error<()>,
        head: Option<Box<Head>>,
        key: &ApiKey,
    ) -> Self {
        use progenitor_client::Error as G;
        let meta = |head: Option<Box<Head>>, status: reqwest::StatusCode| {
            let head = head.unwrap_or_else(|| {
                Box::new(Head {
                    status,
                    headers: Default::default(),
                    operation: "",
                })
            });
            ResponseMeta::new(head, key)
        };
        match err {
            // The body did not serialize (a value no server can store): nothing was sent.
            G::CommunicationError(e) if e.is_builder() => {
                match std::error::Error::source(&e)
                    .and_then(|s| s.downcast_ref::<serde_json::Error>())
                {
                    Some(json) => {
                        Self::invalid(InvalidRequestReason::Unencodable, &json.to_string(), key)
                    }
                    None => Self::from_reqwest(e, head.map(|h| ResponseMeta::new(h, key)), key),
                }
            }
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Self::from_reqwest(e, head.map(|h| ResponseMeta::new(h, key)), key)
            }
            G::InvalidResponsePayload(body, e) => {
                let response = meta(head, reqwest::StatusCode::OK);
                Self::Decode {
                    status: response.status(),
                    reason: key.redact(&e.to_string()),
                    excerpt: excerpt(&body, key),
                    response,
                }
            }
            G::UnexpectedResponse(response) => {
                // Without a slot (never the case in this crate) the headers are still here.
                let head = head.unwrap_or_else(|| {
                    Box::new(Head {
                        status: response.status(),
                        headers: response.headers().clone(),
                        operation: "",
                    })
                });
                Self::from_response(response, ResponseMeta::new(head, key), key).await
            }
            G::ErrorResponse(rv) => Self::UnexpectedStatus {
                status: rv.status().as_u16(),
                excerpt: String::new(),
                response: meta(head, rv.status()),
            },
            G::InvalidRequest(msg) | G::Custom(msg) => {
                Self::invalid(InvalidRequestReason::Argument, &msg, key)
            }
        }
    }

    /// A failure of the transport or of reading the body; `response` is the head that
    /// arrived before the body, if any.
    pub(crate) fn from_reqwest(
        e: reqwest::Error,
        response: Option<ResponseMeta>,
        key: &ApiKey,
    ) -> Self {
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            if let Some(BodyTooLarge { limit }) = cause.downcast_ref::<BodyTooLarge>() {
                return Self::ResponseTooLarge {
                    limit: *limit,
                    response,
                };
            }
            source = cause.source();
        }
        if e.is_timeout() {
            Self::Timeout {
                limit: TimeLimit::Attempt,
            }
        } else {
            Self::Transport {
                source: TransportError::new(e, key),
            }
        }
    }

    /// [`Error::InvalidRequest`], the key redacted from `detail`.
    pub(crate) fn invalid(reason: InvalidRequestReason, detail: &str, key: &ApiKey) -> Self {
        Self::InvalidRequest {
            reason,
            detail: key.redact(detail),
        }
    }

    async fn from_response(response: reqwest::Response, meta: ResponseMeta, key: &ApiKey) -> Self {
        let retry_after = crate::retry::retry_after(meta.headers(), std::time::SystemTime::now());
        // `exec` has already read this body with the client's size limit (`buffer` in
        // client.rs; past the limit this is the too-large error), or it is a 2xx whose
        // known length is within the limit. An error needs only the start of the body.
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Self::from_reqwest(e, Some(meta), key),
        };
        let start = &body[..body.len().min(ERROR_BODY_BYTES)];
        Self::from_status(start, retry_after, meta, key)
    }

    /// Classifies an error response by status.
    pub(crate) fn from_status(
        body: &[u8],
        retry_after: Option<Duration>,
        response: ResponseMeta,
        key: &ApiKey,
    ) -> Self {
        let detail = || detail_text(body, key);
        let status = response.status();
        // Per operation: a status it does not document is not the API's answer.
        match crate::generated::error_class(response.operation(), status) {
            Some(ErrorClass::BadRequest) => Self::BadRequest {
                status,
                detail: detail(),
                response,
            },
            Some(ErrorClass::Unauthorized) => Self::Unauthorized {
                detail: detail(),
                response,
            },
            Some(ErrorClass::Forbidden) => Self::Forbidden {
                detail: detail(),
                response,
            },
            Some(ErrorClass::NotFound) => Self::NotFound {
                detail: detail(),
                response,
            },
            Some(ErrorClass::Validation) => {
                match serde_json::from_slice::<crate::types::HttpValidationError>(body) {
                    Ok(parsed) => Self::Validation {
                        detail: parsed
                            .detail
                            .into_iter()
                            .map(|v| redact_issue(v, key))
                            .collect(),
                        response,
                    },
                    Err(e) => Self::Decode {
                        status,
                        reason: format!(
                            "{status} body is not FastAPI's HTTPValidationError: {}",
                            key.redact(&e.to_string())
                        ),
                        excerpt: excerpt(body, key),
                        response,
                    },
                }
            }
            Some(ErrorClass::RateLimited) => Self::RateLimited {
                retry_after,
                detail: detail(),
                response,
            },
            Some(ErrorClass::Server) => Self::Server {
                status,
                detail: detail(),
                response,
            },
            None => Self::UnexpectedStatus {
                status,
                excerpt: excerpt(body, key),
                response,
            },
        }
    }
}

/// FastAPI's `{"detail": "..."}` if the body is that, else an excerpt of the body.
fn detail_text(body: &[u8], key: &ApiKey) -> String {
    #[derive(serde::Deserialize)]
    struct Detail {
        detail: serde_json::Value,
    }
    match serde_json::from_slice::<Detail>(body) {
        Ok(Detail {
            detail: serde_json::Value::String(s),
        }) => truncate(&key.redact(&s)),
        Ok(Detail { detail }) => truncate(&key.redact(&detail.to_string())),
        Err(_) => excerpt(body, key),
    }
}

/// Every string of a validation problem passes through the redaction: `loc` too, which
/// a server may build from the request (a query parameter's name or value).
fn redact_issue(mut issue: ValidationError, key: &ApiKey) -> ValidationError {
    use crate::types::ValidationLocation;
    issue.msg = key.redact(&issue.msg);
    issue.type_ = key.redact(&issue.type_);
    for part in &mut issue.loc {
        if let ValidationLocation::String(s) = part {
            *s = key.redact(s);
        }
    }
    issue
}

/// The start of a body, lossily decoded, whitespace collapsed, key redacted.
pub(crate) fn excerpt(body: &[u8], key: &ApiKey) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "(empty body)".to_owned();
    }
    // Only the start is shown, and redacting all of a 16 MiB body would take seconds: the
    // redaction sees as much as can hold any encoded key (12 characters for each of its
    // own at most, `\uXXXX\uXXXX`) that begins within what `truncate` keeps.
    let reach = EXCERPT_CHARS + 12 * key.expose().chars().count() + 1;
    let start = match collapsed.char_indices().nth(reach) {
        Some((cut, _)) => &collapsed[..cut],
        None => &collapsed,
    };
    truncate(&key.redact(start))
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn summarize(detail: &[ValidationError]) -> String {
    if detail.is_empty() {
        return "no details given".to_owned();
    }
    detail
        .iter()
        .map(|issue| {
            let loc = issue
                .loc
                .iter()
                .map(|part| match part {
                    crate::types::ValidationLocation::String(s) => s.clone(),
                    crate::types::ValidationLocation::Integer(i) => i.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".");
            format!("{loc}: {}", issue.msg)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!("; retry after {} s", d.as_secs()),
        None => String::new(),
    }
}

/// The body-stream error that marks a response over the size limit.
#[derive(Debug)]
pub(crate) struct BodyTooLarge {
    pub(crate) limit: usize,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "response body larger than {} bytes", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    #[test]
    fn an_excerpt_of_a_huge_body_hides_the_key_wherever_it_starts_within_view() {
        let key = ApiKey::new(KEY).unwrap();
        let encoded = KEY.replace('-', "%2D");
        for lead in [0, 150, 199, 250] {
            let mut body = "x ".repeat(lead / 2).into_bytes();
            body.extend_from_slice(encoded.as_bytes());
            body.extend(std::iter::repeat_n(b'y', 4 * 1024 * 1024));
            let shown = excerpt(&body, &key);
            assert!(!shown.contains(&KEY[3..20]), "lead {lead}: {shown}");
            assert!(shown.chars().count() <= EXCERPT_CHARS + 1, "{shown}");
        }
        assert_eq!(excerpt(b" \n\t ", &key), "(empty body)");
    }
}
