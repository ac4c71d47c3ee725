//! Live output of running calls: the tail shown under a running call, replaced by the final
//! collapsed output when the call ends, and the watch/stop commands that bound the pollers.

use crate::policy::Class;
use crate::protocol::{Event, SessionState, Target, Verdict};
use chrono::TimeZone;

use super::super::app::{App, AppEvent, Command};
use super::super::live_output::{MAX_TAILS, Tail};
use super::{SID, app, draw, feed, proposal, started, summary};

fn running_call(app: &mut App, session: &str, call_id: &str, path: Option<&str>) {
    let mut events = started();
    events.extend([
        Event::ApprovalRequested {
            proposal: proposal(call_id, "journalctl -u php-fpm -f", Class::ReadOnly),
        },
        Event::Decided {
            call_id: call_id.into(),
            verdict: Verdict::Approved,
        },
        Event::State {
            state: SessionState::Running,
        },
        Event::ExecStarted {
            call_id: call_id.into(),
            target: Target::Ssh {
                host: "web01".into(),
            },
            command: "journalctl -u php-fpm -f".into(),
            output_path: path.map(str::to_string),
            process: None,
        },
    ]);
    feed(app, session, events);
}

fn live(app: &mut App, call_id: &str, bytes: u64, lines: &[&str]) {
    app.apply_app_event(AppEvent::LiveOutput {
        session_id: SID.into(),
        call_id: call_id.into(),
        tail: Tail {
            bytes,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        },
    });
}

#[test]
fn live_lines_show_while_running_and_give_way_to_the_final_output() {
    let mut app = app();
    running_call(&mut app, SID, "c1", Some("/data/outputs/s-1/001-c1.log"));
    assert_eq!(
        app.pending_io(),
        vec![Command::WatchOutput {
            session_id: SID.into(),
            call_id: "c1".into(),
            path: "/data/outputs/s-1/001-c1.log".into(),
        }]
    );
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("running since 02:15:00 ("), "{screen}");

    live(
        &mut app,
        "c1",
        12_697,
        &["live-1 worker started", "live-2 pool full"],
    );
    app.wall = chrono::Utc
        .with_ymd_and_hms(2025, 3, 11, 2, 15, 9)
        .single()
        .unwrap_or_default();
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("running since 02:15:00 (9 s) · 12.4 KiB so far"),
        "{screen}"
    );
    assert!(screen.contains("┊ live-1 worker started"), "{screen}");
    assert!(screen.contains("┊ live-2 pool full"), "{screen}");

    live(
        &mut app,
        "c1",
        20_000,
        &["live-2 pool full", "live-3 recovered"],
    );
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(!screen.contains("live-1"), "{screen}");
    assert!(screen.contains("live-3 recovered"), "{screen}");

    feed(
        &mut app,
        SID,
        vec![Event::ExecFinished {
            summary: summary("c1", "journalctl -u php-fpm -f", "final-a\nfinal-b\n"),
        }],
    );
    assert_eq!(
        app.pending_io(),
        vec![Command::StopWatching {
            session_id: SID.into(),
            call_id: Some("c1".into()),
        }]
    );
    // A poll that was already on its way when the call ended changes nothing.
    live(&mut app, "c1", 30_000, &["live-4 late"]);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("│ final-a"), "{screen}");
    assert!(screen.contains("│ final-b"), "{screen}");
    assert!(!screen.contains("live-"), "{screen}");
    assert!(!screen.contains("so far"), "{screen}");
    assert!(!screen.contains("⏳"), "{screen}");
}

#[test]
fn a_call_from_an_old_log_without_a_path_is_not_watched() {
    let mut app = app();
    running_call(&mut app, SID, "c1", None);
    assert!(app.pending_io().is_empty());
    live(&mut app, "c1", 10, &["stray"]);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("running since 02:15:00 ("), "{screen}");
    assert!(!screen.contains("stray"), "{screen}");
}

#[test]
fn pollers_are_bounded_and_stop_when_the_session_ends() {
    let mut app = app();
    for i in 0..MAX_TAILS + 3 {
        running_call(&mut app, &format!("s-{i}"), "c1", Some("/tmp/out.log"));
    }
    let watches = app
        .pending_io()
        .into_iter()
        .filter(|c| matches!(c, Command::WatchOutput { .. }))
        .count();
    assert_eq!(watches, MAX_TAILS);

    feed(
        &mut app,
        "s-0",
        vec![Event::Finished {
            state: SessionState::Interrupted,
            reason: "stopped by the operator".into(),
        }],
    );
    assert!(app.pending_io().contains(&Command::StopWatching {
        session_id: "s-0".into(),
        call_id: None,
    }));
    // A session never watched (over the bound) ends without a stop command.
    let last = format!("s-{}", MAX_TAILS + 2);
    feed(
        &mut app,
        &last,
        vec![Event::Finished {
            state: SessionState::Interrupted,
            reason: "stopped".into(),
        }],
    );
    assert!(
        !app.pending_io()
            .iter()
            .any(|c| matches!(c, Command::StopWatching { .. }))
    );
    // The freed slot goes to the next call that starts.
    running_call(&mut app, "s-new", "c9", Some("/tmp/out9.log"));
    assert!(
        app.pending_io()
            .iter()
            .any(|c| matches!(c, Command::WatchOutput { call_id, .. } if call_id == "c9"))
    );
}
