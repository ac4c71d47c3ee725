//! The desk's word on the team database's reachability: "✘ team database unreachable —
//! retrying" when the store's probe loses it (repeated while it stays down, since a key
//! press clears a notice) and "● team database back" when it answers again. The screen stays
//! as it is; the store reconnects by itself (`store::postgres::health`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::store::PgStore;

/// How often the state is looked at.
const EVERY: Duration = Duration::from_millis(500);
/// While down, the notice is shown again this often.
const REPEAT: Duration = Duration::from_secs(10);

/// Follow `pg`'s health until the console goes away.
pub fn start(pg: Arc<PgStore>, notices: mpsc::UnboundedSender<String>) {
    tokio::spawn(async move {
        let mut was_down = false;
        let mut since_shown = Duration::ZERO;
        loop {
            tokio::time::sleep(EVERY).await;
            since_shown += EVERY;
            let down = pg.health().down();
            let line = match (&down, was_down) {
                (Some(why), false) => Some(crate::store::postgres::health::down_line(why)),
                (Some(why), true) if since_shown >= REPEAT => {
                    Some(crate::store::postgres::health::down_line(why))
                }
                (None, true) => Some(crate::store::postgres::health::BACK.to_string()),
                _ => None,
            };
            was_down = down.is_some();
            if let Some(line) = line {
                since_shown = Duration::ZERO;
                if notices.send(line).is_err() {
                    return;
                }
            }
        }
    });
}
