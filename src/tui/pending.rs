//! The call a decision key acts on: what the panel shows (the core's proposal or its last
//! re-ask), what was last drawn, and the guard against keys meant for another call.

use std::time::Instant;

use crate::policy::Class;
use crate::protocol::{DecisionKind, Target};

use super::app::{App, Incident, Overlay, PromptPurpose, PromptState};
use super::transcript_store::NoteKind;

pub use crate::protocol::Reask;

/// The call the approval panel asks about: the proposal, or what the core's last re-ask of it
/// says an approval would now run.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelCall {
    pub call_id: String,
    pub tool: String,
    pub target: Target,
    pub command: String,
    pub reason: Option<String>,
    pub class: Class,
    pub class_reason: String,
    pub needs_confirm: bool,
    /// What `A` remembers (None: not offered).
    pub prefix: Option<String>,
    /// The scopes `A` offers, as the core decided them.
    pub scopes: Vec<crate::protocol::RuleScope>,
    /// The model printed this call as text (not a native tool call).
    pub recovered_from_text: bool,
    /// An edit waiting for `yes`: approving sends it again with the typed word.
    pub edit: Option<String>,
    /// Why the core asked again, if it did.
    pub why: Option<String>,
    /// The core's warning that the call runs elsewhere than the alerted host.
    pub host_warning: Option<String>,
    /// What the prefix covers and does not, as the core computed it (for the scope prompt).
    pub scope_examples: Option<crate::policy::ScopeExamples>,
    /// 1-based position in the queue, and the queue length.
    pub pos: usize,
    pub len: usize,
}

/// The call a decision key acts on, as it was last drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub session_id: String,
    pub call_id: String,
    /// When this call was first drawn where decision keys act (panel or full view).
    pub since: Instant,
    /// The whole of its text was on screen (in the full view: its last row has been).
    pub command_whole: bool,
    /// Shown in the full-screen call view rather than the panel.
    pub in_view: bool,
}

impl Incident {
    /// What the approval panel asks about, exactly as the core last described it.
    pub fn panel(&self) -> Option<PanelCall> {
        let (original, pos, len) = self.pending()?;
        // The core's re-ask, when there is one, is the whole call as offered now.
        let reask = self.reasks.get(&original.call_id);
        let offered = reask.map(|r| r.offer(original));
        let proposal = offered.as_ref().unwrap_or(original);
        let call = PanelCall {
            call_id: proposal.call_id.clone(),
            tool: proposal.tool.clone(),
            target: proposal.target.clone(),
            command: proposal.command.clone(),
            reason: proposal.reason.clone(),
            class: proposal.class,
            class_reason: proposal.class_reason.clone(),
            needs_confirm: proposal.needs_confirm,
            prefix: proposal
                .prefix
                .clone()
                .filter(|_| proposal.allows(DecisionKind::ApprovePrefix)),
            scopes: proposal.scopes.clone(),
            recovered_from_text: proposal.recovered_from_text,
            edit: reask.and_then(|r| r.edit.clone()),
            why: reask.map(|r| crate::text::neutralize_line(&r.why)),
            host_warning: proposal.host_warning.clone(),
            scope_examples: proposal.scope_examples.clone(),
            pos,
            len,
        };
        Some(call)
    }
}

/// Why a decision key did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// Nothing is pending in the selected incident.
    Nothing,
    /// The call on screen is not the pending one (the screen had not caught up).
    NotSeen,
    /// The call was shown less than the guard time ago.
    TooSoon,
}

