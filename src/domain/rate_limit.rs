//! Where a caller stands against a rate limit, as the `RateLimit-Limit`, `RateLimit-Remaining`
//! and `RateLimit-Reset` header fields say it (draft-ietf-httpapi-ratelimit-headers, the
//! version with three fields that clients and gateways read today).

/// One limit in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in a window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Seconds until the window ends (at least 1).
    pub reset_seconds: u64,
}

impl RateLimit {
    /// After `used` requests of `limit` in a window that ends in `reset_seconds`.
    pub fn after(limit: u32, used: i64, reset_seconds: i64) -> Self {
        let left = (i64::from(limit) - used).clamp(0, i64::from(limit));
        Self { limit, remaining: left as u32, reset_seconds: reset_seconds.max(1) as u64 }
    }

    /// A refusal: nothing left until the window ends, `retry_after_seconds` from now.
    pub fn exhausted(limit: u32, retry_after_seconds: u64) -> Self {
        Self { limit, remaining: 0, reset_seconds: retry_after_seconds.max(1) }
    }

    /// The three header fields, by name.
    pub fn fields(&self) -> [(&'static str, String); 3] {
        [
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", self.reset_seconds.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_remains_never_goes_below_zero_nor_above_the_limit() {
        assert_eq!(RateLimit::after(10, 3, 42), RateLimit { limit: 10, remaining: 7, reset_seconds: 42 });
        assert_eq!(RateLimit::after(10, 12, 0).remaining, 0);
        assert_eq!(RateLimit::after(10, 12, 0).reset_seconds, 1);
        assert_eq!(RateLimit::after(10, -1, 5).remaining, 10);
    }

    #[test]
    fn a_refusal_has_nothing_left() {
        let fields = RateLimit::exhausted(5, 30).fields();
        assert_eq!(fields[0], ("RateLimit-Limit", "5".to_owned()));
        assert_eq!(fields[1], ("RateLimit-Remaining", "0".to_owned()));
        assert_eq!(fields[2], ("RateLimit-Reset", "30".to_owned()));
    }
}
