//! A real SMTP server on loopback, started by a test: it speaks enough of RFC 5321 for
//! lettre (EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), answers each RCPT with the next
//! scripted reply (250 once the script is used up), and hands every message it accepted to
//! the test through a channel, so tests wait for mail instead of sleeping.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// A message the receiver accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope: `MAIL FROM` and every `RCPT TO` it accepted.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA (dot-stuffing undone), lines ending in CRLF.
    pub data: String,
}

impl Mail {
    fn parts(&self) -> (&str, &str) {
        self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""))
    }

    /// A header's value, unfolded, its RFC 2047 encoded words decoded; names compare
    /// case-insensitively.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.parts();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| decode_words(value.trim()))
        })
    }

    /// The body, decoded as its Content-Transfer-Encoding says, with `\n` line ends.
    pub fn body(&self) -> String {
        let (_, body) = self.parts();
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => STANDARD.decode(body.split_whitespace().collect::<String>()).expect("base64 body"),
            "quoted-printable" => quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8(bytes)
            .expect("a UTF-8 body")
            .replace("\r\n", "\n")
            .trim_end_matches('\n')
            .to_owned()
    }
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words (RFC 2047); whitespace between two
/// encoded words goes, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, from) = rest.split_at(start);
        let Some(word) = encoded_word(from) else { break };
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        out.push_str(&word.0);
        rest = &from[word.1..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// The text of the encoded word at the start of `text`, and its length.
fn encoded_word(text: &str) -> Option<(String, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let payload = &inner[..end];
    assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
    let bytes = match encoding {
        "b" | "B" => STANDARD.decode(payload).ok()?,
        "q" | "Q" => quoted_printable(&payload.replace('_', " ")),
        _ => return None,
    };
    let length = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((String::from_utf8(bytes).ok()?, length))
}

/// Quoted-printable (RFC 2045): `=XX` is a byte, `=` at a line's end joins it to the next.
fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// One RCPT the receiver answered: to whom, and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Try {
    pub rcpt_to: String,
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    script: VecDeque<u16>,
    tries: Vec<Try>,
}

pub struct SmtpReceiver {
    port: u16,
    shared: Arc<Mutex<Shared>>,
    received: mpsc::UnboundedReceiver<Mail>,
}

impl SmtpReceiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (sender, received) = mpsc::unbounded_channel();
        let state = shared.clone();
        actix_web::rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                actix_web::rt::spawn(converse(stream, state.clone(), sender.clone()));
            }
        });
        Self { port, shared, received }
    }

    /// SMTP_URL for it: plain SMTP on loopback (development allows it).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next RCPT is answered `code` (e.g. 451, 550) instead of 250.
    pub fn answer_next(&self, code: u16) {
        self.shared.lock().unwrap().script.push_back(code);
    }

    /// Every RCPT answered so far.
    pub fn tries(&self) -> Vec<Try> {
        self.shared.lock().unwrap().tries.clone()
    }

    /// The messages accepted and not yet taken, without waiting.
    pub fn drain(&mut self) -> Vec<Mail> {
        let mut all = Vec::new();
        while let Ok(mail) = self.received.try_recv() {
            all.push(mail);
        }
        all
    }

    /// The next message accepted, or a failed test after 20 s.
    pub async fn next(&mut self) -> Mail {
        tokio::time::timeout(Duration::from_secs(20), self.received.recv())
            .await
            .expect("no email arrived in time")
            .expect("the receiver stopped")
    }
}

/// One SMTP session.
async fn converse(stream: TcpStream, shared: Arc<Mutex<Shared>>, sender: mpsc::UnboundedSender<Mail>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 receiver.test ESMTP").await {
        return;
    }
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250 receiver.test".to_owned(),
            "MAIL" => {
                mail_from = address_in(&command);
                rcpt_to.clear();
                "250 2.1.0 OK".to_owned()
            }
            "RCPT" => {
                let to = address_in(&command);
                let mut shared = shared.lock().unwrap();
                let answered = shared.script.pop_front().unwrap_or(250);
                shared.tries.push(Try { rcpt_to: to.clone(), answered });
                match answered {
                    250 => {
                        rcpt_to.push(to);
                        "250 2.1.5 OK".to_owned()
                    }
                    451 => "451 4.7.1 Try again later".to_owned(),
                    550 => "550 5.1.1 No such mailbox".to_owned(),
                    other => format!("{other} Scripted answer"),
                }
            }
            "DATA" => {
                if !reply(&mut write, "354 End data with <CR><LF>.<CR><LF>").await {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                }
                let _ = sender.send(Mail { mail_from: mail_from.clone(), rcpt_to: rcpt_to.clone(), data });
                "250 2.0.0 Queued".to_owned()
            }
            "RSET" => {
                rcpt_to.clear();
                "250 2.0.0 OK".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "QUIT" => {
                let _ = reply(&mut write, "221 2.0.0 Bye").await;
                return;
            }
            _ => "502 5.5.2 Command not implemented".to_owned(),
        };
        if !reply(&mut write, &answer).await {
            return;
        }
    }
}

/// Writes one reply line; false once the client has gone.
async fn reply(write: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    write.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
}

/// The address between `<` and `>` of a MAIL or RCPT command.
fn address_in(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..].find('>').map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}
