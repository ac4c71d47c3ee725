//! Where audit lines go when they do not go to `audit.jsonl`: an [`AuditSink`] (the team
//! database) that serializes appends itself and hands the caller the chain position (next
//! seq and the previous line's hash) inside the same transaction that stores the line.

/// A shared, serialized home for the audit chain.
pub trait AuditSink: Send + Sync {
    /// Under the chain's lock: call `line` with (seq, prev) and store what it returns as the
    /// record with that seq, committed before returning.
    fn append_line(
        &self,
        session: &str,
        operator: &str,
        line: &mut dyn FnMut(u64, &str) -> Result<String, String>,
    ) -> Result<(), String>;

    /// Every stored line, in seq order (for verify and export).
    fn lines(&self) -> Result<Vec<String>, String>;

    /// Where the chain lives, for messages.
    fn describe(&self) -> String;
}
