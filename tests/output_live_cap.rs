//! The console's live view of a running command keeps moving past `[limits]
//! max_output_file_bytes`: while the command still runs, the view shows its newest line and
//! the size so far counts every byte, though the output file itself stops at its head.

use std::time::{Duration, Instant};

use opsassist::config::Config;
use opsassist::exec::{Cancel, ExecRequest, Executor};
use opsassist::paths::Paths;
use opsassist::protocol::Target;
use opsassist::tools::Program;
use opsassist::tui::live_output::{LIVE_LINES, TAIL_BYTES, read_tail};

const CAP: u64 = 4096;

/// `seq 1 N`, then a marker line, then a long sleep: the live view must show the marker
/// while the sleep runs.
async fn live_view_reaches_the_newest_line(lines: u32) {
    let root = tempfile::tempdir().expect("tempdir");
    let paths = Paths::in_dir(root.path());
    let mut config = Config::default();
    config.limits.max_output_file_bytes = CAP;
    config.limits.cancel_grace_secs = 1;
    let executor = Executor::new(&config, &paths);
    let path = paths.outputs_dir().join("s1").join("001-c.log");
    let (fire, cancel) = Cancel::new();
    let run = tokio::spawn({
        let path = path.clone();
        async move {
            executor
                .run_cancellable(
                    ExecRequest {
                        target: Target::Local,
                        program: Program::Shell(format!(
                            "seq 1 {lines}; echo newest-line-{lines}; exec sleep 30"
                        )),
                        timeout: Duration::from_secs(60),
                        output_cap: 4096,
                        output_path: path,
                    },
                    cancel,
                )
                .await
        }
    });
    let marker = format!("newest-line-{lines}");
    let printed: u64 = (1..=lines)
        .map(|i| i.to_string().len() as u64 + 1)
        .sum::<u64>()
        + marker.len() as u64
        + 1;
    let deadline = Instant::now() + Duration::from_secs(20);
    let seen = loop {
        let tail = read_tail(&path, TAIL_BYTES, LIVE_LINES).expect("read the live output");
        if let Some(tail) = &tail
            && tail.lines.last() == Some(&marker)
        {
            break tail.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the live view never showed `{marker}`; it shows {tail:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!run.is_finished(), "the command ended before the check");
    let expected: Vec<String> = (lines + 2 - LIVE_LINES as u32..=lines)
        .map(|i| i.to_string())
        .chain([marker.clone()])
        .collect();
    assert_eq!(seen.lines, expected);
    assert_eq!(seen.bytes, printed, "the size so far counts every byte");
    let on_disk = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(on_disk <= CAP, "the file itself stays capped: {on_disk}");

    let _ = fire.send(true);
    let outcome = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the cancel stops it")
        .expect("join")
        .expect("runs");
    assert!(outcome.cancelled);
    assert!(outcome.dropped_bytes > 0);
}

/// Just past the cap: the newest bytes sit in the first tail segment.
#[tokio::test]
async fn just_past_the_cap() {
    live_view_reaches_the_newest_line(1500).await;
}

/// Far past it: the tail segments have rotated many times.
#[tokio::test]
async fn far_past_the_cap() {
    live_view_reaches_the_newest_line(200_000).await;
}
