//! A response past the size limit fails at once as `ResponseTooLarge`, with the default
//! retry policy: it is not a transient failure, whether its length is declared (and over
//! the limit) or not (chunked).
//!
//! Retries happen above the generated call, which also retries a body lost while the
//! generated code reads it; the too-large error reaches the same place and must not be
//! taken for one.

use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

/// A server answering every request with `reply`, one connection a request; counts them.
fn serve(reply: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (url, requests)
}

const BODY: &str =
    r#"{"message":"ok","meta":{},"data":{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}}"#;

#[tokio::test]
async fn a_body_over_the_limit_is_not_retried() {
    let declared: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
            BODY.len()
        )
        .into_boxed_str(),
    );
    let chunked: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{BODY}\r\n0\r\n\r\n",
            BODY.len()
        )
        .into_boxed_str(),
    );
    for (name, reply) in [("declared length", declared), ("chunked", chunked)] {
        let (url, requests) = serve(reply);
        let client = insighto::Client::builder("in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
            .base_url(url)
            .max_response_bytes(BODY.len() - 1)
            .build()
            .unwrap();
        let err = client.get_profile().await.unwrap_err();
        assert!(
            matches!(err, insighto::Error::ResponseTooLarge { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(requests.load(Ordering::SeqCst), 1, "{name}");

        // Within the limit, the same reply is a profile.
        let client = insighto::Client::builder("in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
            .base_url(client.base_url())
            .max_response_bytes(BODY.len())
            .build()
            .unwrap();
        assert!(client.get_profile().await.is_ok(), "{name}");
        assert_eq!(requests.load(Ordering::SeqCst), 2, "{name}");
    }
}
