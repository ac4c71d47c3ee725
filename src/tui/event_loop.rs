//! The UI loop: one `tokio::select!` over terminal input, core events, task results, signals
//! and a redraw tick. All IO runs in tasks; drawing happens only when state changed, at most
//! ~30 times a second while events stream in.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::protocol::DeskOp;
use crate::session::{self, Core, SessionHandle};

use super::app::{App, AppEvent, Command, ProviderInfo};
use super::keymap::Keymap;
use super::output_file::LineIndex;
use super::terminal::TerminalGuard;
use super::widgets::render;

/// Frame interval while events stream in (~30 fps).
const FRAME: Duration = Duration::from_millis(33);

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(std::io::Error),
}

impl From<std::io::Error> for TuiError {
    fn from(e: std::io::Error) -> Self {
        TuiError::Terminal(e)
    }
}

/// What the dashboard starts with.
pub struct TuiOptions {
    pub keymap: Keymap,
    /// Alerts to open at start (`--alert FILE`).
    pub alerts: Vec<Alert>,
    /// Status lines from a watcher running in the console (`--watch docker`).
    pub watch_notices: Option<mpsc::UnboundedReceiver<String>>,
    /// The watcher restarts failed containers itself (`[watch.docker] auto_restart`).
    pub auto_restart: bool,
    /// The desk that runs the incidents: one in this process, or the daemon's (`--attach`).
    /// The console shows what it sends and sends it the operator's decisions; no session
    /// runs in the console itself.
    pub desk: crate::desk::socket::Attached,
    /// The desk is the daemon's (`opsassist tui --attach`).
    pub daemon: bool,
}

struct Runner {
    core: Arc<Core>,
    tasks_tx: mpsc::UnboundedSender<AppEvent>,
    sessions: HashMap<String, SessionHandle>,
    /// Pollers of running calls' output files, by (session id, call id).
    tails: HashMap<(String, String), tokio::task::JoinHandle<()>>,
    /// The desk's request link (pastes, the start and team keys, ops of sessions the
    /// console has no handle for).
    desk: mpsc::UnboundedSender<DeskOp>,
    /// An output file to page once the current key is handled (needs the terminal).
    pager: Option<String>,
}

