//! Team mode in the dashboard: which listed incidents another operator is on (their session
//! runs in their console; this one watches it read-only, its events read from the team
//! database by `team_follow`), the "alice is on it" row note and approval-panel line, and the
//! refusal of every key that would act on such an incident. `c` on one asks to take it over
//! (it wins once the other operator's lease has lapsed) instead of a plain claim.

use super::app::{App, Command};
use super::keymap::Action;
use super::transcript_store::NoteKind;

pub use super::messages::{Other, Others, TeamUpdate};

/// The dashboard's view of the team board.
#[derive(Debug, Default)]
pub struct TeamBoard {
    others: Others,
}

impl TeamBoard {
    /// The operator on session `session`, when it is not this console's.
    pub fn other(&self, session: &str) -> Option<&Other> {
        self.others.get(session)
    }

    /// The incident list's note for a row ("alice is on it").
    pub fn row_note(&self, session: &str) -> Option<String> {
        let other = self.other(session)?;
        Some(if other.live {
            format!("{} is on it", other.operator)
        } else {
            format!("{}'s lease lapsed: c takes it over", other.operator)
        })
    }

    /// The approval panel's line for a call another operator decides.
    pub fn waiting_line(&self, session: &str) -> Option<String> {
        let other = self.other(session)?;
        Some(if other.live {
            format!("waiting for {} (watching read-only)", other.operator)
        } else {
            format!(
                "waiting for {} (lease lapsed: c takes it over and asks you here)",
                other.operator
            )
        })
    }

    /// The status line for a key that would act on `session`, when it is another's.
    pub fn refusal(&self, session: &str) -> Option<String> {
        let other = self.other(session)?;
        Some(if other.live {
            format!(
                "{} is on it: watching read-only (c takes over when the lease lapses)",
                other.operator
            )
        } else {
            format!(
                "{}'s lease lapsed: watching read-only (c takes it over)",
                other.operator
            )
        })
    }
}

/// Keys that act on an incident's session (refused on another operator's incident).
fn acts(action: Action) -> bool {
    matches!(
        action,
        Action::Approve
            | Action::ApprovePrefix
            | Action::Edit
            | Action::Reject
            | Action::Message
            | Action::Cancel
            | Action::Interrupt
            | Action::Retry
            | Action::Resolve
            | Action::StartInvestigation
    )
}

impl App {
    /// The team board as the inbox watcher reads it now. A watched incident that drops off
    /// the board (released, resolved at source) stays read-only here, as lapsed, until this
    /// console takes it over: its session does not run in this console.
    pub(super) fn apply_team(&mut self, update: TeamUpdate) {
        let TeamUpdate {
            others: mut next,
            mine,
        } = update;
        for (session, mut old) in self.team.others.drain() {
            if next.contains_key(&session) || mine.contains(&session) {
                continue;
            }
            old.live = false;
            next.insert(session, old);
        }
        self.team.others = next;
    }

    /// True (with the status line said) when `action` would act on an incident another
    /// operator is on: nothing is sent to any session.
    pub(super) fn team_refuses(&mut self, action: Action) -> bool {
        if !acts(action) {
            return false;
        }
        let Some(line) = self
            .current()
            .and_then(|i| self.team.refusal(&i.session_id))
        else {
            return false;
        };
        self.notify(NoteKind::Warning, line);
        true
    }

