//! Opening one connection to PostgreSQL, in plain text or over TLS as the URL asks with
//! libpq's parameters `sslmode` and `sslrootcert`. TLS is rustls with the `ring` provider,
//! the stack webhook deliveries use too: no OpenSSL.
//!
//! tokio-postgres knows `sslmode=disable|prefer|require` but neither `verify-ca` /
//! `verify-full` nor `sslrootcert`, and refuses parameters it does not know, so both are
//! read here and taken out of the URL it is given. Without them (or with `sslmode=disable`)
//! the connection is made exactly as before: no TLS code runs at all.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use anyhow::{bail, ensure, Context as _};
use diesel::ConnectionError;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::BoxFuture;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_postgres::Socket;

/// What the URL asks of TLS; `None` from [`tls_request`] means plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRequest {
    /// False for `sslmode=prefer`: plain text when the server offers no TLS.
    pub required: bool,
    pub check: Check,
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Nothing (`require`, `prefer`), as libpq does: the traffic is encrypted, but whoever
    /// sits between can present any certificate.
    Nothing,
    /// Its chain up to a trusted root, not the host name (`verify-ca`, and `require` or
    /// `prefer` with an `sslrootcert` file, as in libpq).
    Chain(Roots),
    /// Its chain and that it names the host of the URL (`verify-full`).
    ChainAndHost(Roots),
}

/// The trusted roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The system's store (`sslrootcert` absent, or `sslrootcert=system`).
    System,
    /// A PEM file of one or more certificates (`sslrootcert=<path>`).
    File(PathBuf),
}

/// Reads `sslmode` and `sslrootcert` from `url`; returns what they ask and the URL without
/// them (as tokio-postgres accepts it). Errors name the parameter, never the password.
pub fn tls_request(url: &str) -> anyhow::Result<(Option<TlsRequest>, String)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    let mut mode = None;
    let mut root = None;
    let mut kept = Vec::new();
    for pair in parsed.query().unwrap_or("").split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || -> anyhow::Result<String> {
            Ok(percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .with_context(|| format!("DATABASE_URL: {key} is not UTF-8"))?
                .into_owned())
        };
        match key {
            "sslmode" => mode = Some(decoded()?),
            "sslrootcert" => root = Some(decoded()?),
            _ => kept.push(pair.to_owned()),
        }
    }
    let kept = kept.join("&");
    parsed.set_query(if kept.is_empty() { None } else { Some(&kept) });
    let root = root.filter(|r| !r.is_empty()).map(|r| match r.as_str() {
        "system" => Roots::System,
        _ => Roots::File(r.into()),
    });
    let tls = |required, check| Some(TlsRequest { required, check });
    let request = match (mode.as_deref(), root) {
        (None | Some("disable"), None) => None,
        // As in libpq 16: the system's roots mean verify-full unless said otherwise.
        (None, Some(Roots::System)) => tls(true, Check::ChainAndHost(Roots::System)),
        (None | Some("disable"), Some(_)) => bail!(
            "DATABASE_URL: sslrootcert is given but sslmode does not ask for TLS; \
             add sslmode=verify-full (or verify-ca)"
        ),
        (Some(weak @ ("prefer" | "require")), Some(Roots::System)) => bail!(
            "DATABASE_URL: sslmode={weak} does not check certificates; \
             sslrootcert=system needs sslmode=verify-full (or verify-ca)"
        ),
        (Some("prefer"), None) => tls(false, Check::Nothing),
        (Some("require"), None) => tls(true, Check::Nothing),
        // libpq checks the chain whenever it is given a root certificate.
        (Some("prefer"), Some(roots)) => tls(false, Check::Chain(roots)),
        (Some("require"), Some(roots)) => tls(true, Check::Chain(roots)),
        (Some("verify-ca"), roots) => tls(true, Check::Chain(roots.unwrap_or(Roots::System))),
        (Some("verify-full"), roots) => tls(true, Check::ChainAndHost(roots.unwrap_or(Roots::System))),
        (Some(other), _) => bail!(
            "DATABASE_URL: sslmode={other:?} is not supported; \
             use disable, prefer, require, verify-ca or verify-full"
        ),
    };
    Ok((request, parsed.to_string()))
}

