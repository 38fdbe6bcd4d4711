//! The address a request comes from, as the login limits count it.
//!
//! Each proxy appends the address it received the request from to `X-Forwarded-For`, so only
//! the entries on the right, added by proxies we trust, are true; everything further left was
//! written by the client. The address counted is therefore the right-most entry that is not a
//! trusted proxy, never the first.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;

use crate::config::Settings;

/// The client address of `req` under the proxy settings: the peer, or behind trusted proxies
/// the right-most `X-Forwarded-For` address not among them. `None` without a peer address.
pub fn client_address(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let trusted = |address| settings.trusted_proxies.as_ref().is_some_and(|p| p.contains(address));
    let peer = req.peer_addr()?.ip().to_canonical();
    // TRUST_FORWARDED_FOR (deprecated) believes the peer, whatever it is, to be one proxy.
    if !(settings.trust_forwarded_for || trusted(peer)) {
        return Some(peer);
    }
    // Several headers are one list, in order (RFC 9110, 5.3).
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    Some(rightmost_untrusted(peer, &entries, trusted))
}

/// Walks `entries` from the right, past the trusted proxies, to the first address that is not
/// one: the client as the nearest trusted proxy saw it. An entry that is not an address ends
/// the walk at the last proxy reached, whose word is all there is; so does a list made only of
/// proxies.
fn rightmost_untrusted(peer: IpAddr, entries: &[&str], trusted: impl Fn(IpAddr) -> bool) -> IpAddr {
    let mut nearest = peer;
    for entry in entries.iter().rev() {
        let Some(address) = parse_entry(entry) else { return nearest };
        if !trusted(address) {
            return address;
        }
        nearest = address;
    }
    nearest
}

/// `203.0.113.7`, `2001:db8::1`, and the forms with a port some proxies write
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = entry.parse::<IpAddr>().or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip())).ok()?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TrustedProxies;

    fn walk(entries: &str, proxies: &str) -> String {
        let proxies = TrustedProxies::parse(proxies).unwrap();
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let entries: Vec<&str> = entries.split(',').filter(|e| !e.is_empty()).collect();
        rightmost_untrusted(peer, &entries, |a| proxies.contains(a)).to_string()
    }

    #[test]
    fn the_client_cannot_choose_its_address_by_writing_entries_on_the_left() {
        assert_eq!(walk("198.51.100.66, 203.0.113.7", "10.0.0.0/8"), "203.0.113.7");
        assert_eq!(walk("198.51.100.66, 203.0.113.7, 10.0.0.1", "10.0.0.0/8"), "203.0.113.7");
        assert_eq!(walk("10.9.9.9, 203.0.113.7, 10.0.0.1", "10.0.0.0/8"), "203.0.113.7");
    }

    #[test]
    fn ports_and_ipv6_and_mapped_addresses_are_understood() {
        assert_eq!(walk("203.0.113.7:4711", "10.0.0.0/8"), "203.0.113.7");
        assert_eq!(walk("[2001:db8::7]:4711", "10.0.0.0/8"), "2001:db8::7");
        assert_eq!(walk("203.0.113.7, ::ffff:10.0.0.1", "10.0.0.0/8"), "203.0.113.7");
    }

    #[test]
    fn without_a_usable_entry_the_nearest_proxy_is_the_address() {
        assert_eq!(walk("", "10.0.0.0/8"), "10.0.0.2");
        assert_eq!(walk("10.0.0.1", "10.0.0.0/8"), "10.0.0.1");
        assert_eq!(walk("203.0.113.7, not an address", "10.0.0.0/8"), "10.0.0.2");
        assert_eq!(walk("203.0.113.7, not an address, 10.0.0.1", "10.0.0.0/8"), "10.0.0.1");
    }
}
