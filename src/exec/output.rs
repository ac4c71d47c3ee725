//! Output capture: the full output streamed to a private file with its sha256, and a bounded
//! head + tail copy for the model with a "[N bytes omitted]" marker.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::cut::{head_cut, out_len, tail_cut};
use crate::policy::{Redactor, Span};

/// Bytes kept aside in the cap for the omission marker.
const MARKER_RESERVE: usize = 48;

/// Bytes kept beyond the head and before the tail so the redactor sees a secret whole even
/// when the cut falls inside it (a PEM key is ~3 KiB; a 16 KiB cap keeps 4 KiB each side).
pub const SLACK: usize = 8 * 1024;

/// Head + rolling tail of a byte stream; memory stays within the cap (plus the slack on each
/// side) however much is pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputCap {
    cap: usize,
    head_limit: usize,
    tail_limit: usize,
    /// The head as the model sees it is `head_limit` bytes; `head` keeps the slack beyond it.
    head: Vec<u8>,
    tail: Ring,
    total: u64,
}

impl OutputCap {
    /// A cap of `cap` bytes for the rendered text (marker included), with no slack.
    pub fn new(cap: usize) -> OutputCap {
        OutputCap::with_slack(cap, 0)
    }

    /// A cap of `cap` bytes for the rendered text, keeping `slack` bytes more after the head
    /// and before the tail for [`OutputCap::render_with`] to redact in context.
    pub fn with_slack(cap: usize, slack: usize) -> OutputCap {
        let usable = cap.saturating_sub(MARKER_RESERVE).max(2);
        let head_limit = usable / 2;
        let tail_limit = usable - head_limit;
        OutputCap {
            cap,
            head_limit,
            tail_limit,
            head: Vec::new(),
            tail: Ring::new(tail_limit + slack),
            total: 0,
        }
    }

    fn head_keep(&self) -> usize {
        self.head_limit + (self.tail.cap - self.tail_limit)
    }

