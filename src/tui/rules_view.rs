//! The rules view (`P`): the approval rules in force as the core lists them (origin, action,
//! scope, prefix) and the prefixes remembered for one incident (as each session reported
//! them), and revoking a personal rule or a remembered prefix (`r`, then `y`). Team rules are
//! shown read-only; the core says which rules are revocable and does the revoking.

use crossterm::event::{KeyCode, KeyEvent};

use crate::protocol::{DeskOp, Op, RuleInfo, Target, UsedCorrection};
use crate::text::neutralize_line;

use super::app::{App, Command, Overlay};
use super::keymap::Action;
use super::transcript_store::NoteKind;

/// The open rules view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesView {
    /// None until the core's list arrives.
    pub rows: Option<Vec<RuleInfo>>,
    pub selected: usize,
    /// Waiting for `y` to revoke this rule or prefix.
    pub confirm: Option<Revoke>,
}

/// What `y` would revoke.
#[derive(Debug, Clone, PartialEq)]
pub enum Revoke {
    /// A personal rule, by name.
    Rule(String),
    /// A prefix remembered for one incident.
    Prefix(Remembered),
    /// A past operator correction shown to the model as an example, by id.
    Correction(Learned),
}

impl Revoke {
    pub(super) fn question(&self) -> String {
        match self {
            Revoke::Rule(name) => format!(
                "revoke personal rule `{}`? y revokes, any other key keeps it",
                neutralize_line(name)
            ),
            Revoke::Prefix(r) => format!(
                "revoke `{}` on {} for \"{}\"? y revokes, any other key keeps it",
                neutralize_line(&r.prefix),
                r.target,
                r.title
            ),
            Revoke::Correction(l) => format!(
                "forget correction {} (`{}` → `{}`)? no later session is shown it; y forgets, any other key keeps it",
                neutralize_line(&l.example.id),
                neutralize_line(&l.example.proposed),
                neutralize_line(&l.example.executed)
            ),
        }
    }
}

/// A prefix remembered for the rest of one incident, as the view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    pub session_id: String,
    /// The incident's title (neutralised).
    pub title: String,
    pub target: Target,
    /// As the core reported it (sent back as is to revoke it).
    pub prefix: String,
    /// The tool of the call it was remembered on (empty: not in the transcript).
    pub tool: String,
}

/// Every prefix remembered by an open incident, in list order.
pub(super) fn remembered(app: &App) -> Vec<Remembered> {
    app.incidents
        .iter()
        .filter(|i| i.resolved.is_none())
        .flat_map(|i| {
            i.remembered
                .iter()
                .map(|(target, prefix, tool)| Remembered {
                    session_id: i.session_id.clone(),
                    title: neutralize_line(&i.title),
                    target: target.clone(),
                    prefix: prefix.clone(),
                    tool: tool.clone(),
                })
        })
        .collect()
}

/// A past operator correction an incident's prompt used, as the view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    /// The title of the incident whose prompt used it (neutralised).
    pub shown_to: String,
    pub example: UsedCorrection,
}

/// Every past correction the open incidents' prompts used, once each, in list order.
pub(super) fn learned(app: &App) -> Vec<Learned> {
    let mut seen = std::collections::HashSet::new();
    app.incidents
        .iter()
        .filter(|i| i.resolved.is_none())
        .flat_map(|i| {
            i.examples.iter().map(|e| Learned {
                shown_to: neutralize_line(&i.title),
                example: e.clone(),
            })
        })
        .filter(|l| seen.insert(l.example.id.clone()))
        .collect()
}

/// One row of the view: a rule from the core, a remembered prefix, or a past correction.
pub(super) enum Row<'a> {
    Rule(&'a RuleInfo),
    Prefix(Remembered),
    Correction(Learned),
}

impl App {
    /// `P`: open the rules view and ask the core for the rules in force.
    pub(super) fn open_rules_view(&mut self) -> Vec<Command> {
        self.overlay = Overlay::Rules(RulesView::default());
        vec![Command::LoadRules]
    }

