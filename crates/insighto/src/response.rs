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
    /// The operation it answers (its `operationId`): it decides what an error status
    /// means (the generated `error_class`) and what the conformance check expects.
    pub(crate) operation: &'static str,
}

impl ResponseMeta {
    /// Takes `head` (boxed as the attempt's slot keeps it), redacting the key from every
    /// header value.
    pub(crate) fn new(mut head: Box<Head>, key: &ApiKey) -> Self {
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
        Self(Box::new(Head {
            status,
            headers,
            operation: "",
        }))
    }

    /// The HTTP status code, such as 200.
    pub fn status(&self) -> u16 {
        self.0.status.as_u16()
    }

    /// The operation (`operationId`) the response answers; empty when unknown.
    pub(crate) fn operation(&self) -> &'static str {
        self.0.operation
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
    /// Boxed: the slot is moved in and out of the thread-local on every poll.
    head: Option<Box<Head>>,
    /// Set by `exec` when it left the body to the generated code, unread: losing it
    /// there is then a transient failure of this attempt (`attempts!` in `client.rs`).
    pub(crate) body_unread: bool,
    /// Set by the call: keep the final response's body for a conformance check, whatever
    /// `exec` decides (`Client::check_conformance`).
    pub(crate) capture: bool,
    /// Set by `exec` when it kept the final response's body for a conformance check
    /// (asked by the call, the strict mode, or the drift sampler); `Bytes` is shared with
    /// the response, not copied.
    pub(crate) captured: Option<bytes::Bytes>,
}

thread_local! {
    /// The slot of the attempt whose call is being polled on this thread (see [`Attempt`]).
    /// It is there only while [`Scoped`] polls the call, so it works as a task-local:
    /// `exec` runs inside that poll.
    static ATTEMPT: RefCell<Option<Attempt>> = const { RefCell::new(None) };
}

pin_project_lite::pin_project! {
    /// One attempt of a generated call, run with its [`Attempt`] slot; it resolves to the
    /// call's result, and leaves in the slot what `exec` put there.
    ///
    /// Rather than tokio's `task_local!` scope: that hands each poll's result (a decoded
    /// profile, hundreds of bytes, even while pending) through three layers of closures
    /// and `Result`s, a copy each; here the call's poll returns straight to this one.
    struct Scoped<'s, F> {
        #[pin]
        call: F,
        slot: &'s mut Attempt,
    }
}

impl<F: Future> Future for Scoped<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = Entered::new(this.slot);
        this.call.poll(cx)
    }
}

/// The slot moved into [`ATTEMPT`] for the length of one poll, and back out when dropped
/// (a panicking call included), restoring whatever was there before.
struct Entered<'a> {
    slot: &'a mut Attempt,
    previous: Option<Option<Attempt>>,
}

impl<'a> Entered<'a> {
    fn new(slot: &'a mut Attempt) -> Self {
        // `None` (no way back) only while the thread is being torn down.
        let previous = ATTEMPT
            .try_with(|current| current.replace(Some(std::mem::take(&mut *slot))))
            .ok();
        Self { slot, previous }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take()
            && let Ok(Some(slot)) = ATTEMPT.try_with(|current| current.replace(previous))
        {
            *self.slot = slot;
        }
    }
}

/// Runs one attempt of a generated call with `slot` (made by [`Attempt::new`]); resolves
/// to the call's result.
pub(crate) fn scope<F: Future>(slot: &mut Attempt, call: F) -> impl Future<Output = F::Output> {
    Scoped { call, slot }
}

/// The current attempt's slot, changed by `f`; `None` outside a [`scope`].
fn with_attempt<R>(f: impl FnOnce(&mut Attempt) -> R) -> Option<R> {
    ATTEMPT
        .try_with(|current| current.borrow_mut().as_mut().map(f))
        .ok()
        .flatten()
}