    /// Feed the next chunk of output.
    pub fn push(&mut self, mut chunk: &[u8]) {
        self.total += chunk.len() as u64;
        let keep = self.head_keep();
        if self.head.len() < keep {
            if self.head.capacity() == 0 {
                self.head.reserve_exact(keep);
            }
            let take = chunk.len().min(keep - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        self.tail.push(chunk);
    }

    /// Total bytes fed so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes of buffer held (head + tail), bounded by the cap plus twice the slack.
    pub fn memory_bytes(&self) -> usize {
        self.head.capacity() + self.tail.buf.capacity()
    }

    /// The text for the model: everything if it fits in the cap, else head, marker, tail.
    /// Cuts fall on UTF-8 boundaries (and on line breaks when one is near); invalid UTF-8 is
    /// decoded lossily. Nothing is redacted: see [`OutputCap::render_with`].
    pub fn render(&self) -> String {
        self.render_with(|_| Vec::new()).0
    }

    /// Like [`OutputCap::render`], but `find` (a redactor) is run over the kept head and tail
    /// *before* the cut, slack included, and its spans are masked; a cut never falls inside a
    /// span, so no part of a secret escapes. Returns the text and the number of spans shown.
    pub fn render_with(&self, find: impl Fn(&str) -> Vec<Span>) -> (String, usize) {
        let tail_bytes = self.tail.contents();
        let contiguous = self.total - self.head.len() as u64 <= self.tail.cap as u64;
        if contiguous {
            let mut all = self.head.clone();
            all.extend_from_slice(&tail_bytes);
            let text = String::from_utf8_lossy(&all).into_owned();
            let spans = find(&text);
            if out_len(&spans, 0, text.len()) <= self.cap {
                return (Redactor::apply(&text, &spans), spans.len());
            }
            let p = head_cut(&text, &spans, self.head_limit);
            let q = tail_cut(&text, &spans, self.tail_limit).max(p);
            return self.join(&text, &spans, p, &text, &spans, q);
        }
        let head = String::from_utf8_lossy(&self.head).into_owned();
        let mut skip = 0;
        while skip < 3 && tail_bytes.get(skip).is_some_and(|b| b & 0xc0 == 0x80) {
            skip += 1;
        }
        let tail = String::from_utf8_lossy(&tail_bytes[skip..]).into_owned();
        let head_spans = find(&head);
        let tail_spans = find(&tail);
        let p = head_cut(&head, &head_spans, self.head_limit);
        let q = tail_cut(&tail, &tail_spans, self.tail_limit);
        self.join(&head, &head_spans, p, &tail, &tail_spans, q)
    }

    /// `head[..p]`, the omission marker, `tail[q..]`, with their spans masked.
    fn join(
        &self,
        head: &str,
        head_spans: &[Span],
        p: usize,
        tail: &str,
        tail_spans: &[Span],
        q: usize,
    ) -> (String, usize) {
        let head_kept: Vec<Span> = head_spans.iter().copied().filter(|s| s.end <= p).collect();
        let tail_kept: Vec<Span> = tail_spans
            .iter()
            .filter(|s| s.start >= q)
            .map(|s| Span {
                start: s.start - q,
                end: s.end - q,
                kind: s.kind,
            })
            .collect();
        let head_text = Redactor::apply(&head[..p], &head_kept);
        let tail_text = Redactor::apply(&tail[q..], &tail_kept);
        let omitted = self
            .total
            .saturating_sub(p as u64)
            .saturating_sub((tail.len() - q) as u64);
        let sep_before = if head_text.ends_with('\n') || head_text.is_empty() {
            ""
        } else {
            "\n"
        };
        (
            format!("{head_text}{sep_before}[{omitted} bytes omitted]\n{tail_text}"),
            head_kept.len() + tail_kept.len(),
        )
    }
}

/// A fixed-size ring keeping the last `cap` bytes.
#[derive(Debug, Clone, PartialEq)]
struct Ring {
    cap: usize,
    buf: Vec<u8>,
    /// Next write position once `buf` is full.
    pos: usize,
}

impl Ring {
    fn new(cap: usize) -> Ring {
        Ring {
            cap,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn push(&mut self, chunk: &[u8]) {
        if self.cap == 0 || chunk.is_empty() {
            return;
        }
        let chunk = &chunk[chunk.len().saturating_sub(self.cap)..];
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.cap);
        }
        if self.buf.len() < self.cap {
            let room = self.cap - self.buf.len();
            let take = room.min(chunk.len());
            self.buf.extend_from_slice(&chunk[..take]);
            self.push_full(&chunk[take..]);
        } else {
            self.push_full(chunk);
        }
    }

    fn push_full(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let n = rest.len().min(self.cap - self.pos);
            self.buf[self.pos..self.pos + n].copy_from_slice(&rest[..n]);
            self.pos = (self.pos + n) % self.cap;
            rest = &rest[n..];
        }
    }

    fn contents(&self) -> Vec<u8> {
        if self.buf.len() < self.cap {
            return self.buf.clone();
        }
        let mut out = Vec::with_capacity(self.cap);
        out.extend_from_slice(&self.buf[self.pos..]);
        out.extend_from_slice(&self.buf[..self.pos]);
        out
    }
}

/// Default largest output file (`[limits] max_output_file_bytes`): 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The full-output file (mode 0600, parent dirs 0700) with a running sha256 and the cap.
/// Past `max_file_bytes` the file keeps its head; the tail is kept in two rotating segment
/// files beside it and appended after a marker when the run ends, so disk use stays bounded.
pub struct OutputSink {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
    pub cap: OutputCap,
    /// Bytes written since the last flush (readers tailing the file do not see them yet).
    unflushed: bool,
    last_flush: std::time::Instant,
    /// Bytes of the head written to `file`; its limit (None: no file cap).
    head_written: u64,
    head_limit: Option<u64>,
    tail_limit: u64,
    /// The segment receiving the tail now, and its length; whether the other one is full.
    tail: Option<TailSegments>,
    total: u64,
}

/// Two files holding the last bytes of an output that overflowed the file cap:
/// `<file>.tail.<seq>` receiving bytes now and `<file>.tail.<seq - 1>` (exactly `tail_limit`
/// bytes, just before it). The numbering lets a reader of the running output
/// ([`super::output_live`]) find the newest bytes and count the total.
struct TailSegments {
    /// The segment receiving bytes now, and the full one before it (None for the first).
    current: PathBuf,
    previous: Option<PathBuf>,
    seq: u64,
    writer: std::io::BufWriter<std::fs::File>,
    len: u64,
}

/// Longest time written output may sit in the buffer before it reaches the file, so a
/// front end tailing the file sees it arrive.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Create (or truncate) `path` readable by the owner only, whatever the umask.
pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

impl OutputSink {
    /// Create (or truncate) `path` privately, with no limit on its size.
    pub fn create(path: &Path, cap: usize) -> std::io::Result<OutputSink> {
        OutputSink::create_capped(path, cap, 0)
    }