/// A database URL made ready to connect to, once: its TLS parameters read, its root
/// certificates loaded. Cheap to clone.
#[derive(Clone)]
pub struct Target {
    url: String,
    tls: Option<Arc<Tls>>,
}

struct Tls {
    config: tokio_postgres::Config,
    connector: RustlsConnect,
}

impl Target {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let (request, stripped) = tls_request(url)?;
        let Some(request) = request else {
            return Ok(Self { url: url.to_owned(), tls: None });
        };
        let mut config: tokio_postgres::Config =
            stripped.parse().map_err(|e| anyhow::anyhow!("DATABASE_URL: {}", error_chain(&e)))?;
        config.ssl_mode(if request.required {
            tokio_postgres::config::SslMode::Require
        } else {
            tokio_postgres::config::SslMode::Prefer
        });
        let connector = RustlsConnect(Arc::new(client_config(&request.check)?));
        Ok(Self { url: url.to_owned(), tls: Some(Arc::new(Tls { config, connector })) })
    }

    /// Whether connections use (or, with `prefer`, try) TLS.
    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub async fn establish(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let Some(tls) = &self.tls else {
            return AsyncPgConnection::establish(&self.url).await;
        };
        let (client, connection) = tls
            .config
            .connect(tls.connector.clone())
            .await
            .map_err(|e| ConnectionError::BadConnection(error_chain(&e)))?;
        // diesel-async drives the connection on a task of the current runtime, as it does
        // for the connections it opens itself, and reports its errors to the pool.
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// Opens one connection to `url`, with TLS when it asks for it.
pub async fn establish(url: &str) -> Result<AsyncPgConnection, ConnectionError> {
    let target = Target::new(url).map_err(|e| ConnectionError::InvalidConnectionUrl(format!("{e:#}")))?;
    target.establish().await
}

/// tokio-postgres' errors say what failed ("error performing TLS handshake") and keep why in
/// their source: both belong in the message.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn client_config(check: &Check) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (roots, check_host) = match check {
        Check::Nothing => (None, false),
        Check::Chain(roots) => (Some(root_store(roots)?), false),
        Check::ChainAndHost(roots) => (Some(root_store(roots)?), true),
    };
    let verifier = Arc::new(PostgresVerifier { roots, check_host, provider: provider.clone() });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn root_store(roots: &Roots) -> anyhow::Result<Arc<RootCertStore>> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::File(path) => {
            let what = || format!("DATABASE_URL: reading sslrootcert {}", path.display());
            for certificate in CertificateDer::pem_file_iter(path).with_context(what)? {
                store.add(certificate.with_context(what)?).with_context(what)?;
            }
            ensure!(!store.is_empty(), "DATABASE_URL: sslrootcert {} holds no certificate", path.display());
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            ensure!(
                !store.is_empty(),
                "DATABASE_URL: no trusted root certificates found on this system; give sslrootcert"
            );
        }
    }
    Ok(Arc::new(store))
}

/// libpq's checks of the server's certificate: none, the chain, or the chain and the host.
#[derive(Debug)]
struct PostgresVerifier {
    /// `None`: any certificate is accepted (`require`).
    roots: Option<Arc<RootCertStore>>,
    check_host: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PostgresVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let certificate = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &certificate,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
            if self.check_host {
                verify_server_name(&certificate, server_name)?;
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    // The handshake's signatures are always checked: they prove the server holds the key of
    // the certificate it showed, whatever is made of the certificate.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// tokio-postgres' TLS hook, over tokio-rustls.
#[derive(Clone)]
struct RustlsConnect(Arc<rustls::ClientConfig>);

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnectTo;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnectTo, Self::Error> {
        let name = ServerName::try_from(host.to_owned())?;
        Ok(RustlsConnectTo { config: self.0.clone(), name })
    }
}

struct RustlsConnectTo {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsConnectTo {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = BoxFuture<'static, io::Result<RustlsStream>>;

