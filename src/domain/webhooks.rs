//! Webhook rules on plain values: the event types, which target URLs are acceptable, the
//! signature a receiver checks, and the retry schedule.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use url::{Host, Url};

/// What a webhook message announces. Which change sends which is decided in one place,
/// `app::transition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    RegistrationConfirmed,
    RegistrationWaitlisted,
    RegistrationPromoted,
    RegistrationCancelled,
    RegistrationModeChanged,
    EventUpdated,
    EventCancelled,
}

impl EventType {
    /// Every type a subscription may ask for.
    pub const ALL: [EventType; 7] = [
        EventType::RegistrationConfirmed,
        EventType::RegistrationWaitlisted,
        EventType::RegistrationPromoted,
        EventType::RegistrationCancelled,
        EventType::RegistrationModeChanged,
        EventType::EventUpdated,
        EventType::EventCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::RegistrationConfirmed => "registration.confirmed",
            EventType::RegistrationWaitlisted => "registration.waitlisted",
            EventType::RegistrationPromoted => "registration.promoted",
            EventType::RegistrationCancelled => "registration.cancelled",
            EventType::RegistrationModeChanged => "registration.mode_changed",
            EventType::EventUpdated => "event.updated",
            EventType::EventCancelled => "event.cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// `registration.*` types are about one registration and go to the partner that created
    /// it; the others are about a whole event and go to every partner holding a registration.
    pub fn is_about_a_registration(self) -> bool {
        match self {
            EventType::RegistrationConfirmed
            | EventType::RegistrationWaitlisted
            | EventType::RegistrationPromoted
            | EventType::RegistrationCancelled
            | EventType::RegistrationModeChanged => true,
            EventType::EventUpdated | EventType::EventCancelled => false,
        }
    }
}

pub const MAX_URL_CHARS: usize = 2000;

/// Why a target URL is refused: a stable code and a message.
pub type UrlProblem = (&'static str, &'static str);

/// Which target URLs a server accepts. Plain `http` only reaches a receiver on this machine,
/// for development; a production server also refuses addresses of private networks, so a
/// subscription cannot be used to probe them.
#[derive(Debug, Clone, Copy)]
pub struct UrlPolicy {
    pub allow_loopback_http: bool,
    pub allow_private_hosts: bool,
}

pub fn check_target_url(raw: &str, policy: UrlPolicy) -> Result<Url, UrlProblem> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(("invalid_url", "must be at most 2000 characters"));
    }
    let url = Url::parse(raw).map_err(|_| ("invalid_url", "is not an absolute URL"))?;
    let host = url.host().ok_or(("invalid_url", "has no host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(("invalid_url", "must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(("invalid_url", "must not have a fragment"));
    }
    let loopback = is_loopback(&host);
    match url.scheme() {
        "https" => {}
        "http" if loopback && policy.allow_loopback_http => {}
        "http" | "ws" | "wss" | "ftp" => {
            return Err(("https_required", "must use https (http only for loopback in development)"))
        }
        _ => return Err(("invalid_url", "must be an https URL")),
    }
    if !policy.allow_private_hosts && (loopback || is_private(&host)) {
        return Err(("url_not_public", "must not point to a loopback or private address"));
    }
    Ok(url)
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// IP literals of networks that are not the public internet. Names are not resolved here.
fn is_private(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(_) => false,
        Host::Ipv4(ip) => is_private_v4(*ip),
        Host::Ipv6(ip) => is_private_v6(*ip),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
}

/// True for an address a production server must not post to (used on resolved addresses).
pub fn is_private_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

/// The `X-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed
/// with the subscription's secret. The timestamp lets a receiver refuse old replays.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delay before the attempt after `attempts` failed ones: `base × 2^(attempts-1)`, at most `cap`.
pub fn retry_delay(attempts: i32, base: Duration, cap: Duration) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 30) as u32;
    base.saturating_mul(1u32 << exponent).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: UrlPolicy = UrlPolicy { allow_loopback_http: true, allow_private_hosts: true };
    const PROD: UrlPolicy = UrlPolicy { allow_loopback_http: false, allow_private_hosts: false };

    #[test]
    fn https_is_required_except_for_loopback_in_development() {
        assert!(check_target_url("https://partner.example.org/hooks", PROD).is_ok());
        assert!(check_target_url("http://127.0.0.1:9000/hooks", DEV).is_ok());
        assert!(check_target_url("http://localhost:9000/hooks", DEV).is_ok());
        assert!(check_target_url("http://[::1]:9000/hooks", DEV).is_ok());
        assert_eq!(
            check_target_url("http://partner.example.org/hooks", DEV).unwrap_err().0,
            "https_required"
        );
        assert_eq!(check_target_url("http://127.0.0.1:9000/hooks", PROD).unwrap_err().0, "https_required");
    }

    #[test]
    fn production_refuses_private_and_loopback_addresses() {
        for url in [
            "https://127.0.0.1/h",
            "https://10.1.2.3/h",
            "https://192.168.0.10/h",
            "https://169.254.169.254/latest",
            "https://[fd00::1]/h",
            "https://[::ffff:10.0.0.1]/h",
            "https://localhost/h",
        ] {
            assert_eq!(check_target_url(url, PROD).unwrap_err().0, "url_not_public", "{url}");
            assert!(check_target_url(url, DEV).is_ok(), "{url}");
        }
        assert!(check_target_url("https://93.184.215.14/h", PROD).is_ok());
    }

    #[test]
    fn odd_urls_are_refused() {
        for url in [
            "not a url",
            "/relative",
            "https://user:pw@example.org/",
            "https://example.org/#x",
            "mailto:a@b.c",
        ] {
            assert_eq!(check_target_url(url, DEV).unwrap_err().0, "invalid_url", "{url}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(check_target_url(&long, DEV).unwrap_err().0, "invalid_url");
    }

    #[test]
    fn the_signature_is_an_hmac_of_timestamp_and_body() {
        // HMAC-SHA256("secret", "1700000000.{}") computed independently (Python's hmac module).
        assert_eq!(
            signature_header("secret", 1_700_000_000, b"{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(3600);
        assert_eq!(retry_delay(1, base, cap), Duration::from_secs(10));
        assert_eq!(retry_delay(2, base, cap), Duration::from_secs(20));
        assert_eq!(retry_delay(5, base, cap), Duration::from_secs(160));
        assert_eq!(retry_delay(10, base, cap), cap);
        assert_eq!(retry_delay(1000, base, cap), cap);
    }

    #[test]
    fn event_types_are_the_seven_of_the_contract() {
        for event_type in EventType::ALL {
            assert_eq!(EventType::parse(event_type.as_str()), Some(event_type));
            assert_eq!(
                event_type.is_about_a_registration(),
                event_type.as_str().starts_with("registration."),
                "{event_type:?}"
            );
        }
        assert_eq!(EventType::parse("registration.created"), None);
    }
}
