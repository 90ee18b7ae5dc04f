//! A stopped sandbox's port is reused by the next one, which shares nothing with it. Alone
//! in its test binary: the listeners are pooled per process, so another test running at
//! the same time could take the stopped one's port.

mod common;

use std::time::Duration;

use common::{Connection, runtime, spawn_local, status};

#[test]
fn a_stopped_sandbox_answers_nobody_and_its_port_serves_only_the_next_one() {
    let rt = runtime();
    let first = spawn_local(&rt);
    let (url, key) = (first.url().to_owned(), first.demo_key().to_owned());
    assert_eq!(status(&url, &key), Some(200));
    rt.block_on(first.shutdown());

    // Stopped, its port is idle: a connection is closed without an answer.
    assert_eq!(status(&url, &key), None);

    // The next sandbox takes the idle port, and knows nothing of the first: a new demo
    // key, and the old one is refused.
    let next = spawn_local(&rt);
    assert_eq!(next.url(), url);
    assert_ne!(next.demo_key(), key);
    assert_eq!(status(next.url(), next.demo_key()), Some(200));
    assert_eq!(status(next.url(), &key), Some(401));

    // Dropped rather than shut down, the same holds, once its connections have ended
    // (on the sandbox's thread, a moment after the answers they carried).
    let key = next.demo_key().to_owned();
    drop(next);
    std::thread::sleep(Duration::from_millis(100));
    let third = spawn_local(&rt);
    assert_eq!(third.url(), url);
    assert_eq!(status(third.url(), &key), Some(401));
    assert_eq!(status(third.url(), third.demo_key()), Some(200));

    // While a client keeps a connection to a dropped sandbox open, its port serves no
    // later sandbox: that connection's next request is not answered, and a new
    // connection to the later sandbox's URL reaches the later one.
    let mut kept = Connection::open(third.url());
    assert_eq!(kept.get(third.demo_key()), Some(200));
    let key = third.demo_key().to_owned();
    drop(third);
    let fourth = spawn_local(&rt);
    assert_ne!(fourth.url(), url);
    assert_eq!(status(fourth.url(), fourth.demo_key()), Some(200));
    assert_eq!(kept.get(&key), None);
    // Closed, that connection gives the port back (a moment later, on the sandbox's
    // thread), the longest idle of the pool: a sandbox started after `fourth` stops
    // gets it first.
    std::thread::sleep(Duration::from_millis(100));
    drop(fourth);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(spawn_local(&rt).url(), url);
}
