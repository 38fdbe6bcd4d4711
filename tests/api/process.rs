//! The real binary, started as an operator starts it, with only the environment a test gives
//! it, and everything it prints collected for the test to read.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

pub const BINARY: &str = env!("CARGO_BIN_EXE_hybrid-events");

/// How long a start or a stop may take on a busy machine before the test gives up.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The binary with an empty environment but PATH, so nothing of the test's own environment
/// (a DATABASE_URL, a RUST_LOG) leaks in.
pub fn command() -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// A port of 127.0.0.1 that nothing listens on (free when asked; nothing else here binds it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Running {
    child: Child,
    pub address: SocketAddr,
    lines: mpsc::UnboundedReceiver<String>,
    /// Every line read so far, from stdout and stderr.
    pub log: Vec<String>,
}

impl Running {
    /// Starts the server (`hybrid-events` with no argument) on a free port with JSON logs and
    /// one worker, and returns once `/healthz` answers. `env` adds to or overrides that.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Running {
        let mut running = Self::spawn(database_url, env);
        running.wait_until_healthy().await;
        running
    }

    /// Starts the server like `start` without waiting for it to answer.
    pub fn spawn(database_url: &str, env: &[(&str, &str)]) -> Running {
        let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut child = command()
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDR", address.to_string())
            .env("LOG_FORMAT", "json")
            .env("HTTP_WORKERS", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (sender, lines) = mpsc::unbounded_channel();
        forward(child.stdout.take().unwrap(), sender.clone());
        forward(child.stderr.take().unwrap(), sender);
        Running { child, address, lines, log: Vec::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A client that keeps no idle connection open, so it never holds up a graceful shutdown.
    pub fn client() -> reqwest::Client {
        // reqwest has no TLS provider of its own here (see `install_tls_provider`).
        hybrid_events::webhooks::install_tls_provider();
        reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
    }

    async fn wait_until_healthy(&mut self) {
        let client = Self::client();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(response) = client.get(self.url("/healthz")).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = self.read_to_end().await;
                panic!("the server exited ({status}) before answering:\n{}", log.join("\n"));
            }
            assert!(Instant::now() < deadline, "the server did not answer /healthz in {PATIENCE:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM, as a container runtime or systemd does to stop a service.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the next line that `wanted` accepts and returns it (earlier lines are kept in
    /// `log`). Panics when the process closes its output first, or after PATIENCE.
    pub async fn wait_for_line(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = self.lines.recv().await {
                self.log.push(line.clone());
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    if wanted(&value) {
                        return Some(value);
                    }
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(value)) => value,
            Ok(None) => panic!("the server closed its output first:\n{}", self.log.join("\n")),
            Err(_) => panic!("no such line in {PATIENCE:?}:\n{}", self.log.join("\n")),
        }
    }

    /// Reads until the process closes its output (it exits), within PATIENCE.
    async fn read_to_end(&mut self) -> Vec<String> {
        let read = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = self.lines.recv().await {
                self.log.push(line);
            }
        })
        .await;
        assert!(read.is_ok(), "the server did not exit within {PATIENCE:?}:\n{}", self.log.join("\n"));
        self.log.clone()
    }

    /// Waits for the process to exit; returns its status and the JSON lines it printed.
    pub async fn wait_for_exit(&mut self) -> (ExitStatus, Vec<Value>) {
        self.read_to_end().await;
        let status = self.child.wait().unwrap();
        (status, self.json_lines())
    }

    pub fn json_lines(&self) -> Vec<Value> {
        self.log.iter().filter_map(|line| serde_json::from_str(line).ok()).collect()
    }

    /// Everything printed so far, as one text (for "never appears" checks).
    pub fn text(&self) -> String {
        self.log.join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn forward(output: impl Read + Send + 'static, sender: mpsc::UnboundedSender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
}

/// The lines with `"message": "request"`: the one line written per request.
pub fn request_lines(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|line| line["message"] == "request").collect()
}
