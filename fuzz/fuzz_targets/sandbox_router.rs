//! The sandbox's router, on any method, path, query, headers and body: never a 500,
//! never a panic, always a JSON body.
//!
//! Input: a method byte, then NUL-separated: the path and query, the headers (one
//! `name: value` per line), the body.
#![no_main]

use std::sync::LazyLock;

use axum::body::Body;
use libfuzzer_sys::fuzz_target;
use tower_service::Service;

static ROUTER: LazyLock<axum::Router> = LazyLock::new(|| {
    let sandbox = insighto_sandbox::Sandbox::open(&Default::default()).expect("in memory");
    sandbox.router()
});

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    // Timers: the sandbox bounds how long a request body may take.
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| {
    let Some((&method, rest)) = data.split_first() else {
        return;
    };
    let method = ["GET", "PUT", "POST", "DELETE", "PATCH"][usize::from(method) % 5];
    let mut parts = rest.splitn(3, |&b| b == 0);
    let target = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let headers = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default().to_vec();
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri(format!("/{}", target.trim_start_matches('/')));
    // `Prefer: code=N` asks for a documented error, a 5xx included (the spec's `5XX`).
    // Every code any `Prefer` header names counts (the sandbox reads the first header,
    // and the code up to a separator: `code=534, x` asks for 534).
    let mut asked: Vec<u16> = Vec::new();
    for line in headers.lines() {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("prefer") {
                for (_, after) in value.match_indices("code=").map(|(i, _)| ((), &value[i + 5..])) {
                    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                    asked.extend(digits.parse::<u16>().ok());
                }
            }
            request = request.header(name.trim(), value.trim());
        }
    }
    let Ok(request) = request.body(Body::from(body)) else {
        return;
    };
    RUNTIME.block_on(async {
        let response = ROUTER.clone().call(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .expect("a body");
        assert!(
            status.as_u16() < 500 || asked.contains(&status.as_u16()),
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "{status}: not JSON: {:?}",
            String::from_utf8_lossy(&bytes)
        );
    });
});