impl App {
    /// Record what the last draw showed for a `width`×`height` frame at `now`: the call the
    /// panel (or the full-screen call view) asks about and whether a line of its command was
    /// visible, and the rows of transcript text it showed (what paging keys and output reads
    /// size by; render itself only reads the app). The guard time starts when a call is first
    /// drawn.
    pub fn drawn(&mut self, width: u16, height: u16, now: Instant) {
        let area = ratatui::layout::Rect::new(0, 0, width, height);
        self.now = now;
        if let Some(rows) = super::widgets::transcript_rows(self, area) {
            self.transcript_height = rows;
        }
        if let Overlay::Editor(editor) = &mut self.overlay {
            editor.frame = Some(area);
        }
        if let Overlay::CallView(view) = &self.overlay
            && let Some(window) = super::widgets::call_view_window(self, view, area)
            && let Overlay::CallView(view) = &mut self.overlay
        {
            // Scrolling past the end stops at it; the end once shown stays seen.
            view.scroll = window.top;
            view.room = window.room;
            if window.top <= view.seen_to {
                view.seen_to = view.seen_to.max(window.top + window.room);
            }
        }
        let Ok(shown) = super::widgets::decision_view(self, area) else {
            return;
        };
        let session_id = self.current().map(|i| i.session_id.clone());
        self.seen = match (shown, session_id) {
            (Some(view), Some(session_id)) => {
                let since = match &self.seen {
                    Some(old)
                        if old.session_id == session_id
                            && old.call_id == view.call_id
                            && old.in_view == view.in_view =>
                    {
                        old.since
                    }
                    _ => now,
                };
                Some(Seen {
                    session_id,
                    call_id: view.call_id,
                    since,
                    command_whole: view.command_whole,
                    in_view: view.in_view,
                })
            }
            _ => None,
        };
    }

    /// Milliseconds left of the guard for the call on screen (0 when keys act).
    pub fn guard_left(&self, now: Instant) -> u128 {
        self.seen.as_ref().map_or(0, |seen| {
            self.guard
                .saturating_sub(now.saturating_duration_since(seen.since))
                .as_millis()
        })
    }

    /// The pending call a decision key pressed at `now` acts on: only the call that was on
    /// screen, and only once the guard time has passed since it was first shown.
    pub(super) fn decision_target(&mut self, now: Instant) -> Result<(String, PanelCall), Blocked> {
        let found = self
            .current()
            .and_then(|i| i.panel().map(|p| (i.session_id.clone(), p)));
        let Some((session_id, call)) = found else {
            self.notify(
                NoteKind::Info,
                "nothing is waiting for approval in this incident",
            );
            return Err(Blocked::Nothing);
        };
        let on_screen = self
            .seen
            .as_ref()
            .is_some_and(|s| s.session_id == session_id && s.call_id == call.call_id);
        if !on_screen {
            self.notify(
                NoteKind::Warning,
                "key ignored: the call waiting now is not the one that was on screen; look at it first",
            );
            return Err(Blocked::NotSeen);
        }
        let left = self.guard_left(now);
        if left > 0 {
            self.notify(
                NoteKind::Warning,
                format!("key ignored: this call was just shown; decision keys work in {left} ms"),
            );
            return Err(Blocked::TooSoon);
        }
        Ok((session_id, call))
    }

    /// Whether the whole text of the call on screen has been shown.
    pub(super) fn command_whole(&self) -> bool {
        self.seen.as_ref().is_some_and(|s| s.command_whole)
    }

    /// The core asked for `yes` for an edit of `call_id`: open the typed confirmation for that
    /// text when nothing else is open and the operator is looking at that incident; otherwise
    /// the panel shows the edited command and `a` asks for the word.
    pub(super) fn ask_confirm_edit(&mut self, session_id: &str, call_id: &str) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        let Some(incident) = self.current() else {
            return;
        };
        if incident.session_id != session_id {
            return;
        }
        let Some(call) = incident.panel().filter(|c| c.call_id == call_id) else {
            return;
        };
        let Some(replacement) = call.edit else {
            return;
        };
        self.overlay = Overlay::Prompt(PromptState {
            purpose: PromptPurpose::ConfirmEdit {
                session_id: session_id.to_string(),
                call_id: call.call_id,
                replacement,
                command: call.command,
            },
            input: String::new(),
        });
    }
}

impl App {
    /// The commands running now in any incident (`host: command`), which quitting kills.
    pub fn running_commands(&self) -> Vec<String> {
        let mut out = Vec::new();
        for incident in &self.incidents {
            for entry in incident.transcript.entries() {
                if let super::transcript_store::Entry::Call(call) = entry
                    && call.running
                    && call.summary.is_none()
                {
                    let command = match &call.verdict {
                        Some(crate::protocol::Verdict::Edited { after, .. }) => after.clone(),
                        _ => call.command.join(" "),
                    };
                    out.push(format!("{}: {}", call.target, command));
                }
            }
        }
        out
    }
}
