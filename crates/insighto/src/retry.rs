//! When and how long to wait before trying a request again.

use std::time::{Duration, SystemTime};

use reqwest::{StatusCode, header::HeaderMap};

/// Retries with exponential backoff and jitter.
///
/// Connection errors, timeouts, 408, 429 and 5xx are retried, for both operations
/// (a GET and a PUT of the same body are idempotent). A `Retry-After` header, in
/// seconds or as an HTTP date, replaces the backoff; above `max_retry_after` the client
/// gives up at once and returns [`Error::RateLimited`](crate::Error::RateLimited).
///
/// ```
/// use std::time::Duration;
/// let policy = insighto::RetryPolicy::default().max_retries(5);
/// assert_eq!(policy.get_max_retries(), 5);
/// assert_eq!(insighto::RetryPolicy::none().get_max_retries(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 2 retries, backoff from 200 ms doubling up to 5 s, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How many times a request may be repeated after the first attempt.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The wait before the first retry; it doubles for each further one.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest wait between two attempts computed by backoff.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` the client will wait for; longer ones end the call.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The configured number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (0-based), with "equal jitter": half fixed,
    /// half random, so that clients that failed together do not retry together.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_backoff);
        let half = exp / 2;
        half + half.mul_f64(unit_random())
    }

    /// What to do after an attempt that got a response with `status`.
    pub(crate) fn after_status(
        &self,
        retry: u32,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        if retry >= self.max_retries || !is_retryable_status(status.as_u16()) {
            return None;
        }
        match retry_after(headers, SystemTime::now()) {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }

    /// What to do after an attempt that failed without a response.
    pub(crate) fn after_error(&self, retry: u32, error: &reqwest::Error) -> Option<Duration> {
        let transient = error.is_connect() || error.is_timeout() || error.is_request();
        (retry < self.max_retries && transient).then(|| self.backoff(retry))
    }

    /// What to do after the connection failed while the body was being read.
    pub(crate) fn after_body_error(&self, retry: u32) -> Option<Duration> {
        (retry < self.max_retries).then(|| self.backoff(retry))
    }
}

/// The statuses worth another attempt: 408, 429 and 5xx.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

/// A uniformly distributed number in `[0, 1)` for jitter.
///
/// Jitter needs spread, not cryptographic quality: the standard library's per-instance
/// random hash keys supply it without a random-number crate in every user's build.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // The top 53 bits fill an f64's mantissa exactly.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses `Retry-After` as delay-seconds or an HTTP date (relative to `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers(&later), now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&past), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 0..20 {
            let exp = Duration::from_millis(200)
                .saturating_mul(2u32.saturating_pow(retry.min(16)))
                .min(Duration::from_secs(5));
            let d = p.backoff(retry);
            assert!(
                d >= exp / 2 && d <= exp,
                "retry {retry}: {d:?} outside [{:?}, {exp:?}]",
                exp / 2
            );
        }
    }

    #[test]
    fn jitter_is_spread_over_the_unit_interval() {
        let draws: Vec<f64> = (0..4000).map(|_| unit_random()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        // Each quarter of [0, 1) gets about a quarter of the draws (a constant or a
        // clustered source fails this).
        for quarter in 0..4 {
            let low = f64::from(quarter) / 4.0;
            let n = draws
                .iter()
                .filter(|x| (low..low + 0.25).contains(*x))
                .count();
            assert!((800..1200).contains(&n), "quarter {quarter}: {n} of 4000");
        }
    }

    #[test]
    fn which_statuses_retry() {
        let p = RetryPolicy::default();
        let none = HeaderMap::new();
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                p.after_status(0, StatusCode::from_u16(s).unwrap(), &none)
                    .is_some(),
                "{s}"
            );
        }
        for s in [200, 400, 401, 403, 404, 422] {
            assert!(
                p.after_status(0, StatusCode::from_u16(s).unwrap(), &none)
                    .is_none(),
                "{s}"
            );
        }
        assert!(
            p.after_status(2, StatusCode::SERVICE_UNAVAILABLE, &none)
                .is_none()
        );
        assert!(
            RetryPolicy::none()
                .after_status(0, StatusCode::SERVICE_UNAVAILABLE, &none)
                .is_none()
        );
        assert!(
            p.after_status(0, StatusCode::TOO_MANY_REQUESTS, &headers("3600"))
                .is_none()
        );
        assert_eq!(
            p.after_status(0, StatusCode::TOO_MANY_REQUESTS, &headers("1")),
            Some(Duration::from_secs(1))
        );
    }
}
