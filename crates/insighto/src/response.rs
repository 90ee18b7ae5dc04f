//! Response metadata: the status and headers of the response behind a value or an error.
//!
//! The final response's status and headers are moved (not copied) out of the response
//! into the slot of the attempt (`Attempt`) before the generated code decodes the body,
//! so that a call can hand them back with the value ([`Response`]) or an error
//! ([`ResponseMeta`] in [`Error`](crate::Error)) without a second request. The simple
//! calls just drop them.

use std::{
    cell::RefCell,
    fmt,
    ops::Deref,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderValue},
};

use tokio::task::futures::TaskLocalFuture;

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
    pub(crate) fn new(head: Head, key: &ApiKey) -> Self {
        Self::from_box(Box::new(head), key)
    }

    /// Like [`new`](Self::new), for a head already boxed.
    pub(crate) fn from_box(mut head: Box<Head>, key: &ApiKey) -> Self {
        for value in head.headers.values_mut() {
            let text = String::from_utf8_lossy(value.as_bytes());
            // Every encoding of the key counts, as everywhere else (`redact_secret`).
            if let std::borrow::Cow::Owned(redacted) = crate::redact_secret(&text, key.expose()) {
                *value = HeaderValue::from_str(&redacted)
                    .unwrap_or_else(|_| HeaderValue::from_static(crate::redact::REDACTED));
            }
        }
        Self(head)
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

/// What one attempt of a call and its `exec` tell each other: which retry this is, and
/// back, the final response's head or the wait before the next attempt.
#[derive(Default)]
pub(crate) struct Attempt {
    /// 0 for the first attempt.
    pub(crate) retry: u32,
    /// Set by `exec` when the attempt failed transiently: try again after this long.
    pub(crate) again: Option<Duration>,
    /// Boxed: the slot is swapped in and out of the task on every poll.
    head: Option<Box<Head>>,
    /// Set by `exec` when it left the body to the generated code, unread: losing it
    /// there is then a transient failure of this attempt (`Client::attempts`).
    pub(crate) body_unread: bool,
}

tokio::task_local! {
    /// The slot of the attempt being made (see [`Attempt`]).
    static ATTEMPT: RefCell<Attempt>;
}

pin_project_lite::pin_project! {
    /// One attempt of a generated call, run with its [`Attempt`] slot; it resolves to the
    /// call's result and the slot. (A plain future around the call rather than an `async`
    /// block, which would hold the call twice: as its capture and as the future it awaits.)
    struct Scoped<F: Future> {
        #[pin]
        scoped: TaskLocalFuture<RefCell<Attempt>, F>,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = (F::Output, Attempt);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut scoped = self.project().scoped;
        let result = std::task::ready!(scoped.as_mut().poll(cx));
        let slot = scoped.take_value().map(RefCell::into_inner);
        Poll::Ready((result, slot.unwrap_or_default()))
    }
}

/// Runs one attempt of a generated call with its [`Attempt`] slot (retry number `retry`);
/// resolves to the call's result and the slot.
pub(crate) fn scope<F: Future>(retry: u32, call: F) -> impl Future<Output = (F::Output, Attempt)> {
    let slot = RefCell::new(Attempt {
        retry,
        ..Attempt::default()
    });
    Scoped {
        scoped: ATTEMPT.scope(slot, call),
    }
}

impl Attempt {
    /// The final response's head, if `exec` left one (still boxed, as `ResponseMeta`
    /// keeps it).
    pub(crate) fn head(self) -> Option<Box<Head>> {
        self.head
    }
}

/// Which retry `exec` is making; `None` outside a [`scope`], where there is no next
/// attempt.
pub(crate) fn retry() -> Option<u32> {
    ATTEMPT.try_with(|slot| slot.borrow().retry).ok()
}

/// Called by `exec` when the attempt failed transiently: the call tries again after
/// `wait` (`Client::attempts`).
pub(crate) fn again(wait: Duration) {
    let _ = ATTEMPT.try_with(|slot| slot.borrow_mut().again = Some(wait));
}

/// Called by `exec` with the final response's status and headers: moves the headers into
/// the call's slot (when there is one; otherwise they stay where they are). `body_unread`:
/// the body goes to the generated code unread.
pub(crate) fn stash(status: StatusCode, headers: &mut HeaderMap, body_unread: bool) {
    let _ = ATTEMPT.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        slot.head = Some(Box::new(Head {
            status,
            headers: std::mem::take(headers),
        }));
        slot.body_unread = body_unread;
    });
}