    /// Drop any op meant for a session another operator is on (whatever key or prompt
    /// produced it): this console never sends to another's session.
    pub(super) fn team_filter(&mut self, commands: Vec<Command>) -> Vec<Command> {
        let mut refused = None;
        let kept = commands
            .into_iter()
            .filter(|c| match c {
                Command::Send { session_id, .. } => match self.team.refusal(session_id) {
                    Some(line) => {
                        refused = Some(line);
                        false
                    }
                    None => true,
                },
                _ => true,
            })
            .collect();
        if let Some(line) = refused {
            self.notify(NoteKind::Warning, line);
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Decision, Op};

    fn app_watching(live: bool) -> App {
        let mut app = crate::tui::tests::app();
        app.insert_live("s-1");
        let mut others = Others::new();
        others.insert(
            "s-1".into(),
            Other {
                incident: "inc-1".into(),
                operator: "alice".into(),
                live,
            },
        );
        app.apply_team(TeamUpdate {
            others,
            mine: Vec::new(),
        });
        app
    }

    #[test]
    fn acting_keys_on_another_operators_incident_are_refused_with_one_line() {
        let mut app = app_watching(true);
        for action in [
            Action::Approve,
            Action::Reject,
            Action::Cancel,
            Action::Message,
        ] {
            assert!(app.team_refuses(action));
            let (_, line) = app.message.clone().expect("status line");
            assert_eq!(
                line,
                "alice is on it: watching read-only (c takes over when the lease lapses)"
            );
        }
        assert!(!app.team_refuses(Action::Down));
        assert!(!app.team_refuses(Action::Claim));
        let send = Command::Send {
            session_id: "s-1".into(),
            op: Op::Decide {
                call_id: "c".into(),
                decision: Decision::Approve { confirm: None },
            },
        };
        assert!(app.team_filter(vec![send.clone()]).is_empty());
        let mine = Command::Send {
            session_id: "s-2".into(),
            op: Op::Interrupt,
        };
        assert_eq!(app.team_filter(vec![mine.clone()]), vec![mine]);
        assert_eq!(app.team.row_note("s-1").as_deref(), Some("alice is on it"));
        assert_eq!(app.team.row_note("s-2"), None);
    }

    #[test]
    fn an_incident_off_the_board_stays_read_only_until_taken_over_here() {
        let mut app = app_watching(true);
        app.apply_team(TeamUpdate::default());
        assert_eq!(
            app.team.row_note("s-1").as_deref(),
            Some("alice's lease lapsed: c takes it over")
        );
        assert!(app.team_refuses(Action::Approve));
        app.apply_team(TeamUpdate {
            others: Others::new(),
            mine: vec!["s-1".into()],
        });
        assert_eq!(app.team.other("s-1"), None);
        assert!(!app.team_refuses(Action::Approve));
    }

    #[test]
    fn a_lapsed_lease_says_c_takes_it_over() {
        let app = app_watching(false);
        assert_eq!(
            app.team.waiting_line("s-1").as_deref(),
            Some("waiting for alice (lease lapsed: c takes it over and asks you here)")
        );
    }

    #[test]
    fn another_operators_pending_call_at_80x24() {
        use crate::policy::Class;
        use crate::protocol::{Event, SessionState};
        use crate::tui::tests::{SID, draw, feed, proposal, started};
        let mut app = crate::tui::tests::app();
        let call = proposal("call-1", "systemctl restart nginx", Class::Change);
        let mut events = started();
        events.push(Event::CallProposed {
            proposal: call.clone(),
        });
        events.push(Event::State {
            state: SessionState::AwaitingApproval,
        });
        events.push(Event::ApprovalRequested { proposal: call });
        feed(&mut app, SID, events);
        let mut others = Others::new();
        others.insert(
            SID.into(),
            Other {
                incident: "inc-7".into(),
                operator: "alice".into(),
                live: true,
            },
        );
        app.apply_team(TeamUpdate {
            others,
            mine: Vec::new(),
        });
        // Theirs to answer: quitting this console does not ask about it.
        assert_eq!(app.busy(), (0, 0));
        let screen = draw(&app, 80, 24).backend().to_string();
        assert!(screen.contains("alice is on it"), "{screen}");
        assert!(screen.contains("waiting for alice"), "{screen}");
        assert!(screen.contains("alice decides: call 1 of 1"), "{screen}");
        assert!(!screen.contains("Approve?"), "{screen}");
        assert!(screen.contains("systemctl restart nginx"), "{screen}");
        assert!(
            !screen.contains("approve  "),
            "decision keys offered: {screen}"
        );
        insta::assert_snapshot!(screen);
    }
}
