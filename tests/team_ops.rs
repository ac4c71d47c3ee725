//! Operating team mode (issue 17, section 6) against real PostgreSQL clusters of this test's
//! own (tests/support/postgres.rs): connection loss (the postmaster stopped with
//! `pg_ctl stop -m fast`): the store says so and comes back without a restart, a command
//! approved meanwhile does not run and the session says why, `opsassist serve` answers
//! 503 + Retry-After, the console says so and keeps its screen; and the README's role
//! grants, run verbatim, are enough for a session as the app role. TLS: tests/team_tls.rs.

#[path = "support/receiver.rs"]
mod receiver;
mod session_harness;
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opsassist::protocol::{Decision, Event, Op};
use opsassist::store::PgStore;
use opsassist::store::board::Board;
use opsassist::store::postgres::health;
use serde_json::json;

use session_harness::{STORE_URL, Setup, alert, core};
use support::fake_llm::{FakeLlm, Reply};
use support::postgres;

fn connect(url: &str) -> PgStore {
    PgStore::connect(url, None).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_store_says_the_database_is_gone_and_works_again_without_a_restart() {
    let cluster = postgres::own_cluster();
    let store = connect(&cluster.database("loss"));
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = heard.clone();
    store.health().on_change(move |line| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line.to_string())
    });
    store.claims().unwrap_or_else(|e| panic!("claims: {e}"));
    let started = Instant::now();
    cluster.stop();
    assert!(store.claims().is_err(), "a query with the server stopped");
    wait_for("the down notice", Duration::from_secs(6), || {
        store.health().down().is_some()
    });
    let down_after = started.elapsed();
    cluster.start_again();
    wait_for("the back notice", Duration::from_secs(10), || {
        store.health().down().is_none()
    });
    store
        .claims()
        .unwrap_or_else(|e| panic!("claims after the restart: {e}"));
    let heard = heard.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert!(heard[0].starts_with(health::DOWN), "{heard:?}");
    assert_eq!(heard[1], health::BACK);
    eprintln!("down noticed after {down_after:?}");
}

