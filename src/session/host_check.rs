//! Whether a call runs where its alert points: when the alert names a host and the call's
//! target is another machine (or the local one), the approval panel says so. Decided here, in
//! the core, and sent with the proposal; front ends only render it.

use std::collections::BTreeMap;

use crate::config::HostEntry;
use crate::protocol::Target;

/// A name reduced for comparison: lower case, no `:port`, no trailing dot. A `user@` part is
/// kept: an alert's host names a machine, and `db01@web01` is not the machine `web01`.
fn norm(name: &str) -> String {
    let name = name.trim();
    let name = match name.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host
        }
        _ => name,
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The machine in an inventory destination (`ops@db-prod-01.example.com`): that config is
/// the operator's own, and its `user@` is the login, not part of the machine's name.
fn machine(destination: &str) -> &str {
    destination.rsplit('@').next().unwrap_or(destination)
}

/// The first label of a DNS name (`db-prod-01.example.com` → `db-prod-01`).
fn short(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// True when the alert's `claimed` host is the machine known (from inventory or the
/// proposal) as `known`: the same name, or the short name of `known`'s full DNS name
/// (`db-prod-01` for `db-prod-01.example.com`). A longer name in the alert is never a
/// shorter known one (`web01.attacker.example` is not `web01`: only a full name says which
/// domain it is in), and a name with `user@` in it is no machine name at all.
fn same(claimed: &str, known: &str) -> bool {
    let (a, k) = (norm(claimed), norm(known));
    if a.is_empty() || k.is_empty() || a.contains('@') || k.contains('@') {
        return false;
    }
    a == k
        || (!a.contains('.')
            && k.contains('.')
            && k.parse::<std::net::IpAddr>().is_err()
            && short(&k) == a)
}

/// True when `name` is this machine: `local`, a loopback name or address, or its hostname.
fn is_this_machine(name: &str) -> bool {
    let name = norm(name);
    if matches!(
        name.as_str(),
        "local" | "localhost" | "127.0.0.1" | "::1" | "[::1]"
    ) {
        return true;
    }
    own_hostname().is_some_and(|own| same(&name, own))
}

/// This machine's hostname, read once (every proposal asks).
fn own_hostname() -> Option<&'static str> {
    static OWN: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    OWN.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
    })
    .as_deref()
}

/// The warning for a call on `target` when the alert is about `alert_host`; None when they
/// agree or the alert names no host. An inventory host matches by its name or destination.
pub fn host_warning(
    alert_host: Option<&str>,
    target: &Target,
    hosts: &BTreeMap<String, HostEntry>,
) -> Option<String> {
    let wanted = alert_host.map(str::trim).filter(|h| !h.is_empty())?;
    let clean = crate::text::neutralize_line(wanted);
    match target {
        Target::Local if is_this_machine(wanted) => None,
        Target::Local => Some(format!(
            "the alert is about {clean}, but this runs on local (this machine)"
        )),
        Target::Ssh { host } => {
            let destination = hosts.get(host).map(|e| machine(&e.destination));
            if same(wanted, host) || destination.is_some_and(|d| same(wanted, d)) {
                None
            } else {
                Some(format!(
                    "the alert is about {clean}, but this runs on ssh: {}",
                    crate::text::neutralize_line(host)
                ))
            }
        }
        Target::Docker { container } => {
            if same(wanted, container) {
                None
            } else {
                Some(format!(
                    "the alert is about {clean}, but this runs in docker: {}",
                    crate::text::neutralize_line(container)
                ))
            }
        }
        // A tool server's call has no host of its own to compare.
        Target::Mcp { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory() -> BTreeMap<String, HostEntry> {
        BTreeMap::from([(
            "db1".to_string(),
            HostEntry {
                destination: "ops@db-prod-01.example.com".into(),
                port: None,
                tags: Vec::new(),
            },
        )])
    }

    fn ssh(host: &str) -> Target {
        Target::Ssh { host: host.into() }
    }

    #[test]
    fn a_call_elsewhere_than_the_alerted_host_is_flagged() {
        let hosts = inventory();
        let rows: [(Option<&str>, Target, bool); 10] = [
            (Some("db-prod-01"), Target::Local, true),
            (Some("db-prod-01"), ssh("web01"), true),
            (Some("db-prod-01"), ssh("db-prod-01"), false),
            // A full name in the alert is not a short name it merely starts with.
            (Some("db-prod-01.example.com"), ssh("db-prod-01"), true),
            (Some("DB-PROD-01:9100"), ssh("db-prod-01"), false),
            // By inventory destination.
            (Some("db-prod-01"), ssh("db1"), false),
            (Some("db-prod-01.example.com"), ssh("db1"), false),
            (Some("db-prod-01.other.net"), ssh("db1"), true),
            (
                Some("nginx"),
                Target::Docker {
                    container: "nginx".into(),
                },
                false,
            ),
            (None, Target::Local, false),
        ];
        for (alert, target, warned) in rows {
            let got = host_warning(alert, &target, &hosts);
            assert_eq!(got.is_some(), warned, "{alert:?} on {target}: {got:?}");
        }
    }

    /// `user@host` in the alert is not the host, and a longer name is not the inventory's
    /// short one: both warn, and the warning shows the alert's name whole.
    #[test]
    fn a_user_part_or_a_foreign_domain_does_not_pass_for_the_host() {
        let hosts = BTreeMap::from([
            (
                "web01".to_string(),
                HostEntry {
                    destination: "10.0.0.5".into(),
                    port: None,
                    tags: Vec::new(),
                },
            ),
            (
                "api".to_string(),
                HostEntry {
                    destination: "deploy@api01.prod.example".into(),
                    port: None,
                    tags: Vec::new(),
                },
            ),
        ]);
        let rows: [(&str, Target, bool); 10] = [
            ("db01@web01", ssh("web01"), true),
            ("root@web01", ssh("web01"), true),
            ("db01@localhost", Target::Local, true),
            ("web01.attacker.example", ssh("web01"), true),
            ("web01.attacker.example.", ssh("web01"), true),
            ("api01.attacker.example", ssh("api"), true),
            ("10", ssh("web01"), true),
            ("web01", ssh("web01"), false),
            ("api01", ssh("api"), false),
            ("API01.prod.example:9100", ssh("api"), false),
        ];
        for (alert, target, warned) in rows {
            let got = host_warning(Some(alert), &target, &hosts);
            assert_eq!(got.is_some(), warned, "{alert:?} on {target}: {got:?}");
            if let Some(text) = got {
                assert!(text.contains(alert.trim_end_matches('.')), "{text}");
            }
        }
    }

    #[test]
    fn the_warning_names_both_sides_and_is_one_safe_line() {
        let got = host_warning(Some("db\u{1b}[2J-01\n"), &Target::Local, &BTreeMap::new());
        let text = got.unwrap_or_default();
        assert!(text.contains("db") && text.contains("local"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    }

    #[test]
    fn an_alert_about_this_machine_runs_locally_without_a_warning() {
        let hosts = BTreeMap::new();
        for name in ["local", "localhost", "127.0.0.1", "LOCALHOST."] {
            assert_eq!(
                host_warning(Some(name), &Target::Local, &hosts),
                None,
                "{name}"
            );
        }
        if let Ok(own) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(host_warning(Some(own.trim()), &Target::Local, &hosts), None);
        }
        assert!(host_warning(Some("db-prod-01"), &Target::Local, &hosts).is_some());
    }
}
