//! Forgetting a past operator correction from a console (`DeskOp::ForgetCorrection`): the desk
//! owns the store the corrections live in (the team database in team mode, else the data
//! dir's `corrections.jsonl`), so the console asks it, as `opsassist corrections forget` does.

use std::sync::Arc;

use crate::protocol::DeskEvent;
use crate::session::Core;
use crate::session::corrections;

/// Forget correction `id`; the event the desk broadcasts about it (a refusal names why).
pub(crate) async fn forget(core: Arc<Core>, id: String) -> DeskEvent {
    let id = id.trim().to_lowercase();
    if id.len() != 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return DeskEvent::Failed {
            message: format!(
                "`{}` is not a correction id (8 hex digits)",
                crate::text::neutralize_line(&id)
            ),
        };
    }
    let data_dir = core.paths.data_dir.clone();
    let asked = id.clone();
    let done = tokio::task::spawn_blocking(move || {
        let sink = corrections::sink();
        corrections::forget(sink.as_deref(), &data_dir, &asked)
    })
    .await;
    match done {
        Ok(Ok(removed)) => {
            tracing::info!(correction = %id, removed, "desk: correction forgotten");
            DeskEvent::CorrectionForgotten { id, removed }
        }
        Ok(Err(e)) => DeskEvent::Failed {
            message: format!("cannot forget correction {id}: {e}"),
        },
        Err(e) => DeskEvent::Failed {
            message: format!("cannot forget correction {id}: the task failed: {e}"),
        },
    }
}
