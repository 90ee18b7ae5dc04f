//! A fresh application outside the workspace that depends on the packaged crates the way
//! a crates.io user's does: the `.crate` files unpacked and wired in with
//! `[patch.crates-io]`, no lockfile, so the newest compatible versions of everything else.
//!
//! `cargo xtask package` packages and verifies every publishable crate, builds this
//! application with the default features and with the lean ones, and runs each against a
//! sandbox. `cargo xtask bench` builds it from clean to measure what the dependency costs.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::run;

/// What the application depends on.
#[derive(Clone, Copy, Debug)]
pub enum Flavor {
    /// No insighto: reqwest, serde, serde_json, tokio, uuid and chrono, the least a
    /// hand-written client of this API needs. The yardstick for build cost.
    Floor,
    /// `insighto = "0.1"`, as the README says: the checked-in generated code, no
    /// progenitor.
    Default,
    /// `insighto` with `rustls` only: no config file support either.
    Lean,
}

impl Flavor {
    pub fn name(self) -> &'static str {
        match self {
            Self::Floor => "floor",
            Self::Default => "default",
            Self::Lean => "lean",
        }
    }

    fn dependencies(self, version: &str) -> String {
        let tokio = r#"tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#;
        match self {
            Self::Floor => format!(
                "reqwest = {{ version = \"0.13\", features = [\"json\"] }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\n\
                 serde_json = \"1\"\n{tokio}\n\
                 uuid = {{ version = \"1\", features = [\"serde\"] }}\n\
                 chrono = {{ version = \"0.4\", features = [\"serde\"] }}\n"
            ),
            Self::Default => format!("insighto = \"{version}\"\n{tokio}\n"),
            Self::Lean => format!(
                "insighto = {{ version = \"{version}\", default-features = false, features = [\"rustls\"] }}\n{tokio}\n"
            ),
        }
    }
}

/// The floor's program: the same GET and typed decode, written against reqwest by hand.
const FLOOR_MAIN: &str = r#"
#[derive(serde::Deserialize)]
struct Envelope { data: Profile }
#[derive(serde::Deserialize)]
struct Profile {
    id: uuid::Uuid,
    first_name: Option<String>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("INSIGHTO_BASE_URL")?;
    let key = std::env::var("INSIGHTO_API_KEY")?;
    let envelope: Envelope = reqwest::Client::new()
        .get(format!("{base}/api/v1/user?api_key={key}"))
        .send().await?.error_for_status()?.json().await?;
    let p = envelope.data;
    println!("{} {:?} {:?}", p.id, p.first_name, p.updated_at);
    Ok(())
}
"#;

/// `cargo metadata --no-deps` of the workspace.
fn workspace_metadata(root: &Path) -> Result<Value, String> {
    let out = run(Command::new("cargo").current_dir(root).args([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
    ]))?;
    serde_json::from_str(&out).map_err(|e| format!("cargo metadata: {e}"))
}

/// The workspace's crates meant for crates.io (not `publish = false`), from `cargo metadata`.
pub fn publishable(root: &Path) -> Result<Vec<(String, String)>, String> {
    let meta = workspace_metadata(root)?;
    Ok(meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["publish"].is_null())
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (field("name"), field("version"))
        })
        .collect())
}

/// Packages every publishable crate (verifying each: it must build from its own package
/// alone) into `target/package-verify/package` and returns that directory.
pub fn package(root: &Path, verify: bool) -> Result<PathBuf, String> {
    // Held until packaging ends: another checkout packaging at the same time would
    // otherwise remove the crates this run's verification is building from.
    let _lock = lock_cargo_home()?;
    forget_unpacked_packages(root)?;
    let verify_target = root.join("target/package-verify");
    forget_built_packages(root, &verify_target)?;
    let mut cmd = Command::new("cargo");
    // Local runs package the working tree as it is; CI packages a clean checkout.
    cmd.current_dir(root)
        .env("CARGO_TARGET_DIR", &verify_target)
        .args(["package", "--locked", "--allow-dirty"]);
    if !verify {
        cmd.arg("--no-verify");
    }
    for (name, _) in publishable(root)? {
        cmd.args(["-p", &name]);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run cargo package: {e}"))?;
    if !status.success() {
        return Err("cargo package failed".into());
    }
    Ok(verify_target.join("package"))
}

/// Cargo treats a registry package as immutable, so a build of our package from the
/// verification registry made before the package changed would count as fresh. Removing
/// our crates' fingerprints from the verification target makes cargo build them again;
/// the dependencies stay built.
fn forget_built_packages(root: &Path, target: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(target.join("debug/.fingerprint")) else {
        return Ok(());
    };
    let ours: Vec<String> = publishable(root)?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        // `NAME-HASH`, the hash being 16 hex digits.
        let Some((name, hash)) = file_name.rsplit_once('-') else {
            continue;
        };
        if hash.len() == 16 && ours.iter().any(|o| o == name) {
            std::fs::remove_dir_all(entry.path()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn cargo_home() -> Result<PathBuf, String> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or_else(|| "neither CARGO_HOME nor HOME is set".to_owned())
}

/// An exclusive lock on `$CARGO_HOME/insighto-package.lock`, waited for if another
/// `cargo xtask package` holds it; released when dropped.
fn lock_cargo_home() -> Result<std::fs::File, String> {
    let path = cargo_home()?.join("insighto-package.lock");
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        eprintln!(
            "waiting for another `cargo xtask package` to finish ({})",
            path.display()
        );
        file.lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    }
    Ok(file)
}

/// Verification builds each package against the others through a local registry, which
/// cargo unpacks into `$CARGO_HOME/registry/src/-<hash>/NAME-VERSION` and then reuses while
/// the version stays the same, even when the package changed. Removing our crates there
/// makes every run verify what it just packaged.
fn forget_unpacked_packages(root: &Path) -> Result<(), String> {
    let home = cargo_home()?;
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
        return Ok(());
    };
    let ours: Vec<String> = publishable(root)?
        .into_iter()
        .map(|(name, version)| format!("{name}-{version}"))
        .collect();
    for registry in registries.flatten() {
        // Local registries have no name before the hash; crates.io's is `index.crates.io-…`.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for unpacked in &ours {
            let dir = registry.path().join(unpacked);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
            }
        }
    }
    Ok(())
}

