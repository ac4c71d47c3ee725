//! Planted secrets, two realistic (fake, correctly shaped) samples per provider family, driven
//! through every path to the model: `cat` output, real `ps` output, the alert's text, an
//! operator's edit, a rejection reason, corrections.jsonl and the next session's prompt, and
//! output larger than the cap with a PEM key and tokens straddling the head/tail cut. A path
//! passes only if no 8-character piece of any secret reaches the fake OpenAI server.

mod session_harness;
mod support;

use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use opsassist::policy::Redactor;
use opsassist::protocol::{Decision, Op};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};

const AN: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &str = "0123456789abcdef";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const PW: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!%^*_+=.-";
const BCRYPT: &str = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Deterministic random text from `alphabet`.
struct Gen(u64);

impl Gen {
    fn s(&mut self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                chars[((self.0 >> 33) % chars.len() as u64) as usize]
            })
            .collect()
    }
}

/// One planted secret: how it looks in a file (`line`) and on a command line (`cmdline`).
#[derive(Clone, Debug)]
struct Sample {
    family: &'static str,
    secret: String,
    line: String,
    cmdline: Option<String>,
}

fn sample(family: &'static str, secret: String, line: String, cmdline: Option<String>) -> Sample {
    Sample {
        family,
        secret,
        line,
        cmdline,
    }
}

fn pem(g: &mut Gen, kind: &str, lines: usize) -> String {
    let mut body = vec![format!("MIIEpAIBAAKCAQEA{}", g.s(B64, 48))];
    for _ in 1..lines {
        body.push(g.s(B64, 64));
    }
    body.push(format!("{}==", g.s(B64, 30)));
    format!(
        "-----BEGIN {kind}PRIVATE KEY-----\n{}\n-----END {kind}PRIVATE KEY-----",
        body.join("\n")
    )
}

