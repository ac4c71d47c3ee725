//! The mouse (`[ui] mouse`, on by default): the wheel scrolls the pane under the pointer, a
//! click selects an incident in the list or a call in the transcript.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::app::{App, Command, Focus};
use super::transcript_store::Entry;
use super::widgets::{Pane, pane_at};

/// Transcript lines one wheel step scrolls.
const WHEEL_LINES: usize = 3;

impl App {
    /// One mouse event in a `width`×`height` terminal.
    pub fn handle_mouse(&mut self, mouse: MouseEvent, width: u16, height: u16) -> Vec<Command> {
        if !self.views.mouse || !matches!(self.overlay, super::app::Overlay::None) {
            return Vec::new();
        }
        let pane = pane_at(
            self,
            Rect::new(0, 0, width, height),
            mouse.column,
            mouse.row,
        );
        match (mouse.kind, pane) {
            (MouseEventKind::ScrollDown, Pane::List { .. }) => self.move_listed(true),
            (MouseEventKind::ScrollUp, Pane::List { .. }) => self.move_listed(false),
            (MouseEventKind::ScrollDown, Pane::Transcript { .. }) => self.wheel(true),
            (MouseEventKind::ScrollUp, Pane::Transcript { .. }) => self.wheel(false),
            (MouseEventKind::Down(MouseButton::Left), Pane::List { row, height }) => {
                self.click_list(row, height)
            }
            (MouseEventKind::Down(MouseButton::Left), Pane::Transcript { row }) => {
                self.click_transcript(row)
            }
            _ => {}
        }
        Vec::new()
    }

    fn wheel(&mut self, down: bool) {
        let height = usize::from(self.transcript_height.max(1));
        let Some(incident) = self.current_mut() else {
            return;
        };
        let top = incident.view_top(height);
        let max_top = incident.transcript.len_lines().saturating_sub(height);
        incident.scroll = if down {
            let next = top + WHEEL_LINES;
            if next >= max_top { None } else { Some(next) }
        } else {
            Some(top.saturating_sub(WHEEL_LINES))
        };
    }

    /// A click on row `row` of the list (as the list draws: two rows per incident).
    fn click_list(&mut self, row: u16, height: u16) {
        let listed = self.listed_incidents();
        let visible = (usize::from(height) / 2).max(1);
        let pos = listed.iter().position(|i| *i == self.selected).unwrap_or(0);
        let offset = (pos + 1).saturating_sub(visible);
        if let Some(i) = listed.get(offset + usize::from(row) / 2) {
            self.selected = *i;
            self.focus = Focus::Incidents;
        }
    }

    /// A click on row `row` of the transcript: the call drawn there is selected.
    fn click_transcript(&mut self, row: u16) {
        let height = usize::from(self.transcript_height.max(1));
        self.focus = Focus::Transcript;
        let Some(incident) = self.current_mut() else {
            return;
        };
        let line = incident.view_top(height) + usize::from(row);
        if let Some((i, _)) = incident.transcript.locate(line)
            && matches!(incident.transcript.entries().get(i), Some(Entry::Call(_)))
        {
            incident.selected_call = Some(i);
        }
    }
}