/// Writes the application into `dir` (emptied first), depending on the packages in
/// `packages`, unpacked into `dir/packages`.
pub fn create(root: &Path, packages: &Path, flavor: Flavor, dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let crates = publishable(root)?;
    let version = &crates
        .iter()
        .find(|(name, _)| name == "insighto")
        .ok_or("insighto is not publishable")?
        .1;
    let mut patch = String::from("[patch.crates-io]\n");
    if !matches!(flavor, Flavor::Floor) {
        let unpacked = dir.join("packages");
        std::fs::create_dir_all(&unpacked).map_err(|e| e.to_string())?;
        for (name, version) in &crates {
            let file = packages.join(format!("{name}-{version}.crate"));
            run(Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&unpacked))?;
            patch.push_str(&format!(
                "{name} = {{ path = \"packages/{name}-{version}\" }}\n"
            ));
        }
    }
    let main = match flavor {
        Flavor::Floor => FLOOR_MAIN.to_owned(),
        // The packaged quickstart, which is the README's, word for word.
        _ => std::fs::read_to_string(dir.join(format!(
            "packages/insighto-{version}/examples/quickstart.rs"
        )))
        .map_err(|e| format!("the package has no examples/quickstart.rs: {e}"))?,
    };
    let manifest = format!(
        "[package]\nname = \"consumer-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         # Not part of the insighto workspace.\n[workspace]\n\n[dependencies]\n{}\n{}",
        flavor.name(),
        flavor.dependencies(version),
        if matches!(flavor, Flavor::Floor) {
            ""
        } else {
            &patch
        },
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    Ok(())
}

/// What one build cost: wall-clock time and CPU time (user + system, all processes).
pub struct Cost {
    pub wall: Duration,
    pub cpu: Duration,
}

/// Builds the application in `dir` with `target` as its target directory.
pub fn build(dir: &Path, target: &Path) -> Result<Cost, String> {
    let cpu_before = children_cpu();
    let started = Instant::now();
    run(Command::new("cargo")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .args(["build", "--quiet"]))?;
    Ok(Cost {
        wall: started.elapsed(),
        cpu: children_cpu().saturating_sub(cpu_before),
    })
}

/// CPU time of every child process waited for so far (cargo waits for its rustc's).
fn children_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// A sandbox started from the workspace's CLI, stopped on drop.
pub struct Sandbox {
    child: std::process::Child,
    pub url: String,
    pub key: String,
}

impl Sandbox {
    pub fn start(root: &Path) -> Result<Self, String> {
        run(Command::new("cargo").current_dir(root).args([
            "build",
            "--quiet",
            "-p",
            "insighto-cli",
        ]))?;
        let mut child = Command::new(target_directory(root)?.join("debug/insighto"))
            .args(["sandbox", "--port", "0", "--in-memory"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        let stdout = child.stdout.take().ok_or("no sandbox stdout")?;
        let (mut url, mut key) = (None, None);
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            if let Some(u) = line.strip_prefix("Insighto sandbox listening on ") {
                url = Some(u.trim().to_owned());
            } else if let Some(k) = line.strip_prefix("Demo API key: ") {
                key = Some(k.trim().to_owned());
            }
            if url.is_some() && key.is_some() {
                break;
            }
        }
        // Keep draining its output, so the sandbox never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        match (url, key) {
            (Some(url), Some(key)) => Ok(Self { child, url, key }),
            _ => {
                let _ = child.kill();
                Err("the sandbox did not print its URL and demo key".into())
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where cargo builds this workspace (`target/` unless `CARGO_TARGET_DIR` moves it).
fn target_directory(root: &Path) -> Result<PathBuf, String> {
    workspace_metadata(root)?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata gives no target_directory".to_owned())
}

/// `cargo xtask package`: package and verify, then build and run the consumer
/// application in both feature sets against a sandbox.
pub fn package_and_consume(root: &Path) -> Result<(), String> {
    let packages = package(root, true)?;
    let work = root.join("target/consumer");
    let sandbox = Sandbox::start(root)?;
    for (flavor, name) in [(Flavor::Default, "Ada"), (Flavor::Lean, "Grace")] {
        let dir = work.join(flavor.name());
        create(root, &packages, flavor, &dir)?;
        eprintln!("consumer ({}): building {}", flavor.name(), dir.display());
        let cost = build(&dir, &work.join("target"))?;
        eprintln!(
            "consumer ({}): built in {:.0} s ({:.0} s CPU), running against the sandbox",
            flavor.name(),
            cost.wall.as_secs_f64(),
            cost.cpu.as_secs_f64()
        );
        let binary = work.join(format!("target/debug/consumer-{}", flavor.name()));
        let out = run(Command::new(&binary)
            .arg(name)
            .env("INSIGHTO_BASE_URL", &sandbox.url)
            .env("INSIGHTO_API_KEY", &sandbox.key))?;
        print!("{}", out.replace(&sandbox.key, "[REDACTED]"));
        if !out.contains(&format!("first name: {name}")) {
            return Err(format!(
                "the {} consumer did not set the first name to {name}",
                flavor.name()
            ));
        }
    }
    println!(
        "xtask package: every publishable crate packaged, verified and used from outside the workspace"
    );
    Ok(())
}