/// The key material of a PEM block (the armor lines are not secret).
fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn samples() -> Vec<Sample> {
    let g = &mut Gen(0x5eed_0f5e_c2e7);
    let mut v = Vec::new();
    for _ in 0..2 {
        let s = format!("AKIA{}", g.s(UPPER, 16));
        v.push(sample(
            "aws-key",
            s.clone(),
            format!("AWS_ACCESS_KEY_ID={s}"),
            Some(format!("aws configure set aws_access_key_id {s}")),
        ));
        let s = g.s(B64, 40);
        v.push(sample(
            "aws-secret",
            s.clone(),
            format!("aws_secret_access_key = {s}"),
            Some(format!(
                "env AWS_SECRET_ACCESS_KEY={s} aws s3 ls s3://backups"
            )),
        ));
        let s = format!("{}==", g.s(B64, 86));
        let conn = format!(
            "DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey={s};EndpointSuffix=core.windows.net"
        );
        v.push(sample(
            "azure-storage",
            s.clone(),
            format!("AZURE_STORAGE_CONNECTION_STRING=\"{conn}\""),
            Some(format!(
                "az storage blob list -c logs --connection-string {conn}"
            )),
        ));
        let s = format!("{}=", g.s(B64, 43));
        let conn = format!(
            "Endpoint=sb://ops-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={s}"
        );
        v.push(sample(
            "azure-servicebus",
            s.clone(),
            format!("  \"ServiceBus\": \"{conn}\","),
            Some(format!("dotnet Worker.dll --bus {conn}")),
        ));
        let s = format!("{}%3D", g.s(AN, 43));
        let url = format!(
            "https://prodlogs.blob.core.windows.net/logs/app.log?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-12-01T00:00:00Z&st=2026-11-01T00:00:00Z&spr=https&sig={s}"
        );
        v.push(sample(
            "azure-sas",
            s.clone(),
            format!("fetching {url}"),
            Some(format!("azcopy copy {url} /tmp/app.log")),
        ));
        let s = format!("sk_live_{}", g.s(AN, 24));
        v.push(sample(
            "stripe",
            s.clone(),
            format!("STRIPE_SECRET_KEY={s}"),
            Some(format!("curl https://api.stripe.com/v1/charges -u {s}:")),
        ));
        let s = format!("sk-proj-{}T3BlbkFJ{}", g.s(URLSAFE, 74), g.s(URLSAFE, 74));
        v.push(sample(
            "openai",
            s.clone(),
            format!("export OPENAI_API_KEY=\"{s}\""),
            Some(format!("llm-worker --openai {s}")),
        ));
        let s = format!("sk-ant-api03-{}AA", g.s(URLSAFE, 93));
        v.push(sample(
            "anthropic",
            s.clone(),
            format!("anthropic:\n  api_key: {s}"),
            Some(format!("claude-proxy --upstream-key={s}")),
        ));
        let s = format!("AIza{}", g.s(URLSAFE, 35));
        v.push(sample(
            "google-api",
            s.clone(),
            format!("  \"apiKey\": \"{s}\","),
            Some(format!("geocoder --maps {s}")),
        ));
        let s = format!("hvs.{}", g.s(AN, 24));
        v.push(sample(
            "vault",
            s.clone(),
            format!("VAULT_TOKEN={s}"),
            Some(format!("vault login {s}")),
        ));
        let s = format!("ghp_{}", g.s(AN, 36));
        v.push(sample(
            "github",
            s.clone(),
            format!("https://{s}@github.com/org/repo.git"),
            Some(format!(
                "git clone https://x-access-token:{s}@github.com/org/repo.git"
            )),
        ));
        let s = format!("glpat-{}", g.s(URLSAFE, 20));
        v.push(sample(
            "gitlab",
            s.clone(),
            format!("GITLAB_TOKEN: {s}"),
            Some(format!("glab auth login --token {s}")),
        ));
        let s = format!(
            "xoxb-{}-{}-{}",
            g.s("0123456789", 11),
            g.s("0123456789", 13),
            g.s(AN, 24)
        );
        v.push(sample(
            "slack",
            s.clone(),
            format!("slack_bot_token = \"{s}\""),
            Some(format!("notify --slack {s}")),
        ));
        let s = format!("SG.{}.{}", g.s(URLSAFE, 22), g.s(URLSAFE, 43));
        v.push(sample(
            "sendgrid",
            s.clone(),
            format!("SENDGRID_API_KEY={s}"),
            Some(format!("mailer --sendgrid {s}")),
        ));
        let s = format!("npm_{}", g.s(AN, 36));
        v.push(sample(
            "npm",
            s.clone(),
            format!("//registry.npmjs.org/:_authToken={s}"),
            Some(format!(
                "npm publish --//registry.npmjs.org/:_authToken={s}"
            )),
        ));
        let s = format!(
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
            g.s(URLSAFE, 60),
            g.s(URLSAFE, 43)
        );
        v.push(sample(
            "jwt",
            s.clone(),
            format!("Cookie: session={s}"),
            Some(format!("curl -H 'X-Session: {s}' https://api.internal/me")),
        ));
        let s = format!(
            "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpN{}",
            g.s(B64, 200)
        );
        v.push(sample(
            "kubeconfig",
            s.clone(),
            format!("    client-key-data: {s}"),
            Some(format!("kubectl config set users.ops.client-key-data {s}")),
        ));
        let s = format!("{}=", g.s(B64, 43));
        v.push(sample(
            "docker-auth",
            s.clone(),
            format!("\t\t\"registry.example.com\": {{\n\t\t\t\"auth\": \"{s}\"\n\t\t}}"),
            Some(format!(
                "echo {{\"auths\":{{\"r.example.com\":{{\"auth\":\"{s}\"}}}}}}"
            )),
        ));
        let s = format!("$apr1${}${}", g.s(BCRYPT, 8), g.s(BCRYPT, 22));
        v.push(sample(
            "htpasswd",
            s.clone(),
            format!("admin:{s}"),
            Some(format!("htpasswd-import admin:{s}")),
        ));
        let s = format!("$2y$10${}", g.s(BCRYPT, 53));
        v.push(sample(
            "htpasswd",
            s.clone(),
            format!("ops:{s}"),
            Some(format!("htpasswd-import ops:{s}")),
        ));
        let s = g.s(PW, 18);
        v.push(sample(
            "netrc",
            s.clone(),
            format!("machine api.internal.example login deploy password {s}"),
            Some(format!(
                "netrc-add machine api.internal.example login deploy password {s}"
            )),
        ));
        let s = g.s(PW, 20);
        v.push(sample(
            "pgpass",
            s.clone(),
            format!("db-primary.internal:5432:orders:orders_rw:{s}"),
            Some(format!(
                "psql postgresql://orders_rw:{s}@db-primary.internal/orders"
            )),
        ));
        let s = g.s(HEX, 128);
        v.push(sample(
            "secret-key-base",
            s.clone(),
            format!("SECRET_KEY_BASE={s}"),
            Some(format!("env SECRET_KEY_BASE={s} bundle exec puma")),
        ));
        let s = g.s(PW, 16);
        v.push(sample(
            "mysql-p",
            s.clone(),
            format!("0 3 * * * mysqldump -uroot -p{s} orders > /backup/orders.sql"),
            Some(format!("mysql -uroot -p{s} -h db.internal orders")),
        ));
        let s = g.s(PW, 16);
        v.push(sample(
            "mysql-password",
            s.clone(),
            format!("ExecStart=/usr/bin/mysqladmin --password={s} status"),
            Some(format!("mysqladmin -uroot --password={s} processlist")),
        ));
        let s = g.s(PW, 16);
        v.push(sample(
            "pgpassword",
            s.clone(),
            format!("PGPASSWORD={s} pg_dump -h db orders"),
            Some(format!("env PGPASSWORD={s} psql -h db -U app")),
        ));
        let s = g.s(PW, 16);
        v.push(sample(
            "sshpass",
            s.clone(),
            format!("sshpass -p {s} ssh ops@bastion uptime"),
            Some(format!("sshpass -p {s} ssh ops@bastion")),
        ));
        let s = g.s(PW, 16);
        v.push(sample(
            "redis-cli",
            s.clone(),
            format!("redis-cli -h cache -a {s} info replication"),
            Some(format!("redis-cli -h cache -p 6379 -a {s} monitor")),
        ));
        let s = g.s(PW, 14);
        v.push(sample(
            "password",
            s.clone(),
            format!("DB_PASSWORD={s}"),
            Some(format!("app-server --db-password {s}")),
        ));
        let key = pem(g, if v.len() < 40 { "RSA " } else { "" }, 24);
        v.push(sample("private-key", pem_body(&key), key, None));
    }
    v
}

