//! A real webhook receiver on loopback, started by a test: it answers each post with the next
//! scripted status (200 once the script is used up) and hands every post to the test through
//! a channel, so tests wait for deliveries instead of sleeping.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;

/// One post the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: Option<String>,
    pub webhook_id: Option<String>,
    pub content_type: Option<String>,
    /// Every header, by its lower-case name.
    pub headers: BTreeMap<String, String>,
    /// The raw body, exactly as received (what the signature covers).
    pub body: Vec<u8>,
    /// The status the receiver answered with.
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }

    /// Checks `X-Signature` as a partner would: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    pub fn signature_is_valid(&self, secret: &str) -> bool {
        let Some(header) = &self.signature else { return false };
        let mut timestamp = None;
        let mut tag = None;
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => timestamp = Some(value.to_owned()),
                Some(("v1", value)) => tag = hex::decode(value).ok(),
                _ => {}
            }
        }
        let (Some(timestamp), Some(tag)) = (timestamp, tag) else { return false };
        let fresh = timestamp.parse::<i64>().is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&self.body);
        fresh && mac.verify_slice(&tag).is_ok()
    }

    /// Checks the Standard Webhooks headers as the specification says, written here apart from
    /// the server's code: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of
    /// "<webhook-id>.<webhook-timestamp>.<body>">` keyed with the base64 decoding of what
    /// follows `whsec_`, and the timestamp is recent.
    pub fn standard_signature_is_valid(&self, secret: &str) -> bool {
        let header = |name: &str| self.headers.get(name).map(String::as_str).unwrap_or_default();
        let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
        let Some(key) = secret.strip_prefix("whsec_").and_then(|key| STANDARD.decode(key).ok()) else {
            return false;
        };
        let fresh = timestamp.parse::<i64>().is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(&self.body);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        fresh
            && !id.is_empty()
            && header("webhook-signature").split(' ').any(|signature| signature == expected)
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<u16>>>,
    default: Arc<AtomicU16>,
    sender: mpsc::UnboundedSender<Received>,
}

pub struct Receiver {
    /// Base URL, e.g. `http://127.0.0.1:40123`; any path is accepted.
    pub address: String,
    default: Arc<AtomicU16>,
    received: mpsc::UnboundedReceiver<Received>,
    handle: actix_web::dev::ServerHandle,
}

/// How long a test waits for a delivery before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

impl Receiver {
    /// A receiver that answers 200 to everything.
    pub async fn start() -> Self {
        Self::answering(&[]).await
    }

    /// A receiver that answers `script` in turn, then 200.
    pub async fn answering(script: &[u16]) -> Self {
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (sender, received) = mpsc::unbounded_channel();
        let default = Arc::new(AtomicU16::new(200));
        let shared = Shared { script, default: default.clone(), sender };
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::new(shared.clone())).default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let address = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self { address, default, received, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// What it answers once the script is used up (200 unless changed).
    pub fn answer_by_default(&self, status: u16) {
        self.default.store(status, Ordering::SeqCst);
    }

    /// The next post, or a failed test after `PATIENCE`.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.received.recv())
            .await
            .expect("no webhook arrived in time")
            .expect("the receiver stopped")
    }

    /// Posts already received and not yet taken, without waiting.
    pub fn drain(&mut self) -> Vec<Received> {
        let mut all = Vec::new();
        while let Ok(received) = self.received.try_recv() {
            all.push(received);
        }
        all
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let answered =
        shared.script.lock().unwrap().pop_front().unwrap_or_else(|| shared.default.load(Ordering::SeqCst));
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let _ = shared.sender.send(Received {
        path: req.path().to_owned(),
        signature: header("x-signature"),
        webhook_id: header("x-webhook-id"),
        content_type: header("content-type"),
        headers: req
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect(),
        body: body.to_vec(),
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

/// Polls `check` until it returns `Some`, for at most `PATIENCE`: for state the server
/// writes after the receiver has answered (the delivery log), which no channel reports.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
