//! The HTTP client this crate builds for itself, and what happens when TLS cannot be set
//! up: the client still works over plain http, and an https request says what is missing.

use std::time::Duration;

use crate::ConfigError;

/// The built-in HTTP client and, if TLS is unusable, why.
pub(crate) struct HttpClient {
    pub(crate) http: reqwest::Client,
    pub(crate) tls_unavailable: Option<String>,
}

/// Builds the client used unless the caller brings their own.
///
/// rustls with the system's CA certificates refuses to start on a system that has none (a
/// scratch or distroless image). Plain http needs no certificates, so the client is then
/// built without any, and the reason is kept for the first https request.
pub(crate) fn default_http_client(connect_timeout: Duration) -> Result<HttpClient, ConfigError> {
    let builder = || {
        reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            // The key is in the URL: following a redirect would hand it to the target.
            .redirect(reqwest::redirect::Policy::none())
    };
    if let Some(missing) = NO_TLS_BACKEND {
        let http = builder()
            .build()
            .map_err(|e| ConfigError::HttpClient(error_chain(&e)))?;
        return Ok(HttpClient {
            http,
            tls_unavailable: Some(missing.to_owned()),
        });
    }
    match with_roots(builder()).build() {
        Ok(http) => Ok(HttpClient {
            http,
            tls_unavailable: None,
        }),
        Err(error) => {
            let cause = error_chain(&error);
            let http = without_roots(builder())
                .build()
                .map_err(|_| ConfigError::HttpClient(cause.clone()))?;
            Ok(HttpClient {
                http,
                tls_unavailable: Some(format!(
                    "no TLS root certificates could be loaded ({cause}); install the system's CA \
                     certificates (ca-certificates) or enable the `webpki-roots` feature of insighto"
                )),
            })
        }
    }
}

/// A reqwest builder error with its whole chain of causes ("builder error" alone says
/// nothing); builder errors carry no URL, so no key.
fn error_chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
const NO_TLS_BACKEND: Option<&str> = None;
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
const NO_TLS_BACKEND: Option<&str> = Some(
    "insighto was built without TLS; enable its `rustls` (or `native-tls`) feature to use https",
);

/// Mozilla's roots, compiled in, in place of the system's.
#[cfg(feature = "webpki-roots")]
fn with_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.tls_certs_only(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter_map(|cert| reqwest::Certificate::from_der(cert).ok()),
    )
}

/// The system's roots (reqwest's default).
#[cfg(not(feature = "webpki-roots"))]
fn with_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
}

/// No roots at all: every https server is refused, plain http works.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn without_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.tls_certs_only([])
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn without_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
}
/// Whether a request to `base_url` would carry the key unencrypted past this machine:
/// plain http to a host that is not this machine (`localhost`, `127.0.0.0/8`, `::1`,
/// `::ffff:127.0.0.1`, `0.0.0.0`).
pub(crate) fn key_in_clear(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    if url.scheme() != "http" {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => !v4.is_loopback() && !v4.is_unspecified(),
            None => !ip.is_loopback() && !ip.is_unspecified(),
        },
        // 0.0.0.0 reaches this machine too.
        Ok(ip) => !ip.is_loopback() && !ip.is_unspecified(),
        // Only `localhost` itself: `*.localhost` may go to DNS, which may answer with
        // another machine.
        Err(_) => !host.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
    }
}

impl crate::Client {
    /// Whether this client sends its API key unencrypted over the network: its base URL
    /// is plain `http` to a host other than this machine. The key is in the query string,
    /// so anyone on the path can read it; the client still works (a proxy or a test
    /// server may need it), and logs a warning when it is built.
    ///
    /// ```
    /// let key = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    /// let remote = insighto::Client::builder(key).base_url("http://api.example.com").build()?;
    /// assert!(remote.sends_key_in_clear());
    /// let local = insighto::Client::builder(key).base_url("http://127.0.0.1:8080").build()?;
    /// assert!(!local.sends_key_in_clear());
    /// # Ok::<(), insighto::ConfigError>(())
    /// ```
    pub fn sends_key_in_clear(&self) -> bool {
        key_in_clear(self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::key_in_clear;

    #[test]
    fn only_plain_http_to_another_machine_exposes_the_key() {
        for local in [
            "http://127.0.0.1:8080",
            "http://127.1",
            "http://LOCALHOST.",
            "http://[::1]:9",
            "http://[::ffff:127.0.0.1]:9",
            "http://0.0.0.0:9",
            "https://api.example.com",
        ] {
            assert!(!key_in_clear(local), "{local}");
        }
        for remote in [
            "http://api.example.com",
            "http://192.0.2.1:9",
            "http://[2001:db8::1]",
            "http://[::ffff:192.0.2.1]",
            "http://evil.localhost",
        ] {
            assert!(key_in_clear(remote), "{remote}");
        }
    }
}