impl Runner {
    /// Run one command; true when the app should quit.
    fn execute(&mut self, app: &mut App, command: Command) -> bool {
        match command {
            Command::Quit => return true,
            Command::Desk(op) => {
                if self.desk.send(op).is_err() {
                    app.apply_app_event(AppEvent::SessionStartFailed(
                        "the desk has stopped: restart the console".into(),
                    ));
                }
            }
            Command::LoadRules => {
                app.apply_app_event(AppEvent::Rules(Ok(self.core.config.rules.infos())));
            }
            Command::RevokeRule { name } => {
                let notice = match self.core.config.rules.revoke_personal(&name) {
                    Ok(rule) => format!("revoked {}: it no longer applies", rule.label()),
                    Err(e) => format!("not revoked: {e}"),
                };
                app.apply_app_event(AppEvent::Notice(notice));
                app.apply_app_event(AppEvent::Rules(Ok(self.core.config.rules.infos())));
            }
            Command::ModelInput { session_id } => {
                match self
                    .sessions
                    .get(&session_id)
                    .and_then(|h| h.last_request())
                {
                    Some(request) => app.apply_app_event(AppEvent::ModelInput {
                        session_id,
                        request: Some(request),
                    }),
                    None => {
                        // Not sent by this process: rebuilt from the session log.
                        let tx = self.tasks_tx.clone();
                        let core = self.core.clone();
                        tokio::task::spawn_blocking(move || {
                            let event = match session::last_request::rebuild(&core, &session_id) {
                                Ok(request) => AppEvent::ModelInput {
                                    session_id,
                                    request: request.map(Arc::new),
                                },
                                Err(e) => AppEvent::Notice(format!("cannot read the log: {e}")),
                            };
                            let _ = tx.send(event);
                        });
                    }
                }
            }
            Command::SearchOutput {
                session_id,
                call_id,
                path,
                needle,
            } => {
                let tx = self.tasks_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = super::search::search_file(std::path::Path::new(&path), &needle)
                        .map_err(|e| format!("{path}: {e}"));
                    let _ = tx.send(AppEvent::SearchHits {
                        session_id,
                        call_id,
                        needle,
                        result,
                    });
                });
            }
            Command::Yank { text } => yank_now(app, &text),
            Command::YankFile { path } => {
                match super::yank::read_capped(std::path::Path::new(&path)) {
                    Ok(text) => yank_now(app, &text),
                    Err(e) => {
                        app.apply_app_event(AppEvent::Notice(format!("cannot copy {path}: {e}")))
                    }
                }
            }
            Command::Pager { path } => self.pager = Some(path),
            Command::WatchOutput {
                session_id,
                call_id,
                path,
            } => {
                let key = (session_id.clone(), call_id.clone());
                let task = tokio::spawn(super::live_output::poll(
                    session_id,
                    call_id,
                    std::path::PathBuf::from(path),
                    self.tasks_tx.clone(),
                ));
                if let Some(old) = self.tails.insert(key, task) {
                    old.abort();
                }
            }
            Command::StopWatching {
                session_id,
                call_id,
            } => {
                self.tails.retain(|(s, c), task| {
                    let stop = *s == session_id && call_id.as_ref().is_none_or(|id| id == c);
                    if stop {
                        task.abort();
                    }
                    !stop
                });
            }
            Command::StartSession { alert } => {
                // The desk deduplicates it against the inbox first.
                if self.desk.send(DeskOp::Open { alert }).is_err() {
                    app.apply_app_event(AppEvent::SessionStartFailed(
                        "could not open the incident: the desk has stopped".into(),
                    ));
                }
            }
            Command::Send { session_id, op } => {
                let sent = self
                    .sessions
                    .get(&session_id)
                    .is_some_and(|h| h.send(op.clone()));
                // A session the desk does not run (it ended, or belongs to an earlier run) is
                // reopened there from its log.
                if !sent && self.desk.send(DeskOp::Session { session_id, op }).is_err() {
                    app.apply_app_event(AppEvent::Notice(
                        "the desk has stopped: nothing sent".to_string(),
                    ));
                }
            }
            Command::Export { session_id } => {
                let tx = self.tasks_tx.clone();
                let core = self.core.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(super::export_key::write(&core, &session_id));
                });
            }
            Command::LoadHistory { session_id } => {
                let tx = self.tasks_tx.clone();
                let core = self.core.clone();
                tokio::task::spawn_blocking(move || {
                    let result =
                        session::read_log(&core.paths, &session_id).map_err(|e| e.to_string());
                    let _ = tx.send(AppEvent::History { session_id, result });
                });
            }
            Command::IndexOutput {
                session_id,
                call_id,
                path,
            } => {
                let tx = self.tasks_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = LineIndex::build(std::path::Path::new(&path))
                        .map(Arc::new)
                        .map_err(|e| format!("{path}: {e}"));
                    let _ = tx.send(AppEvent::OutputIndexed {
                        session_id,
                        call_id,
                        result,
                    });
                });
            }
            Command::ReadOutput {
                session_id,
                call_id,
                path,
                index,
                start,
                count,
            } => {
                let tx = self.tasks_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = index
                        .read_window(std::path::Path::new(&path), start, count)
                        .map_err(|e| format!("{path}: {e}"));
                    let _ = tx.send(AppEvent::OutputWindow {
                        session_id,
                        call_id,
                        start,
                        result,
                    });
                });
            }
        }
        false
    }

    fn execute_all(&mut self, app: &mut App, commands: Vec<Command>) -> bool {
        let mut quit = false;
        for command in commands {
            quit |= self.execute(app, command);
        }
        for command in app.pending_io() {
            quit |= self.execute(app, command);
        }
        quit
    }
}

/// Write the OSC 52 sequence for `text` and say what was copied.
fn yank_now(app: &mut App, text: &str) {
    use std::io::Write;
    let (sequence, cut) = super::yank::osc52(text);
    let mut out = std::io::stdout();
    let written = out
        .write_all(sequence.as_bytes())
        .and_then(|()| out.flush());
    let notice = match (written, cut) {
        (Err(e), _) => format!("cannot copy: {e}"),
        (Ok(()), true) => format!(
            "copied the first {} to the clipboard (OSC 52)",
            super::live_output::human_bytes(super::yank::MAX_YANK_BYTES as u64)
        ),
        (Ok(()), false) => format!(
            "copied {} to the clipboard (OSC 52)",
            super::live_output::human_bytes(text.len() as u64)
        ),
    };
    app.apply_app_event(AppEvent::Notice(notice));
}

