//! Issue 9 part 3 / issue 10 part 3: a remembered prefix never widens a class. Read-only
//! prefixes are program + subcommand and cover no change or destructive form of the same
//! tool; change prefixes are the whole normalized command; destructive commands have none.

use opsassist::policy::{
    ApprovalPrefix, Class, approval_prefix, approval_prefix_for, classify, prefix_covers,
    prefix_covers_typed,
};

/// (approved read-only command, its prefix, read-only commands it covers, change or
/// destructive commands of the same tool it must never cover).
const READ_ONLY: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "ip link show",
        "ip link show",
        &["ip link show dev eth0", "ip l sh", "ip -br link show"],
        &[
            "ip link set eth0 down",
            "ip link s eth0 down",
            "ip link delete br0",
            "ip link add x type dummy",
        ],
    ),
    (
        "ip addr",
        "ip address",
        &["ip a", "ip addr show dev eth0", "ip -4 a s"],
        &[
            "ip a f dev eth0",
            "ip addr add 10.0.0.1/24 dev eth0",
            "ip address del 1.2.3.4/32 dev lo",
        ],
    ),
    (
        "ip route show",
        "ip route show",
        &["ip r s", "ip route show table all"],
        &[
            "ip r d default",
            "ip route flush table main",
            "ip route replace default via 10.0.0.1",
        ],
    ),
    (
        "iptables -L -n",
        "iptables",
        &["iptables -S", "iptables -t nat -L -n -v"],
        &[
            "iptables -I INPUT -j DROP",
            "iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
            "iptables -F",
            "iptables --fl",
            "iptables -P INPUT DROP",
            "iptables -Z",
        ],
    ),
    (
        "journalctl -u nginx",
        "journalctl",
        &["journalctl -u sshd --since today", "journalctl -b -1"],
        &[
            "journalctl --vacuum-time=1s",
            "journalctl --vacuum-ti=1s",
            "journalctl --rotate",
            "journalctl --flush",
            "journalctl --setup-keys",
        ],
    ),
    (
        "sort F",
        "sort",
        &["sort -k2 G", "sort -o /dev/null F"],
        &[
            "sort -o F2 F",
            "sort --outp=F2 F",
            "sort --compress-program=sh F",
            "sort -T /tmp F",
        ],
    ),
    (
        "systemctl status nginx",
        "systemctl status",
        &["systemctl status sshd", "systemctl --no-pager status cron"],
        &[
            "systemctl --message status poweroff",
            "systemctl restart nginx",
            "systemctl status nginx --firmware-setup",
        ],
    ),
    (
        "dmesg -T",
        "dmesg",
        &["dmesg -H --level err"],
        &["dmesg -c", "dmesg --cl", "dmesg -n 1", "dmesg -D"],
    ),
    (
        "sysctl -a",
        "sysctl",
        &["sysctl vm.swappiness"],
        &[
            "sysctl -w vm.swappiness=1",
            "sysctl -ep",
            "sysctl --system",
            "sysctl vm.swappiness=1",
        ],
    ),
    (
        "curl -s https://x.example/health",
        "curl",
        &["curl -sI https://x.example/"],
        &[
            "curl -X POST https://x.example/api",
            "curl -o /tmp/x https://x.example/",
            "curl -o /etc/cron.d/job https://x.example/",
            "curl -Q 'DELE f' https://x.example/",
        ],
    ),
    (
        "tree /srv",
        "tree",
        &["tree -L 2 /etc"],
        &["tree -o /tmp/out /srv"],
    ),
    (
        "crontab -l",
        "crontab",
        &["crontab -u root -l"],
        &[
            "crontab -r",
            "crontab -u root -r",
            "crontab /tmp/tab",
            "crontab -e",
        ],
    ),
    (
        "kill -0 4242",
        "kill",
        &["kill -0 1"],
        &["kill 4242", "kill -9 01", "kill -HUP 1"],
    ),
    (
        "nft list ruleset",
        "nft list",
        &["nft list tables"],
        &["nft list ruleset \\; flush ruleset", "nft flush ruleset"],
    ),
    (
        "helm list -A",
        "helm list",
        &["helm list -n prod"],
        &[
            "helm --kube-as-user list uninstall web",
            "helm uninstall web",
        ],
    ),
    (
        "apt-cache policy nginx",
        "apt-cache policy",
        &["apt-cache policy bash"],
        &["apt-cache -o Dir::Cache::pkgcache=/tmp/x policy bash"],
    ),
];

