//! Hostile input against the sandbox: every case gets a 4xx or a closed connection,
//! never a 500 or a hang, and the server keeps serving other clients meanwhile.

use std::time::{Duration, Instant};

use insighto_sandbox::{RunningSandbox, Sandbox, SandboxOptions};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn sandbox() -> RunningSandbox {
    let options = SandboxOptions {
        body_timeout: Some(Duration::from_millis(300)),
        header_timeout: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    Sandbox::open(&options)
        .unwrap()
        .spawn_local()
        .await
        .unwrap()
}

/// Sends raw bytes and returns the status of the answer, or `None` if the server closed
/// the connection without one. Fails if nothing happens within 5 s.
async fn raw(sandbox: &RunningSandbox, request: &[u8]) -> Option<u16> {
    let addr = sandbox.url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server hung on {:?}",
        String::from_utf8_lossy(&request[..request.len().min(80)])
    );
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

fn put(sandbox: &RunningSandbox, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "PUT /api/v1/user/{}?api_key={} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{headers}\r\n",
        sandbox.demo().user_id,
        sandbox.demo_key()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

fn with_length(content_type: &str, body: &[u8]) -> String {
    format!(
        "content-type: {content_type}\r\ncontent-length: {}\r\n",
        body.len()
    )
}

async fn still_serving(sandbox: &RunningSandbox) {
    let client = insighto::Client::builder(sandbox.demo_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let started = Instant::now();
    client
        .get_profile()
        .await
        .expect("a well-behaved client is still served");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served slowly: {:?}",
        started.elapsed()
    );
}

fn refused(status: Option<u16>) -> bool {
    status.is_none_or(|s| (400..500).contains(&s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_4xx_or_a_closed_connection() {
    let sandbox = sandbox().await;
    let deep = "[".repeat(100_000);
    let big = vec![b'x'; insighto_sandbox::MAX_BODY_BYTES * 4];
    let huge_query = format!(
        "GET /api/v1/user?api_key={}&q={} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        sandbox.demo_key(),
        "a".repeat(1 << 20)
    );
    let huge_header = format!(
        "GET /api/v1/user?api_key={} HTTP/1.1\r\nhost: x\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        sandbox.demo_key(),
        "b".repeat(1 << 20)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("deep json", put(&sandbox, &with_length("application/json", deep.as_bytes()), deep.as_bytes())),
        ("oversized body", put(&sandbox, &with_length("application/json", &big), &big)),
        ("oversized chunked body", {
            let mut chunked = put(&sandbox, "content-type: application/json\r\ntransfer-encoding: chunked\r\n", b"");
            for _ in 0..8 {
                chunked.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
                chunked.extend(std::iter::repeat_n(b'x', 64 * 1024));
                chunked.extend_from_slice(b"\r\n");
            }
            chunked.extend_from_slice(b"0\r\n\r\n");
            chunked
        }),
        ("text/plain body", put(&sandbox, &with_length("text/plain", b"{}"), b"{}")),
        ("multipart body", put(&sandbox, &with_length("multipart/form-data; boundary=x", b"--x--"), b"--x--")),
        ("invalid utf-8 body", put(&sandbox, &with_length("application/json", b"{\"phone\": \"\xff\"}"), b"{\"phone\": \"\xff\"}")),
        ("wrong types", put(&sandbox, &with_length("application/json", br#"{"is_active": 1e400, "email": ["a"], "role_id": {}}"#), br#"{"is_active": 1e400, "email": ["a"], "role_id": {}}"#)),
        ("bad user id", b"PUT /api/v1/user/%FF%FE?api_key=x HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}".to_vec()),
        ("invalid utf-8 key", b"GET /api/v1/user?api_key=%FF%FE HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec()),
        ("raw invalid bytes in path", b"GET /api/v1/\xff\xfe HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec()),
        ("huge query string", huge_query.into_bytes()),
        ("huge header", huge_header.into_bytes()),
        ("garbage request line", b"\x16\x03\x01\x02\x00 hello\r\n\r\n".to_vec()),
        ("unsupported method", b"BREW /api/v1/user HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec()),
        ("body shorter than its length", put(&sandbox, "content-type: application/json\r\ncontent-length: 100\r\n", b"{\"first_name\"")),
        ("slow headers", b"GET /api/v1/user HTTP/1.1\r\nhost: x\r\n".to_vec()),
    ];
    let mut tried = 0;
    for (name, request) in cases {
        let status = raw(&sandbox, &request).await;
        assert!(refused(status), "{name}: answered {status:?}");
        still_serving(&sandbox).await;
        tried += 1;
    }
    println!("hostile cases tried: {tried}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_do_not_block_others() {
    let sandbox = sandbox().await;
    let addr = sandbox.url().trim_start_matches("http://").to_owned();
    // 50 clients that send half a request and stall.
    let mut stalled = Vec::new();
    for i in 0..50 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let partial = if i % 2 == 0 {
            b"GET /api/v1/user HTTP/1.1\r\nhost".to_vec()
        } else {
            put(
                &sandbox,
                "content-type: application/json\r\ncontent-length: 50\r\n",
                b"{\"first",
            )
        };
        s.write_all(&partial).await.unwrap();
        stalled.push(s);
    }
    for _ in 0..5 {
        still_serving(&sandbox).await;
    }
    // Each stalled connection is answered with a 4xx or closed once its time is up.
    for mut s in stalled {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "a stalled connection was never closed");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_but_legal_values_are_stored() {
    let sandbox = sandbox().await;
    let client = insighto::Client::builder(sandbox.demo_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let long = "é\u{0}\"\\".repeat(4_000);
    let update =
        insighto::types::UserProfileUpdate::builder().address(insighto::Patch::set(long.clone()));
    let profile = client.update_my_profile(update).await.unwrap();
    assert_eq!(profile.address.as_deref(), Some(long.as_str()));
}
