//! Live output of running calls: the last lines of the file the executor streams a call's
//! output to, re-read every [`POLL_EVERY`] by one small task per running call (only the last
//! [`TAIL_BYTES`] are read, so a 50 MB output costs as little as a 50 byte one; past the file
//! cap they come from the tail segments, so the view keeps moving).

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use super::messages::AppEvent;

/// How often a running call's output file is re-read.
pub const POLL_EVERY: Duration = Duration::from_millis(400);

/// Bytes read from the end of the file on each poll.
pub const TAIL_BYTES: u64 = 16 * 1024;

/// Lines of live output shown under a running call.
pub const LIVE_LINES: usize = 5;

/// Longest live line shown, in characters (the full output is on disk).
const MAX_LINE_CHARS: usize = 300;

/// Most calls tailed at once, over all incidents (more running calls show no live lines).
pub const MAX_TAILS: usize = 32;

pub use super::messages::Tail;

/// Read the last `max_bytes` of the output written to `path` so far and keep its last `keep`
/// lines. Past `[limits] max_output_file_bytes` the file holds only the head while the call
/// runs; the newest bytes are read from its tail segments (`exec::output_live`). A line cut
/// by the start of the window is dropped; a missing file is `Ok(None)`. Blocking IO.
pub fn read_tail(path: &Path, max_bytes: u64, keep: usize) -> io::Result<Option<Tail>> {
    let Some(live) = crate::exec::output_live::live_tail(path, max_bytes)? else {
        return Ok(None);
    };
    let bytes = live.total;
    let mut window = live.bytes.as_slice();
    if live.cut
        && let Some(nl) = window.iter().position(|b| *b == b'\n')
    {
        window = &window[nl + 1..];
    }
    let text = String::from_utf8_lossy(window);
    let text = text.trim_end_matches('\n');
    let all: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    };
    let lines = all[all.len().saturating_sub(keep)..]
        .iter()
        .map(|line| display_line(line))
        .collect();
    Ok(Some(Tail { bytes, lines }))
}

/// One raw output line made safe for a single transcript row: carriage-return progress
/// updates keep their last state, tabs become spaces, long lines are cut.
fn display_line(line: &str) -> String {
    let last = line
        .trim_end_matches('\r')
        .rsplit('\r')
        .next()
        .unwrap_or_default();
    let mut out = crate::text::neutralize_line(&last.replace('\t', "    "));
    if let Some((cut, _)) = out.char_indices().nth(MAX_LINE_CHARS) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Poll `path` until the receiver is gone (or the task is aborted), sending a
/// [`AppEvent::LiveOutput`] whenever the file changed size. Read errors end the polling
/// quietly: the final output still arrives with `ExecFinished`.
pub async fn poll(
    session_id: String,
    call_id: String,
    path: PathBuf,
    tx: mpsc::UnboundedSender<AppEvent>,
) {
    let mut last_size: Option<u64> = None;
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let read_path = path.clone();
        let tail =
            tokio::task::spawn_blocking(move || read_tail(&read_path, TAIL_BYTES, LIVE_LINES))
                .await;
        let tail = match tail {
            Ok(Ok(Some(tail))) => tail,
            Ok(Ok(None)) => continue,
            Ok(Err(_)) | Err(_) => return,
        };
        if last_size == Some(tail.bytes) {
            continue;
        }
        last_size = Some(tail.bytes);
        let event = AppEvent::LiveOutput {
            session_id: session_id.clone(),
            call_id: call_id.clone(),
            tail,
        };
        if tx.send(event).is_err() {
            return;
        }
    }
}

/// "12.4 KiB"-style size for the running line.
pub use crate::text_units::human_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    fn tail_of(content: &[u8], max: u64, keep: usize) -> Tail {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let path = dir.path().join("out.log");
        if let Err(e) = std::fs::write(&path, content) {
            panic!("write: {e}");
        }
        match read_tail(&path, max, keep) {
            Ok(Some(t)) => t,
            other => panic!("read_tail: {other:?}"),
        }
    }

    #[test]
    fn keeps_the_last_lines_and_the_size() {
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let tail = tail_of(text.as_bytes(), 64, 3);
        assert_eq!(tail.bytes, text.len() as u64);
        assert_eq!(tail.lines, vec!["line 98", "line 99", "line 100"]);
    }

    #[test]
    fn a_line_cut_by_the_window_is_dropped() {
        let tail = tail_of(b"aaaaaaaaaaaaaaaaaaaa\nbb\ncc", 8, 10);
        assert_eq!(tail.lines, vec!["bb", "cc"]);
    }

    #[test]
    fn escapes_are_neutralised_and_progress_keeps_its_last_state() {
        let tail = tail_of(b"\x1b]0;pwned\x07title\n10%\r50%\r100%\n\tx\n", 1024, 10);
        assert!(
            tail.lines
                .iter()
                .all(|l| !l.contains('\x1b') && !l.contains('\x07'))
        );
        assert_eq!(tail.lines[1], "100%");
        assert_eq!(tail.lines[2], "    x");
    }

    #[test]
    fn a_missing_file_shows_nothing() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let read = read_tail(&dir.path().join("absent.log"), TAIL_BYTES, LIVE_LINES);
        assert!(matches!(read, Ok(None)), "{read:?}");
    }

    #[test]
    fn sizes_read_like_an_operator_expects() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(12_697), "12.4 KiB");
        assert_eq!(human_bytes(50 * 1024 * 1024), "50.0 MiB");
    }

    #[tokio::test]
    async fn the_poller_reports_growth_and_stops_when_the_app_is_gone() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let path = dir.path().join("out.log");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(poll("s".into(), "c".into(), path.clone(), tx));
        if let Err(e) = std::fs::write(&path, b"hello\n") {
            panic!("write: {e}");
        }
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        match got {
            Ok(Some(AppEvent::LiveOutput { tail, .. })) => {
                assert_eq!(tail.lines, vec!["hello"]);
                assert_eq!(tail.bytes, 6);
            }
            other => panic!("no live output: {other:?}"),
        }
        drop(rx);
        if let Err(e) = std::fs::write(&path, b"hello\nagain\n") {
            panic!("write: {e}");
        }
        let ended = tokio::time::timeout(Duration::from_secs(10), task).await;
        assert!(
            ended.is_ok(),
            "the poller kept running after the app went away"
        );
    }
}
