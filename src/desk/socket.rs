//! The daemon's door for consoles: a Unix socket in the data dir (`desk.sock`, mode 0600)
//! that speaks [`DeskOp`] in and [`DeskEvent`] out, one JSON object per line. Only processes
//! of the daemon's own user get in (the peer's uid, from `SO_PEERCRED`); anyone else is
//! closed on at once. [`connect`] is the console's side.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use crate::paths::Paths;
use crate::protocol::{DeskEvent, DeskOp};

use super::DeskError;
use super::room::RoomLink;

/// The longest line either side accepts (a pasted alert is one line of JSON).
pub const MAX_LINE: usize = 8 * 1024 * 1024;

/// Where the daemon serving `paths` listens.
pub fn socket_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("desk.sock")
}

fn socket_error(path: &Path, message: impl std::fmt::Display) -> DeskError {
    DeskError::Socket {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// True when a daemon answers on `path` (a console offers to attach then).
pub async fn daemon_listening(path: &Path) -> bool {
    UnixStream::connect(path).await.is_ok()
}

/// Listen on `path` and serve `room` to every console of this user that connects, until the
/// returned task is aborted. A socket file nobody answers on (a daemon that was killed) is
/// replaced; a live one is an error (one daemon per data dir).
pub async fn serve(
    room: RoomLink,
    path: PathBuf,
) -> Result<tokio::task::JoinHandle<()>, DeskError> {
    if path.exists() {
        if daemon_listening(&path).await {
            return Err(socket_error(
                &path,
                "another opsassist daemon already serves this data dir",
            ));
        }
        std::fs::remove_file(&path).map_err(|e| socket_error(&path, e))?;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| socket_error(&path, e))?;
    }
    let listener = UnixListener::bind(&path).map_err(|e| socket_error(&path, e))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| socket_error(&path, e))?;
    let me = nix::unistd::getuid().as_raw();
    Ok(tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("desk socket: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            match stream.peer_cred() {
                Ok(cred) if cred.uid() == me => {}
                Ok(cred) => {
                    tracing::warn!(
                        "desk socket: refused a console of uid {} (the daemon runs as uid {me})",
                        cred.uid()
                    );
                    continue;
                }
                Err(e) => {
                    tracing::warn!("desk socket: cannot check a console's uid: {e}");
                    continue;
                }
            }
            tokio::spawn(console(room.clone(), stream));
        }
    }))
}

/// One attached console: its ops go to the room, the room's events come back.
async fn console(room: RoomLink, stream: UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut events = room.subscribe();
    let (errors_tx, mut errors) = mpsc::unbounded_channel::<DeskEvent>();
    let writer = tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                Some(event) = events.recv() => event,
                Some(event) = errors.recv() => event,
                else => return,
            };
            let Ok(mut line) = serde_json::to_vec(&event) else {
                continue;
            };
            line.push(b'\n');
            if write.write_all(&line).await.is_err() {
                return;
            }
        }
    });
    let mut reader = BufReader::new(read);
    loop {
        match read_line(&mut reader, MAX_LINE).await {
            Ok(Some(line)) if line.trim().is_empty() => {}
            Ok(Some(line)) => match serde_json::from_str::<DeskOp>(&line) {
                Ok(op) => {
                    if !room.send(op) {
                        break;
                    }
                }
                Err(e) => {
                    let _ = errors_tx.send(DeskEvent::Failed {
                        message: format!("not a desk request: {e}"),
                    });
                }
            },
            Ok(None) => break,
            Err(message) => {
                let _ = errors_tx.send(DeskEvent::Failed { message });
                break;
            }
        }
    }
    drop(errors_tx);
    // Let the writer send what is queued (an error line), then close: its subscription ends
    // with it.
    let abort = writer.abort_handle();
    if tokio::time::timeout(std::time::Duration::from_millis(200), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
}

/// One line (without its newline), None at end of stream; an error for a line longer than
/// `max` bytes or not UTF-8.
async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    max: usize,
) -> Result<Option<String>, String> {
    let mut buf = Vec::new();
    let n = reader
        .take(max as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await
        .map_err(|e| format!("cannot read: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > max {
        return Err(format!("a line longer than {max} bytes"));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| "a line that is not UTF-8".to_string())
}

/// A console's connection to the daemon: send ops, receive events.
pub struct Attached {
    pub ops: mpsc::UnboundedSender<DeskOp>,
    pub events: mpsc::UnboundedReceiver<DeskEvent>,
}

/// Connect to the daemon listening on `path`. Ops sent after the daemon went away are
/// dropped; the event stream ends when it closes.
pub async fn connect(path: &Path) -> Result<Attached, DeskError> {
    let stream = UnixStream::connect(path).await.map_err(|e| {
        socket_error(
            path,
            format!("{e} (is `opsassist serve` running on this data dir?)"),
        )
    })?;
    let (read, mut write) = stream.into_split();
    let (ops_tx, mut ops_rx) = mpsc::unbounded_channel::<DeskOp>();
    let (events_tx, events_rx) = mpsc::unbounded_channel::<DeskEvent>();
    tokio::spawn(async move {
        while let Some(op) = ops_rx.recv().await {
            let Ok(mut line) = serde_json::to_vec(&op) else {
                continue;
            };
            line.push(b'\n');
            if write.write_all(&line).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut reader = BufReader::new(read);
        loop {
            match read_line(&mut reader, MAX_LINE).await {
                Ok(Some(line)) => match serde_json::from_str::<DeskEvent>(&line) {
                    Ok(event) => {
                        if events_tx.send(event).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("desk socket: not a desk event: {e}"),
                },
                Ok(None) => return,
                Err(message) => {
                    let _ = events_tx.send(DeskEvent::Failed {
                        message: format!("the daemon's socket: {message}"),
                    });
                    return;
                }
            }
        }
    });
    Ok(Attached {
        ops: ops_tx,
        events: events_rx,
    })
}
