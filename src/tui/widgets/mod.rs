//! Pure rendering of the dashboard: `render(&App, &mut Frame)` lays out the panes and draws
//! the state; widgets hold no channels and do no IO.

mod approval;
mod banner;
mod call_view;
mod editor;
mod help;
mod incidents;
mod lines;
mod markdown;
mod pane;
pub mod spinner;
mod status;
mod text_view;
pub mod thinking;
mod transcript;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};

use crate::policy::Class;
use crate::protocol::SessionState;

use super::app::{App, Overlay};

pub use transcript::line_text;
pub use wrap::{wrap_line, wrap_text};

/// Smallest terminal the dashboard draws into; below it only a notice is shown (and no
/// decision key acts, since no call is visible).
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 12;

/// Below this width the incident list collapses to a one-row strip, so the panel and the
/// transcript get the whole width.
pub const NARROW_WIDTH: u16 = 100;

/// Where each pane goes in a frame of `full` size.
struct Areas {
    banner: Rect,
    list: Rect,
    transcript: Rect,
    approval: Rect,
    status: Rect,
}

fn areas(app: &App, full: Rect) -> Areas {
    // With no incident the screen is empty: the banner may take half of it.
    let banner_cap = if app.incidents.is_empty() {
        full.height / 2
    } else {
        full.height / 3
    };
    let banner_height = banner::height(app, full.width, banner_cap);
    let [banner, main, status] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(full);
    let [list, right] = if main.width < NARROW_WIDTH {
        Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(main)
    } else {
        let list_width = (main.width * 35 / 100).clamp(24.min(main.width), 70);
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(10)]).areas(main)
    };
    let approval_height = approval::height(app, right.width, right.height);
    let [transcript, approval] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(approval_height)]).areas(right);
    Areas {
        banner,
        list,
        transcript,
        approval,
        status,
    }
}

/// Which pane a screen cell is in (for the mouse), with the row inside the pane's border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List { row: u16, height: u16 },
    Transcript { row: u16 },
    Other,
}

/// The pane under (`column`, `row`) in a frame of `full` size, laid out as [`render`] does.
pub fn pane_at(app: &App, full: Rect, column: u16, row: u16) -> Pane {
    if too_small(full) {
        return Pane::Other;
    }
    let a = areas(app, full);
    let inside = |r: Rect| {
        column > r.x && column + 1 < r.x + r.width && row > r.y && row + 1 < r.y + r.height
    };
    if inside(a.list) {
        Pane::List {
            row: row - a.list.y - 1,
            height: a.list.height.saturating_sub(2),
        }
    } else if inside(a.transcript) {
        Pane::Transcript {
            row: row - a.transcript.y - 1,
        }
    } else {
        Pane::Other
    }
}

/// Rows of transcript text a frame of `full` size shows, laid out as [`render`] does (None:
/// the terminal is too small to draw the dashboard).
pub fn transcript_rows(app: &App, full: Rect) -> Option<u16> {
    if too_small(full) {
        return None;
    }
    Some(transcript::body_rows(app, areas(app, full).transcript))
}

fn too_small(full: Rect) -> bool {
    full.width < MIN_WIDTH || full.height < MIN_HEIGHT
}

/// The call decision keys would act on in a frame of `full` size, and whether the whole of
/// its text is (or, in the full view, has been) on screen. None: no call is shown where
/// decision keys act.
pub struct DecisionView {
    pub call_id: String,
    pub command_whole: bool,
    pub in_view: bool,
}

/// Whether the editor in a frame of `full` size shows all of `text`, no line cut sideways.
pub fn editor_shows_all(text: &str, full: Rect) -> bool {
    editor::shows_all(text, full)
}

/// The full view's window over its text in a frame of `full` size.
pub fn call_view_window(
    app: &App,
    view: &super::overlay::CallViewState,
    full: Rect,
) -> Option<call_view::Window> {
    call_view::window(app, view, full)
}

/// What a frame of `full` size shows for decisions (the same layout [`render`] draws).
/// `Err(())` when an overlay that takes its own keys covers the screen (nothing changes).
#[allow(clippy::result_unit_err)]
pub fn decision_view(app: &App, full: Rect) -> Result<Option<DecisionView>, ()> {
    if too_small(full) {
        return Ok(None);
    }
    match &app.overlay {
        Overlay::CallView(view) => Ok(Some(DecisionView {
            call_id: view.call_id.clone(),
            command_whole: call_view::window(app, view, full).is_some_and(|w| w.seen_whole(view)),
            in_view: true,
        })),
        Overlay::None => {
            let Some(call) = app.current().and_then(|i| i.panel()) else {
                return Ok(None);
            };
            let area = areas(app, full).approval;
            let (shown, rows) = approval::command_rows_shown(app, &call, area);
            Ok(Some(DecisionView {
                command_whole: shown >= rows,
                call_id: call.call_id,
                in_view: false,
            }))
        }
        _ => Err(()),
    }
}

/// Draw the whole dashboard for `app`.
pub fn render(app: &App, frame: &mut Frame) {
    let full = frame.area();
    if too_small(full) {
        let text = format!("terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT})");
        frame.render_widget(
            ratatui::widgets::Paragraph::new(text)
                .style(Style::new().fg(Color::Yellow))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            full,
        );
        return;
    }
    let a = areas(app, full);
    if a.banner.height > 0 {
        banner::render(app, frame, a.banner);
    }
    if a.list.height == 1 {
        incidents::render_strip(app, frame, a.list);
    } else {
        incidents::render(app, frame, a.list);
    }
    transcript::render(app, frame, a.transcript);
    if a.approval.height > 0 {
        approval::render(app, frame, a.approval);
    }
    status::render(app, frame, a.status);

    match &app.overlay {
        Overlay::None => {}
        Overlay::Help(top) => help::render(app, frame, *top),
        Overlay::Editor(editor) => editor::render(editor, frame),
        Overlay::Prompt(prompt) => {
            let right = Rect::new(
                a.transcript.x,
                a.transcript.y,
                a.transcript.width,
                a.transcript.height + a.approval.height,
            );
            editor::render_prompt(app, prompt, frame, right)
        }
        Overlay::ConfirmQuit => status::render_confirm_quit(app, frame),
        Overlay::CallView(view) => call_view::render(app, view, frame),
        Overlay::Scope(prompt) => super::scope_prompt::render(prompt, frame),
        Overlay::Rules(view) => super::rules_view_draw::render(app, view, frame),
        Overlay::Text(view) => text_view::render(view, frame),
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
