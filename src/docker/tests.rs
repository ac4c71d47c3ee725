//! Pure parts of the Docker watcher: label matching, failure kinds, the incident alert and
//! the verification verdict text.

use std::collections::HashMap;

use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, ContainerStateStatusEnum,
};

use super::engine::labels_match;
use super::{Evidence, FailureKind, Verdict};
use crate::policy::Redactor;

fn inspect(status: ContainerStateStatusEnum, exit: i64, oom: bool) -> ContainerInspectResponse {
    ContainerInspectResponse {
        id: Some("0123456789abcdef0123".into()),
        name: Some("/web".into()),
        restart_count: Some(2),
        config: Some(ContainerConfig {
            image: Some("shop:1.2".into()),
            labels: Some(HashMap::from([("environment".into(), "production".into())])),
            ..Default::default()
        }),
        state: Some(ContainerState {
            status: Some(status),
            running: Some(status == ContainerStateStatusEnum::RUNNING),
            exit_code: Some(exit),
            oom_killed: Some(oom),
            started_at: Some("2026-01-01T00:00:00Z".into()),
            finished_at: Some("0001-01-01T00:00:00Z".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn labels_match_needs_every_filter() {
    let labels = HashMap::from([
        ("environment".to_string(), "production".to_string()),
        ("team".to_string(), "shop".to_string()),
    ]);
    let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(labels_match(&f(&["environment=production"]), Some(&labels)));
    assert!(labels_match(
        &f(&["environment=production", "team"]),
        Some(&labels)
    ));
    assert!(!labels_match(&f(&["environment=staging"]), Some(&labels)));
    assert!(!labels_match(
        &f(&["environment=production", "tier"]),
        Some(&labels)
    ));
    assert!(!labels_match(&f(&["environment"]), None));
}

#[test]
fn failure_kinds_follow_the_state() {
    let r = Redactor::default();
    let kind = |i| Evidence::from_inspect(&i, "", &r).failure();
    assert_eq!(
        kind(inspect(ContainerStateStatusEnum::EXITED, 1, false)),
        Some(FailureKind::Exited)
    );
    assert_eq!(
        kind(inspect(ContainerStateStatusEnum::EXITED, 137, true)),
        Some(FailureKind::Oom)
    );
    assert_eq!(
        kind(inspect(ContainerStateStatusEnum::RESTARTING, 1, false)),
        Some(FailureKind::RestartLoop)
    );
    assert_eq!(
        kind(inspect(ContainerStateStatusEnum::RUNNING, 0, false)),
        None
    );
}

#[test]
fn the_alert_is_keyed_by_container_and_kind_and_carries_redacted_logs() {
    let r = Redactor::default();
    let logs = "boot\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    let e = Evidence::from_inspect(
        &inspect(ContainerStateStatusEnum::EXITED, 1, false),
        logs,
        &r,
    );
    assert_eq!(e.finished_at, None, "Docker's zero time is no time");
    let alert = e.to_alert(FailureKind::Exited, None);
    assert_eq!(alert.title, "container web exited with code 1");
    assert_eq!(
        alert.fingerprint.as_deref(),
        Some("docker:0123456789abcdef0123:exited")
    );
    let text = alert.description.unwrap_or_default();
    assert!(text.contains("image: shop:1.2"), "{text}");
    assert!(text.contains("restart count: 2"), "{text}");
    assert!(text.contains("boot"), "{text}");
    assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
}

#[test]
fn verdicts_read_as_the_transcript_shows_them() {
    let ok = Verdict::Verified {
        secs: 10,
        healthy: true,
    };
    assert_eq!(ok.to_string(), "✔ verified: running and healthy for 10 s");
    let bad = Verdict::Exited {
        exit_code: Some(1),
        after_secs: 3,
    };
    assert_eq!(bad.to_string(), "✘ exited again with code 1 after 3 s");
    assert!(ok.passed() && !bad.passed());
}
