//! What moves on screen while an incident works: the spinner line with elapsed seconds at
//! the end of the transcript while the model works, the contextual hints (cancel,
//! interrupt, retry) and the status message that clears after a while.

use std::time::{Duration, Instant};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::super::app::{App, Incident};
use super::super::keymap::Action;
use crate::protocol::SessionState;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The spinner shows once the model has worked this long (fast turns do not flicker).
pub const SPINNER_AFTER: Duration = Duration::from_secs(1);

/// How long a status message stays.
pub const MESSAGE_TTL: Duration = Duration::from_secs(6);

/// The spinner line for `incident` at `now`, while its model works.
pub fn working_line(app: &App, incident: &Incident, now: Instant) -> Option<Line<'static>> {
    if incident.state != SessionState::Investigating {
        return None;
    }
    let since = incident.working_since?;
    let elapsed = now.saturating_duration_since(since);
    if elapsed < SPINNER_AFTER {
        return None;
    }
    let frame = FRAMES[(elapsed.as_millis() / 100) as usize % FRAMES.len()];
    let key = app.keymap.label(Action::Interrupt);
    Some(Line::from(vec![
        Span::styled(format!("  {frame} "), Style::new().fg(Color::Cyan)),
        Span::styled(
            format!("model working · {} s", elapsed.as_secs()),
            Style::new().fg(Color::Cyan),
        ),
        Span::styled(
            format!(" · {key} interrupts"),
            Style::new().fg(Color::DarkGray),
        ),
    ]))
}

/// Hints for what the selected incident is doing now: cancel while a command runs,
/// interrupt while the model works, retry after a failed turn.
pub fn context_hints(app: &App) -> Vec<Span<'static>> {
    let Some(incident) = app.current() else {
        return Vec::new();
    };
    let action = match incident.state {
        SessionState::Running if app.running_call().is_some() => Action::Cancel,
        SessionState::Investigating => Action::Interrupt,
        SessionState::Failed => Action::Retry,
        _ => return Vec::new(),
    };
    let label = action.hint().unwrap_or_default();
    let key = app
        .keymap
        .keys(action)
        .first()
        .map(|k| k.to_string())
        .unwrap_or_default();
    vec![
        Span::styled(
            key,
            Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow),
        ),
        Span::raw(format!(" {label}  ")),
    ]
}

/// True while the screen changes with time alone (the spinner turns, a message expires).
pub fn animating(app: &App) -> bool {
    app.message.is_some()
        || app.current().is_some_and(|i| {
            (i.state == SessionState::Investigating && i.working_since.is_some())
                // A running command's elapsed time ticks.
                || i.state == SessionState::Running
        })
}

impl App {
    /// Clear the status message once it has been shown for [`MESSAGE_TTL`].
    pub fn expire_message(&mut self, now: Instant) {
        let Some((_, text)) = &self.message else {
            self.message_shown = None;
            return;
        };
        match &self.message_shown {
            Some((shown, at)) if shown == text => {
                if now.saturating_duration_since(*at) >= MESSAGE_TTL {
                    self.message = None;
                    self.message_shown = None;
                }
            }
            _ => self.message_shown = Some((text.clone(), now)),
        }
    }
}
