//! Runs the real `frontlined` binary as a child process: captures its log lines, waits for
//! them with a deadline, and stops it with SIGTERM (or SIGKILL on drop).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Daemon {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Daemon {
    /// Starts `frontlined --config <config>` plus `args`, logging at info level without colour.
    pub fn start(config: &Path, args: &[&str]) -> Daemon {
        Daemon::start_with_env(config, args, &[])
    }

    /// As `start`, with extra environment variables for the child only.
    pub fn start_with_env(config: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontlined"))
            .arg("--config")
            .arg(config)
            .args(args)
            // Never let a test daemon talk to a service manager the test runner may live under.
            .env_remove("NOTIFY_SOCKET")
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .env_remove("JOURNAL_STREAM")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("frontlined starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Daemon {
            child,
            lines,
            reader: Some(reader),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every log line so far.
    pub fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// How many log lines contain every one of `needles`.
    pub fn count(&self, needles: &[&str]) -> usize {
        self.log()
            .iter()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .count()
    }

    /// Waits until `cond` holds over the log, or panics after `timeout` showing the log.
    pub fn wait_log(&self, what: &str, timeout: Duration, cond: impl Fn(&Daemon) -> bool) {
        let deadline = Instant::now() + timeout;
        while !cond(self) {
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; log:\n{}", self.log().join("\n"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Sends SIGTERM and waits for the exit (at most 20 s).
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // The reader ends at EOF, once it has every line the daemon wrote.
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("log reader thread");
                }
                return (status, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "frontlined did not stop within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