    /// Create (or truncate) `path` privately; past `max_file_bytes` (0: no limit) only the
    /// first and last halves of the output are kept in it.
    pub fn create_capped(
        path: &Path,
        cap: usize,
        max_file_bytes: u64,
    ) -> std::io::Result<OutputSink> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)?;
        }
        let file = private_file(path)?;
        let head_limit = (max_file_bytes > 0).then_some(max_file_bytes / 2);
        Ok(OutputSink {
            path: path.to_path_buf(),
            file: std::io::BufWriter::with_capacity(64 * 1024, file),
            hasher: Sha256::new(),
            cap: OutputCap::with_slack(cap, SLACK),
            unflushed: false,
            last_flush: std::time::Instant::now(),
            head_written: 0,
            head_limit,
            tail_limit: max_file_bytes - head_limit.unwrap_or(0),
            tail: None,
            total: 0,
        })
    }

    /// Append a chunk (stdout and stderr interleave in arrival order).
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.cap.push(chunk);
        self.total += chunk.len() as u64;
        let mut rest = chunk;
        let room = match self.head_limit {
            None => rest.len(),
            Some(limit) => usize::try_from(limit.saturating_sub(self.head_written))
                .unwrap_or(usize::MAX)
                .min(rest.len()),
        };
        if room > 0 {
            self.file.write_all(&rest[..room])?;
            self.hasher.update(&rest[..room]);
            self.head_written += room as u64;
            rest = &rest[room..];
        }
        if !rest.is_empty() {
            self.write_tail(rest)?;
        }
        self.unflushed = true;
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Past the head: into the current tail segment, switching segments when it is full.
    fn write_tail(&mut self, mut rest: &[u8]) -> std::io::Result<()> {
        let limit = self.tail_limit.max(1);
        if self.tail.is_none() {
            let current = super::output_live::segment_path(&self.path, 0);
            let writer = std::io::BufWriter::with_capacity(64 * 1024, private_file(&current)?);
            self.tail = Some(TailSegments {
                current,
                previous: None,
                seq: 0,
                writer,
                len: 0,
            });
        }
        let Some(tail) = self.tail.as_mut() else {
            return Ok(());
        };
        while !rest.is_empty() {
            if tail.len >= limit {
                tail.writer.flush()?;
                if let Some(older) = tail.previous.take() {
                    std::fs::remove_file(older)?;
                }
                tail.seq += 1;
                let next = super::output_live::segment_path(&self.path, tail.seq);
                tail.writer = std::io::BufWriter::with_capacity(64 * 1024, private_file(&next)?);
                tail.previous = Some(std::mem::replace(&mut tail.current, next));
                tail.len = 0;
            }
            let n = usize::try_from(limit - tail.len)
                .unwrap_or(usize::MAX)
                .min(rest.len());
            tail.writer.write_all(&rest[..n])?;
            tail.len += n as u64;
            rest = &rest[n..];
        }
        Ok(())
    }

    /// True when written bytes have not reached the file yet.
    pub fn unflushed(&self) -> bool {
        self.unflushed
    }

    /// Push buffered bytes to the file (not to the disk: no fsync) so readers see them.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        if let Some(tail) = &mut self.tail {
            tail.writer.flush()?;
        }
        self.unflushed = false;
        self.last_flush = std::time::Instant::now();
        Ok(())
    }

    /// Append a note from opsassist itself (e.g. the timeout notice), marked as such.
    pub fn note(&mut self, text: &str) -> std::io::Result<()> {
        self.write(format!("\n[opsassist: {text}]\n").as_bytes())
    }

    /// Copy `len` bytes of `path` from `skip` into the file (and the hash).
    fn append_from(&mut self, path: &Path, skip: u64, len: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut source = std::fs::File::open(path)?;
        source.seek(SeekFrom::Start(skip))?;
        let mut source = source.take(len);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = source.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            self.file.write_all(&buf[..n])?;
            self.hasher.update(&buf[..n]);
        }
    }

    /// Flush to disk and return (sha256 hex, the capture for rendering, bytes dropped from
    /// the file by `max_file_bytes`).
    pub fn finish(mut self) -> std::io::Result<(String, OutputCap, u64)> {
        let mut dropped = 0;
        if let Some(mut tail) = self.tail.take() {
            tail.writer.flush()?;
            let from_previous = if tail.previous.is_some() {
                self.tail_limit.saturating_sub(tail.len)
            } else {
                0
            };
            let kept = from_previous + tail.len;
            dropped = self.total - self.head_written - kept;
            if dropped > 0 {
                let marker = format!(
                    "\n[opsassist: {dropped} bytes dropped here: the output is over \
                     [limits] max_output_file_bytes; its head and tail are kept]\n"
                );
                self.file.write_all(marker.as_bytes())?;
                self.hasher.update(marker.as_bytes());
            }
            if let Some(previous) = &tail.previous
                && from_previous > 0
            {
                self.append_from(previous, self.tail_limit - from_previous, from_previous)?;
            }
            self.append_from(&tail.current, 0, tail.len)?;
            drop(tail.writer);
            for path in tail.previous.iter().chain([&tail.current]) {
                let _ = std::fs::remove_file(path);
            }
        }
        self.file.flush()?;
        self.file.get_ref().sync_data()?;
        Ok((hex::encode(self.hasher.finalize()), self.cap, dropped))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut cap = OutputCap::new(100);
        cap.push(b"hello ");
        cap.push(b"world");
        assert_eq!(cap.render(), "hello world");
    }

    #[test]
    fn large_output_keeps_head_and_tail_with_exact_omitted_count() {
        let mut cap = OutputCap::new(256);
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        for chunk in text.as_bytes().chunks(7) {
            cap.push(chunk);
        }
        let out = cap.render();
        assert!(out.len() <= 256, "{}", out.len());
        assert!(out.starts_with("line 0\nline 1\n"));
        assert!(out.ends_with("line 999\n"));
        let marker_start = out.find('[').unwrap_or(0);
        let marker_end = out.find(" bytes omitted]\n").unwrap_or(0);
        let omitted: usize = out[marker_start + 1..marker_end].parse().unwrap_or(0);
        let kept = out.len() - (marker_end + " bytes omitted]\n".len() - marker_start);
        assert_eq!(omitted + kept, text.len());
    }

    #[test]
    fn cuts_respect_utf8_and_invalid_bytes_decode_lossily() {
        let mut cap = OutputCap::new(300);
        let text = "é€😀".repeat(200);
        cap.push(text.as_bytes());
        cap.push(&[0xff, 0xfe, b'\n']);
        let out = cap.render();
        assert!(out.len() <= 300);
        assert!(out.contains("bytes omitted]"));
        assert!(out.starts_with("é€😀"));
        assert!(out.ends_with("\u{fffd}\u{fffd}\n"));
    }

    #[test]
    fn memory_stays_bounded_for_huge_output() {
        let mut cap = OutputCap::new(16 * 1024);
        let chunk = vec![b'x'; 65536];
        for _ in 0..800 {
            cap.push(&chunk);
        }
        assert_eq!(cap.total(), 800 * 65536);
        assert!(cap.memory_bytes() <= 16 * 1024, "{}", cap.memory_bytes());
        assert!(cap.render().len() <= 16 * 1024);
    }

    fn sink_in(dir: &tempfile::TempDir, max: u64) -> (PathBuf, OutputSink) {
        let path = dir.path().join("out.log");
        let sink = OutputSink::create_capped(&path, 1024, max).unwrap_or_else(|e| panic!("{e}"));
        (path, sink)
    }

    #[test]
    fn an_output_over_the_file_cap_keeps_head_and_tail_and_says_what_was_dropped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (path, mut sink) = sink_in(&dir, 1000);
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        for chunk in text.as_bytes().chunks(333) {
            sink.write(chunk).unwrap_or_else(|e| panic!("{e}"));
        }
        let (sha, _, dropped) = sink.finish().unwrap_or_else(|e| panic!("{e}"));
        let stored = std::fs::read(&path).unwrap_or_default();
        let stored_text = String::from_utf8_lossy(&stored);
        assert!(stored_text.starts_with("line 0\nline 1\n"), "{stored_text}");
        assert!(stored_text.ends_with("line 9999\n"), "{stored_text}");
        assert_eq!(dropped, text.len() as u64 - 1000);
        assert!(
            stored_text.contains(&format!("[opsassist: {dropped} bytes dropped here")),
            "{stored_text}"
        );
        let marker = stored_text.find("\n[opsassist:").unwrap_or(0);
        let after = stored_text[marker..]
            .find("]\n")
            .map_or(0, |i| marker + i + 2);
        assert_eq!(
            marker + (stored.len() - after),
            1000,
            "head + tail = the cap"
        );
        assert_eq!(
            &text.as_bytes()[text.len() - (stored.len() - after)..],
            &stored[after..]
        );
        assert_eq!(
            sha,
            hex::encode(Sha256::digest(&stored)),
            "hash of the stored file"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(leftovers.len(), 1, "tail segments removed: {leftovers:?}");
    }

    #[test]
    fn an_output_within_the_file_cap_is_stored_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (path, mut sink) = sink_in(&dir, 1000);
        sink.write(&[b'a'; 600]).unwrap_or_else(|e| panic!("{e}"));
        sink.write(&[b'b'; 400]).unwrap_or_else(|e| panic!("{e}"));
        let (_, _, dropped) = sink.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dropped, 0);
        assert_eq!(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0), 1000);
    }
}
