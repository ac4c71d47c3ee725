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
    assert_eq!(alert.source, crate::alert::Source::Docker);
    assert_eq!(
        crate::intake::dedup::key_of(&alert).source.name(),
        "docker",
        "incidents list shows source docker"
    );
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

#[test]
fn a_failure_is_known_by_its_token_and_counted_once() {
    use super::known::{Known, Sighting};
    let mut known = Known::default();
    let died = FailureKind::Exited.token(Some("t0"), Some("t1"));
    assert_eq!(
        known.sight("c1", "web", FailureKind::Exited, &died),
        Sighting::New
    );
    assert_eq!(
        known.sight("c1", "web", FailureKind::Exited, &died),
        Sighting::Counted(None),
        "a second sighting before the intake answered is not counted again"
    );
    known.set_incident("c1", FailureKind::Exited, "inc-1");
    assert_eq!(
        known.sight("c1", "web", FailureKind::Exited, &died),
        Sighting::Counted(Some("inc-1".into()))
    );
    // It ran again and died again: a new failure, whatever the reconciles saw in between.
    let again = FailureKind::Exited.token(Some("t2"), Some("t3"));
    assert_eq!(
        known.sight("c1", "web", FailureKind::Exited, &again),
        Sighting::New
    );
    // A restart loop is one failure however often it loops.
    let looping = FailureKind::RestartLoop.token(Some("t4"), Some("t5"));
    assert_eq!(
        known.sight("c1", "web", FailureKind::RestartLoop, &looping),
        Sighting::New
    );
    let looped = FailureKind::RestartLoop.token(Some("t6"), Some("t7"));
    assert!(matches!(
        known.sight("c1", "web", FailureKind::RestartLoop, &looped),
        Sighting::Counted(_)
    ));
    let present = std::collections::HashSet::from(["c1".to_string()]);
    assert!(known.absent(&present).is_empty());
    assert_eq!(known.absent(&Default::default()), vec!["c1".to_string()]);
    let entry = known.take("c1").unwrap_or_default();
    assert_eq!(entry.failures.len(), 2);
    assert_eq!(known.take("c1"), None, "taken once");
    assert_eq!(
        known.sight("c1", "web", FailureKind::Exited, &again),
        Sighting::New,
        "after it ran again, the next failure counts"
    );
}

#[test]
fn known_failures_are_seeded_from_open_incidents_of_this_daemon_only() {
    use super::evidence::DAEMON_LABEL;
    use super::known::{Known, Sighting};
    use crate::intake::key_of;
    use crate::store::{Change, InboxRecord, Incidents};
    let r = Redactor::default();
    let evidence =
        Evidence::from_inspect(&inspect(ContainerStateStatusEnum::EXITED, 1, false), "", &r);
    let mut ours = evidence.to_alert(FailureKind::Exited, None);
    ours.labels.insert(DAEMON_LABEL.into(), "daemon-a".into());
    let mut theirs = ours.clone();
    theirs.fingerprint = Some("docker:ffffffffffff:exited".into());
    theirs.labels.insert(DAEMON_LABEL.into(), "daemon-b".into());
    let mut incidents = Incidents::default();
    for (id, alert) in [("inc-a", ours), ("inc-b", theirs)] {
        incidents.apply(&InboxRecord {
            at: chrono::Utc::now(),
            incident: id.into(),
            change: Change::Opened {
                key: key_of(&alert),
                alert: std::sync::Arc::new(alert),
            },
        });
    }
    let mut known = Known::default();
    known.seed(&incidents, "daemon-a");
    assert_eq!(
        known.sight(
            &evidence.id,
            "web",
            FailureKind::Exited,
            &evidence.token(FailureKind::Exited)
        ),
        Sighting::Counted(Some("inc-a".into())),
        "the failure the inbox already holds is not counted again"
    );
    assert_eq!(
        known.absent(&Default::default()),
        vec![evidence.id.clone()],
        "another daemon's incident is never this watcher's to close"
    );
}

#[test]
fn a_resolve_notice_carries_the_incident_fingerprint() {
    use super::evidence::{parse_fingerprint, resolved_alert};
    use crate::alert::Status;
    let r = Redactor::default();
    let e = Evidence::from_inspect(&inspect(ContainerStateStatusEnum::EXITED, 1, false), "", &r);
    let firing = e.to_alert(FailureKind::Exited, None);
    let resolved = resolved_alert(&e.id, &e.name, FailureKind::Exited, "is running again");
    assert_eq!(resolved.status, Status::Resolved);
    assert_eq!(
        crate::intake::key_of(&resolved),
        crate::intake::key_of(&firing)
    );
    assert_eq!(
        parse_fingerprint(firing.fingerprint.as_deref().unwrap_or_default()),
        Some((e.id.as_str(), FailureKind::Exited))
    );
    assert_eq!(parse_fingerprint("docker:abc:nonsense"), None);
}

