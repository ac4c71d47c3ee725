//! Reading a command's full output from disk without holding it in memory: a line-offset index
//! built once (in a task), then windows of lines read by offset. Blocking IO: call from
//! `spawn_blocking`.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::text::neutralize_line;

/// Longest line kept for display; longer lines are cut with a marker.
const MAX_LINE_BYTES: usize = 4096;

pub use super::messages::LineIndex;

impl LineIndex {
    /// Scan `path` once and record where each line starts.
    pub fn build(path: &Path) -> io::Result<LineIndex> {
        let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
        let mut starts = vec![0u64];
        let mut buf = vec![0u8; 1 << 16];
        let mut pos = 0u64;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            for (i, b) in buf[..n].iter().enumerate() {
                if *b == b'\n' {
                    starts.push(pos + i as u64 + 1);
                }
            }
            pos += n as u64;
        }
        if starts.last() == Some(&pos) && starts.len() > 1 {
            starts.pop();
        }
        if pos == 0 {
            starts.clear();
        }
        Ok(LineIndex {
            starts,
            file_len: pos,
        })
    }

    /// Size of the file when it was indexed, in bytes.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Read lines `start..start + count` (clamped), neutralised for display.
    pub fn read_window(&self, path: &Path, start: usize, count: usize) -> io::Result<Vec<String>> {
        let end = (start + count).min(self.len());
        if start >= end {
            return Ok(Vec::new());
        }
        let from = self.starts[start];
        let to = self.starts.get(end).copied().unwrap_or(self.file_len);
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut out = Vec::with_capacity(end - start);
        let mut reader = BufReader::new(file.take(to - from));
        for line_no in start..end {
            let line_end = self.starts.get(line_no + 1).copied().unwrap_or(to);
            let len = (line_end - self.starts[line_no]) as usize;
            let keep = len.min(MAX_LINE_BYTES);
            let mut bytes = vec![0u8; keep];
            reader.read_exact(&mut bytes)?;
            io::copy(
                &mut (&mut reader).take((len - keep) as u64),
                &mut io::sink(),
            )?;
            while matches!(bytes.last(), Some(b'\n' | b'\r')) {
                bytes.pop();
            }
            let mut text = neutralize_line(&String::from_utf8_lossy(&bytes));
            if len > keep {
                text.push_str(&format!(" … [{} more bytes]", len - keep));
            }
            out.push(text);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_the_right_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let body: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, format!("{body}tail\u{1b}[31m")).unwrap();
        let index = LineIndex::build(&path).unwrap();
        assert_eq!(index.len(), 1001);
        let w = index.read_window(&path, 998, 10).unwrap();
        assert_eq!(w, vec!["line 998", "line 999", "tail␛[31m"]);
        assert!(index.read_window(&path, 2000, 5).unwrap().is_empty());
    }

    #[test]
    fn empty_and_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, "").unwrap();
        assert!(LineIndex::build(&path).unwrap().is_empty());
        std::fs::write(&path, "a\nb\n").unwrap();
        let index = LineIndex::build(&path).unwrap();
        assert_eq!(index.read_window(&path, 0, 5).unwrap(), vec!["a", "b"]);
    }
}
