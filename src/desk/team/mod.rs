//! Team mode in the desk (`[store] url`): the room wakes when another process changes the
//! shared board (`LISTEN`/`NOTIFY` through [`Board::wait_for_change`]), follows the incidents
//! other operators are on ([`follow`]), carries out the claim, release and take-over keys
//! ([`requests`]) and says when the team database is lost and back ([`health`]). The room
//! holds a leased claim on every incident it runs or was asked to claim, renewing it at a
//! third of the lease; when the process dies the renewals stop and the lease lapses, so
//! another operator can take the incident over.

pub mod follow;
pub mod health;
pub mod requests;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::store::Board;

/// A unit arrives each time another process changes `board`; the listening thread ends once
/// the receiver is dropped.
pub fn listen(board: Arc<dyn Board>) -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("team-listen".into())
        .spawn(move || {
            loop {
                if board.wait_for_change(Duration::from_secs(5)) && tx.send(()).is_err() {
                    return;
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("team: cannot start the board listener: {e}");
    }
    rx
}
