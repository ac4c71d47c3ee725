//! End-to-end runs of the console's views in tmux against the fake OpenAI server: `/` finds
//! a word in a 100,000-line output, and `o` hands the full output to `$PAGER` (a script that
//! records what it got) and the console redraws after it.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{Opts, Pane, nonce, tool_call};

#[test]
fn slash_finds_a_word_in_a_100000_line_output() {
    let n = nonce();
    // The word is built by awk, so the command line itself does not contain it.
    let command = format!(
        "seq 1 100000 | awk '{{ if ($1 == 76543) print \"find\" \"me-{n}\"; else print }}'"
    );
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&command),
        Reply::Text(format!("Counted them. final-{n}")),
    ]);
    let pane = Pane::start("search", &fake);
    pane.open_incident(&n);
    pane.wait_for("approval panel", |s| s.contains("Approve?"));
    pane.decide(&["a"]);
    pane.wait_for("the command finished", |s| {
        s.contains("⏹ exit 0") && s.contains(&format!("final-{n}"))
    });
    pane.keys(&["Enter"]);
    pane.wait_for("the output expanded and indexed", |s| {
        s.contains("[100000 lines; Enter to collapse]")
    });
    pane.keys(&["/"]);
    pane.wait_for("search prompt", |s| s.contains("Search the transcript"));
    pane.literal(&format!("findme-{n}"));
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the match on screen", |s| {
        s.contains(&format!("│ findme-{n}")) && s.contains(&format!("/findme-{n} 1 of 1"))
    });
    assert!(screen.contains("│ 76542"), "{screen}");
    assert!(screen.contains("│ 76544"), "{screen}");
    // n stays on the only match; Esc clears the search and n is new-alert again.
    pane.keys(&["n"]);
    pane.wait_for("still one match", |s| {
        s.contains(&format!("/findme-{n} 1 of 1"))
    });
    pane.keys(&["Escape"]);
    pane.wait_for("search cleared", |s| !s.contains(&format!("/findme-{n}")));
    pane.quit();
}

#[test]
fn pager_gets_the_full_output_and_the_console_redraws_after_it() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call("seq 1 3000"),
        Reply::Text(format!("Done. final-{n}")),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let record = dir.path().join("paged.txt");
    let record_stdin = dir.path().join("paged-stdin.txt");
    let script = dir.path().join("pager.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat \"$1\" > '{}'\ncat > '{}'\n",
            record.display(),
            record_stdin.display()
        ),
    )
    .expect("write pager");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let pane = Pane::start_with(
        "pager",
        &fake,
        Opts {
            env: vec![("PAGER".into(), script.display().to_string())],
            ..Opts::default()
        },
    );
    pane.open_incident(&n);
    pane.wait_for("approval panel", |s| s.contains("Approve?"));
    pane.decide(&["a"]);
    pane.wait_for("the command finished", |s| {
        s.contains("⏹ exit 0") && s.contains(&format!("final-{n}"))
    });
    pane.keys(&["o"]);
    let screen = pane.wait_for("redrawn after the pager", |s| {
        s.contains("exited with") && s.contains("Incidents") && s.contains(&format!("final-{n}"))
    });
    assert!(screen.contains("┌ Incidents"), "{screen}");
    assert!(
        pane.alternate_screen_on(),
        "the console did not take the screen back"
    );
    let expected: String = (1..=3000).map(|i| format!("{i}\n")).collect();
    let got = std::fs::read_to_string(&record).unwrap_or_default();
    assert_eq!(got.len(), expected.len(), "argument: not the full output");
    assert_eq!(got, expected);
    let got = std::fs::read_to_string(&record_stdin).unwrap_or_default();
    assert_eq!(got, expected, "stdin: not the full output");
    // Keys work again after the pager.
    pane.keys(&["?"]);
    pane.wait_for("help after the pager", |s| s.contains("Keys"));
    pane.keys(&["Escape"]);
    // Wait for it to close: an Esc followed at once by `q` reads as Alt+q.
    pane.wait_for("help closed", |s| !s.contains("Keys ·"));
    pane.quit();
}