    /// The core's list of rules (or why it could not be read) for the open view.
    pub(super) fn apply_rules(&mut self, result: Result<Vec<RuleInfo>, String>) {
        match result {
            Ok(rows) => {
                if let Overlay::Rules(view) = &mut self.overlay {
                    view.selected = view.selected.min(rows.len().saturating_sub(1));
                    view.rows = Some(rows);
                }
            }
            Err(e) => self.notify(NoteKind::Error, e),
        }
    }

    /// A key in the rules view.
    pub(super) fn rules_view_key(&mut self, mut view: RulesView, key: KeyEvent) -> Vec<Command> {
        let rules = view.rows.clone().unwrap_or_default();
        let prefixes = remembered(self);
        let learned = learned(self);
        let count = rules.len() + prefixes.len() + learned.len();
        if let Some(revoke) = view.confirm.take() {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                self.overlay = Overlay::Rules(view);
                return match revoke {
                    Revoke::Rule(name) => vec![Command::RevokeRule { name }],
                    Revoke::Prefix(r) => {
                        self.progress(
                            &r.session_id,
                            &format!("revoking `{}` on {}…", neutralize_line(&r.prefix), r.target),
                            super::progress_note::Until::PrefixRevoked,
                        );
                        vec![Command::Send {
                            session_id: r.session_id,
                            op: Op::ForgetPrefix {
                                prefix: r.prefix,
                                target: r.target,
                            },
                        }]
                    }
                    Revoke::Correction(l) => {
                        self.notify(
                            NoteKind::Info,
                            format!("forgetting correction {}…", neutralize_line(&l.example.id)),
                        );
                        vec![Command::Desk(DeskOp::ForgetCorrection { id: l.example.id })]
                    }
                };
            }
            self.notify(NoteKind::Info, "revoke cancelled");
            self.overlay = Overlay::Rules(view);
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('P') => return Vec::new(),
            KeyCode::Char('r') | KeyCode::Delete => {
                let at = view.selected;
                let revoke = match rules.get(at) {
                    Some(row) if row.revocable => Some(Revoke::Rule(row.name.clone())),
                    Some(row) => {
                        self.notify(
                            NoteKind::Info,
                            format!(
                                "`{}` is a team rule ({}): read-only here, change it in its file",
                                neutralize_line(&row.name),
                                neutralize_line(&row.origin)
                            ),
                        );
                        None
                    }
                    None if at < rules.len() + prefixes.len() => prefixes
                        .get(at.saturating_sub(rules.len()))
                        .cloned()
                        .map(Revoke::Prefix),
                    None => learned
                        .get(at.saturating_sub(rules.len() + prefixes.len()))
                        .cloned()
                        .map(Revoke::Correction),
                };
                if let Some(revoke) = revoke {
                    self.notify(NoteKind::Warning, revoke.question());
                    view.confirm = Some(revoke);
                }
            }
            _ => match self.keymap.resolve(&key) {
                Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
                Some(Action::Down) => {
                    view.selected = (view.selected + 1).min(count.saturating_sub(1))
                }
                Some(Action::Top) => view.selected = 0,
                Some(Action::Bottom) => view.selected = count.saturating_sub(1),
                _ => {}
            },
        }
        self.overlay = Overlay::Rules(view);
        Vec::new()
    }
}

impl App {
    /// The desk forgot a past correction: drop it from every incident's list and say so.
    pub(super) fn correction_forgotten(&mut self, id: &str, removed: usize) {
        let id_shown = neutralize_line(id);
        if removed == 0 {
            self.notify(
                NoteKind::Warning,
                format!("no correction has id {id_shown} (already forgotten?)"),
            );
        } else {
            self.notify(
                NoteKind::Info,
                format!(
                    "forgot correction {id_shown} ({removed} record(s)): no later session is shown it"
                ),
            );
        }
        for incident in &mut self.incidents {
            incident.examples.retain(|e| e.id != id);
        }
        let extra = remembered(self).len() + learned(self).len();
        if let Overlay::Rules(view) = &mut self.overlay {
            let count = view.rows.as_ref().map_or(0, Vec::len) + extra;
            view.selected = view.selected.min(count.saturating_sub(1));
        }
    }
}
