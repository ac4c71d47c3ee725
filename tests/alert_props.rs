//! Property tests: arbitrary bytes, arbitrary JSON and mutated real fixtures never panic the
//! alert parser, and every alert it does return is well formed.

use std::path::Path;

use opsassist::alert::{self, Alert, AlertError, ParseOptions, Source};
use proptest::prelude::*;
use serde_json::Value;

const FIXTURES: &[&str] = &[
    "alertmanager-disk-full-var.json",
    "alertmanager-high-cpu.json",
    "datadog-high-load-average.json",
    "generic-high-cpu.json",
    "grafana-k8s-crashloop.json",
    "grafana-nginx-5xx.json",
    "opsgenie-memory-oom.json",
    "pagerduty-postgres-replication-lag.json",
    "prometheus-api-v2-docker-container-exited.json",
    "zabbix-certificate-expiring.json",
    "zabbix-systemd-service-failed.json",
    "adversarial/mixed-array.json",
];

/// Keys the detectors look at, so generated objects reach the format parsers.
const KEYS: &[&str] = &[
    "title",
    "alerts",
    "labels",
    "annotations",
    "status",
    "state",
    "startsAt",
    "event",
    "event_type",
    "data",
    "alert",
    "action",
    "message",
    "priority",
    "createdAt",
    "trigger",
    "hostname",
    "event_name",
    "event_status",
    "host_name",
    "alert_transition",
    "alert_type",
    "date",
    "tags",
    "host",
    "instance",
    "pod",
    "job",
    "alertname",
    "summary",
    "orgId",
    "version",
    "fingerprint",
    "severity",
    "link",
    "entity",
    "details",
    "x",
];

fn fixture_value(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alerts")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::String),
        "[a-z0-9.:\\[\\]-]{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("firing"),
            Just("resolved"),
            Just("active"),
            Just("suppressed"),
            Just("Close"),
            Just("RESOLVED"),
            Just("Recovered"),
            Just("incident.resolved"),
            Just("1741866302000"),
            Just("2025-03-11T02:14:37.512Z"),
            Just("0001-01-01T00:00:00Z"),
            Just("[::1]:9100"),
            Just("kube-state-metrics"),
            Just(""),
            Just(" "),
            Just("\u{1b}[2J"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kvs| {
                Value::Object(kvs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// Every alert returned must be usable by the rest of opsassist.
fn assert_well_formed(alerts: &[Alert]) -> Result<(), TestCaseError> {
    prop_assert!(!alerts.is_empty(), "Ok means at least one alert");
    for a in alerts {
        prop_assert!(!a.title.trim().is_empty(), "empty title in {a:?}");
        if let Some(s) = &a.severity {
            prop_assert!(!s.is_empty() && *s == s.to_lowercase(), "severity {s:?}");
        }
        if let Some(h) = &a.host {
            prop_assert!(!h.is_empty(), "empty host");
        }
        if let Some(t) = &a.starts_at {
            prop_assert!(
                chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                "starts_at {t:?}"
            );
        }
        let line = a.summary_line();
        prop_assert!(!line.contains('\n') && !line.contains('\r'));
        prop_assert!(serde_json::to_string(a).is_ok());
    }
    Ok(())
}

fn check(bytes: &[u8], opts: &ParseOptions) -> Result<(), TestCaseError> {
    match alert::parse(bytes, opts) {
        Ok(alerts) => assert_well_formed(&alerts),
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(
                !msg.is_empty() && !msg.contains('\n'),
                "one-line error: {msg:?}"
            );
            prop_assert!(!msg.contains('\u{1b}'), "error quotes input raw: {msg:?}");
            Ok(())
        }
    }
}

fn arb_format() -> impl Strategy<Value = Option<Source>> {
    prop_oneof![
        Just(None),
        prop::sample::select(Source::ALL.to_vec()).prop_map(Some)
    ]
}

/// Replace the value at a pseudo-random path inside `v` with `new`.
fn replace_at(v: &mut Value, mut choices: Vec<usize>, new: Value) {
    let Some(choice) = choices.pop() else {
        *v = new;
        return;
    };
    match v {
        Value::Object(map) if !map.is_empty() && choice % 4 != 0 => {
            let key = map
                .keys()
                .nth(choice % map.len())
                .cloned()
                .unwrap_or_default();
            if let Some(child) = map.get_mut(&key) {
                replace_at(child, choices, new);
            }
        }
        Value::Array(items) if !items.is_empty() && choice % 4 != 0 => {
            let len = items.len();
            replace_at(&mut items[choice % len], choices, new);
        }
        _ => *v = new,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes, &ParseOptions::default())?;
    }

    #[test]
    fn json_like_bytes_never_panic(text in "[\\[\\]{}\":,a-z0-9 \\\\\n-]{0,256}") {
        check(text.as_bytes(), &ParseOptions::default())?;
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), format in arb_format()) {
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        let opts = ParseOptions { format, ..ParseOptions::default() };
        check(&bytes, &opts)?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        path in prop::collection::vec(any::<usize>(), 0..6),
        new in arb_json(),
        format in arb_format(),
    ) {
        let mut v = fixture_value(FIXTURES[which]);
        replace_at(&mut v, path, new);
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        let opts = ParseOptions { format, ..ParseOptions::default() };
        check(&bytes, &opts)?;
    }

    #[test]
    fn byte_mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = serde_json::to_vec_pretty(&fixture_value(FIXTURES[which])).unwrap_or_default();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at % bytes.len();
            match op {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at),
            }
        }
        check(&bytes, &ParseOptions::default())?;
    }

    #[test]
    fn size_and_depth_limits_hold(depth in 1usize..200, max_depth in 1usize..120) {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let opts = ParseOptions { max_depth, ..ParseOptions::default() };
        match alert::parse(text.as_bytes(), &opts) {
            Err(AlertError::TooDeep { limit, .. }) => prop_assert!(depth > limit),
            Err(_) => prop_assert!(depth <= max_depth.min(alert::MAX_DEPTH_CAP)),
            Ok(_) => prop_assert!(false, "nested empty arrays are not alerts"),
        }
    }
}

#[test]
fn every_fixture_parses_under_every_forced_format_without_panic() {
    for name in FIXTURES {
        let bytes = serde_json::to_vec(&fixture_value(name)).unwrap_or_default();
        for format in Source::ALL {
            let opts = ParseOptions {
                format: Some(format),
                ..ParseOptions::default()
            };
            if let Ok(alerts) = alert::parse(&bytes, &opts) {
                assert!(
                    alerts
                        .iter()
                        .all(|a| a.source == format && !a.title.is_empty())
                );
            }
        }
    }
}

#[test]
fn unmodified_fixtures_parse() {
    for name in FIXTURES {
        let bytes = serde_json::to_vec(&fixture_value(name)).unwrap_or_default();
        let alerts = alert::parse(&bytes, &ParseOptions::default());
        assert!(alerts.is_ok_and(|a| !a.is_empty()), "{name}");
    }
}
