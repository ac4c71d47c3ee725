//! Remote and namespace command forms: `ssh [opts] host [opts] [--] cmd…` (the words are run
//! by the remote shell; `-o ProxyCommand=…`/`LocalCommand` run locally) and
//! `ip [opts] netns exec NAME cmd…`.

use std::sync::LazyLock;

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::grammar::Grammar;
use super::inner::{elevated, worse};
use super::shells::stdin_script;

static SSH: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "4 6 A a C f G g K k M N n q s T t V v X x Y y B: b: c: D: E: e: F: I: i: J: L: l: \
         m: O: o: P: p: Q: R: S: W: w:",
    )
    .stop_at_operand()
});

/// Classify `ssh` and `ip netns exec`; `None` for other names and forms.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    match name {
        "ssh" => Some(ssh(args, depth)),
        "ip" => ip_netns_exec(args, depth),
        _ => None,
    }
}

fn ssh(args: &[String], depth: usize) -> Verdict {
    let first = SSH.parse(args);
    let mut verdict: Option<Verdict> = None;
    let mut raise = |v: Verdict| {
        verdict = Some(match verdict.take() {
            Some(w) => worse(w, v),
            None => v,
        })
    };
    if let Some(b) = first.bad() {
        raise(Verdict::change(format!("ssh: {b}")));
    }
    let mut local: Vec<String> = Vec::new();
    let mut remote_opt: Vec<String> = Vec::new();
    let mut scan = |p: &super::super::grammar::Parsed| {
        for v in p.values("-o") {
            let (key, value) = v
                .split_once(['=', ' ', '\t'])
                .map_or((v, ""), |(k, v)| (k, v.trim_start_matches(['=', ' '])));
            match key.to_ascii_lowercase().as_str() {
                "proxycommand" | "localcommand" | "knownhostscommand" => {
                    local.push(value.to_string())
                }
                "remotecommand" => remote_opt.push(value.to_string()),
                _ => {}
            }
        }
    };
    scan(&first);
    let host = first.first_operand;
    let mut command = None;
    if let Some(h) = host {
        let rest = args.get(h + 1..).unwrap_or_default();
        if args.get(h.wrapping_sub(1)).is_some_and(|a| a == "--") {
            command = (!rest.is_empty()).then_some(h + 1);
        } else {
            let again = SSH.parse(rest);
            scan(&again);
            if let Some(b) = again.bad() {
                raise(Verdict::change(format!("ssh: {b}")));
            }
            command = again.first_operand.map(|c| c + h + 1);
        }
    }
    for cmd in &local {
        let inner = classify::script(cmd, depth + 1);
        raise(elevated("ssh", "runs a local command", inner));
    }
    let host_name = host.and_then(|h| args.get(h)).map_or("", String::as_str);
    let remote: Vec<String> = match command {
        Some(c) => vec![args.get(c..).unwrap_or_default().join(" ")],
        None => remote_opt,
    };
    if remote.is_empty() {
        let v = if host.is_some() {
            let login = stdin_script(&format!("ssh {host_name}"), depth);
            if login.class == Class::Destructive {
                login
            } else {
                Verdict::change("interactive ssh session")
            }
        } else {
            Verdict::change("ssh without a host")
        };
        raise(v);
    }
    for r in &remote {
        let inner = classify::script(r, depth + 1);
        raise(match inner.class {
            Class::Destructive => {
                Verdict::destructive(format!("ssh {host_name}: {}", inner.reason))
            }
            _ => Verdict::change(format!("ssh runs `{r}` on {host_name}")),
        });
    }
    verdict.unwrap_or_else(|| Verdict::change("ssh"))
}

/// `ip [opts] netns exec NAME cmd…` (iproute2 abbreviations: `ip net e NAME cmd`), and
/// `ip -all netns exec cmd…`.
fn ip_netns_exec(args: &[String], depth: usize) -> Option<Verdict> {
    let mut i = 0;
    let mut all = false;
    while let Some(a) = args.get(i) {
        if !a.starts_with('-') {
            break;
        }
        let opt = a.trim_start_matches('-');
        let takes = |full: &str, min: usize| opt.len() >= min && full.starts_with(opt);
        if takes("all", 2) {
            all = true;
        }
        i += 1;
        if takes("netns", 1)
            || takes("family", 1)
            || takes("batch", 1)
            || takes("loops", 1)
            || takes("rcvbuf", 2)
        {
            i += 1;
        }
    }
    let object = args.get(i)?;
    let verb = args.get(i + 1)?;
    if !(object.len() >= 3 && "netns".starts_with(object.as_str())) {
        return None;
    }
    if verb.is_empty() || !"exec".starts_with(verb.as_str()) {
        return None;
    }
    let start = if all { i + 2 } else { i + 3 };
    let rest = args.get(start..).filter(|r| !r.is_empty())?;
    let inner = classify::argv(rest, depth + 1);
    Some(elevated(
        "ip netns exec",
        "runs in a network namespace",
        inner,
    ))
}

#[cfg(test)]
#[test]
fn grammar_is_well_formed() {
    super::inner::assert_well_formed("ssh", &SSH);
}
