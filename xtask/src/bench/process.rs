//! Running processes and finding ports, for every measurement (and the rest of xtask).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Runs `cmd` to completion; its stdout, or an error with both outputs when it fails.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A child process, killed and reaped when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `insighto-bench ARGS` (release build), a server that prints its URL as its
/// first line; the server stops when the returned guard is dropped.
pub fn bench_server(
    root: &Path,
    args: &[&std::ffi::OsStr],
    what: &str,
) -> Result<(Killed, String), String> {
    let mut child = Command::new(root.join("target/release/insighto-bench"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let child = Killed(child);
    let url = BufReader::new(stdout)
        .lines()
        .next()
        .ok_or(format!("{what} exited"))?
        .map_err(|e| e.to_string())?;
    Ok((child, url))
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Waits until something accepts connections on the loopback `port`.
pub fn wait_for_port(port: u16, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on port {port} after {limit:?}"))
}
