//! A private PostgreSQL cluster started from the machine's own PostgreSQL binaries, for a
//! developer (or the test suite) on a machine where no server answers. Not for production.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// Starts (initialising it first if needed) the cluster in `dir`, listening on 127.0.0.1:`port`
/// with trust authentication, and returns a URL of its server without a database name.
/// Several processes may call this at once: a lock file lets one of them do the work.
pub fn ensure_running(dir: &Path, port: u16) -> anyhow::Result<String> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir.canonicalize()?;
    let lock = File::create(dir.with_extension("lock"))?;
    lock.lock().context("locking the local cluster directory")?;
    let as_root = running_as_root();
    let bindir = postgres_bindir()?;
    let data = dir.join("data");
    if !data.join("PG_VERSION").exists() {
        fs::create_dir_all(&data)?;
        if as_root {
            chown_to_postgres(&dir)?;
        }
        initdb(as_root, &bindir, &data)?;
    }
    start(as_root, &bindir, &data, port, &dir, &dir.join("server.log"))?;
    drop(lock);
    Ok(format!("postgres://postgres@127.0.0.1:{port}"))
}

/// Starts the server of `data` on 127.0.0.1:`port` (its socket in `socket_dir`, its log in
/// `log`) unless it already runs there.
fn start(
    as_root: bool,
    bindir: &Path,
    data: &Path,
    port: u16,
    socket_dir: &Path,
    log: &Path,
) -> anyhow::Result<()> {
    let mut running = command(as_root, &bindir.join("pg_ctl"))
        .arg("status")
        .arg("-D")
        .arg(data)
        .output()
        .context("pg_ctl status")?
        .status
        .success();
    // Running on another port (started by an older version that chose another): restart it
    // where it is asked for, rather than hand out a URL nobody listens on.
    if running && listening_port(data) != Some(port) {
        run(
            command(as_root, &bindir.join("pg_ctl")).args(["stop", "-w", "-m", "fast", "-D"]).arg(data),
            "pg_ctl stop",
        )?;
        running = false;
    }
    if !running {
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300",
            socket_dir.display()
        );
        run(
            command(as_root, &bindir.join("pg_ctl"))
                .arg("start")
                .arg("-w")
                .arg("-D")
                .arg(data)
                .arg("-l")
                .arg(log)
                .arg("-o")
                .arg(options),
            "pg_ctl start",
        )?;
    }
    Ok(())
}

/// A primary and a streaming replica of it (made with `pg_basebackup -R`, hot standby), in
/// `dir`, on 127.0.0.1:`primary_port` and :`replica_port`: the URLs of both servers without a
/// database name. For the tests of reads from a replica; several processes may call this at
/// once (a lock file lets one do the work). Trust authentication, replication included (as
/// initdb writes pg_hba.conf for `--auth=trust`); PostgreSQL's defaults already stream
/// (`wal_level=replica`, ten WAL senders).
pub fn ensure_streaming_pair(
    dir: &Path,
    primary_port: u16,
    replica_port: u16,
) -> anyhow::Result<(String, String)> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir.canonicalize()?;
    let lock = File::create(dir.with_extension("lock"))?;
    lock.lock().context("locking the replica pair's directory")?;
    let as_root = running_as_root();
    let bindir = postgres_bindir()?;
    let (primary, replica) = (dir.join("primary"), dir.join("replica"));
    if !primary.join("PG_VERSION").exists() {
        fs::create_dir_all(&primary)?;
        if as_root {
            chown_to_postgres(&dir)?;
        }
        initdb(as_root, &bindir, &primary)?;
    }
    start(as_root, &bindir, &primary, primary_port, &dir, &dir.join("primary.log"))?;
    if !replica.join("PG_VERSION").exists() {
        // What an interrupted copy left: pg_basebackup wants an empty or missing directory.
        if replica.exists() {
            fs::remove_dir_all(&replica)?;
        }
        run(
            command(as_root, &bindir.join("pg_basebackup"))
                .args(["-h", "127.0.0.1", "-p", &primary_port.to_string(), "-U", "postgres", "-D"])
                .arg(&replica)
                .args(["-R", "-X", "stream", "-c", "fast"]),
            "pg_basebackup",
        )?;
    }
    start(as_root, &bindir, &replica, replica_port, &dir, &dir.join("replica.log"))?;
    drop(lock);
    Ok((
        format!("postgres://postgres@127.0.0.1:{primary_port}"),
        format!("postgres://postgres@127.0.0.1:{replica_port}"),
    ))
}

/// The port of the running server, from the fourth line of `postmaster.pid`.
fn listening_port(data: &Path) -> Option<u16> {
    fs::read_to_string(data.join("postmaster.pid")).ok()?.lines().nth(3)?.trim().parse().ok()
}

/// Stops the cluster in `dir` (fast: open sessions are ended). For tests and for a developer
/// who wants the port back; a cluster that is not running is left alone.
pub fn stop(dir: &Path) -> anyhow::Result<()> {
    let data = dir.canonicalize()?.join("data");
    let as_root = running_as_root();
    let pg_ctl = postgres_bindir()?.join("pg_ctl");
    let running = command(as_root, &pg_ctl).arg("status").arg("-D").arg(&data).output()?.status.success();
    if running {
        run(command(as_root, &pg_ctl).args(["stop", "-w", "-m", "fast", "-D"]).arg(&data), "pg_ctl stop")?;
    }
    Ok(())
}

/// A UTF-8 locale, so that `lower()`, `upper()` and `ILIKE` in SQL know letters beyond ASCII
/// as on the servers this runs against in production (uniqueness does not rest on it: names
/// and emails are folded in Rust). `C.UTF-8` sorts by code point, as `C` does. A machine
/// without it (macOS has none) gets `C`. A cluster made earlier keeps the locale it was made
/// with.
fn initdb(as_root: bool, bindir: &Path, data: &Path) -> anyhow::Result<()> {
    let with_locale = |locale: &str| {
        let mut initdb = command(as_root, &bindir.join("initdb"));
        initdb.arg("-D").arg(data).args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"]);
        initdb.arg(format!("--locale={locale}"));
        run(&mut initdb, "initdb")
    };
    with_locale("C.UTF-8").or_else(|error| {
        if error.to_string().contains("invalid locale name") {
            with_locale("C")
        } else {
            Err(error)
        }
    })
}

fn command(as_root: bool, program: &Path) -> Command {
    if as_root {
        // initdb and postgres refuse to run as root.
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_to_postgres(dir: &Path) -> anyhow::Result<()> {
    run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir), "chown")?;
    // The postgres user must be able to reach the directory through its parents.
    let mut parent = dir.parent();
    while let Some(p) = parent {
        let _ = Command::new("chmod").arg("o+x").arg(p).status();
        parent = p.parent();
    }
    Ok(())
}

/// `PG_BINDIR`, else the newest `/usr/lib/postgresql/<version>/bin`, else the directory of
/// `initdb` on the PATH.
fn postgres_bindir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BINDIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists())
        .context("no PostgreSQL binaries found (install PostgreSQL, or set PG_BINDIR or DATABASE_URL)")
}
