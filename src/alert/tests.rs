//! Unit tests for detection and the contract helpers; per-file fixtures live in tests/alert_parse.rs.

use super::*;

#[test]
fn source_names_round_trip() {
    for s in Source::ALL {
        assert_eq!(s.name().parse::<Source>(), Ok(s));
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", s.name()));
    }
    assert_eq!(
        "alertmanager-api".parse::<Source>(),
        Ok(Source::AlertmanagerApi)
    );
    let err = "nagios\u{1b}"
        .parse::<Source>()
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "unknown alert format \"nagios␛\"; expected one of: alertmanager, grafana, pagerduty, \
             opsgenie, datadog, zabbix, alertmanager_api, generic"
        )
    );
}

#[test]
fn summary_line_is_one_line() {
    let alerts = parse(
        br#"{"title":"disk\nfull","severity":"High","host":"db1:5432","status":"resolved"}"#,
        &ParseOptions::default(),
    );
    let line = alerts.ok().and_then(|a| a.first().map(Alert::summary_line));
    assert_eq!(line.as_deref(), Some("[high] db1: disk full (resolved)"));
    let bare = parse(br#"{"title":"x"}"#, &ParseOptions::default());
    let line = bare.ok().and_then(|a| a.first().map(Alert::summary_line));
    assert_eq!(line.as_deref(), Some("[-] x"));
}

#[test]
fn kube_state_metrics_host_is_the_pod() {
    let payload = br#"{"labels":{"alertname":"KubePodNotReady","job":"kube-state-metrics",
        "instance":"10.2.0.7:8080","namespace":"shop","pod":"cart-5f7d-abcde"},"status":"firing"}"#;
    let alerts = parse(payload, &ParseOptions::default()).unwrap_or_default();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].source, Source::Alertmanager);
    assert_eq!(alerts[0].host.as_deref(), Some("cart-5f7d-abcde"));
    let deploy = br#"{"labels":{"alertname":"KubeDeploymentReplicasMismatch",
        "job":"kube-state-metrics","instance":"10.2.0.7:8080","deployment":"cart"}}"#;
    let alerts = parse(deploy, &ParseOptions::default()).unwrap_or_default();
    assert_eq!(alerts.first().and_then(|a| a.host.as_deref()), Some("cart"));
}

#[test]
fn ipv6_instance_keeps_the_address() {
    let payload = br#"{"labels":{"alertname":"Down","instance":"[2001:db8::7]:9100"}}"#;
    let alerts = parse(payload, &ParseOptions::default()).unwrap_or_default();
    assert_eq!(
        alerts.first().and_then(|a| a.host.as_deref()),
        Some("2001:db8::7")
    );
}

#[test]
fn forced_format_that_does_not_fit_is_an_error() {
    let opts = ParseOptions {
        format: Some(Source::Pagerduty),
        ..ParseOptions::default()
    };
    let err = parse(br#"{"title":"x"}"#, &opts)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("not a valid pagerduty alert: `event.data.title` or `event.data.summary` is missing")
    );
}

#[test]
fn big_groups_do_not_copy_big_context_into_every_alert() {
    let big = "x".repeat(200_000);
    let alerts: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"labels":{{"alertname":"A{i}"}},"status":"firing"}}"#))
        .collect();
    let payload = format!(
        r#"{{"version":"4","status":"firing","commonAnnotations":{{"big":"{big}"}},"alerts":[{}]}}"#,
        alerts.join(",")
    );
    let out = parse(payload.as_bytes(), &ParseOptions::default()).unwrap_or_default();
    assert_eq!(out.len(), 50);
    assert!(
        out.iter()
            .all(|a| a.raw.value().get("commonAnnotations").is_none())
    );
    assert!(out.iter().all(|a| a.raw.value().get("version").is_some()));
}

#[test]
fn prometheus_rule_alert_with_state_is_alertmanager_shaped() {
    let payload = br#"{"labels":{"alertname":"Watchdog","instance":"prom-01:9090"},
        "annotations":{},"state":"firing","activeAt":"2025-03-14T05:00:00Z","value":"1e+00"}"#;
    let alerts = parse(payload, &ParseOptions::default()).unwrap_or_default();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].source, Source::Alertmanager);
    assert_eq!(alerts[0].title, "Watchdog");
    assert_eq!(alerts[0].host.as_deref(), Some("prom-01"));
    assert_eq!(alerts[0].starts_at.as_deref(), Some("2025-03-14T05:00:00Z"));
}
