//! Network tools: ip (with iproute2's own abbreviations), curl, wget, openssl, iptables/nft
//! and the net-tools listing forms: reads versus changes to interfaces, routes, remote
//! servers, local files and firewall rules. Options come from the grammars in `tables/`.

use super::classify::{self, Verdict};
use super::grammar::Effect;
use super::rules::options_verdict;
use super::system_paths::{is_block_device, is_system_path};
use super::tables::{self, iproute_first};

/// ip.c's objects in its own order (the first one a word abbreviates wins).
pub(crate) const IP_OBJECTS: &[&str] = &[
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "help",
    "stats",
];

/// Each object's verbs in the order its `do_*` function tries them, and which of them only
/// read. Objects not listed are read-only only with no verb or `show`/`list`.
pub(crate) fn ip_verbs(object: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match object {
        "address" => (
            &[
                "add", "change", "replace", "delete", "list", "show", "lst", "flush", "save",
                "showdump", "restore", "help",
            ],
            &["list", "show", "lst", "showdump", "help"],
        ),
        "route" => (
            &[
                "add", "change", "replace", "prepend", "append", "test", "delete", "list", "show",
                "lst", "get", "flush", "save", "restore", "showdump", "help",
            ],
            &["list", "show", "lst", "get", "showdump", "help"],
        ),
        "link" => (
            &[
                "add", "set", "change", "replace", "delete", "show", "lst", "list", "xstats",
                "afstats", "property", "help",
            ],
            &["show", "lst", "list", "xstats", "afstats", "help"],
        ),
        "neighbor" | "neighbour" => (
            &[
                "add", "change", "replace", "delete", "get", "show", "lst", "list", "flush", "help",
            ],
            &["get", "show", "lst", "list", "help"],
        ),
        "rule" | "mrule" => (
            &[
                "list", "lst", "show", "save", "restore", "add", "delete", "flush", "help",
            ],
            &["list", "lst", "show", "help"],
        ),
        "netns" => (
            &[
                "list", "show", "lst", "list-id", "help", "add", "set", "delete", "identify",
                "pids", "exec", "monitor", "attach",
            ],
            &["list", "show", "lst", "list-id", "help", "identify", "pids"],
        ),
        "vrf" => (
            &["show", "exec", "identify", "pids", "help"],
            &["show", "identify", "pids", "help"],
        ),
        _ => (
            &["show", "list", "lst", "help"],
            &["show", "list", "lst", "help"],
        ),
    }
}

pub(crate) fn ip(args: &[String], depth: usize) -> Verdict {
    let parsed = tables::grammar("ip").parse(args);
    if let Some(v) = options_verdict("ip", &parsed) {
        return v;
    }
    let ops = parsed.operands();
    let Some(word) = ops.first() else {
        return Verdict::change("ip without an object");
    };
    let Some(object) = iproute_first(word, IP_OBJECTS) else {
        return Verdict::change(format!("ip: unknown object {word}"));
    };
    let (verbs, read) = ip_verbs(object);
    let Some(verb_word) = ops.get(1) else {
        return if object == "monitor" {
            Verdict::change("ip monitor never ends")
        } else {
            Verdict::read_only(format!("ip {object} only reads"))
        };
    };
    let Some(verb) = iproute_first(verb_word, verbs) else {
        return Verdict::change(format!("ip {object} {verb_word} is not a read-only verb"));
    };
    if matches!(object, "netns" | "vrf") && verb == "exec" {
        // ip netns exec NAME CMD…, ip vrf exec NAME CMD…
        return match ops.get(3) {
            Some(_) => {
                let inner: Vec<String> = ops[3..].iter().map(|s| s.to_string()).collect();
                let v = classify::argv(&inner, depth + 1);
                v.clone().at_least_change(&format!(
                    "ip {object} exec runs {} in {object} {}: {}",
                    inner[0], ops[2], v.reason
                ))
            }
            None => Verdict::change(format!("ip {object} exec without a command")),
        };
    }
    if read.contains(&verb) {
        Verdict::read_only(format!("ip {object} {verb} only reads"))
    } else {
        Verdict::change(format!("ip {object} {verb} changes networking"))
    }
}