#[test]
fn running_counts_as_fine_only_when_healthy_if_it_has_a_health_check() {
    let r = Redactor::default();
    let mut e = Evidence::from_inspect(
        &inspect(ContainerStateStatusEnum::RUNNING, 0, false),
        "",
        &r,
    );
    assert!(e.is_fine());
    e.health = Some("starting".into());
    assert!(!e.is_fine() && e.failure().is_none());
    e.health = Some("healthy".into());
    assert!(e.is_fine());
    e.state = "exited".into();
    assert!(!e.is_fine());
}

mod standing {
    use std::sync::Arc;

    use crate::policy::{self, Class};
    use crate::protocol::{Mode, Target};
    use crate::session::gate::{Gate, Screen};
    use crate::session::rules::RuleSet;

    const APPROVER: &str = "[watch.docker] auto_restart";

    fn gate(mode: Mode, rules: &str) -> Gate {
        let mut set = RuleSet::default();
        set.add_text("rules.toml", rules)
            .unwrap_or_else(|e| panic!("{e}"));
        Gate::new(mode, false).with_rules(Arc::new(set))
    }

    fn screen(gate: &Gate, container: &str) -> Screen {
        let argv: Vec<String> = ["docker", "restart", container]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let class = policy::classify_argv(&argv).class;
        assert_eq!(class, Class::Change);
        gate.screen_standing(
            class,
            Some("docker_restart"),
            &Target::Docker {
                container: container.into(),
            },
            &argv.join(" "),
            APPROVER,
        )
    }

    fn rule(action: &str, target: &str) -> String {
        // An allow rule on a change covers the whole command; forbid and ask take the verb.
        let prefix = if action == "allow" {
            "docker restart web"
        } else {
            "docker restart"
        };
        format!(
            "[[rule]]\nname = \"r\"\naction = \"{action}\"\nprefix = \"{prefix}\"\n\
             targets = [\"{target}\"]\nreason = \"not by itself\"\nmatch = [\"docker restart web\"]\n"
        )
    }

    #[test]
    fn without_rules_the_standing_approval_runs_it() {
        assert_eq!(
            screen(&gate(Mode::Heal, ""), "web"),
            Screen::Auto(APPROVER.into())
        );
    }

    #[test]
    fn a_forbid_rule_on_the_container_refuses_it() {
        let g = gate(Mode::Heal, &rule("forbid", "docker:web"));
        assert!(
            matches!(screen(&g, "web"), Screen::Refuse(r) if r.contains("rule `r`") && r.contains("not by itself"))
        );
        assert_eq!(
            screen(&g, "db"),
            Screen::Auto(APPROVER.into()),
            "another container"
        );
    }

    #[test]
    fn an_ask_rule_needs_a_person_and_an_allow_rule_approves_under_its_name() {
        assert_eq!(
            screen(&gate(Mode::Heal, &rule("ask", "docker:web")), "web"),
            Screen::Ask
        );
        assert!(matches!(
            screen(&gate(Mode::Heal, &rule("allow", "docker:web")), "web"),
            Screen::Auto(label) if label.contains("rule `r`")
        ));
    }

    #[test]
    fn check_mode_refuses_it() {
        assert!(matches!(
            screen(&gate(Mode::Check, ""), "web"),
            Screen::Refuse(r) if r.contains("check mode")
        ));
    }

    #[test]
    fn a_destructive_call_is_never_run_by_a_standing_approval() {
        let g = gate(Mode::Heal, "");
        assert_eq!(
            g.screen_standing(
                Class::Destructive,
                Some("docker_stop"),
                &Target::Local,
                "docker stop web",
                APPROVER
            ),
            Screen::Ask
        );
    }
}

#[test]
fn a_container_is_named_by_its_name_else_its_short_id_never_the_long_one() {
    let long = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(super::evidence::container_name(Some("/web"), long), "web");
    assert_eq!(
        super::evidence::container_name(Some(""), long),
        "0123456789ab"
    );
    assert_eq!(super::evidence::container_name(None, long), "0123456789ab");
    let resolved = super::evidence::resolved_alert(long, "", FailureKind::Exited, "was removed");
    assert_eq!(resolved.title, "container 0123456789ab was removed");
    assert_eq!(resolved.source, crate::alert::Source::Docker);
}
