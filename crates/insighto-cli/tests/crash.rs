//! Crash safety: SIGKILL the sandbox process under write load; the database must open
//! again and hold every update the server acknowledged.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use assert_cmd::cargo::cargo_bin;
use insighto::{RetryPolicy, types::UserProfileUpdate};
use insighto_sandbox::{Sandbox, SandboxOptions};
use insighto_tests::text_fields;

/// An update that sets one text field.
fn update(field: &str, value: String) -> UserProfileUpdate {
    serde_json::from_value(serde_json::json!({ field: value })).expect("a text field of the update")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_write_load_loses_no_acknowledged_update() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.sqlite3");
    let mut child = Command::new(cargo_bin("insighto"))
        .args(["sandbox", "--port", "0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("Insighto sandbox listening on ")
        .to_owned();
    let key = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("Demo API key: ")
        .to_owned();
    std::thread::spawn(move || lines.for_each(drop));

    let client = insighto::Client::builder(&key)
        .base_url(&url)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let id = client.get_profile().await.unwrap().id;
    let acked = Arc::new(Mutex::new(vec![0u64; text_fields().len()]));
    let mut writers = Vec::new();
    for (i, field) in text_fields().iter().enumerate() {
        let (client, acked) = (client.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for n in 1u64.. {
                match client
                    .update_profile(id, &update(field, format!("{field}-{n}")))
                    .await
                {
                    Ok(_) => acked.lock().unwrap()[i] = n,
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.iter().all(|&n| n > 0),
        "no load reached the server: {acked:?}"
    );

    let reopened = Sandbox::open(&SandboxOptions {
        db: Some(db),
        ..Default::default()
    })
    .expect("the database opens after SIGKILL")
    .spawn_local()
    .await
    .unwrap();
    assert_eq!(reopened.demo_key(), key);
    let after = insighto::Client::builder(&key)
        .base_url(reopened.url())
        .build()
        .unwrap();
    let profile = serde_json::to_value(after.get_profile().await.unwrap()).unwrap();
    for (i, field) in text_fields().iter().enumerate() {
        let stored: u64 = profile[field.as_str()]
            .as_str()
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // The one in flight when the process died may have committed without its ack.
        assert!(
            stored == acked[i] || stored == acked[i] + 1,
            "{field}: acknowledged {} but stored {stored}",
            acked[i]
        );
    }
    println!(
        "acknowledged updates before SIGKILL: {}",
        acked.iter().sum::<u64>()
    );
}
