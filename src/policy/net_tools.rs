//! Network tools: ip, curl, openssl, iptables/nft: reads versus changes to interfaces,
//! routes, remote servers and firewall rules.

use super::classify::Verdict;
use super::options::{Opt, flag_value, has_flag, operands, opts};

pub(crate) fn ip(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "nbf",
        &["-netns", "-batch", "-family", "-rc", "-rcvbuf"],
        false,
    );
    if has_flag(&parsed, &["-b", "-batch", "-force"]) {
        return Verdict::change("ip -batch runs commands from a file");
    }
    let ops = operands(&parsed);
    let Some(object) = ops.first() else {
        return Verdict::change("ip without an object");
    };
    if matches!(*object, "netns" | "monitor" | "mon")
        && ops
            .get(1)
            .is_some_and(|a| !matches!(*a, "list" | "show" | "ls"))
    {
        return Verdict::change(format!("ip {object} {}", ops[1]));
    }
    match ops.get(1) {
        None => Verdict::read_only(format!("ip {object} only reads")),
        Some(a)
            if matches!(
                *a,
                "show" | "list" | "ls" | "lst" | "sh" | "s" | "get" | "l"
            ) =>
        {
            Verdict::read_only(format!("ip {object} {a} only reads"))
        }
        Some(a)
            if matches!(
                *object,
                "addr" | "address" | "a" | "link" | "l" | "route" | "r" | "ro" | "neigh" | "n"
            ) && !is_ip_verb(a) =>
        {
            Verdict::read_only(format!("ip {object} {a} only reads"))
        }
        Some(a) => Verdict::change(format!("ip {object} {a} changes networking")),
    }
}

fn is_ip_verb(word: &str) -> bool {
    matches!(
        word,
        "add"
            | "del"
            | "delete"
            | "set"
            | "change"
            | "replace"
            | "flush"
            | "append"
            | "prepend"
            | "save"
            | "restore"
            | "exec"
            | "attach"
            | "detach"
            | "update"
            | "flush-all"
    )
}

pub(crate) fn curl(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "XHdFoTuAewmxKcbDrECYyzUPQtg",
        &[
            "--request",
            "--header",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "--form",
            "--output",
            "--upload-file",
            "--user",
            "--user-agent",
            "--referer",
            "--write-out",
            "--max-time",
            "--proxy",
            "--config",
            "--cookie-jar",
            "--cookie",
            "--dump-header",
            "--range",
            "--cert",
            "--cacert",
            "--trace",
            "--trace-ascii",
            "--libcurl",
            "--json",
            "--form-string",
            "--etag-save",
            "--hsts",
            "--alt-svc",
            "--connect-timeout",
            "--resolve",
            "--retry",
            "--stderr",
            "--output-dir",
        ],
        false,
    );
    let writes = [
        "-o",
        "--output",
        "-O",
        "--remote-name",
        "--remote-name-all",
        "-T",
        "--upload-file",
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "--form-string",
        "--json",
        "-K",
        "--config",
        "-c",
        "--cookie-jar",
        "--libcurl",
        "--etag-save",
        "--hsts",
        "--alt-svc",
        "--create-dirs",
        "--output-dir",
        "-J",
        "--remote-header-name",
    ];
    if let Some(Opt::Flag { name, .. }) = parsed
        .iter()
        .find(|o| matches!(o, Opt::Flag { name, .. } if writes.contains(&name.as_str())))
    {
        return Verdict::change(format!("curl {name} sends data or writes files"));
    }
    for flag in [
        "-D",
        "--dump-header",
        "--trace",
        "--trace-ascii",
        "--stderr",
    ] {
        if flag_value(&parsed, &[flag]).is_some_and(|v| v != "-" && v != "/dev/null") {
            return Verdict::change(format!("curl {flag} writes a file"));
        }
    }
    match flag_value(&parsed, &["-X", "--request"]) {
        Some(m) if !m.eq_ignore_ascii_case("GET") && !m.eq_ignore_ascii_case("HEAD") => {
            Verdict::change(format!("curl -X {m} may change the server"))
        }
        _ => Verdict::read_only("curl GET only reads"),
    }
}

pub(crate) fn openssl(args: &[String]) -> Verdict {
    let banned = [
        "-out",
        "-keyout",
        "-sess_out",
        "-keylogfile",
        "-msgfile",
        "-new",
        "-signkey",
        "-writerand",
        "-CAcreateserial",
        "-req",
        "-x509toreq",
    ];
    match args.first().map(String::as_str) {
        Some(sub @ ("x509" | "verify" | "version" | "s_client" | "crl" | "ciphers")) => {
            match args.iter().find(|a| banned.contains(&a.as_str())) {
                Some(flag) => Verdict::change(format!("openssl {sub} {flag} writes or signs")),
                None => Verdict::read_only(format!("openssl {sub} only reads")),
            }
        }
        Some(sub) => Verdict::change(format!("openssl {sub} is not on the read-only allowlist")),
        None => Verdict::change("interactive openssl"),
    }
}

pub(crate) fn iptables(name: &str, args: &[String]) -> Verdict {
    let cmds: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let is = |short: char, long: &str| {
        cmds.iter()
            .any(|a| *a == long || (!a.starts_with("--") && a[1..].contains(short) && a.len() <= 4))
    };
    if is('F', "--flush") || is('X', "--delete-chain") {
        return Verdict::destructive(format!("{name} flush removes firewall rules"));
    }
    if is('P', "--policy") && args.iter().any(|a| a == "DROP" || a == "REJECT") {
        return Verdict::destructive(format!("{name} default DROP policy can cut access"));
    }
    let mutating = ['A', 'I', 'D', 'R', 'N', 'E', 'Z', 'P'];
    let mutates = cmds.iter().any(|a| {
        !a.starts_with("--") && a[1..].chars().any(|c| mutating.contains(&c)) && a.len() <= 4
    }) || cmds.iter().any(|a| {
        matches!(
            *a,
            "--append"
                | "--insert"
                | "--delete"
                | "--replace"
                | "--new-chain"
                | "--rename-chain"
                | "--zero"
                | "--policy"
        )
    });
    if !mutates && (is('L', "--list") || is('S', "--list-rules")) {
        Verdict::read_only(format!("{name} -L only lists"))
    } else {
        Verdict::change(format!("{name} changes firewall rules"))
    }
}

pub(crate) fn nft(args: &[String]) -> Verdict {
    let parsed = opts(args, "fIo", &["--file", "--includepath"], true);
    if has_flag(&parsed, &["-f", "--file"]) {
        return Verdict::change("nft -f loads rules from a file");
    }
    match operands(&parsed).first().copied() {
        Some("list") => Verdict::read_only("nft list only reads"),
        Some(v @ ("flush" | "delete" | "destroy")) => {
            Verdict::destructive(format!("nft {v} removes firewall rules"))
        }
        Some(v) => Verdict::change(format!("nft {v} changes firewall rules")),
        None => Verdict::change("interactive nft"),
    }
}
