//! The JSON export: the [`Timeline`] serialized as is, schema `opsassist.export.v1`.
//!
//! Top-level fields: `schema`, `session_id`, `started_at`, `provider`, `model`, `mode`,
//! `alert` (normalized fields plus `raw`, the redacted original payload as text), `entries`
//! (in log order; each has `type`: `model_message`, `operator_message`, `call` or `note`),
//! `outcome` (`state`, `reason`) and `audit` (`first_hash`, `last_hash`, `records` with each
//! record's seq, time, operator, kind, call_id and hash). Fields are only ever added.

use super::{ExportError, Timeline};

/// Pretty JSON with a trailing newline; no terminal control is left raw in it (it may be
/// printed to a terminal).
pub fn render(timeline: &Timeline) -> Result<String, ExportError> {
    let mut text =
        crate::text::json_pretty(timeline).map_err(|e| ExportError::Encode(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