/// The session's next event (a failure after 20 s or when it ends without one).
async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<opsassist::protocol::EventEnvelope>,
) -> opsassist::protocol::EventEnvelope {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no event in 20 s"))
        .unwrap_or_else(|| panic!("the session ended without an error event"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_approved_while_the_database_is_down_does_not_run() {
    let cluster = postgres::own_cluster();
    let url = STORE_URL.get_or_init(|| cluster.database("approve"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let marker = dir.path().join("ran");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": format!("touch {}", marker.display()), "reason": "mark"}),
        )]),
        Reply::Text("Done.".into()),
    ]);
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = opsassist::session::start(core.clone(), alert("Disk full", "df"), tx)
        .unwrap_or_else(|e| {
            panic!("start: {e}");
        });
    let call_id = loop {
        if let Event::ApprovalRequested { proposal } = next(&mut rx).await.event {
            break proposal.call_id;
        }
    };
    tokio::task::block_in_place(|| cluster.stop());
    handle.send(Op::Decide {
        call_id,
        decision: Decision::Approve { confirm: None },
    });
    let why = loop {
        let envelope = next(&mut rx).await;
        assert!(
            !matches!(envelope.event, Event::ExecStarted { .. }),
            "ExecStarted reached the front end with the database down"
        );
        if let Event::Error { message } = envelope.event {
            break message;
        }
    };
    assert!(
        why.contains("the database is unreachable: error connecting to server"),
        "{why}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !marker.exists(),
        "the command ran with its events uncommitted"
    );
    // The database comes back; the same process's store (the event sink) commits again.
    tokio::task::block_in_place(|| cluster.start_again());
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text("All fine.".into())]);
    let core = session_harness::core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = opsassist::session::start(core, alert("Disk full", "again"), tx)
        .unwrap_or_else(|e| panic!("start again: {e}"));
    loop {
        let event = next(&mut rx).await.event;
        assert!(!matches!(event, Event::Error { .. }), "{event:?}");
        if matches!(event, Event::Finished { .. }) {
            break;
        }
    }
    let rows = cluster.psql(
        &postgres::db_of(url),
        &format!(
            "SELECT count(*) FROM session_events WHERE session = '{}'",
            handle.id
        ),
    );
    assert!(rows.parse::<u32>().unwrap_or(0) >= 3, "{rows} events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_503_with_retry_after_while_the_database_is_down() {
    let cluster = postgres::own_cluster();
    let url = cluster.database("serve");
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    receiver::write_config(root.path(), &format!("\n[store]\nurl = {url:?}\n"));
    let served = receiver::Served::start(root.path());
    let client = reqwest::Client::new();
    let post = |name: &str| {
        client
            .post(served.url("/v1/alerts"))
            .bearer_auth(receiver::TOKEN)
            .timeout(Duration::from_secs(20))
            .json(&json!({"title": name, "description": "down", "host": "web01"}))
            .send()
    };
    let ok = post("Before").await.unwrap_or_else(|e| panic!("post: {e}"));
    assert_eq!(ok.status().as_u16(), 200);
    tokio::task::block_in_place(|| cluster.stop());
    let started = Instant::now();
    let refused = post("During").await.unwrap_or_else(|e| panic!("post: {e}"));
    let took = started.elapsed();
    assert_eq!(refused.status().as_u16(), 503, "{:?}", refused.text().await);
    assert!(
        refused.headers().get("retry-after").is_some(),
        "{:?}",
        refused.headers()
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    eprintln!("503 answered in {took:?}");
    tokio::task::block_in_place(|| cluster.start_again());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = post("After")
            .await
            .unwrap_or_else(|e| panic!("post: {e}"))
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {status} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn the_console_says_the_database_is_gone_keeps_the_screen_and_says_when_it_is_back() {
    support::tmux::tmux_available();
    let cluster = postgres::own_cluster();
    let url = cluster.database("console");
    let fake = FakeLlm::spawn_blocking_openai(Vec::new());
    let pane = support::tmux::Pane::start_as(
        "dbloss",
        "alice",
        &format!("[store]\nurl = {url:?}\n"),
        &fake,
    );
    let before = pane.wait_for("the console", |s| s.contains("No incidents yet."));
    let header = before.lines().next().unwrap_or_default().to_string();
    cluster.stop();
    let down = pane.wait_for("the down notice", |s| {
        s.contains("✘ team database unreachable — retrying")
    });
    assert!(down.starts_with(&header), "the screen changed:\n{down}");
    cluster.start_again();
    pane.wait_for("the back notice", |s| s.contains("● team database back"));
}

/// The ```sql block of the README that starts with `marker`.
fn readme_sql(marker: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let blocks: Vec<String> = readme
        .split("```sql")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(|block| block.lines().map(str::trim).collect::<Vec<_>>().join("\n"))
        .filter(|block| block.trim_start().starts_with(marker))
        .collect();
    assert_eq!(blocks.len(), 1, "README blocks starting with {marker:?}");
    blocks[0].clone()
}

#[test]
fn the_readme_role_grants_are_enough_for_a_session_and_keep_the_audit_append_only() {
    let cluster = postgres::own_cluster();
    cluster
        .psql_as("postgres", "postgres", &readme_sql("-- step 1"))
        .unwrap_or_else(|e| panic!("step 1: {e}"));
    let url = |role: &str| format!("postgres://{role}@127.0.0.1:{}/opsassist", cluster.port);
    // Step 2: the owner applies the migrations.
    drop(connect(&url("opsassist_owner")));
    cluster
        .psql_as("postgres", "opsassist", &readme_sql("-- step 3"))
        .unwrap_or_else(|e| panic!("step 3: {e}"));
    // A whole session as the app role: opsassist run, approved on stdin.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::create_dir_all(dir.path().join("config")).unwrap_or_else(|e| panic!("config: {e}"));
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!("[store]\nurl = {:?}\n", url("opsassist_app")),
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    let alert = dir.path().join("alert.json");
    std::fs::write(
        &alert,
        r#"{"title":"Queue stuck","severity":"critical","host":"web01","description":"jobs"}"#,
    )
    .unwrap_or_else(|e| panic!("alert: {e}"));
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo as-the-app-role", "reason": "look"}),
        )]),
        Reply::Text("All fine.".into()),
    ]);
    let opsassist = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
            .args(args)
            .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
            .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
            .env("USER", "alice")
            .env_remove("OPSASSIST_STORE_URL")
            .env_remove("OPENAI_API_KEY")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("opsassist {args:?}: {e}"));
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("opsassist {args:?}: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "opsassist {args:?}: {text}");
        text
    };
    let alert_arg = alert.display().to_string();
    opsassist(
        &[
            "run",
            "--alert",
            &alert_arg,
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ],
        "y\n",
    );
    let session = cluster.psql("opsassist", "SELECT max(session) FROM session_events");
    let kinds = cluster.psql(
        "opsassist",
        &format!(
            "SELECT string_agg(line::json->'entry'->>'kind', ',' ORDER BY seq) FROM audit WHERE session = '{session}'"
        ),
    );
    assert!(kinds.contains("exec_start,exec_end"), "{kinds}");
    opsassist(&["store", "claim", &session], "");
    opsassist(&["store", "release", &session], "");
    opsassist(&["audit", "verify"], "");
    // `audit show` reads the same chain as `verify`: the database's (no audit.jsonl here).
    let shown = opsassist(&["audit", "show", "--session", &session], "");
    assert!(
        shown.lines().count() >= 2 && shown.lines().all(|l| l.contains(&session)),
        "{shown}"
    );
    // The app role appends to the audit chain but cannot rewrite or remove it.
    for tamper in [
        "UPDATE audit SET line = 'x' WHERE seq = 1",
        "DELETE FROM audit",
    ] {
        let err = cluster
            .psql_as("opsassist_app", "opsassist", tamper)
            .err()
            .unwrap_or_else(|| panic!("{tamper} went through"));
        assert!(err.contains("permission denied"), "{err}");
    }
}
