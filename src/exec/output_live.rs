//! Reading the end of a running call's output as it is being written, whatever
//! [`super::output::OutputSink`] does with it: under `[limits] max_output_file_bytes` the
//! output file stops at its head and the newest bytes go to numbered tail segments beside it
//! (`<file>.tail.<n>`), so the end of the output is the end of the newest segment, not of the
//! file. Once the run finishes the segments are folded into the file and removed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The path of tail segment `seq` of the output file `path`.
pub fn segment_path(path: &Path, seq: u64) -> PathBuf {
    let mut p = path.to_path_buf().into_os_string();
    p.push(format!(".tail.{seq}"));
    PathBuf::from(p)
}

/// The end of a (possibly still running) output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTail {
    /// Bytes of output so far (for a capped output: including what the file will drop).
    pub total: u64,
    /// The last bytes read, at most the `max_bytes` asked for.
    pub bytes: Vec<u8>,
    /// Output came before `bytes` (or was dropped right before them): their first line may be
    /// partial.
    pub cut: bool,
}

/// The last `max_bytes` of the output written to `path` so far, from the file and, once it
/// overflowed the file cap, from its newest tail segments. `Ok(None)` when there is no file.
/// Blocking IO. The writer switching segments while this reads may give one stale answer;
/// the next read is right.
pub fn live_tail(path: &Path, max_bytes: u64) -> io::Result<Option<LiveTail>> {
    let head_len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(seq) = newest_segment(path)? else {
        let (bytes, before) = read_end(path, head_len, max_bytes)?;
        return Ok(Some(LiveTail {
            total: head_len,
            bytes,
            cut: before > 0,
        }));
    };
    let current = segment_path(path, seq);
    let current_len = len_or_zero(&current)?;
    let previous = seq.checked_sub(1).map(|s| segment_path(path, s));
    let previous_len = match &previous {
        Some(p) => len_or_zero(p)?,
        None => 0,
    };
    // Oldest first; `gap` when bytes were dropped before the first piece.
    let mut pieces: Vec<(&Path, u64)> = Vec::new();
    let gap = seq >= 2;
    if !gap {
        pieces.push((path, head_len));
    }
    if let Some(p) = &previous {
        pieces.push((p, previous_len));
    }
    pieces.push((&current, current_len));
    let mut wanted = max_bytes;
    let mut parts = Vec::new();
    let mut before_window = 0;
    for (i, (piece, len)) in pieces.iter().enumerate().rev() {
        if wanted == 0 {
            before_window += pieces[..=i].iter().map(|(_, l)| l).sum::<u64>();
            break;
        }
        let (bytes, before) = read_end(piece, *len, wanted)?;
        wanted = wanted.saturating_sub(bytes.len() as u64);
        before_window += before;
        parts.push(bytes);
        if before > 0 {
            before_window += pieces[..i].iter().map(|(_, l)| l).sum::<u64>();
            break;
        }
    }
    let bytes = parts.into_iter().rev().flatten().collect();
    Ok(Some(LiveTail {
        total: head_len + seq * previous_len + current_len,
        bytes,
        cut: before_window > 0 || gap,
    }))
}

/// The highest `n` of the `<file>.tail.<n>` segments beside `path`.
fn newest_segment(path: &Path) -> io::Result<Option<u64>> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(None);
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut prefix = name.to_os_string();
    prefix.push(".tail.");
    let prefix = prefix.to_string_lossy().into_owned();
    let mut newest = None;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(seq) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix.as_str()))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        newest = newest.max(Some(seq));
    }
    Ok(newest)
}

/// A file's length, 0 when it is gone (the writer removed it meanwhile).
fn len_or_zero(path: &Path) -> io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

/// The last `max_bytes` of the first `len` bytes of `path`, and how many bytes precede them.
/// A file gone meanwhile reads as empty.
fn read_end(path: &Path, len: u64, max_bytes: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let start = len.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.take(len - start).read_to_end(&mut buf)?;
    Ok((buf, start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::output::OutputSink;

    fn lines(from: u32, to: u32) -> String {
        (from..to).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn an_uncapped_output_is_the_end_of_its_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.log");
        let mut sink = OutputSink::create_capped(&path, 1024, 0).unwrap_or_else(|e| panic!("{e}"));
        let text = lines(0, 100);
        sink.write(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        sink.flush().unwrap_or_else(|e| panic!("{e}"));
        let tail = live_tail(&path, 20).unwrap_or_else(|e| panic!("{e}"));
        let tail = tail.unwrap_or_else(|| panic!("no file"));
        assert_eq!(tail.total, text.len() as u64);
        assert!(tail.cut);
        assert!(String::from_utf8_lossy(&tail.bytes).ends_with("line 99\n"));
        assert!(matches!(live_tail(&dir.path().join("none"), 20), Ok(None)));
    }

    /// While a capped output runs, at every size, the live end is the newest bytes written
    /// and the total counts every byte.
    #[test]
    fn a_capped_output_shows_its_newest_bytes_at_every_size() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.log");
        let mut sink =
            OutputSink::create_capped(&path, 1024, 1000).unwrap_or_else(|e| panic!("{e}"));
        let text = lines(0, 2000);
        let mut written = 0;
        for chunk in text.as_bytes().chunks(97) {
            sink.write(chunk).unwrap_or_else(|e| panic!("{e}"));
            sink.flush().unwrap_or_else(|e| panic!("{e}"));
            written += chunk.len();
            for window in [64u64, 700, 5000] {
                let tail = live_tail(&path, window).unwrap_or_else(|e| panic!("{e}"));
                let tail = tail.unwrap_or_else(|| panic!("no file"));
                assert_eq!(tail.total, written as u64, "total at {written}");
                let so_far = &text.as_bytes()[..written];
                assert!(
                    so_far.ends_with(&tail.bytes),
                    "at {written} (window {window}): {:?}",
                    String::from_utf8_lossy(&tail.bytes)
                );
                assert!(tail.bytes.len() as u64 <= window);
                if written as u64 > window {
                    assert!(tail.cut, "at {written}");
                }
            }
        }
        sink.finish().unwrap_or_else(|e| panic!("{e}"));
        let tail = live_tail(&path, 64).unwrap_or_else(|e| panic!("{e}"));
        let tail = tail.unwrap_or_else(|| panic!("no file"));
        assert!(String::from_utf8_lossy(&tail.bytes).ends_with("line 1999\n"));
    }
}
