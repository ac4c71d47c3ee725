//! A throwaway PostgreSQL cluster on 127.0.0.1 for the team-mode tests.
//!
//! [`cluster`] starts one cluster per test binary (on first use): Debian's `initdb` and
//! `postgres` (from `/usr/lib/postgresql/*/bin`) run as an unprivileged user (`opsassist-pg`,
//! created when the tests run as root; the current user otherwise) in a temp dir, on a free
//! port, trust auth on loopback only. The server runs under a small `sh` guard whose stdin is
//! a pipe from this process: when the test binary ends for any reason (normal exit, a panic,
//! even `kill -9`), the pipe closes, and the guard stops the server (fast shutdown) and
//! deletes the temp dir. [`database`] makes a fresh empty database per test.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The unprivileged user that owns the cluster when the tests run as root.
pub const PG_USER: &str = "opsassist-pg";

/// A running cluster.
pub struct Cluster {
    pub port: u16,
    /// Where the cluster lives (removed by the guard when the tests end).
    pub root: PathBuf,
    pub bin: PathBuf,
    /// The server's `-c` settings (to start it again after [`Cluster::stop`]).
    settings: Vec<String>,
    /// Keeps the guard's stdin open; dropping it (process exit) stops the server.
    _guard: Mutex<(Child, ChildStdin)>,
}

