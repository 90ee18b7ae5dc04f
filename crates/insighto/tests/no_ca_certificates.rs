//! On a system without CA certificates (a scratch image), a client still builds and works
//! over plain http, and an https request says what is missing instead of failing with a
//! bare "builder error".
//!
//! The system's roots are hidden by pointing `SSL_CERT_FILE` and `SSL_CERT_DIR` at an
//! empty file and directory, which rustls' platform verifier then reads instead. This
//! file holds one test, so no other test of this process sees the changed environment.

use std::{
    io::{Read, Write},
    net::TcpListener,
};

/// A one-shot HTTP server that answers any request with the documented envelope.
fn serve_one_profile() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let body = r#"{"message":"ok","meta":{},"data":{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","first_name":"Ada"}}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(reply.as_bytes()).unwrap();
    });
    url
}

#[tokio::test]
async fn without_ca_certificates_http_works_and_https_says_what_is_missing() {
    let empty = std::env::temp_dir().join(format!("insighto-no-certs-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("none.pem"), "").unwrap();
    // SAFETY: this test binary runs this one test; nothing else reads the environment.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", empty.join("none.pem"));
        std::env::set_var("SSL_CERT_DIR", &empty);
    }
    let key = "in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    let plain = insighto::Client::builder(key)
        .base_url(serve_one_profile())
        .build()
        .expect("no CA certificates must not stop a plain-http client");
    let me = plain.get_profile().await.expect("plain http needs no TLS");
    assert_eq!(me.first_name.as_deref(), Some("Ada"));

    let https = insighto::Client::builder(key)
        .base_url("https://127.0.0.1:9")
        .build()
        .expect("building never fails only for want of CA certificates");
    let error = https.get_profile().await.unwrap_err();
    let shown = error.to_string();
    if cfg!(feature = "webpki-roots") {
        // Bundled roots: TLS is set up, and the request fails to connect instead.
        assert!(
            !matches!(error, insighto::Error::TlsUnavailable { .. }),
            "{shown}"
        );
    } else {
        assert!(
            matches!(error, insighto::Error::TlsUnavailable { .. }),
            "{shown}"
        );
        assert!(
            shown.contains("No CA certificates"),
            "the cause is kept: {shown}"
        );
        assert!(
            shown.contains("webpki-roots"),
            "the remedy is named: {shown}"
        );
    }
    assert!(!shown.contains(key));
    let _ = std::fs::remove_dir_all(&empty);
}