/// A URL curl reads over HTTP(S) (a bare host defaults to HTTP).
fn http_url(u: &str) -> bool {
    let lower = u.to_ascii_lowercase();
    match lower.split_once("://") {
        Some((scheme, _)) => scheme == "http" || scheme == "https",
        None => true,
    }
}

pub(crate) fn curl(args: &[String]) -> Verdict {
    let parsed = tables::grammar("curl").parse(args);
    if let Some(v) = options_verdict("curl", &parsed) {
        return v.at_least_change("curl sends data or writes files");
    }
    if let Some(w) = parsed
        .values("--write-out")
        .into_iter()
        .find(|w| w.contains("%output{"))
    {
        return Verdict::change(format!("curl -w {w} writes a file"));
    }
    if let Some(m) = parsed.value("--request")
        && !m.eq_ignore_ascii_case("GET")
        && !m.eq_ignore_ascii_case("HEAD")
    {
        return Verdict::change(format!("curl -X {m} may change the server"));
    }
    let urls = parsed.operands().into_iter().chain(parsed.values("--url"));
    if let Some(u) = urls.clone().find(|u| !http_url(u)) {
        return Verdict::change(format!("curl {u}: only HTTP(S) reads are read-only"));
    }
    Verdict::read_only("curl GET only reads")
}

/// wget saves what it downloads unless the document goes to standard output or nowhere.
pub(crate) fn wget(args: &[String]) -> Verdict {
    let parsed = tables::grammar("wget").parse(args);
    let doc = parsed.value("--output-document");
    if let Some(d) = doc
        && (is_system_path(d) || is_block_device(d))
    {
        return Verdict::destructive(format!("wget -O {d} overwrites a system file"));
    }
    let harmless = |v: Option<&str>| {
        v.is_some_and(|v| matches!(v, "-" | "/dev/null" | "/dev/stdout" | "/dev/stderr"))
    };
    let opts_ok = parsed.bad().is_none()
        && parsed.opts().all(|(d, _, v)| match d.effect {
            Effect::Safe => true,
            Effect::WritesValue => harmless(v),
            Effect::Unsafe => false,
        });
    if !opts_ok {
        return options_verdict("wget", &parsed)
            .unwrap_or_else(|| Verdict::change("wget saves files"))
            .at_least_change("wget saves files");
    }
    if harmless(doc) || parsed.has("--spider") {
        Verdict::read_only("wget to standard output only reads")
    } else {
        Verdict::change("wget saves files")
    }
}

/// openssl: a few read-only subcommands, read with OpenSSL's exact-name option parser.
pub(crate) fn openssl(args: &[String]) -> Verdict {
    match args.first().map(String::as_str) {
        Some(sub @ ("x509" | "verify" | "version" | "s_client" | "crl" | "ciphers")) => {
            let parsed = tables::grammar("openssl").parse(&args[1..]);
            let v = options_verdict(&format!("openssl {sub}"), &parsed)
                .unwrap_or_else(|| Verdict::read_only(format!("openssl {sub} only reads")));
            match super::classify::stdin() {
                // s_client sends what it reads to the host it connects to.
                Some(input) if sub == "s_client" => v.at_least_change(&format!(
                    "openssl s_client sends {} to the host",
                    match &*input {
                        super::shell::Input::Unknown(from) => from.clone(),
                        super::shell::Input::Literal { from, .. } => from.clone(),
                    }
                )),
                _ => v,
            }
        }
        Some(sub) => Verdict::change(format!("openssl {sub} is not on the read-only allowlist")),
        None => Verdict::change("interactive openssl"),
    }
}

