//! `sessions export`: a postmortem timeline of one session (session log + audit log) rendered
//! as Markdown, JSON (`opsassist.export.v1`) or a self-contained HTML page. Every text taken
//! from the logs passes through the [`Redactor`](crate::policy::Redactor) on the way in.

mod file;
mod html;
mod html_summary;
mod json;
mod markdown;
mod timeline;
mod views;

pub use file::{write_private, write_to_data_dir};
pub use timeline::{
    AlertView, AuditRef, AuditView, CallView, DecisionView, Entry, ExecView, SCHEMA, Timeline,
};

use crate::paths::Paths;
use crate::policy::Redactor;

/// An export output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Markdown, to paste into a postmortem document.
    #[default]
    Md,
    /// JSON, schema `opsassist.export.v1`.
    Json,
    /// One self-contained HTML file (inline CSS, no external resources).
    Html,
}

/// Export failures.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    #[error("cannot encode export: {0}")]
    Encode(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Build the timeline of session `id` from its log and the audit log of `paths`.
pub fn build(paths: &Paths, id: &str, redactor: &Redactor) -> Result<Timeline, ExportError> {
    let events = crate::session::read_log(paths, id)?;
    let audit_path = paths.audit_log();
    let records = if audit_path.exists() {
        crate::audit::read_records(&audit_path)?
    } else {
        Vec::new()
    };
    Ok(Timeline::build(id, &events, &records, redactor))
}

/// Render `timeline` in `format`.
pub fn render(timeline: &Timeline, format: Format) -> Result<String, ExportError> {
    match format {
        Format::Md => Ok(markdown::render(timeline)),
        Format::Json => json::render(timeline),
        Format::Html => Ok(html::render(timeline)),
    }
}

/// Build and render session `id` in one step.
pub fn export(
    paths: &Paths,
    id: &str,
    format: Format,
    redactor: &Redactor,
) -> Result<String, ExportError> {
    render(&build(paths, id, redactor)?, format)
}
