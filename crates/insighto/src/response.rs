//! Response metadata: the status and headers of the response behind a value or an error.
//!
//! The final response's status and headers are moved (not copied) out of the response
//! into a per-call slot before the generated code decodes the body, so that a call can
//! hand them back with the value ([`Response`]) or an error ([`ResponseMeta`] in
//! [`Error`](crate::Error)) without a second request. The simple calls just drop them.

use std::{cell::RefCell, fmt, ops::Deref};

use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderValue},
};

use crate::ApiKey;

/// The response headers that [`ResponseMeta::request_id`] reads, first match wins.
///
/// Insighto does not document a request-id header; these are the ones common in front of
/// FastAPI services (`x-request-id` from the usual middleware, which the sandbox sends
/// too; `request-id`; Cloudflare's `cf-ray`).
pub const REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "request-id", "cf-ray"];

/// The status line and headers of a response (the body is in the value or the error).
///
/// Any header value that contains the API key (raw or URL-encoded) is redacted when the
/// metadata is taken, so showing it is as safe as showing an [`Error`](crate::Error).
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseMeta(Box<Head>);

/// What a response carried besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

impl ResponseMeta {
    /// Takes `head`, redacting the key from every header value.
    pub(crate) fn new(mut head: Head, key: &ApiKey) -> Self {
        for value in head.headers.values_mut() {
            let text = String::from_utf8_lossy(value.as_bytes());
            // Every encoding of the key counts, as everywhere else (`redact_secret`).
            if let std::borrow::Cow::Owned(redacted) = crate::redact_secret(&text, key.expose()) {
                *value = HeaderValue::from_str(&redacted)
                    .unwrap_or_else(|_| HeaderValue::from_static(crate::redact::REDACTED));
            }
        }
        Self(Box::new(head))
    }

    /// Metadata made by hand, for tests of code that handles [`Error`](crate::Error)s.
    ///
    /// ```
    /// let meta = insighto::ResponseMeta::from_parts(404, Default::default());
    /// assert_eq!(meta.status(), 404);
    /// ```
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status (100 to 999).
    pub fn from_parts(status: u16, headers: HeaderMap) -> Self {
        let status = StatusCode::from_u16(status).expect("an HTTP status, 100 to 999");
        Self(Box::new(Head { status, headers }))
    }

    /// The HTTP status code, such as 200.
    pub fn status(&self) -> u16 {
        self.0.status.as_u16()
    }

    /// All response headers, as the server sent them (the key redacted, if any echoed it).
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// One header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.0.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request id to quote to support: the first of [`REQUEST_ID_HEADERS`] present.
    pub fn request_id(&self) -> Option<&str> {
        REQUEST_ID_HEADERS.iter().find_map(|name| self.header(name))
    }
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseMeta")
            .field("status", &self.status())
            .field("request_id", &self.request_id())
            .field("headers", &self.0.headers)
            .finish()
    }
}

/// A decoded value together with the [`ResponseMeta`] of the response it came from.
///
/// It dereferences to the value, so `response.data.email` reads the profile directly.
///
/// ```no_run
/// # async fn demo(client: insighto::Client) -> Result<(), insighto::Error> {
/// let response = client.get_profile_with_response().await?;
/// println!("status {}", response.meta().status());
/// println!("request id {:?}", response.meta().request_id());
/// println!("rate limit left {:?}", response.meta().header("x-ratelimit-remaining"));
/// let profile = response.into_value().data;
/// # let _ = profile; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    meta: ResponseMeta,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, meta: ResponseMeta) -> Self {
        Self { value, meta }
    }

    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded value, dropping the metadata.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The status and headers.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The value and the metadata, apart.
    pub fn into_parts(self) -> (T, ResponseMeta) {
        (self.value, self.meta)
    }

    /// Transforms the value, keeping the metadata (`r.map(|envelope| envelope.data)`).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            meta: self.meta,
        }
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

tokio::task_local! {
    /// Where `exec` leaves the final response's head for the call that awaits it (boxed:
    /// the slot is swapped in and out of the task on every poll, so it stays one pointer).
    static LAST_HEAD: RefCell<Option<Box<Head>>>;
}

/// Runs one generated call with a slot for its final response's head, and returns the
/// result with the head if a response arrived. (A plain function returning the scoped
/// future: one `async fn` layer less to move the generated future through.)
pub(crate) fn capturing<R>(
    call: impl Future<Output = R>,
) -> impl Future<Output = (R, Option<Head>)> {
    LAST_HEAD.scope(RefCell::new(None), async move {
        let result = call.await;
        (
            result,
            LAST_HEAD.with(|slot| slot.borrow_mut().take().map(|h| *h)),
        )
    })
}

/// Called by `exec` with the final response's parts: moves the headers into the call's
/// slot (when there is one; otherwise they stay where they are).
pub(crate) fn stash(parts: &mut http::response::Parts) {
    let _ = LAST_HEAD.try_with(|slot| {
        *slot.borrow_mut() = Some(Box::new(Head {
            status: parts.status,
            headers: std::mem::take(&mut parts.headers),
        }));
    });
}
