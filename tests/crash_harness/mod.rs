//! Crashing the real `opsassist run`: spawn it against a fake model server, wait for an event
//! in its session log, SIGKILL it (and the command it left running), then drive the
//! recovered session in-process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use opsassist::protocol::{Event, EventEnvelope};
use opsassist::session::log;

use crate::support::fake_llm::FakeLlm;

pub fn spawn_run(dir: &Path, fake: &FakeLlm) -> Child {
    let alert = dir.join("alert.json");
    std::fs::write(
        &alert,
        r#"{"title":"Queue stuck","severity":"critical","host":"web01","description":"jobs not draining"}"#,
    )
    .expect("alert");
    Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["run", "--alert"])
        .arg(&alert)
        .args([
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ])
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn opsassist")
}

/// Poll the only session log until `pred` holds for one of its events.
pub fn wait_for_event(dir: &Path, pred: impl Fn(&Event) -> bool) -> (String, PathBuf) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sessions = dir.join("data/sessions");
        if let Ok(entries) = std::fs::read_dir(&sessions) {
            for entry in entries.flatten() {
                if let Ok(contents) = log::read(&entry.path())
                    && contents.events.iter().any(|e| pred(&e.event))
                {
                    let id = contents.events[0].session_id.clone();
                    return (id, entry.path());
                }
            }
        }
        assert!(Instant::now() < deadline, "event never logged");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kill (by pid) the orphaned command whose command line holds `token`.
pub fn kill_orphans(token: &str) {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for p in procs.flatten() {
        let Ok(pid) = p.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(token) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

pub fn sigkill(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).expect("kill");
    let _ = child.wait();
}

pub async fn recv_until(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<EventEnvelope>,
    pred: impl Fn(&Event) -> bool,
) -> Vec<EventEnvelope> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let e = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out: {seen:#?}"))
            .unwrap_or_else(|| panic!("channel closed: {seen:#?}"));
        let stop = pred(&e.event);
        seen.push(e);
        if stop {
            return seen;
        }
    }
}
