//! Settings, read from the environment (or the matching command-line flags) at start-up.
//! Every variable is listed, with its default, in README.md and `.env.example`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// The development default: the machine's own PostgreSQL on the standard port.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/hybrid_events";

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// `development` (generated secrets allowed, a local PostgreSQL started when none answers)
    /// or `production` (every secret required).
    #[arg(long, env = "APP_ENV", value_enum, default_value = "development", value_name = "APP_ENV")]
    pub app_env: Environment,

    /// PostgreSQL URL. Unset in development: `postgres://postgres@127.0.0.1:5432/hybrid_events`,
    /// or a private cluster under LOCAL_POSTGRES_DIR when no server answers there.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of a streaming replica of DATABASE_URL (a read replica). When set,
    /// reports, the attendance CSV and anonymous reads of published events are read there
    /// while its lag stays under REPLICA_MAX_LAG_MS; everything else stays on DATABASE_URL.
    #[arg(long, env = "DATABASE_REPLICA_URL", value_name = "DATABASE_REPLICA_URL", hide_env_values = true)]
    pub database_replica_url: Option<String>,

    /// Largest replica lag at which reads still go to the replica; above it (or while the
    /// replica does not answer) they go to DATABASE_URL.
    #[arg(long, env = "REPLICA_MAX_LAG_MS", default_value_t = 5000, value_name = "REPLICA_MAX_LAG_MS",
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub replica_max_lag_ms: u64,

    /// Connections in the pool of this process.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10, value_name = "DATABASE_POOL_SIZE",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: u32,

    /// Registration writers of each HTTP worker (at most its connections): each writes the
    /// registrations of its share of the events, those that arrive together in one
    /// transaction (`group_commit`).
    #[arg(long, env = "REGISTRATION_WRITERS", default_value_t = 1, value_name = "REGISTRATION_WRITERS",
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub registration_writers: u32,

    /// Milliseconds a group of registrations waits for its events' locks (1 to 60000); past
    /// it, its requests are registered each on its own while the writer goes on.
    #[arg(long, env = "REGISTRATION_GROUP_LOCK_WAIT_MS", default_value_t = 250, value_name = "REGISTRATION_GROUP_LOCK_WAIT_MS",
          value_parser = clap::value_parser!(u32).range(1..=60_000))]
    pub registration_group_lock_wait_ms: u32,

    /// How long a request waits for a free connection before it is answered 503.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000,
        value_name = "DATABASE_ACQUIRE_TIMEOUT_MS"
    )]
    pub database_acquire_timeout_ms: u64,

    /// PostgreSQL `statement_timeout` for every connection of the pool, so one slow query
    /// cannot hold a connection for ever.
    #[arg(
        long,
        env = "DATABASE_STATEMENT_TIMEOUT_MS",
        default_value_t = 5000,
        value_name = "DATABASE_STATEMENT_TIMEOUT_MS"
    )]
    pub database_statement_timeout_ms: u64,

    /// Where the private development cluster lives when no PostgreSQL server answers.
    #[arg(
        long,
        env = "LOCAL_POSTGRES_DIR",
        default_value = ".data/postgres",
        value_name = "LOCAL_POSTGRES_DIR"
    )]
    pub local_postgres_dir: PathBuf,

    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080", value_name = "BIND_ADDR")]
    pub bind_addr: SocketAddr,

    /// HMAC key for access tokens (and signed cursors and report links); at least 32 bytes in
    /// every environment. Required in production; generated at random (with a warning) when
    /// unset in development.
    #[arg(long, env = "JWT_SECRET", value_name = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of access tokens; a token whose `exp - iat` is longer is refused, even when
    /// correctly signed.
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECONDS", default_value_t = 3600, value_name = "ACCESS_TOKEN_TTL_SECONDS",
          value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub access_token_ttl_seconds: u64,

    /// Creates this admin at start-up when no user has the email.
    #[arg(long, env = "BOOTSTRAP_ADMIN_EMAIL", value_name = "BOOTSTRAP_ADMIN_EMAIL", hide_env_values = true)]
    pub bootstrap_admin_email: Option<String>,

    /// Password of the bootstrap admin (12 characters or more).
    #[arg(
        long,
        env = "BOOTSTRAP_ADMIN_PASSWORD",
        value_name = "BOOTSTRAP_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub bootstrap_admin_password: Option<String>,

    /// Comma-separated origins of partner front-ends allowed by CORS (none by default).
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_name = "CORS_ALLOWED_ORIGINS")]
    pub cors_allowed_origins: Vec<String>,

    /// Failed logins for one account (email or API client) from one client address before
    /// attempts from there are slowed down.
    #[arg(long, env = "LOGIN_MAX_FAILURES", default_value_t = 5, value_name = "LOGIN_MAX_FAILURES")]
    pub login_max_failures: u32,

    /// Failed logins from one client address, for any accounts, before attempts from there
    /// are slowed down (higher than the per-account limit: several people may share an
    /// address behind one NAT).
    #[arg(
        long,
        env = "LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 20,
        value_name = "LOGIN_MAX_FAILURES_PER_ADDRESS"
    )]
    pub login_max_failures_per_address: u32,

    /// Failed logins for one account from all addresses before every attempt for it is slowed
    /// down. One address adds at most LOGIN_MAX_FAILURES to this count, so the default needs
    /// failures from at least 20 addresses: one address can never slow the account down.
    #[arg(
        long,
        env = "LOGIN_MAX_FAILURES_PER_ACCOUNT",
        default_value_t = 100,
        value_name = "LOGIN_MAX_FAILURES_PER_ACCOUNT"
    )]
    pub login_max_failures_per_account: u32,

    /// First delay a login limit imposes before the next attempt, once reached; it doubles
    /// with each further failure, up to LOGIN_LOCKOUT_SECONDS.
    #[arg(long, env = "LOGIN_DELAY_SECONDS", default_value_t = 1, value_name = "LOGIN_DELAY_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub login_delay_seconds: u64,

    /// Longest delay a login limit imposes between two attempts. Failures are forgotten once
    /// this long has passed after the delay without another.
    #[arg(long, env = "LOGIN_LOCKOUT_SECONDS", default_value_t = 900, value_name = "LOGIN_LOCKOUT_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub login_lockout_seconds: u64,

    /// Registrations one caller may create per minute (0: no limit).
    #[arg(
        long,
        env = "REGISTRATION_RATE_LIMIT_PER_MINUTE",
        default_value_t = 600,
        value_name = "REGISTRATION_RATE_LIMIT_PER_MINUTE"
    )]
    pub registration_rate_limit_per_minute: u32,

    /// `already_registered` answers one partner may get in an hour for registrations it did
    /// not create (1 to 100000); beyond them its registrations are 429 `too_many_duplicates`
    /// until the hour ends, so a partner cannot test many people for membership.
    #[arg(long, env = "DUPLICATE_PROBE_LIMIT_PER_HOUR", default_value_t = 20, value_name = "DUPLICATE_PROBE_LIMIT_PER_HOUR",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub duplicate_probe_limit_per_hour: u32,

    /// How often each process looks for ended events whose personal data is past its
    /// retention (`retention_days`) and purges it.
    #[arg(long, env = "RETENTION_SWEEP_SECONDS", default_value_t = 3600, value_name = "RETENTION_SWEEP_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub retention_sweep_seconds: u64,

    /// How often each process makes the reminders that have fallen due (outreach items for
    /// confirmed people, at the event's `reminders_hours_before`) and lets the offers of
    /// seats past their deadline lapse (an offer is refused from its deadline on, whenever
    /// this runs).
    #[arg(long, env = "REMINDER_SWEEP_SECONDS", default_value_t = 60, value_name = "REMINDER_SWEEP_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub reminder_sweep_seconds: u64,

    /// Where the server sends the email of outreach items whose channel is `email`:
    /// `smtps://user:pass@host:465` (TLS from the start) or
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS, required). Unset: the server
    /// sends no email, and partners reach everyone. The password never appears in logs.
    #[arg(long, env = "SMTP_URL", value_name = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The From of the server's email, `Name <address>` or an address (required with
    /// SMTP_URL). Its domain also names the messages (`Message-ID: <item id@domain>`).
    #[arg(long, env = "SMTP_FROM", value_name = "SMTP_FROM")]
    pub smtp_from: Option<String>,

    /// How often each process looks for outreach items to email (with SMTP_URL set).
    #[arg(long, env = "EMAIL_SWEEP_SECONDS", default_value_t = 30, value_name = "EMAIL_SWEEP_SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub email_sweep_seconds: u64,

    /// Registrations the retention purge erases in one transaction.
    #[arg(long, env = "RETENTION_BATCH_SIZE", default_value_t = 500, value_name = "RETENTION_BATCH_SIZE",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub retention_batch_size: u32,

    /// Comma-separated addresses or CIDR ranges (`10.0.0.0/8`, `192.0.2.7`) of the reverse
    /// proxies in front of the server. A request from one of them is counted against the
    /// right-most `X-Forwarded-For` address that is not one of them: the address the last
    /// trusted proxy saw, which a client cannot write. Unset: the header is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", value_name = "TRUSTED_PROXIES", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: Option<TrustedProxies>,

    /// Deprecated: set TRUSTED_PROXIES instead. Trusts whatever peer connects as one proxy
    /// and takes the right-most `X-Forwarded-For` address (formerly the first, which a
    /// client writes itself). Safe only when nothing but that proxy can reach the server.
    #[arg(
        long,
        env = "TRUST_FORWARDED_FOR",
        default_value_t = false,
        action = clap::ArgAction::Set,
        value_name = "TRUST_FORWARDED_FOR"
    )]
    pub trust_forwarded_for: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 65_536, value_name = "MAX_BODY_BYTES")]
    pub max_body_bytes: usize,

    /// Largest participant list accepted by `POST /events/{id}/online-attendance`, in bytes
    /// (a 1 000-person Zoom report is about 100 KB); larger is 422 `file_too_large`.
    #[arg(long, env = "MAX_IMPORT_BYTES", default_value_t = 5 * 1024 * 1024, value_name = "MAX_IMPORT_BYTES")]
    pub max_import_bytes: usize,

    /// Base URL that links handed out by the API (report pages) start with.
    #[arg(long, env = "PUBLIC_BASE_URL", value_name = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,

    /// When set, `GET /metrics` requires `Authorization: Bearer <this token>` (else 401).
    #[arg(long, env = "METRICS_BEARER_TOKEN", value_name = "METRICS_BEARER_TOKEN", hide_env_values = true)]
    pub metrics_bearer_token: Option<String>,

    /// When set, `/metrics` is served only on a second listener at this address (say, an
    /// internal interface), and the main listener answers 404 for it.
    #[arg(long, env = "METRICS_BIND_ADDR", value_name = "METRICS_BIND_ADDR")]
    pub metrics_bind_addr: Option<SocketAddr>,

    /// `text` (readable) or `json` (one JSON object per line) log lines; filter with RUST_LOG.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_name = "LOG_FORMAT")]
    pub log_format: LogFormat,

    /// Worker threads of the HTTP server (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", value_name = "HTTP_WORKERS")]
    pub http_workers: Option<usize>,

    /// How often the webhook worker looks for due deliveries when it found none.
    #[arg(long, env = "WEBHOOK_POLL_INTERVAL_MS", default_value_t = 1000, value_name = "WEBHOOK_POLL_INTERVAL_MS",
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_interval_ms: u64,

    /// Delay before the first retry of a failed webhook delivery; it doubles at each
    /// failure, up to WEBHOOK_RETRY_MAX_MS.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000, value_name = "WEBHOOK_RETRY_BASE_MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_retry_base_ms: u64,

    /// Longest delay between two attempts of one webhook delivery.
    #[arg(long, env = "WEBHOOK_RETRY_MAX_MS", default_value_t = 3_600_000, value_name = "WEBHOOK_RETRY_MAX_MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_retry_max_ms: u64,

    /// How long a failing webhook delivery is retried before it is marked failed (the first
    /// attempt after this age is the last).
    #[arg(
        long,
        env = "WEBHOOK_RETRY_WINDOW_SECONDS",
        default_value_t = 86_400,
        value_name = "WEBHOOK_RETRY_WINDOW_SECONDS"
    )]
    pub webhook_retry_window_seconds: u64,

    /// Time allowed for one webhook post (connecting, sending, reading the answer).
    #[arg(long, env = "WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_name = "WEBHOOK_TIMEOUT_MS",
          value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub webhook_timeout_ms: u64,

    /// Let webhook subscriptions target loopback, private and reserved addresses (and names
    /// that resolve to them), and plain http to loopback in development. Off by default, in
    /// every environment: a subscription could otherwise probe the server's own networks.
    /// Only for a receiver on a private network the server is meant to reach, or for tests.
    #[arg(
        long,
        env = "WEBHOOK_ALLOW_PRIVATE_TARGETS",
        default_value_t = false,
        action = clap::ArgAction::Set,
        value_name = "WEBHOOK_ALLOW_PRIVATE_TARGETS"
    )]
    pub webhook_allow_private_targets: bool,
}