    fn connect(self, socket: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = tokio_rustls::TlsConnector::from(self.config).connect(self.name, socket).await?;
            Ok(RustlsStream(stream))
        })
    }
}

pub struct RustlsStream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for RustlsStream {
    /// No SCRAM channel binding (tls-server-end-point): it needs the hash algorithm of the
    /// certificate's signature, and SCRAM works without it.
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> Option<TlsRequest> {
        tls_request(url).unwrap().0
    }

    #[test]
    fn no_sslmode_or_disable_is_plain_and_the_url_is_untouched() {
        assert_eq!(request("postgres://u@h/db"), None);
        assert_eq!(request("postgres://u@h/db?sslmode=disable"), None);
        let (_, url) = tls_request("postgres://u:p%40ss@h:5433/db?application_name=x").unwrap();
        assert_eq!(url, "postgres://u:p%40ss@h:5433/db?application_name=x");
    }

    #[test]
    fn each_mode_asks_what_libpq_does() {
        let file = || Roots::File("/ca.pem".into());
        assert_eq!(
            request("postgres://h/db?sslmode=require"),
            Some(TlsRequest { required: true, check: Check::Nothing })
        );
        assert_eq!(
            request("postgres://h/db?sslmode=prefer"),
            Some(TlsRequest { required: false, check: Check::Nothing })
        );
        assert_eq!(
            request("postgres://h/db?sslmode=require&sslrootcert=/ca.pem"),
            Some(TlsRequest { required: true, check: Check::Chain(file()) })
        );
        assert_eq!(
            request("postgres://h/db?sslmode=verify-ca"),
            Some(TlsRequest { required: true, check: Check::Chain(Roots::System) })
        );
        assert_eq!(
            request("postgres://h/db?sslmode=verify-full&sslrootcert=%2Fca.pem"),
            Some(TlsRequest { required: true, check: Check::ChainAndHost(file()) })
        );
        assert_eq!(
            request("postgres://h/db?sslrootcert=system"),
            Some(TlsRequest { required: true, check: Check::ChainAndHost(Roots::System) })
        );
    }

    #[test]
    fn the_tls_parameters_are_taken_out_and_the_others_kept() {
        let (_, url) =
            tls_request("postgres://u@h/db?sslmode=verify-full&connect_timeout=5&sslrootcert=/a%20b.pem")
                .unwrap();
        assert_eq!(url, "postgres://u@h/db?connect_timeout=5");
        let (_, url) = tls_request("postgres://u@h/db?sslmode=require").unwrap();
        assert_eq!(url, "postgres://u@h/db");
    }

    #[test]
    fn contradictory_or_unknown_values_are_refused_with_the_parameter_named() {
        for (url, says) in [
            ("postgres://h/db?sslmode=verify_full", "sslmode=\"verify_full\" is not supported"),
            ("postgres://h/db?sslmode=allow", "sslmode=\"allow\" is not supported"),
            ("postgres://h/db?sslrootcert=/ca.pem", "sslmode does not ask for TLS"),
            ("postgres://h/db?sslmode=disable&sslrootcert=/ca.pem", "sslmode does not ask for TLS"),
            ("postgres://h/db?sslmode=require&sslrootcert=system", "sslrootcert=system needs"),
        ] {
            let error = tls_request(url).unwrap_err().to_string();
            assert!(error.contains(says), "{url}: {error}");
            assert!(error.starts_with("DATABASE_URL"), "{url}: {error}");
        }
    }

    #[test]
    fn a_missing_root_file_is_an_error_that_names_it() {
        let error = Target::new("postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
            .err()
            .expect("refused");
        assert!(format!("{error:#}").contains("/nonexistent/ca.pem"), "{error:#}");
    }
}