impl Attempt {
    /// The slot of retry number `retry` (0 for the first attempt); `capture`: keep the
    /// final response's body ([`Captured`]).
    pub(crate) fn new(retry: u32, capture: bool) -> Self {
        Self {
            retry,
            capture,
            ..Self::default()
        }
    }

    /// The final response's head, if `exec` left one (still boxed, as `ResponseMeta`
    /// keeps it).
    pub(crate) fn head(self) -> Option<Box<Head>> {
        self.head
    }
}

/// Which retry `exec` is making; `None` outside a [`scope`], where there is no next
/// attempt.
pub(crate) fn retry() -> Option<u32> {
    with_attempt(|slot| slot.retry)
}

/// Whether the call asked for the final response's body (`Attempt::capture`).
pub(crate) fn capture_requested() -> bool {
    with_attempt(|slot| slot.capture).unwrap_or(false)
}

/// Called by `exec` with the body it kept for a conformance check.
pub(crate) fn keep_body(body: bytes::Bytes) {
    with_attempt(|slot| slot.captured = Some(body));
}

/// Called by `exec` when the attempt failed transiently: the call tries again after
/// `wait` (`attempts!` in `client.rs`).
pub(crate) fn again(wait: Duration) {
    with_attempt(|slot| slot.again = Some(wait));
}

/// Called by `exec` with the final response's status and headers: moves the headers into
/// the call's slot (when there is one; otherwise they stay where they are). `body_unread`:
/// the body goes to the generated code unread. `operation`: the `operationId` it answers.
pub(crate) fn stash(
    status: StatusCode,
    headers: &mut HeaderMap,
    body_unread: bool,
    operation: &'static str,
) {
    with_attempt(|slot| {
        slot.head = Some(Box::new(Head {
            status,
            headers: std::mem::take(headers),
            operation,
        }));
        slot.body_unread = body_unread;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call that yields once, reading its slot's retry number before and after.
    async fn reads_twice() -> (Option<u32>, Option<u32>) {
        let before = retry();
        tokio::task::yield_now().await;
        (before, retry())
    }

    /// Two attempts polled in turn on one task each see their own slot, across polls;
    /// outside them there is none, and what `exec` writes comes back with the result.
    #[tokio::test]
    async fn each_attempt_sees_its_own_slot_and_only_while_polled() {
        assert_eq!(retry(), None);
        let (mut slot_a, mut slot_b) = (Attempt::new(0, false), Attempt::new(3, false));
        let first = scope(&mut slot_a, async {
            let seen = reads_twice().await;
            again(Duration::from_millis(5));
            seen
        });
        let second = scope(&mut slot_b, reads_twice());
        let (a, b) = tokio::join!(first, second);
        assert_eq!(a, (Some(0), Some(0)));
        assert_eq!(b, (Some(3), Some(3)));
        assert_eq!(slot_a.again, Some(Duration::from_millis(5)));
        assert_eq!(slot_b.again, None);
        assert_eq!(retry(), None);
    }

    /// An attempt polled inside another's sees its own slot, and the outer one gets its
    /// own back afterwards.
    #[tokio::test]
    async fn a_nested_attempt_restores_the_outer_slot() {
        let mut outer_slot = Attempt::new(1, false);
        let (inner, outer) = scope(&mut outer_slot, async {
            let inner = scope(&mut Attempt::new(2, false), async { retry() }).await;
            (inner, retry())
        })
        .await;
        assert_eq!((inner, outer), (Some(2), Some(1)));
    }

    /// A call that panics while polled leaves no slot behind on the thread.
    #[test]
    fn a_panicking_attempt_leaves_no_slot_behind() {
        let mut slot = Attempt::new(7, false);
        let mut attempt = Box::pin(scope(&mut slot, async {
            assert_eq!(retry(), Some(7));
            panic!("the call fails hard")
        }));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = attempt.as_mut().poll(&mut cx);
        }));
        assert!(polled.is_err());
        assert_eq!(retry(), None);
        drop(attempt);
        assert_eq!(slot.retry, 7, "the slot comes back to its attempt");
    }
}