impl Cluster {
    /// `postgres://postgres@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The server log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("postgres.log")).unwrap_or_default()
    }

    /// Run SQL as the superuser in `db` with `psql` (one statement list, stops on error).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(db))
            .arg("-c")
            .arg(sql)
            .output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        if !out.status.success() {
            panic!(
                "psql {sql:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The binary directory of the newest installed PostgreSQL.
pub fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Create [`PG_USER`] if it does not exist (root only).
fn ensure_user() {
    let exists = Command::new("id")
        .arg(PG_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if exists {
        return;
    }
    let out = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
        ])
        .arg(PG_USER)
        .output()
        .unwrap_or_else(|e| panic!("useradd: {e}"));
    // A parallel test binary may have created it meanwhile.
    let raced = String::from_utf8_lossy(&out.stderr).contains("already exists");
    assert!(
        out.status.success() || raced,
        "useradd {PG_USER}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `cmd` as the cluster's user: through `runuser` when root, directly otherwise.
fn as_pg_user(root: bool, program: &Path) -> Command {
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", PG_USER, "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    let listener =
        TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"))
        .port()
}

fn chown(path: &Path) {
    let out = Command::new("chown")
        .arg("-R")
        .arg(format!("{PG_USER}:"))
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("chown: {e}"));
    assert!(out.status.success(), "chown {}", path.display());
}

fn start() -> Cluster {
    start_with(&Options::default())
}

/// What a private cluster ([`own_cluster`], [`tls_cluster`]) differs in.
#[derive(Default)]
struct Options {
    /// `ssl = on` with a certificate made by `openssl` (see [`TlsFiles`]).
    tls: bool,
}

fn start_with(options: &Options) -> Cluster {
    let bin = bin_dir().unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); tests/run.sh installs the `postgresql` package")
    });
    let root_user = is_root();
    if root_user {
        ensure_user();
    }
    // A private dir under /tmp (not a tempfile::TempDir: the guard, not this process,
    // deletes it, so it goes even when the tests are killed).
    let base = std::env::temp_dir().join(format!(
        "opsassist-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&base).unwrap_or_else(|e| panic!("mkdir {}: {e}", base.display()));
    if root_user {
        chown(&base);
    }
    let data = base.join("data");
    let out = as_pg_user(root_user, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("initdb: {e}"));
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut settings = vec![
        "listen_addresses=127.0.0.1".to_string(),
        "max_connections=200".to_string(),
        "shared_buffers=32MB".to_string(),
    ];
    if options.tls {
        let tls = TlsFiles::make(&base);
        if root_user {
            chown(&base);
        }
        settings.push("ssl=on".into());
        settings.push(format!("ssl_cert_file={}", tls.server_cert.display()));
        settings.push(format!("ssl_key_file={}", tls.server_key.display()));
    }
    let port = free_port();
    // fsync stays on by default (benchmarks measure real durability); tests that only need
    // speed may set OPSASSIST_TEST_PG_FSYNC=off.
    let fsync = std::env::var("OPSASSIST_TEST_PG_FSYNC").unwrap_or_else(|_| "on".into());
    settings.push(format!("fsync={fsync}"));
    // The settings follow the four fixed arguments; a server started again by
    // `Cluster::start_again` (pg_ctl) is stopped by the pg_ctl line.
    let script = r#"
bin="$1"; base="$2"; port="$3"; shift 4
"$bin/postgres" -D "$base/data" -p "$port" -k "$base" "$@" >"$base/postgres.log" 2>&1 </dev/null &
pid=$!
cat >/dev/null
kill -INT "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
"$bin/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do
  rm -rf "$base" 2>/dev/null
  [ -e "$base" ] || break
  sleep 0.3
done
"#;
    let mut guard = as_pg_user(root_user, Path::new("/bin/sh"))
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(&bin)
        .arg(&base)
        .arg(port.to_string())
        .arg("unused")
        .args(settings.iter().flat_map(|s| ["-c", s.as_str()]))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start postgres: {e}"));
    let stdin = guard
        .stdin
        .take()
        .unwrap_or_else(|| panic!("postgres guard has no stdin"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && Command::new(bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p"])
                .arg(port.to_string())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        if ready {
            break;
        }
        if let Ok(Some(status)) = guard.try_wait() {
            panic!(
                "postgres exited ({status}): {}",
                std::fs::read_to_string(base.join("postgres.log")).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "postgres did not start in 30s: {}",
            std::fs::read_to_string(base.join("postgres.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Cluster {
        port,
        root: base,
        bin,
        settings,
        _guard: Mutex::new((guard, stdin)),
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(start)
}

/// A fresh, empty database in the shared cluster; returns its URL.
pub fn database(prefix: &str) -> String {
    cluster().database(prefix)
}

/// The database name a URL of [`database`] (or [`Cluster::database`]) ends with, for
/// [`Cluster::psql`].
pub fn db_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_string()
}

/// A private cluster for one test (not the shared one): it may be stopped and started
/// again ([`Cluster::stop`], [`Cluster::start_again`]); dropping it ends it.
pub fn own_cluster() -> Cluster {
    start_with(&Options::default())
}

/// A private cluster with `ssl = on`, its certificate signed by a test CA made with
/// `openssl` ([`Cluster::tls`] names the files).
pub fn tls_cluster() -> Cluster {
    start_with(&Options { tls: true })
}

/// The TLS files of a [`tls_cluster`], under its root: a CA, the server's certificate (for
/// `localhost` and `127.0.0.1`, signed by that CA) and its key, and a second, unrelated CA.
pub struct TlsFiles {
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl TlsFiles {
    fn at(root: &Path) -> TlsFiles {
        let dir = root.join("tls");
        TlsFiles {
            ca: dir.join("ca.crt"),
            other_ca: dir.join("other-ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
        }
    }

    fn make(root: &Path) -> TlsFiles {
        let files = TlsFiles::at(root);
        let dir = root.join("tls");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap_or_else(|e| panic!("openssl (tests/run.sh installs it): {e}"));
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for (name, cn) in [
            ("ca", "opsassist test CA"),
            ("other-ca", "someone else's CA"),
        ] {
            let (key, crt, subj) = (
                format!("{name}.key"),
                format!("{name}.crt"),
                format!("/CN={cn}"),
            );
            let mut args = vec!["req", "-x509"];
            args.extend(ec);
            args.extend(["-keyout", &key, "-out", &crt, "-days", "2", "-subj", &subj]);
            openssl(&args);
        }
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap_or_else(|e| panic!("server.ext: {e}"));
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(&args);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        // The server refuses a key others can read.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&files.server_key, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("chmod server.key: {e}"));
        files
    }
}

impl Cluster {
    /// A fresh, empty database in this cluster; returns its URL.
    pub fn database(&self, prefix: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!(
            "{}_{}",
            prefix
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
                .to_lowercase(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Run `sql` (any statements, psql meta-commands too) as `user` in `db` with `psql -f -`;
    /// Err with psql's message when a statement fails.
    pub fn psql_as(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        use std::io::Write;
        let url = format!("postgres://{user}@127.0.0.1:{}/{db}", self.port);
        let mut child = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                "-",
                "-d",
            ])
            .arg(&url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        child
            .stdin
            .take()
            .unwrap_or_else(|| panic!("psql stdin"))
            .write_all(sql.as_bytes())
            .unwrap_or_else(|e| panic!("psql stdin: {e}"));
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// The TLS files (meaningful for a [`tls_cluster`]).
    pub fn tls(&self) -> TlsFiles {
        TlsFiles::at(&self.root)
    }

    /// `pg_ctl` as the cluster's user.
    fn pg_ctl(&self, args: &[&str]) {
        let out = as_pg_user(is_root(), &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.root.join("data"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("pg_ctl {args:?}: {e}"));
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stop the postmaster (`pg_ctl stop -m fast`): every connection is cut.
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "-w", "stop"]);
    }

    /// Start the stopped server again on the same port, with the same settings.
    pub fn start_again(&self) {
        let mut options = format!("-p {} -k {}", self.port, self.root.display());
        for setting in &self.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let log = self.root.join("postgres-again.log");
        let log = log.display().to_string();
        self.pg_ctl(&["-w", "-t", "30", "-l", &log, "-o", &options, "start"]);
    }
}