/// Draw a frame and record what it showed for decision keys ([`App::drawn`]).
fn draw(guard: &mut TerminalGuard, app: &mut App) -> Result<(), TuiError> {
    if app.take_bell() {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
    let now = std::time::Instant::now();
    app.now = now;
    app.wall = chrono::Utc::now();
    app.expire_message(now);
    let frame = guard.terminal.draw(|f| render(app, f))?;
    let area = frame.area;
    app.drawn(area.width, area.height, now);
    Ok(())
}

/// Run the dashboard until the operator quits or a signal arrives. The terminal is restored
/// on every exit path.
pub async fn run(core: Arc<Core>, options: TuiOptions) -> Result<(), TuiError> {
    let provider = ProviderInfo {
        name: core.provider.name().to_string(),
        model: core.provider.model().to_string(),
        base_url: core.provider.base_url().to_string(),
    };
    let mut app = App::new(options.keymap, provider);
    app.max_alert_bytes = core.config.limits.max_alert_bytes;
    app.mode = core.options.mode;
    app.auto_read_only = core.options.auto_approve_read_only;
    app.guard = Duration::from_millis(core.config.tui.approval_guard_ms);

    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (tasks_tx, mut tasks_rx) = mpsc::unbounded_channel();
    let (mut desk_handles, desk) =
        super::attach::start(options.desk, options.daemon, events_tx, tasks_tx.clone());
    let mut runner = Runner {
        core: core.clone(),
        tasks_tx: tasks_tx.clone(),
        sessions: HashMap::new(),
        tails: HashMap::new(),
        desk,
        pager: None,
    };

    if !options.daemon {
        // A daemon on this data dir runs its own incidents: say so, and how to see them.
        let socket = crate::desk::socket::socket_path(&core.paths);
        let tx = runner.tasks_tx.clone();
        tokio::spawn(async move {
            if crate::desk::socket::daemon_listening(&socket).await {
                let _ = tx.send(AppEvent::Notice(
                    "a daemon (opsassist serve) runs this data dir's incidents: quit and run `opsassist tui --attach` to see and decide them".into(),
                ));
            }
        });
    }

    // `--watch docker`: the watcher's status lines, and the auto-restart badge.
    app.auto_restart = options.auto_restart;
    if let Some(mut notices) = options.watch_notices {
        let tx = runner.tasks_tx.clone();
        tokio::spawn(async move {
            while let Some(line) = notices.recv().await {
                if tx.send(AppEvent::Notice(line)).is_err() {
                    return;
                }
            }
        });
    }

    let probe_core = core.clone();
    tokio::spawn(async move {
        let result = probe_core.provider.probe().await.map_err(|e| e.to_string());
        let reachable = result.is_ok();
        let _ = tasks_tx.send(AppEvent::Probe(result));
        // What `opsassist doctor` found this model can do (tool calls, streaming, context).
        if reachable
            && let Some(verdict) = crate::llm::probe::SavedVerdict::load_for(
                &probe_core.paths.data_dir,
                probe_core.provider.as_ref(),
            )
        {
            let _ = tasks_tx.send(AppEvent::Notice(verdict.line()));
        }
    });

    // Approvals reopened from logs at startup are not new: no bell for them.
    app.take_bell();

    let list_core = core.clone();
    let list_tx = runner.tasks_tx.clone();
    tokio::task::spawn_blocking(move || {
        let result = session::list(&list_core.paths).map_err(|e| e.to_string());
        let _ = list_tx.send(AppEvent::PastSessions(result));
    });

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    app.views.bell = core.config.ui.bell;
    app.views.mouse = core.config.ui.mouse;
    let mut guard = TerminalGuard::enter_with(app.views.mouse)?;
    let start: Vec<Command> = options
        .alerts
        .into_iter()
        .map(|alert| Command::StartSession {
            alert: Box::new(alert),
        })
        .collect();
    if !start.is_empty() {
        app.follow_new_incident();
    }
    runner.execute_all(&mut app, start);

    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    draw(&mut guard, &mut app)?;
    let mut last_draw = std::time::Instant::now();
    loop {
        let mut draw_now = false;
        // A key held to tell typing from a paste burst (`paste_burst.rs`) acts at this time.
        let key_deadline = app.key_deadline();
        let quit = tokio::select! {
            term = input.next() => match term {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    let commands = app.key_arrived(key, std::time::Instant::now());
                    // The keys of a paste come back to back: draw once they stop, and at
                    // most once a frame while they come (a paste the terminal does not
                    // bracket is keys too, and a frame of the editor costs in proportion to
                    // its text: a draw per key made a 20 KB paste take 15 s).
                    if app.key_deadline().is_none() {
                        if last_draw.elapsed() >= FRAME {
                            draw_now = true;
                        } else {
                            dirty = true;
                        }
                    }
                    runner.execute_all(&mut app, commands)
                }
                Some(Ok(TermEvent::Mouse(mouse))) => {
                    let size = guard.terminal.size()?;
                    let commands = app.handle_mouse(mouse, size.width, size.height);
                    draw_now = true;
                    runner.execute_all(&mut app, commands)
                }
                Some(Ok(TermEvent::Paste(text))) => {
                    draw_now = true;
                    let commands = app.handle_paste(&text);
                    runner.execute_all(&mut app, commands)
                }
                Some(Ok(TermEvent::Resize(_, _))) => {
                    guard.terminal.autoresize()?;
                    draw_now = true;
                    false
                }
                Some(Ok(_)) => false,
                Some(Err(e)) => return Err(TuiError::Terminal(e)),
                None => true,
            },
            Some(envelope) = events_rx.recv() => {
                app.apply(envelope);
                let mut n = 0;
                while n < 512 {
                    match events_rx.try_recv() {
                        Ok(more) => app.apply(more),
                        Err(_) => break,
                    }
                    n += 1;
                }
                dirty = true;
                runner.execute_all(&mut app, Vec::new())
            }
            Some(mut task) = tasks_rx.recv() => {
                if let AppEvent::PastSessions(Ok(past)) = &mut task {
                    // Sessions opened in this run before the list was read are already shown.
                    past.retain(|s| !runner.sessions.contains_key(&s.id));
                }
                app.apply_app_event(task);
                dirty = true;
                runner.execute_all(&mut app, Vec::new())
            }
            Some(handle) = desk_handles.recv() => {
                runner.sessions.insert(handle.id.clone(), handle);
                false
            }
            _ = tokio::time::sleep_until(
                key_deadline.unwrap_or_else(std::time::Instant::now).into()
            ), if key_deadline.is_some() => {
                draw_now = true;
                let commands = app.flush_keys(std::time::Instant::now());
                runner.execute_all(&mut app, commands)
            }
            _ = tick.tick(), if dirty => {
                draw_now = true;
                false
            }
            _ = sigterm.recv() => true,
            _ = sighup.recv() => true,
            _ = sigint.recv() => true,
        };
        if quit {
            break;
        }
        if let Some(path) = runner.pager.take() {
            // The pager owns the terminal: stop reading keys until it exits.
            drop(input);
            // Sessions keep running on the other workers while the pager has the terminal.
            let result = tokio::task::block_in_place(|| super::pager::run(&mut guard, &path));
            input = EventStream::new();
            let notice = match result {
                Ok(done) => done,
                Err(e) => format!("pager: {e}"),
            };
            app.apply_app_event(AppEvent::Notice(notice));
            draw_now = true;
        }
        if draw_now {
            draw(&mut guard, &mut app)?;
            last_draw = std::time::Instant::now();
            // Redraw while a newly shown call's guard runs, so its hint counts down and goes.
            dirty = app.guard_left(std::time::Instant::now()) > 0
                || super::widgets::spinner::animating(&app);
        }
    }
    for task in runner.tails.values() {
        task.abort();
    }
    drop(guard);
    // Let go of the desk: a room of this process stops and lets go of its sessions; give
    // them a moment to log that the console closed (so the next start does not report a
    // crash). A daemon's sessions go on.
    drop(runner);
    drop(events_rx);
    drop(tasks_rx);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}