/// Every 8-byte window of `text`.
fn windows(text: &str) -> HashSet<&[u8]> {
    text.as_bytes().windows(8).collect()
}

/// The families whose secret has an 8-char piece in `seen`.
fn leaked(samples: &[Sample], seen: &HashSet<&[u8]>) -> Vec<String> {
    let mut out = Vec::new();
    for s in samples {
        let hit = s
            .secret
            .split(['\n', ' '])
            .flat_map(|part| part.as_bytes().windows(8))
            .find(|w| seen.contains(w));
        if let Some(w) = hit {
            out.push(format!("{} ({:?})", s.family, String::from_utf8_lossy(w)));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn assert_no_leak(what: &str, samples: &[Sample], text: &str) {
    let leaks = leaked(samples, &windows(text));
    assert!(leaks.is_empty(), "{what}: secrets leaked: {leaks:#?}");
}

#[test]
fn there_are_two_samples_per_family() {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for s in samples() {
        *per.entry(s.family).or_default() += 1;
        assert!(s.line.contains(&s.secret), "{s:?}");
    }
    assert!(per.values().all(|&n| n >= 2), "{per:?}");
}

#[test]
fn every_family_is_masked_in_file_and_command_line_form() {
    let r = Redactor::new(Vec::new());
    let all = samples();
    let mut failures = Vec::new();
    for s in &all {
        for form in std::iter::once(&s.line).chain(s.cmdline.as_ref()) {
            let out = r.redact(form).text;
            if !leaked(std::slice::from_ref(s), &windows(&out)).is_empty() {
                failures.push(format!("{}: {out}", s.family));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Long-lived processes whose argv carries the command lines, for a real `ps` to show.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_procs(tag: &str, samples: &[Sample]) -> Procs {
    let mut procs = Procs(Vec::new());
    for s in samples {
        if let Some(cmdline) = &s.cmdline {
            let child = Command::new("sh")
                .arg("-c")
                .arg("sleep 120; :")
                .arg(tag)
                .args(cmdline.split(' '))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sh");
            procs.0.push(child);
        }
    }
    procs
}

fn filler(n: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < n {
        out.push_str(&format!(
            "Jan 01 03:{:02}:{:02} web1 app[812]: GET /api/v1/items?id={i} 200 12ms user=alice\n",
            (i / 60) % 60,
            i % 60
        ));
        i += 1;
    }
    out
}

/// Sample lines (PEM keys aside), `n` of them from the `from`th on, cycling.
fn dense(samples: &[Sample], from: usize, n: usize) -> String {
    let lines: Vec<&str> = samples
        .iter()
        .filter(|s| s.family != "private-key")
        .map(|s| s.line.as_str())
        .collect();
    let mut out = String::new();
    for l in lines.iter().cycle().skip(from).take(n) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// More than the 16 KiB cap, cut 8 KiB in: a PEM key straddles the head's cut, and sample
/// lines are packed all around it.
fn big_head(samples: &[Sample], g: &mut Gen, keys: &mut Vec<Sample>) -> String {
    let mut out = filler(6_000);
    let key = pem(g, "RSA ", 40);
    keys.push(sample(
        "private-key (head cut)",
        pem_body(&key),
        key.clone(),
        None,
    ));
    out.push_str(&key);
    out.push('\n');
    out.push_str(&dense(samples, 0, 40));
    out.push_str(&filler(40_000));
    out
}

/// More than the cap, the last 8 KiB kept: a PEM key whose BEGIN falls in the omitted
/// middle and whose body and END are in the kept tail, sample lines packed around the cut.
fn big_tail(samples: &[Sample], g: &mut Gen, keys: &mut Vec<Sample>) -> String {
    let mut out = filler(40_000);
    out.push_str(&dense(samples, 20, 25));
    let key = pem(g, "OPENSSH ", 60);
    keys.push(sample(
        "private-key (tail cut)",
        pem_body(&key),
        key.clone(),
        None,
    ));
    out.push_str(&key);
    out.push('\n');
    let after = dense(samples, 7, 20);
    out.push_str(&after);
    // The model's tail is the last ~8 KiB: put its start in the middle of the key body.
    let tail: usize = (16 * 1024 - 48) / 2;
    out.push_str(&filler(tail.saturating_sub(key.len() / 2 + after.len())));
    out
}

fn shell(command: &str) -> (String, serde_json::Value) {
    (
        "local_shell".into(),
        json!({"command": command, "reason": "check"}),
    )
}

#[tokio::test]
async fn planted_secrets_never_reach_the_model_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let all = samples();
    let g = &mut Gen(77);
    let tag = format!("secrets-fixture-{}", std::process::id());
    let _procs = spawn_procs(&tag, &all);

    let cat_file = root.join("secrets.txt");
    let text: String = all
        .iter()
        .enumerate()
        .map(|(i, s)| format!("# sample {i} ({})\n{}\n", s.family, s.line))
        .collect();
    std::fs::write(&cat_file, &text).expect("write");
    let mut keys = Vec::new();
    let head_log = root.join("big-head.log");
    std::fs::write(&head_log, big_head(&all, g, &mut keys)).expect("write");
    let tail_log = root.join("big-tail.log");
    std::fs::write(&tail_log, big_tail(&all, g, &mut keys)).expect("write");
    let env_file = root.join("env.sh");
    let bare = [g.s(B64, 40), g.s(PW, 18), g.s(AN, 32)];
    std::fs::write(
        &env_file,
        format!(
            "export AWS_SECRET_ACCESS_KEY='{}'\nexport DB_PASSWORD='{}'\nexport API_TOKEN='{}'\n",
            bare[0], bare[1], bare[2]
        ),
    )
    .expect("write");
    let printed: Vec<Sample> = bare
        .iter()
        .map(|s| sample("printenv", s.clone(), s.clone(), None))
        .collect();

    let env = env_file.display();
    let mut calls = vec![
        shell(&format!("cat {}", cat_file.display())),
        shell(&format!("ps -eww -o pid=,args= | grep -F {tag}")),
        shell(&format!("cat {}", head_log.display())),
        shell(&format!("cat {}", tail_log.display())),
        shell(&format!(". {env} && printenv AWS_SECRET_ACCESS_KEY")),
        shell(&format!(". {env}; echo $DB_PASSWORD")),
        shell(&format!(". {env}; echo \"${{API_TOKEN}}\"")),
    ];
    let mut decisions: BTreeMap<String, Decision> = BTreeMap::new();
    for (i, s) in all.iter().enumerate() {
        let edit = format!("echo proposal-edit-{i}");
        let reject = format!("echo proposal-reject-{i}");
        let typed = s
            .cmdline
            .clone()
            .unwrap_or_else(|| s.line.replace('\n', " "));
        decisions.insert(
            edit.clone(),
            Decision::Edit {
                replacement: format!("echo edited-{i} # {typed}"),
                confirm: None,
            },
        );
        decisions.insert(
            reject.clone(),
            Decision::Reject {
                reason: format!("no, the config already says:\n{}\n", s.line),
            },
        );
        calls.push(shell(&edit));
        calls.push(shell(&reject));
    }
    let fake = FakeLlm::openai(vec![Reply::ToolCalls(calls), Reply::Text("done.".into())]).await;
    let description = format!("Planted config seen on web01:\n{text}");
    let alert = alert("Secrets drill: credentials in config", &description);
    let core1 = core(root, &fake, &Setup::default());
    let (handle, _rx, events) = run_session(core1, alert.clone(), |p| {
        Some(
            decisions
                .get(&p.command)
                .cloned()
                .unwrap_or(Decision::Approve { confirm: None }),
        )
    })
    .await;
    handle.send(Op::Shutdown);
    assert_one_result_per_call_in_log(&events);
    let bodies = serde_json::to_string(&fake.requests()).expect("json");
    let mut everything = all.clone();
    everything.extend(printed);
    everything.extend(keys);
    // Per path, so a failure says which path leaked which family.
    let last = fake.requests().last().cloned().expect("a request");
    let mut report = Vec::new();
    let user: String = last["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str())
        .collect();
    let mut paths = vec![("alert text".to_string(), user)];
    let labels = [
        "cat",
        "ps",
        "output over the cap (key across the head cut)",
        "output over the cap (key across the tail cut)",
        "printenv",
        "echo $VAR",
        "echo \"${VAR}\"",
    ];
    for (i, (_, content)) in tool_messages(&last).into_iter().enumerate() {
        let label = match labels.get(i) {
            Some(l) => l.to_string(),
            None if (i - labels.len()).is_multiple_of(2) => "operator edit".into(),
            None => "rejection reason".into(),
        };
        paths.push((label, content));
    }
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for (label, content) in paths {
        merged.entry(label).or_default().push_str(&content);
    }
    for (label, content) in &merged {
        let leaks = leaked(&everything, &windows(content));
        if !leaks.is_empty() {
            report.push(format!("{label}: {}", leaks.join(", ")));
        }
    }
    assert!(report.is_empty(), "leaks by path:\n{}", report.join("\n"));
    assert_no_leak(
        "every request body of the first session",
        &everything,
        &bodies,
    );

    // Every path really reached the model (masked), so the check below means something.
    for want in [
        "# sample 0 (aws-key)",
        "bytes omitted]",
        "Planted config seen on web01",
        "It ran: echo edited-3 #",
        "no, the config already says",
        &tag,
    ] {
        assert!(
            bodies.contains(want),
            "{want:?} missing from the request bodies"
        );
    }
    assert!(
        bodies.contains(&format!(
            "; : {tag} mysql -uroot -p[REDACTED:password] -h db.internal"
        )),
        "the ps line of mysql -p did not reach the model masked"
    );
    assert!(
        bodies.contains("[REDACTED:env-value]"),
        "printenv output not masked"
    );

    let stored = std::fs::read_to_string(root.join("data/corrections.jsonl")).expect("corrections");
    assert!(stored.lines().count() >= all.len(), "{stored}");
    assert_no_leak("corrections.jsonl", &all, &stored);

    // The next session on the same alert gets the corrections in its prompt.
    let fake2 = FakeLlm::openai(vec![Reply::Text("ok".into())]).await;
    let core2 = core(root, &fake2, &Setup::default());
    let (handle, _rx, _) = run_session(core2, alert, |_| approve()).await;
    handle.send(Op::Shutdown);
    let bodies2 = serde_json::to_string(&fake2.requests()).expect("json");
    assert!(bodies2.contains("Past operator corrections"), "{bodies2}");
    assert_no_leak("second session (corrections in the prompt)", &all, &bodies2);
}

const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
const UUIDISH: &str = "0123456789abcdef";

fn uuid(g: &mut Gen) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        g.s(UUIDISH, 8),
        g.s(UUIDISH, 4),
        g.s(UUIDISH, 4),
        g.s(UUIDISH, 4),
        g.s(UUIDISH, 12)
    )
}

/// Two tokens per provider of the table, shaped as each provider publishes them, in neutral
/// text (no secret-named key beside them), so only the provider's own format can catch them.
fn provider_tokens() -> Vec<(&'static str, String)> {
    let g = &mut Gen(0xfeed);
    let mut v: Vec<(&'static str, String)> = Vec::new();
    for _ in 0..2 {
        let u = uuid(g);
        v.extend([
            ("aws-bedrock", format!("ABSK{}", g.s(B64, 132))),
            ("azure-ad", format!("{}{}Q~{}", g.s(AN, 3), 8, g.s(AN, 34))),
            ("google-oauth", format!("ya29.{}", g.s(URLSAFE, 60))),
            (
                "google-oauth-secret",
                format!("GOCSPX-{}", g.s(URLSAFE, 28)),
            ),
            ("alibaba", format!("LTAI{}", g.s(AN, 20))),
            ("digitalocean", format!("dop_v1_{}", g.s(HEX, 64))),
            ("yandex", format!("AQVN{}", g.s(URLSAFE, 36))),
            ("flyio", format!("fo1_{}", g.s(URLSAFE, 43))),
            ("heroku", format!("HRKU-AA{}", g.s(URLSAFE, 58))),
            ("openshift", format!("sha256~{}", g.s(URLSAFE, 43))),
            ("databricks", format!("dapi{}", g.s(HEX, 32))),
            (
                "dynatrace",
                format!("dt0c01.{}.{}", g.s(UPPER, 24), g.s(AN, 64)),
            ),
            (
                "terraform",
                format!("{}.atlasv1.{}", g.s(AN, 14), g.s(URLSAFE, 67)),
            ),
            ("vault-batch", format!("hvb.{}", g.s(URLSAFE, 140))),
            ("pulumi", format!("pul-{}", g.s(HEX, 40))),
            ("doppler", format!("dp.pt.{}", g.s(AN, 43))),
            ("prefect", format!("pnu_{}", g.s(AN, 36))),
            ("groq", format!("gsk_{}", g.s(AN, 52))),
            ("replicate", format!("r8_{}", g.s(AN, 37))),
            (
                "huggingface",
                format!("hf_{}", g.s("abcdefghijklmnopqrstuvwxyzABCDEFGH", 34)),
            ),
            ("perplexity", format!("pplx-{}", g.s(AN, 48))),
            ("gitlab-runner", format!("glrt-{}", g.s(URLSAFE, 20))),
            ("gitlab-deploy", format!("gldt-{}", g.s(URLSAFE, 20))),
            ("pypi", format!("pypi-AgEIcHlwaS5vcmc{}", g.s(URLSAFE, 70))),
            ("rubygems", format!("rubygems_{}", g.s(HEX, 48))),
            (
                "clojars",
                format!(
                    "CLOJARS_{}",
                    g.s("abcdefghijklmnopqrstuvwxyz0123456789", 60)
                ),
            ),
            ("artifactory", format!("AKCp{}", g.s(AN, 69))),
            ("dockerhub", format!("dckr_pat_{}", g.s(URLSAFE, 27))),
            ("postman", format!("PMAK-{}-{}", g.s(HEX, 24), g.s(HEX, 34))),
            ("sourcegraph", format!("sgp_{}", g.s(HEX, 40))),
            ("linear", format!("lin_api_{}", g.s(AN, 40))),
            ("sentry", format!("sntryu_{}", g.s(HEX, 64))),
            (
                "1password",
                format!(
                    "A3-{}-{}-{}-{}-{}",
                    g.s(UPPER, 6),
                    g.s(UPPER, 11),
                    g.s(UPPER, 5),
                    g.s(UPPER, 5),
                    g.s(UPPER, 5)
                ),
            ),
            ("age", format!("AGE-SECRET-KEY-1{}", g.s(BECH32, 58))),
            ("grafana", format!("glsa_{}_{}", g.s(AN, 32), g.s(HEX, 8))),
            ("grafana-cloud", format!("glc_{}", g.s(AN, 48))),
            ("stripe-webhook", format!("whsec_{}", g.s(AN, 32))),
            ("square", format!("sq0atp-{}", g.s(URLSAFE, 22))),
            ("shopify", format!("shpat_{}", g.s(HEX, 32))),
            ("shippo", format!("shippo_live_{}", g.s(HEX, 40))),
            ("duffel", format!("duffel_live_{}", g.s(URLSAFE, 43))),
            ("easypost", format!("EZAK{}", g.s(AN, 54))),
            ("flutterwave", format!("FLWSECK_TEST-{}-X", g.s(HEX, 32))),
            ("plaid", format!("access-production-{u}")),
            (
                "slack-app",
                format!(
                    "xapp-1-A{}-{}-{}",
                    g.s(UPPER, 10),
                    g.s("0123456789", 13),
                    g.s(HEX, 64)
                ),
            ),
            (
                "slack-webhook",
                format!(
                    "https://hooks.slack.com/services/T{}/B{}/{}",
                    g.s(UPPER, 8),
                    g.s(UPPER, 10),
                    g.s(AN, 24)
                ),
            ),
            (
                "teams-webhook",
                format!(
                    "https://acme.webhook.office.com/webhookb2/{u}@{}/IncomingWebhook/{}/{}",
                    uuid(g),
                    g.s(HEX, 32),
                    uuid(g)
                ),
            ),
            (
                "discord-webhook",
                format!(
                    "https://discord.com/api/webhooks/{}/{}",
                    g.s("0123456789", 18),
                    g.s(URLSAFE, 68)
                ),
            ),
            (
                "telegram",
                format!("{}:AA{}", g.s("0123456789", 10), g.s(URLSAFE, 33)),
            ),
            (
                "sendinblue",
                format!("xkeysib-{}-{}", g.s(HEX, 64), g.s(AN, 16)),
            ),
            ("mailchimp", format!("{}-us14", g.s(HEX, 32))),
            ("twilio", format!("SK{}", g.s(HEX, 32))),
            (
                "notion",
                format!("ntn_{}{}", g.s("0123456789", 11), g.s(AN, 35)),
            ),
            ("newrelic", format!("NRAK-{}", g.s(UPPER, 27))),
            ("facebook", format!("EAAC{}", g.s(AN, 120))),
            ("maxmind", format!("{}_{}_mmk", g.s(AN, 6), g.s(AN, 29))),
            (
                "readme",
                format!("rdme_{}", g.s("abcdefghijklmnopqrstuvwxyz0123456789", 70)),
            ),
            ("infracost", format!("ico-{}", g.s(AN, 32))),
            ("settlemint", format!("sm_pat_{}", g.s(AN, 16))),
            ("intra42", format!("s-s4t2ud-{}", g.s(HEX, 64))),
            ("frameio", format!("fio-u-{}", g.s(URLSAFE, 64))),
            (
                "sendgrid",
                format!("SG.{}.{}", g.s(URLSAFE, 22), g.s(URLSAFE, 43)),
            ),
            (
                "jwt-base64",
                format!("ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlK{}", g.s(AN, 60)),
            ),
            ("datadog", format!("datadog: {}", g.s(HEX, 32))),
            ("cloudflare", format!("cloudflare = {}", g.s(URLSAFE, 40))),
            ("heroku-uuid", format!("heroku: {}", uuid(g))),
            ("okta", format!("okta: 00{}", g.s(URLSAFE, 40))),
            ("algolia", format!("algolia: {}", g.s(HEX, 32))),
            ("twitter", format!("twitter: {}", g.s(AN, 50))),
            ("snyk", format!("snyk: {}", uuid(g))),
            ("zendesk", format!("zendesk: {}", g.s(AN, 40))),
        ]);
    }
    v
}

#[test]
fn every_provider_format_is_masked_by_its_shape() {
    let r = Redactor::new(Vec::new());
    let mut failures = Vec::new();
    let tokens = provider_tokens();
    let marker = regex::Regex::new(r"\[REDACTED:[a-z0-9-]+\]").expect("marker regex");
    for (family, token) in &tokens {
        let secret = token.rsplit([' ', ':']).next().unwrap_or(token);
        let secret = if secret.len() >= 16 {
            secret
        } else {
            token.as_str()
        };
        let line = format!("2026-11-25T03:00:00Z worker[42]: using {token} for upload\n");
        let out = r.redact(&line).text;
        // Marker kinds name the provider (`[REDACTED:rubygems-token]`); only the rest counts.
        let out = marker.replace_all(&out, "[REDACTED]").into_owned();
        let piece = secret
            .as_bytes()
            .windows(8)
            .find(|w| windows(&out).contains(w))
            .map(|w| String::from_utf8_lossy(w).into_owned());
        if let Some(piece) = piece {
            failures.push(format!("{family}: {piece:?} in {out}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} leaked:\n{}",
        failures.len(),
        tokens.len(),
        failures.join("\n")
    );
}

#[test]
fn ordinary_ops_output_stays_readable() {
    let samples = [
        "PASSWORD_MIN_LENGTH=8\nPASSWORD_MAX_AGE=90\ntoken_ttl: 3600\napi_key: null\nsecret: \"\"\nmax_tokens: 4096\n",
        "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-creds\n      key: password\n",
        "volumes:\n- name: tls\n  secret:\n    secretName: web-tls\n    defaultMode: 420\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  app.tar.gz\nda39a3ee5e6b4b0d3255bfef95601890afd80709  empty\n",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\nMerge: 1a2b3c4 5d6e7f8\n",
        "NAME                           READY   STATUS    RESTARTS   AGE\napi-6d4cf56db6-x2k4p           1/1     Running   0          3d\nredis-master-0                 1/1     Running   1          12d\n",
        "CONTAINER ID   IMAGE          COMMAND                  STATUS\n3f4e8a9b2c1d   nginx:1.25     \"/docker-entrypoint.…\"   Up 2 hours\n",
        "request_id=550e8400-e29b-41d4-a716-446655440000 status=200 duration=12ms\n",
        "root       812  0.1  0.5 123456 7890 ?  Ssl  Nov24   1:02 /usr/bin/containerd --config /etc/containerd/config.toml\npostgres  1201  0.0  1.2 220000 25000 ?  Ss   Nov24   0:10 postgres: checkpointer\nmysql     1302  0.3  4.0 1800000 80000 ?  Ssl  Nov24   9:10 /usr/sbin/mysqld --port=3306 -P 3306\n",
        "Nov 25 03:00:01 web1 sshd[2211]: Accepted publickey for ops from 10.0.0.5 port 50022 ssh2: ED25519 SHA256:uM1Qp8xT3bX4w9mZ6aC2rD5eF7gH0iJ1kL2nO3pQ4rS\n",
        "auth: required\ncredentials: include\nssl_key: /etc/ssl/private/web.key\nkey_file = /etc/app/key.pem\n",
        "tokenizer=bpe keyboard=us passenger=4 bypass: true\n",
        "the default password is set by the installer\n",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n",
        "/dev/sda1        50G   45G  5.0G  90% /\n2001:db8::1 fe80::1%eth0\n12:00:01:223 tick\n",
    ];
    let r = Redactor::new(Vec::new());
    let mut f = Vec::new();
    for s in samples {
        let out = r.redact(s);
        if out.text != s {
            f.push(format!("{s:?}\n -> {:?}", out.text));
        }
    }
    assert!(f.is_empty(), "false positives:\n{}", f.join("\n"));
}