pub(crate) fn iptables(name: &str, args: &[String]) -> Verdict {
    let parsed = tables::grammar(name).parse(args);
    if parsed.has("--flush") || parsed.has("--delete-chain") {
        return Verdict::destructive(format!("{name} flush removes firewall rules"));
    }
    if parsed.has("--policy")
        && args
            .iter()
            .any(|a| a.eq_ignore_ascii_case("DROP") || a.eq_ignore_ascii_case("REJECT"))
    {
        return Verdict::destructive(format!("{name} default DROP policy can cut access"));
    }
    let adds = parsed.has("--insert") || parsed.has("--append") || parsed.has("--replace");
    let blocks = parsed
        .values("--jump")
        .iter()
        .any(|j| j.eq_ignore_ascii_case("DROP") || j.eq_ignore_ascii_case("REJECT"));
    let chain = parsed
        .values("--insert")
        .into_iter()
        .chain(parsed.values("--append"))
        .chain(parsed.values("--replace"))
        .any(|c| {
            matches!(
                c.to_ascii_uppercase().as_str(),
                "INPUT" | "OUTPUT" | "FORWARD"
            )
        });
    // Blocking one source is routine; blocking everything (or a port) can cut access.
    let one_source = parsed
        .values("--source")
        .iter()
        .any(|s| !matches!(*s, "0.0.0.0/0" | "::/0" | "0/0"));
    if adds && blocks && chain && !one_source {
        return Verdict::destructive(format!(
            "{name} adds a DROP/REJECT rule to a built-in chain, which can cut access"
        ));
    }
    if let Some(v) = options_verdict(name, &parsed) {
        return v.at_least_change(&format!("{name} changes firewall rules"));
    }
    if parsed.has("--list") || parsed.has("--list-rules") || parsed.has("--check") {
        Verdict::read_only(format!("{name} -L only lists"))
    } else {
        Verdict::change(format!("{name} changes firewall rules"))
    }
}

/// nft joins its arguments with spaces and parses the result as a script: every `;` or
/// newline starts another command, and each is classified.
pub(crate) fn nft(args: &[String]) -> Verdict {
    let parsed = tables::grammar("nft").parse(args);
    if parsed.has("--file") {
        return Verdict::change("nft -f loads rules from a file");
    }
    if let Some(v) = options_verdict("nft", &parsed) {
        return v;
    }
    let script = parsed.operands().join(" ");
    if script.trim().is_empty() {
        return Verdict::change("interactive nft");
    }
    let mut verdict = Verdict::read_only("nft list only reads");
    for command in script.split([';', '\n', '\r']) {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(first) = words.first() else {
            continue;
        };
        let v = match *first {
            "list" if nft_listing(&words[1..]) => continue,
            "describe" => continue,
            "flush" | "delete" | "destroy" => {
                Verdict::destructive(format!("nft {first} removes firewall rules"))
            }
            other => Verdict::change(format!("nft {other} changes firewall rules")),
        };
        if v.class > verdict.class {
            verdict = v;
        }
    }
    verdict
}

/// ifconfig, route, arp (net-tools): only their listing forms are read-only.
pub(crate) fn net_listing(name: &str, args: &[String]) -> Verdict {
    let parsed = tables::grammar(name).parse(args);
    if let Some(v) = options_verdict(name, &parsed) {
        return v.at_least_change(&format!("{name} changes networking"));
    }
    let ops = parsed.operands();
    let listing = match name {
        // `ifconfig [-a] [-s] [-v] [IFACE]`: a second word configures the interface.
        "ifconfig" => ops.len() <= 1,
        // `route [-n…]`: any operand (add, del, flush) changes the table.
        "route" => ops.is_empty(),
        // `arp [-a] [HOST]`, `arp -i IF`.
        _ => ops.len() <= 1,
    };
    if listing {
        Verdict::read_only(format!("{name} only lists"))
    } else {
        Verdict::change(format!("{name} {} changes networking", ops.join(" ")))
    }
}

/// `list OBJECT [FAMILY] [TABLE [NAME]]` with a known object and no verb among the rest: the
/// only `list` forms that are read-only (a word run together with another command, as in
/// `list rulesetflush ruleset`, is not one).
fn nft_listing(rest: &[&str]) -> bool {
    const OBJECTS: &[&str] = &[
        "ruleset",
        "tables",
        "table",
        "chains",
        "chain",
        "sets",
        "set",
        "maps",
        "map",
        "counters",
        "counter",
        "quotas",
        "quota",
        "flowtables",
        "flowtable",
        "meters",
        "meter",
        "limits",
        "limit",
        "secmarks",
        "secmark",
        "synproxys",
        "synproxy",
        "ct",
        "hooks",
    ];
    const VERBS: &[&str] = &[
        "add", "create", "insert", "replace", "delete", "destroy", "flush", "reset", "rename",
        "import", "export", "monitor", "list", "get", "describe",
    ];
    match rest.split_first() {
        Some((object, tail)) => {
            OBJECTS.contains(object) && tail.len() <= 4 && !tail.iter().any(|w| VERBS.contains(w))
        }
        None => false,
    }
}