/// Email by the server: SMTP_URL (for lettre's `from_url`) and SMTP_FROM, checked.
#[derive(Clone, PartialEq)]
pub struct Smtp {
    pub url: String,
    pub from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Smtp {
    /// The URL may hold a password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp").field("url", &"(hidden)").field("from", &self.from).finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub const MIN_SECRET_BYTES: usize = 32;

/// The reverse proxies whose `X-Forwarded-For` entries are believed (TRUSTED_PROXIES).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDR ranges or single addresses; blank entries are skipped,
    /// so an empty variable means no proxy.
    pub fn parse(list: &str) -> Result<Self, String> {
        let parse_one = |entry: &str| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| format!("{entry:?} is not an address or a CIDR range such as 10.0.0.0/8"))
        };
        let entries = list.split(',').map(str::trim).filter(|e| !e.is_empty());
        Ok(Self(entries.map(parse_one).collect::<Result<_, _>>()?))
    }

    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }
}

impl Settings {
    /// Defaults as a developer gets them with no environment at all.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        <Only as clap::Parser>::try_parse_from(["hybrid-events"])
            .map(|o| o.settings.without_empty_values())
            .unwrap_or_else(|_| panic!("defaults must parse"))
    }

    /// Empty variables count as unset, as `FOO=` in an env file or `${FOO:-}` in a compose
    /// file mean; clap alone would read them as empty values (an empty JWT_SECRET, say).
    pub fn without_empty_values(mut self) -> Self {
        for value in [
            &mut self.database_url,
            &mut self.database_replica_url,
            &mut self.jwt_secret,
            &mut self.bootstrap_admin_email,
            &mut self.bootstrap_admin_password,
            &mut self.public_base_url,
            &mut self.metrics_bearer_token,
            &mut self.smtp_url,
            &mut self.smtp_from,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        self.cors_allowed_origins =
            self.cors_allowed_origins.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
        self
    }

    /// Checks what clap cannot: rules across variables and per environment.
    pub fn validate(&self) -> Result<(), String> {
        // A short key is as weak in development as anywhere else (development databases hold
        // real test data, and a guessable key signs admin tokens): only an unset key is
        // tolerated there, and then a random one is generated.
        match (&self.jwt_secret, self.app_env) {
            (None, Environment::Production) => {
                return Err("JWT_SECRET is required when APP_ENV=production".into())
            }
            (Some(secret), _) if secret.len() < MIN_SECRET_BYTES => {
                return Err(format!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"))
            }
            _ => {}
        }
        if self.app_env == Environment::Production && self.database_url.is_none() {
            return Err("DATABASE_URL is required when APP_ENV=production".into());
        }
        if let Some(url) = &self.database_url {
            // sslmode and sslrootcert: a typo must not quietly mean "no TLS".
            crate::db::connect::tls_request(url).map_err(|e| format!("{e:#}"))?;
        }
        if let Some(replica) = &self.database_replica_url {
            crate::db::connect::tls_request(replica)
                .map_err(|e| format!("{e:#}").replacen("DATABASE_URL", "DATABASE_REPLICA_URL", 1))?;
            crate::db::database_name(replica)
                .map_err(|_| "DATABASE_REPLICA_URL must name the database (the one DATABASE_URL names)")?;
            if self.database_url.as_deref() == Some(replica.as_str()) {
                return Err("DATABASE_REPLICA_URL must differ from DATABASE_URL".into());
            }
        }
        if self.bootstrap_admin_email.is_some() != self.bootstrap_admin_password.is_some() {
            return Err("BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together".into());
        }
        if let Some(base) = &self.public_base_url {
            url::Url::parse(base).map_err(|e| format!("PUBLIC_BASE_URL is not a URL: {e}"))?;
        }
        for origin in &self.cors_allowed_origins {
            url::Url::parse(origin)
                .map_err(|e| format!("CORS_ALLOWED_ORIGINS: {origin:?} is not an origin: {e}"))?;
        }
        // The webhook contract promises retries for at least a day.
        if self.app_env == Environment::Production && self.webhook_retry_window_seconds < 86_400 {
            return Err("WEBHOOK_RETRY_WINDOW_SECONDS must be at least 86400 in production".into());
        }
        self.smtp()?;
        if self.http_workers == Some(0) {
            return Err("HTTP_WORKERS must be at least 1".into());
        }
        if self.login_max_failures_per_account <= self.login_max_failures {
            return Err("LOGIN_MAX_FAILURES_PER_ACCOUNT must be greater than LOGIN_MAX_FAILURES, or one \
                        address could slow an account down for everyone"
                .into());
        }
        if self.max_body_bytes < 1024 {
            return Err("MAX_BODY_BYTES must be at least 1024".into());
        }
        if self.max_import_bytes < 1024 {
            return Err("MAX_IMPORT_BYTES must be at least 1024".into());
        }
        if self.metrics_bind_addr.is_some_and(|a| a.port() != 0 && a == self.bind_addr) {
            return Err("METRICS_BIND_ADDR must differ from BIND_ADDR".into());
        }
        Ok(())
    }

    /// Email by the server, when SMTP_URL is set: its URL checked (scheme, TLS; in
    /// production, never in clear text except to a relay on this machine) and SMTP_FROM.
    /// No error repeats the URL, which may hold a password.
    pub fn smtp(&self) -> Result<Option<Smtp>, String> {
        let Some(url) = &self.smtp_url else { return Ok(None) };
        let parsed = url::Url::parse(url).map_err(|_| {
            "SMTP_URL is not a URL such as smtps://user:pass@host:465 or smtp://user:pass@host:587?tls=required"
                .to_owned()
        })?;
        let tls = parsed.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.into_owned());
        let encrypted = match (parsed.scheme(), tls.as_deref()) {
            ("smtps", None) | ("smtp", Some("required")) => true,
            ("smtp", None | Some("opportunistic")) => false,
            ("smtps", Some(_)) => {
                return Err("SMTP_URL: smtps:// is TLS from the start and takes no tls parameter".into())
            }
            ("smtp", Some(_)) => return Err("SMTP_URL: tls must be required or opportunistic".into()),
            _ => return Err("SMTP_URL must start with smtps:// or smtp://".into()),
        };
        let local = match parsed.host() {
            // smtp:// is not one of the URL standard's special schemes, so an IPv4 address
            // comes as a name.
            Some(url::Host::Domain(name)) => {
                name.eq_ignore_ascii_case("localhost")
                    || name.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
            }
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            None => return Err("SMTP_URL names no host".into()),
        };
        if self.app_env == Environment::Production && !encrypted && !local {
            return Err("SMTP_URL: in production use smtps:// or smtp://…?tls=required (smtp:// alone, or \
                        with tls=opportunistic, may send participants' messages in clear text); \
                        plain smtp:// is allowed only to a relay on this machine (localhost)"
                .into());
        }
        let from = self.smtp_from.as_deref().ok_or("SMTP_FROM is required when SMTP_URL is set")?;
        let from: lettre::message::Mailbox = from.parse().map_err(|_| {
            "SMTP_FROM is not an address (`Name <events@example.org>` or `events@example.org`)"
        })?;
        Ok(Some(Smtp { url: url.clone(), from }))
    }

    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.database_acquire_timeout_ms)
    }

    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        self.public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_short_or_missing_secrets() {
        let mut settings = Settings::defaults();
        settings.app_env = Environment::Production;
        settings.database_url = Some("postgres://db/hybrid".into());
        assert!(settings.validate().unwrap_err().contains("JWT_SECRET"));
        settings.jwt_secret = Some("too-short".into());
        assert!(settings.validate().unwrap_err().contains("32 bytes"));
        settings.jwt_secret = Some("x".repeat(32));
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn development_refuses_a_short_secret_too() {
        let mut settings = Settings::defaults();
        assert_eq!(settings.app_env, Environment::Development);
        settings.jwt_secret = Some("abc".into());
        let error = settings.validate().unwrap_err();
        assert!(error.contains("JWT_SECRET") && error.contains("32 bytes"), "{error}");
        settings.jwt_secret = Some("x".repeat(31));
        assert!(settings.validate().is_err());
        settings.jwt_secret = Some("x".repeat(32));
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn the_metrics_listener_is_another_address() {
        let mut settings = Settings::defaults();
        settings.metrics_bind_addr = Some(settings.bind_addr);
        assert!(settings.validate().unwrap_err().contains("METRICS_BIND_ADDR"));
        settings.metrics_bind_addr = Some("127.0.0.1:9100".parse().unwrap());
        assert_eq!(settings.validate(), Ok(()));
        settings.metrics_bearer_token = Some(" ".into());
        assert_eq!(settings.without_empty_values().metrics_bearer_token, None, "empty counts as unset");
    }

    #[test]
    fn development_allows_a_missing_secret() {
        let settings = Settings::defaults();
        assert_eq!(settings.app_env, Environment::Development);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn production_retries_webhooks_for_at_least_a_day() {
        let mut settings = Settings::defaults();
        settings.app_env = Environment::Production;
        settings.database_url = Some("postgres://db/hybrid".into());
        settings.jwt_secret = Some("x".repeat(32));
        assert_eq!(settings.webhook_retry_window_seconds, 86_400);
        settings.webhook_retry_window_seconds = 3600;
        assert!(settings.validate().unwrap_err().contains("WEBHOOK_RETRY_WINDOW_SECONDS"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let mut settings = Settings::defaults();
        settings.jwt_secret = Some(String::new());
        settings.bootstrap_admin_email = Some(" ".into());
        settings.cors_allowed_origins = vec!["".into(), " https://partner.example.org".into()];
        let settings = settings.without_empty_values();
        assert_eq!(settings.jwt_secret, None);
        assert_eq!(settings.bootstrap_admin_email, None);
        assert_eq!(settings.cors_allowed_origins, vec!["https://partner.example.org".to_owned()]);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn trusted_proxies_are_ranges_or_single_addresses() {
        let proxies = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.7,,2001:db8::/32 ").unwrap();
        assert_eq!(proxies.0.len(), 3);
        for inside in ["10.1.2.3", "192.0.2.7", "2001:db8::1", "::ffff:10.0.0.1"] {
            assert!(proxies.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["11.0.0.1", "192.0.2.8", "2001:db9::1"] {
            assert!(!proxies.contains(outside.parse().unwrap()), "{outside}");
        }
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::default());
        assert!(TrustedProxies::parse("10.0.0.0/33").unwrap_err().contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse("proxy.internal").is_err());
    }

    #[test]
    fn one_address_cannot_reach_the_account_wide_login_limit() {
        let mut settings = Settings::defaults();
        settings.login_max_failures_per_account = settings.login_max_failures;
        assert!(settings.validate().unwrap_err().contains("LOGIN_MAX_FAILURES_PER_ACCOUNT"));
    }

    #[test]
    fn private_webhook_targets_are_refused_by_default_in_every_environment() {
        let settings = Settings::defaults();
        assert_eq!(settings.app_env, Environment::Development);
        assert!(!settings.webhook_allow_private_targets);
    }

    #[test]
    fn email_needs_a_from_address_and_in_production_tls_except_to_a_local_relay() {
        let mut settings = Settings::defaults();
        assert_eq!(settings.smtp(), Ok(None), "no SMTP_URL: no email");
        settings.smtp_url = Some("smtps://mailer:s3cret@smtp.example.org".into());
        let error = settings.validate().unwrap_err();
        assert!(error.contains("SMTP_FROM"), "{error}");
        settings.smtp_from = Some("not an address".into());
        assert!(settings.validate().unwrap_err().contains("SMTP_FROM"));
        settings.smtp_from = Some("Soria roundtables <events@example.org>".into());
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.smtp().unwrap().unwrap().from.email.to_string(), "events@example.org");

        for (url, problem) in [
            ("http://smtp.example.org", "smtps:// or smtp://"),
            ("smtp://smtp.example.org?tls=always", "tls must be"),
            ("smtps://smtp.example.org?tls=required", "no tls parameter"),
            ("not a url s3cret", "is not a URL"),
        ] {
            settings.smtp_url = Some(url.into());
            let error = settings.validate().unwrap_err();
            assert!(error.contains(problem), "{url}: {error}");
            assert!(!error.contains("s3cret"), "the URL is never repeated: {error}");
        }

        settings.app_env = Environment::Production;
        settings.database_url = Some("postgres://db/hybrid".into());
        settings.jwt_secret = Some("x".repeat(32));
        for clear in
            ["smtp://mailer:s3cret@smtp.example.org:587", "smtp://smtp.example.org?tls=opportunistic"]
        {
            settings.smtp_url = Some(clear.into());
            let error = settings.validate().unwrap_err();
            assert!(error.contains("production") && !error.contains("s3cret"), "{clear}: {error}");
        }
        for fine in [
            "smtps://mailer:s3cret@smtp.example.org",
            "smtp://mailer:s3cret@smtp.example.org:587?tls=required",
            "smtp://localhost:25",
            "smtp://127.0.0.1:2525",
            "smtp://[::1]:25",
        ] {
            settings.smtp_url = Some(fine.into());
            assert_eq!(settings.validate(), Ok(()), "{fine}");
        }
    }

    #[test]
    fn the_smtp_password_is_never_shown() {
        let mut settings = Settings::defaults();
        settings.smtp_url = Some("smtps://mailer:s3cret@smtp.example.org".into());
        settings.smtp_from = Some("events@example.org".into());
        let smtp = settings.smtp().unwrap().unwrap();
        assert!(!format!("{smtp:?}").contains("s3cret"));
    }

    #[test]
    fn a_replica_url_is_checked_like_the_primary_one() {
        let mut settings = Settings::defaults();
        assert_eq!(settings.database_replica_url, None, "no replica by default: every read on the primary");
        assert_eq!(settings.replica_max_lag_ms, 5000);
        settings.database_replica_url = Some("postgres://replica/hybrid?sslmode=verify_full".into());
        let error = settings.validate().unwrap_err();
        assert!(error.starts_with("DATABASE_REPLICA_URL") && error.contains("verify_full"), "{error}");
        settings.database_replica_url = Some("postgres://replica".into());
        assert!(settings.validate().unwrap_err().contains("DATABASE_REPLICA_URL must name the database"));
        settings.database_url = Some("postgres://primary/hybrid".into());
        settings.database_replica_url = settings.database_url.clone();
        assert!(settings.validate().unwrap_err().contains("must differ"));
        settings.database_replica_url = Some("postgres://replica/hybrid?sslmode=require".into());
        assert_eq!(settings.validate(), Ok(()));
        settings.database_replica_url = Some(" ".into());
        assert_eq!(settings.without_empty_values().database_replica_url, None, "empty counts as unset");
    }

    #[test]
    fn bootstrap_admin_needs_both_variables() {
        let mut settings = Settings::defaults();
        settings.bootstrap_admin_email = Some("admin@example.org".into());
        assert!(settings.validate().unwrap_err().contains("BOOTSTRAP_ADMIN_PASSWORD"));
    }
}
