//! Email by the server (issue 19, item 6). With SMTP_URL set, a loop in every server process
//! (every EMAIL_SWEEP_SECONDS) sends the open outreach items whose channel is `email` (the
//! person left an email and agreed to be contacted, as it stands now) and are due: the same
//! message a partner reads at `GET /outreach/{id}`, in the person's language, from SMTP_FROM,
//! with the item's id as Message-ID. Each item is claimed before it is sent, so two processes
//! never send it at once, and marked after: done as `sent`, retried with backoff after a
//! temporary failure, failed as `undeliverable` when refused for good or after the last try
//! (`domain::email`). Delivery is at least once (see `app::outreach_email`).
//!
//! Without SMTP_URL nothing starts: every item stays with the partners.
//!
//! Logs name items by id and replies by their code; never an address, a subject or a text,
//! and never the SMTP URL (lettre is built without its `tracing` feature, so it logs nothing).

use std::rc::Rc;
use std::time::Duration;

use anyhow::anyhow;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::app::outreach_email::{self, Claimed};
use crate::config::{Settings, Smtp};
use crate::db::DbPool;
use crate::domain::email::{AfterAttempt, Attempt, SEND_TIMEOUT};
use crate::views::outreach::OutreachItem;

/// Items one round sends at most; the rest wait for the next round.
const ROUND_LIMIT: usize = 200;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Accepted by the mail server.
    pub sent: usize,
    /// Tried, to be tried again later.
    pub deferred: usize,
    /// Refused for good, or out of retries.
    pub undeliverable: usize,
}

/// The server's mail client.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// SMTP_FROM's domain, which names the messages (`Message-ID: <item id@domain>`).
    domain: String,
}

impl Mailer {
    pub fn new(smtp: &Smtp) -> anyhow::Result<Self> {
        crate::webhooks::install_tls_provider();
        // lettre's own error would be fine to show, but the URL is not: keep to the checked
        // words of `Settings::smtp`.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
            .map_err(|_| anyhow!("SMTP_URL cannot be used by the mail client"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Self { transport, from: smtp.from.clone(), domain: smtp.from.email.domain().to_owned() })
    }

    /// The mail client of SMTP_URL; `None` when it is not set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        settings.smtp().map_err(anyhow::Error::msg)?.as_ref().map(Self::new).transpose()
    }

    /// One round: every item to email that is due, up to [`ROUND_LIMIT`], one claim at a
    /// time. The mail server is checked (connected to, logged in) before the first item is
    /// sent; when that fails, the item is given back untried and the round ends with the
    /// error, so a mail server that is down costs no item an attempt.
    pub async fn sweep(&self, pool: &DbPool) -> anyhow::Result<Round> {
        let mut conn = pool.get().await?;
        let mut round = Round::default();
        let mut checked = false;
        for _ in 0..ROUND_LIMIT {
            let Some(claimed) = outreach_email::claim_next(&mut conn).await? else { break };
            if !checked {
                if let Err(problem) = self.check_server().await {
                    outreach_email::release(&mut conn, &claimed).await?;
                    return Err(anyhow!("the mail server of SMTP_URL cannot be used: {problem}"));
                }
                checked = true;
            }
            let (how, reply) = self.send(&claimed).await;
            let after = outreach_email::record(&mut conn, &claimed, how).await?;
            let outcome = match after {
                AfterAttempt::Sent => {
                    round.sent += 1;
                    "sent"
                }
                AfterAttempt::RetryIn(_) => {
                    round.deferred += 1;
                    "deferred"
                }
                AfterAttempt::Undeliverable => {
                    round.undeliverable += 1;
                    "undeliverable"
                }
            };
            let retry_in = match after {
                AfterAttempt::RetryIn(wait) => Some(wait.as_secs()),
                AfterAttempt::Sent | AfterAttempt::Undeliverable => None,
            };
            tracing::info!(
                outreach_id = %claimed.item.id,
                attempt = claimed.item.attempts + 1,
                reply,
                retry_in_seconds = retry_in,
                outcome,
                "outreach email"
            );
        }
        Ok(round)
    }

    /// Whether the mail server answers and takes our login; the problem in words that hold
    /// no address (lettre's own may quote the server's reply).
    async fn check_server(&self) -> Result<(), String> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("it does not answer NOOP".into()),
            Err(error) => Err(describe(&error)),
        }
    }

    /// Sends the item's message, rendered as `GET /outreach/{id}` renders it. Returns how it
    /// went and the mail server's reply code, when there was one.
    async fn send(&self, claimed: &Claimed) -> (Attempt, Option<u16>) {
        let item = OutreachItem::from_row(claimed.item.clone());
        let Ok(to) = claimed.address.parse::<Address>() else {
            // An address the API took but that cannot be written into a message: no retry
            // will change it.
            return (Attempt::Refused, None);
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(item.message.subject)
            .message_id(Some(format!("<{}@{}>", item.id, self.domain)))
            .date_now()
            .header(ContentType::TEXT_PLAIN)
            .header(ContentLanguage(item.language))
            .header(AutoSubmitted)
            .body(item.message.text);
        let Ok(message) = message else { return (Attempt::Refused, None) };
        match self.transport.send(message).await {
            Ok(response) => (Attempt::Accepted, Some(u16::from(response.code()))),
            Err(error) => {
                let code = error.status().map(u16::from);
                (Attempt::of_reply(code), code)
            }
        }
    }
}

/// A failure in words that name no address: its kind and reply code, never the server's
/// text (a refusal may quote the recipient).
fn describe(error: &lettre::transport::smtp::Error) -> String {
    match error.status() {
        Some(code) => format!("reply {code}"),
        None if error.is_timeout() => "timed out".into(),
        None if error.is_tls() => "TLS failed".into(),
        None => "no connection".into(),
    }
}

/// Starts the loop when SMTP_URL is set (the first round at once); else nothing.
pub fn spawn(pool: DbPool, settings: &Settings) -> anyhow::Result<()> {
    let Some(mailer) = Mailer::from_settings(settings)? else { return Ok(()) };
    tracing::info!(
        every_seconds = settings.email_sweep_seconds,
        "outreach items with channel email are emailed"
    );
    let mailer = Rc::new(mailer);
    let every = Duration::from_secs(settings.email_sweep_seconds);
    crate::background::spawn_every(pool, every, "outreach email", move |pool| {
        let mailer = mailer.clone();
        async move {
            let round = mailer.sweep(&pool).await?;
            if round != Round::default() {
                tracing::info!(
                    sent = round.sent,
                    deferred = round.deferred,
                    undeliverable = round.undeliverable,
                    "outreach email round"
                );
            }
            Ok(())
        }
    });
    Ok(())
}

/// `Content-Language`: the language of the message (RFC 3282), for mail programs that read
/// it aloud or lay it out.
#[derive(Debug, Clone)]
struct ContentLanguage(&'static str);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("Content-Language {value:?} is only written here").into())
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.to_owned())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no mail program should answer it
/// automatically (an out-of-office reply goes nowhere useful).
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("Auto-Submitted {value:?} is only written here").into())
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}
