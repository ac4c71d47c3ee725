//! The `A` scope prompt: how long and where a prefix approval holds, for the pending call, as
//! the core offered it (`Proposal::scopes`): this incident, this host or a tag for good (the
//! core writes an allow rule to the personal rules file), or cancel. Nothing here decides
//! which scopes a call may have.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::protocol::{Decision, RuleScope};
use crate::text::neutralize_line;

use super::app::{App, Command, Overlay};
use super::input::decide;
use super::keymap::Action;
use super::transcript_store::NoteKind;

/// The open scope prompt for one pending call.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopePrompt {
    pub session_id: String,
    pub call_id: String,
    /// The prefix every scope approves.
    pub prefix: String,
    /// The scopes the core offered, incident first.
    pub scopes: Vec<RuleScope>,
    /// What the prefix covers and does not, as the core computed it (older logs: none).
    pub examples: Option<crate::policy::ScopeExamples>,
    pub selected: usize,
}

impl App {
    /// `A` on a call with a prefix: open the scope prompt with the core's scopes (a log older
    /// than the scopes field offers only the incident, as it did then).
    pub(super) fn open_scope_prompt(
        &mut self,
        session_id: String,
        call_id: String,
        prefix: String,
        scopes: Vec<RuleScope>,
        examples: Option<crate::policy::ScopeExamples>,
    ) -> Vec<Command> {
        let scopes = if scopes.is_empty() {
            vec![RuleScope::Incident]
        } else {
            scopes
        };
        self.overlay = Overlay::Scope(ScopePrompt {
            session_id,
            call_id,
            prefix,
            scopes,
            examples,
            selected: 0,
        });
        Vec::new()
    }

    /// A key in the scope prompt: move, choose (Enter or the option's digit), or cancel.
    pub(super) fn scope_prompt_key(
        &mut self,
        mut prompt: ScopePrompt,
        key: KeyEvent,
    ) -> Vec<Command> {
        let chosen = match key.code {
            KeyCode::Esc | KeyCode::Char('c') | KeyCode::Char('q') => {
                self.notify(NoteKind::Info, "approval cancelled: the call still waits");
                return Vec::new();
            }
            KeyCode::Enter => Some(prompt.selected),
            KeyCode::Char(d @ '1'..='9') => {
                let n = usize::from(d as u8 - b'1');
                (n < prompt.scopes.len()).then_some(n)
            }
            _ => {
                match self.keymap.resolve(&key) {
                    Some(Action::Up) => prompt.selected = prompt.selected.saturating_sub(1),
                    Some(Action::Down) => {
                        prompt.selected = (prompt.selected + 1).min(prompt.scopes.len() - 1)
                    }
                    _ => {}
                }
                None
            }
        };
        let Some(scope) = chosen.and_then(|n| prompt.scopes.get(n).cloned()) else {
            self.overlay = Overlay::Scope(prompt);
            return Vec::new();
        };
        let prefix = neutralize_line(&prompt.prefix);
        self.mark_decided(&prompt.call_id);
        let decision = match scope {
            RuleScope::Incident => {
                self.notify(
                    NoteKind::Info,
                    format!("approved; `{prefix}` is remembered for this incident"),
                );
                Decision::ApprovePrefix
            }
            scope => {
                self.notify(
                    NoteKind::Info,
                    format!(
                        "approved; a rule for `{prefix}` on {} goes to your personal rules",
                        scope.label()
                    ),
                );
                Decision::ApproveRule { scope }
            }
        };
        decide(&prompt.session_id, &prompt.call_id, decision)
    }
}

/// What each option writes, shown beside it.
fn effect(scope: &RuleScope) -> &'static str {
    match scope {
        RuleScope::Incident => "remembered until this incident ends",
        RuleScope::Host { .. } | RuleScope::Tag { .. } => "allow rule in personal-rules.toml",
    }
}

/// Draw the prompt centred over `full`.
pub fn render(prompt: &ScopePrompt, frame: &mut Frame) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(76);
    let examples = example_lines(prompt, width.saturating_sub(2));
    let height = (prompt.scopes.len() as u16 + 7 + examples.len() as u16).min(full.height);
    let area = Rect::new(
        full.x + (full.width - width) / 2,
        full.y + (full.height - height) / 2,
        width,
        height,
    );
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Approve the prefix ", bold),
            Span::styled(
                format!("`{}`", neutralize_line(&prompt.prefix)),
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::from("It runs now; later calls it covers run without asking:"),
    ];
    lines.extend(examples);
    lines.push(Line::from(""));
    for (i, scope) in prompt.scopes.iter().enumerate() {
        let selected = i == prompt.selected;
        let style = if selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} {:<28}", i + 1, scope.label()),
                style.add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!(" {}", effect(scope)), Style::new().fg(Color::Gray)),
        ]));
    }
    lines.push(Line::styled(
        " c cancel (the call still waits)",
        Style::new().fg(Color::Gray),
    ));
    lines.push(Line::styled(
        "Enter or 1-9 chooses · j/k move · Esc cancels",
        Style::new().fg(Color::DarkGray),
    ));
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(Style::new().fg(Color::Green))
        .title(" Approve for how long? ");
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The core's examples: what the prefix covers on one line, then each command it does not
/// cover on its own line (the ones that matter most), each cut to `width` with `…`.
fn example_lines(prompt: &ScopePrompt, width: u16) -> Vec<Line<'static>> {
    let Some(examples) = &prompt.examples else {
        return Vec::new();
    };
    let width = usize::from(width);
    let fit = |text: String| -> String {
        if text.chars().count() > width {
            let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            text
        }
    };
    let quoted = |c: &String| format!("`{}`", neutralize_line(c));
    let mut lines = Vec::new();
    if !examples.covered.is_empty() {
        let listed: Vec<String> = examples.covered.iter().take(2).map(quoted).collect();
        lines.push(Line::styled(
            fit(format!("  covers:   {}", listed.join(", "))),
            Style::new().fg(Color::Green),
        ));
    }
    for command in examples.not_covered.iter().take(2) {
        lines.push(Line::styled(
            fit(format!("  but not:  {}", quoted(command))),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines
}
