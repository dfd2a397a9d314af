//! The `synctera-sandbox` binary as a test runs it: started on a loopback port, its base URL read
//! from its first line, stopped by a signal, and killed if the test ends first (a failed
//! assertion must not leave a server running), with its state file removed afterwards.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The binary under test.
pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_synctera-sandbox"))
}

/// The binary under test, to listen on a free loopback port.
pub fn command() -> Command {
    let mut command = binary();
    command.args(["--listen", "127.0.0.1:0"]);
    command
}

/// A state file in the temporary directory, removed (with its WAL) when dropped.
pub struct TempDb(pub PathBuf);

impl TempDb {
    /// A path no other test (or earlier run) uses.
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        TempDb(std::env::temp_dir().join(format!(
            "sandbox-bin-{name}-{}-{nanos}.db",
            std::process::id()
        )))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("db-wal"));
        let _ = std::fs::remove_file(self.0.with_extension("db-shm"));
    }
}

/// A running sandbox process; killed (SIGKILL) when dropped unless it was stopped.
pub struct Running {
    child: Option<Child>,
    pub base: String,
}

/// The first line `child` prints on its piped stdout: the base URL of a sandbox that came up,
/// empty for one that refused to start.
pub fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .unwrap();
    line
}

impl Running {
    /// Starts `command` with its stdout piped and waits for the base URL it prints when ready.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let line = first_line(&mut child);
        let running = Running {
            child: Some(child),
            base: line.trim().to_string(),
        };
        assert!(
            running.base.starts_with("http://127.0.0.1:") && running.base.ends_with("/v0"),
            "no base URL: {line:?}"
        );
        running
    }

    /// Starts the binary with `args` after `--listen`, its logs discarded.
    pub fn with_args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Self {
        let mut command = command();
        command.args(args).stderr(Stdio::null());
        Self::start(command)
    }

    /// Starts the binary on the state file `db`, its logs discarded.
    pub fn on_state(db: &TempDb, extra_args: &[&str]) -> Self {
        let mut command = command();
        command
            .args(extra_args)
            .arg("--state")
            .arg(db.path())
            .stderr(Stdio::null());
        Self::start(command)
    }

    fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the process is running")
    }

    /// Sends `signal` (`"-INT"`, `"-TERM"`, …) and waits for the exit; its stderr if piped.
    pub fn stop_with(mut self, signal: &str) -> Output {
        let pid = self.child().id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
        self.child.take().unwrap().wait_with_output().unwrap()
    }

    /// SIGKILL: the crash a durable write must survive.
    pub fn crash(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the binary with `args` to its exit: for the starts that must be refused.
pub fn run_until_exit(args: &[&OsStr]) -> Output {
    command().args(args).stdin(Stdio::null()).output().unwrap()
}