#[test]
fn read_only_prefixes_never_cover_the_same_tools_changes() {
    let mut failures = Vec::new();
    for (approved, want, covered, never) in READ_ONLY {
        assert_eq!(classify(approved).class, Class::ReadOnly, "{approved}");
        let Some(prefix) = approval_prefix_for(approved) else {
            failures.push(format!("  {approved:?}: no prefix"));
            continue;
        };
        if prefix.text != *want || prefix.class != Class::ReadOnly {
            failures.push(format!(
                "  {approved:?}: prefix {prefix:?}, want {want:?} read-only"
            ));
        }
        for c in *covered {
            if !prefix_covers_typed(&prefix, c) {
                failures.push(format!("  {:?} should cover {c:?}", prefix.text));
            }
        }
        for m in *never {
            let class = classify(m).class;
            if class == Class::ReadOnly {
                failures.push(format!("  {m:?} is read-only; the row is wrong"));
            }
            if prefix_covers_typed(&prefix, m) {
                failures.push(format!(
                    "  {:?} covers {m:?} ({})",
                    prefix.text,
                    class.as_str()
                ));
            }
            // The text API the gate still uses must not widen either.
            if approval_prefix(approved).is_some_and(|p| prefix_covers(&p, m)) {
                failures.push(format!("  text prefix of {approved:?} covers {m:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "prefix rows:\n{}", failures.join("\n"));
}

#[test]
fn change_prefixes_are_the_whole_command() {
    let rows: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "systemctl restart cron",
            "systemctl restart cron",
            &["systemctl restart cron", "/usr/bin/systemctl restart cron"],
            &[
                "systemctl restart postgresql",
                "systemctl restart cron postgresql",
                "systemctl restart",
                "systemctl stop cron",
            ],
        ),
        (
            "docker restart web",
            "docker restart web",
            &["docker restart web"],
            &["docker restart db", "docker rm -f web"],
        ),
        (
            "sudo systemctl reload nginx",
            "sudo systemctl reload nginx",
            &["sudo systemctl reload nginx"],
            &["sudo systemctl reload sshd", "sudo systemctl reboot"],
        ),
        (
            "touch '/tmp/a b'",
            "touch '/tmp/a b'",
            &["touch '/tmp/a b'"],
            &["touch /tmp/a b", "touch /tmp/a"],
        ),
    ];
    let mut failures = Vec::new();
    for (approved, want, covered, never) in rows {
        let got = approval_prefix_for(approved);
        let Some(prefix) = got else {
            failures.push(format!("  {approved:?}: no prefix"));
            continue;
        };
        if prefix.text != *want || prefix.class != Class::Change {
            failures.push(format!("  {approved:?}: prefix {prefix:?}"));
        }
        for c in *covered {
            if !prefix_covers_typed(&prefix, c) || !prefix_covers(&prefix.text, c) {
                failures.push(format!("  {want:?} should cover {c:?}"));
            }
        }
        for m in *never {
            if prefix_covers_typed(&prefix, m) || prefix_covers(&prefix.text, m) {
                failures.push(format!("  {want:?} covers {m:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "change prefix rows:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_prefix_never_covers_a_higher_class() {
    let forged = [
        ApprovalPrefix {
            text: "systemctl".into(),
            class: Class::ReadOnly,
        },
        ApprovalPrefix {
            text: "ip".into(),
            class: Class::ReadOnly,
        },
        ApprovalPrefix {
            text: "rm".into(),
            class: Class::Change,
        },
        ApprovalPrefix {
            text: "reboot".into(),
            class: Class::Destructive,
        },
    ];
    let commands = [
        "systemctl restart nginx",
        "systemctl reboot",
        "systemctl status nginx",
        "ip link set eth0 down",
        "ip addr",
        "rm /tmp/x",
        "rm -rf /tmp/x",
        "reboot",
    ];
    for prefix in &forged {
        for command in commands {
            let class = classify(command).class;
            if prefix_covers_typed(prefix, command) {
                assert!(
                    class <= prefix.class && class != Class::Destructive,
                    "{prefix:?} covers {command:?} ({})",
                    class.as_str()
                );
            }
        }
    }
    assert!(prefix_covers_typed(&forged[0], "systemctl status nginx"));
    assert!(prefix_covers_typed(&forged[1], "ip addr"));
    assert_eq!(approval_prefix_for("rm -rf /tmp/x"), None);
    assert_eq!(
        approval_prefix_for("systemctl --message status poweroff"),
        None
    );
}
