//! Pure rendering of the dashboard: `render(&App, &mut Frame)` lays out the panes and draws
//! the state; widgets hold no channels and do no IO.

mod approval;
mod banner;
mod editor;
mod help;
mod incidents;
mod status;
pub mod thinking;
mod transcript;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};

use crate::policy::Class;
use crate::protocol::SessionState;

use super::app::{App, Overlay};

pub use wrap::wrap_line;

/// Draw the whole dashboard for `app`.
pub fn render(app: &App, frame: &mut Frame) {
    let full = frame.area();
    let banner_height = banner::height(app, full.width).min(full.height / 2);
    let [banner_area, main, status_area] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(full);
    if banner_height > 0 {
        banner::render(app, frame, banner_area);
    }
    let list_width = (main.width * 35 / 100).clamp(24.min(main.width), 70);
    let [list_area, right] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(10)]).areas(main);
    incidents::render(app, frame, list_area);

    let approval_height = approval::height(app, right.width, right.height);
    let [transcript_area, approval_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(approval_height)]).areas(right);
    transcript::render(app, frame, transcript_area);
    if approval_height > 0 {
        approval::render(app, frame, approval_area);
    }
    status::render(app, frame, status_area);

    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(app, frame),
        Overlay::Editor(editor) => editor::render(editor, frame),
        Overlay::Prompt(prompt) => editor::render_prompt(app, prompt, frame, right),
        Overlay::ConfirmQuit => status::render_confirm_quit(app, frame),
    }
}

/// Colour for an alert severity word from any source.
pub fn severity_color(severity: Option<&str>) -> Color {
    match severity.unwrap_or("").to_ascii_lowercase().as_str() {
        "critical" | "crit" | "disaster" | "high" | "p1" | "p2" | "error" | "emergency"
        | "page" => Color::Red,
        "warning" | "warn" | "average" | "medium" | "p3" | "major" | "minor" => Color::Yellow,
        "info" | "information" | "low" | "p4" | "p5" | "ok" | "not classified" => Color::Cyan,
        _ => Color::Gray,
    }
}

/// Style of a policy class: read-only green, change yellow, destructive red.
pub fn class_style(class: Class) -> Style {
    match class {
        Class::ReadOnly => Style::new().fg(Color::Green),
        Class::Change => Style::new().fg(Color::Yellow),
        Class::Destructive => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// Style of an incident state label.
pub fn state_style(state: SessionState) -> Style {
    match state {
        SessionState::AwaitingApproval => {
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
        }
        SessionState::Running => Style::new().fg(Color::Cyan),
        SessionState::Investigating | SessionState::New => Style::new().fg(Color::Blue),
        SessionState::Done => Style::new().fg(Color::Green),
        SessionState::Failed => Style::new().fg(Color::Red),
        SessionState::Interrupted => Style::new().fg(Color::Yellow),
    }
}

/// A rectangle of `percent_x` × `percent_y` centred in `area`.
pub fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let w = area.width * percent_x / 100;
    let h = area.height * percent_y / 100;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
