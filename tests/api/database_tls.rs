//! TLS to PostgreSQL, as a managed server requires it: `sslmode` and `sslrootcert` in
//! `DATABASE_URL`. Each test starts a private cluster that only accepts connections over TLS
//! (`hostssl` in pg_hba.conf, `hostnossl ... reject`), with a server certificate for
//! `localhost` signed by a certificate authority made for the test, and passwords (SCRAM).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::db::{self, local_cluster};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use crate::helpers::{migrated_database_on, read, spawn_app_on};

const PASSWORD: &str = "tls-test-password";

/// A certificate authority of the test's own.
struct Authority(CertifiedIssuer<'static, KeyPair>);

impl Authority {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Self(CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap())
    }

    fn pem(&self) -> String {
        self.0.pem()
    }

    /// A server certificate for `name` and its private key, both PEM.
    fn server_certificate(&self, name: &str) -> (String, String) {
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &*self.0).unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

/// A private cluster under target/ that refuses connections without TLS; stopped and removed
/// when dropped.
struct TlsCluster {
    dir: PathBuf,
    port: u16,
    /// The CA that signed the server's certificate, as a file.
    ca: PathBuf,
    /// Another CA, which signed nothing the server shows.
    other_ca: PathBuf,
}

impl TlsCluster {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("target/tls-postgres-{}-{port}", std::process::id()));
        let cluster = Self { ca: dir.join("ca.pem"), other_ca: dir.join("other-ca.pem"), dir, port };
        // Made (initdb) and started as usual, then stopped, given TLS and started again:
        // pg_ctl start waits until the server accepts connections, a reload would not.
        cluster.run(local_cluster::ensure_running).await;
        // Passwords (SCRAM), as a managed server asks for them along with TLS.
        let plain = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let mut conn = db::establish(&plain).await.expect("the new cluster, before TLS");
        conn.batch_execute(&format!("ALTER ROLE postgres PASSWORD '{PASSWORD}'")).await.unwrap();
        drop(conn);
        cluster.run(|dir, _| local_cluster::stop(dir).map(|_| String::new())).await;

        let authority = Authority::new("hybrid-events test CA");
        // The host name only, not 127.0.0.1: verify-full must then refuse 127.0.0.1.
        let (certificate, key) = authority.server_certificate("localhost");
        let data = cluster.dir.join("data");
        let owner = std::fs::metadata(&data).unwrap();
        let write = |name: &str, contents: &str, mode: u32| {
            let path = data.join(name);
            std::fs::write(&path, contents).unwrap();
            // The server runs as the owner of its data directory (postgres, when the tests
            // run as root) and refuses a key that others may read.
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        write("server.crt", &certificate, 0o644);
        write("server.key", &key, 0o600);
        let conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        write(
            "postgresql.conf",
            &format!("{conf}\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"),
            0o600,
        );
        write(
            "pg_hba.conf",
            "local all all trust\n\
             hostnossl all all 0.0.0.0/0 reject\n\
             hostnossl all all ::/0 reject\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n\
             hostssl all all ::1/128 scram-sha-256\n",
            0o600,
        );
        std::fs::write(&cluster.ca, authority.pem()).unwrap();
        std::fs::write(&cluster.other_ca, Authority::new("someone else's CA").pem()).unwrap();
        cluster.run(local_cluster::ensure_running).await;
        cluster
    }

    async fn run(&self, step: fn(&Path, u16) -> anyhow::Result<String>) {
        let (dir, port) = (self.dir.clone(), self.port);
        tokio::task::spawn_blocking(move || step(&dir, port)).await.unwrap().expect("the private cluster");
    }

    /// The server's URL (no database name) with these parameters.
    fn server(&self, host: &str, parameters: &str) -> String {
        let query = if parameters.is_empty() { String::new() } else { format!("?{parameters}") };
        format!("postgres://postgres:{PASSWORD}@{host}:{}{query}", self.port)
    }

    fn verify_full(&self, ca: &Path) -> String {
        self.server("localhost", &format!("sslmode=verify-full&sslrootcert={}", ca.display()))
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = local_cluster::stop(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("lock"));
    }
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

/// Whether the server sees this connection as encrypted (pg_stat_ssl).
async fn server_sees_tls(conn: &mut AsyncPgConnection) -> bool {
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Ssl>(conn)
        .await
        .unwrap()
        .ssl
}

async fn connect(server: &str) -> Result<AsyncPgConnection, String> {
    db::establish(&db::with_database(server, "postgres").unwrap()).await.map_err(|e| e.to_string())
}

#[actix_web::test]
async fn verify_full_connects_with_the_right_authority_and_refuses_any_other_server() {
    let cluster = TlsCluster::start().await;

    let mut conn = connect(&cluster.verify_full(&cluster.ca)).await.expect("verify-full with the right CA");
    assert!(server_sees_tls(&mut conn).await, "the server sees a plain connection");

    // A server whose certificate another CA signed (someone in between): refused.
    let error = connect(&cluster.verify_full(&cluster.other_ca)).await.err().expect("a wrong CA is refused");
    assert!(error.contains("TLS handshake") && error.contains("UnknownIssuer"), "{error}");

    // The certificate names localhost, not 127.0.0.1: verify-full refuses it there, while
    // verify-ca (the chain only) accepts it.
    let by_address = |mode: &str| {
        cluster.server("127.0.0.1", &format!("sslmode={mode}&sslrootcert={}", cluster.ca.display()))
    };
    let error =
        connect(&by_address("verify-full")).await.err().expect("a certificate for another host is refused");
    assert!(error.contains(r#"not valid for name "127.0.0.1""#), "{error}");
    let mut conn = connect(&by_address("verify-ca")).await.expect("verify-ca checks the chain only");
    assert!(server_sees_tls(&mut conn).await);
}

#[actix_web::test]
async fn require_encrypts_without_a_root_and_the_server_refuses_plain_connections() {
    let cluster = TlsCluster::start().await;

    let mut conn = connect(&cluster.server("127.0.0.1", "sslmode=require")).await.expect("require, no CA");
    assert!(server_sees_tls(&mut conn).await);

    // Proof that the connections above used TLS: without sslmode the server turns us away.
    for plain in [cluster.server("127.0.0.1", ""), cluster.server("127.0.0.1", "sslmode=disable")] {
        let error = connect(&plain).await.err().expect("a plain connection is refused");
        assert!(error.contains("no encryption"), "{error}");
    }
}

#[actix_web::test]
async fn the_server_runs_over_tls_and_is_not_ready_behind_a_certificate_it_cannot_trust() {
    let cluster = TlsCluster::start().await;
    // Database creation, migrations, the pools of the server and of the harness: all over TLS,
    // since the cluster accepts nothing else.
    let app = spawn_app_on(migrated_database_on(&cluster.verify_full(&cluster.ca)).await, |_| {}).await;
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    // A write and a read through the server's pool.
    let org = app.organisation("Ayuntamiento de Soria").await;
    let response = app.get("/api/v1/organisations", Some(&app.admin().await)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.text.contains(&org.to_string()), "{}", response.text);
    assert!(server_sees_tls(&mut app.pool.get().await.unwrap()).await);

    // The same database reached with a root that did not sign the server's certificate: the
    // pool refuses the server, and the process says it is not ready.
    let wrong = db::with_database(&cluster.verify_full(&cluster.other_ca), &app.database.name).unwrap();
    let mut settings = app.settings.clone();
    settings.database_acquire_timeout_ms = 1_000;
    let pool = db::build_pool(&wrong, &settings).unwrap();
    let application =
        hybrid_events::startup::Application::build_with_pool(settings, &wrong, pool).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    actix_web::rt::spawn(application.into_server());
    let response = read(app.client.get(format!("{address}/readyz")).send().await.unwrap()).await;
    assert_eq!(response.status, 503, "{}", response.text);
}
