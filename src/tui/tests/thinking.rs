//! The model's reasoning in the transcript: one dim collapsed block per turn, selected with
//! j/k like a call, expanded and collapsed with Enter (the Expand action); at 80x24.

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use crate::protocol::Event;

use super::super::transcript_store::Entry;
use super::*;

fn with_thinking() -> App {
    let mut app = app();
    let mut events = started();
    for delta in [
        "The alert says CPU is high on web01.",
        "\nFirst I should see which processes use it:",
        "\nps sorted by CPU is read-only.\x1b[2J",
    ] {
        events.push(Event::ThinkingDelta { text: delta.into() });
    }
    events.push(Event::ModelText {
        text: "Let me look at the busiest processes.".into(),
        tool_calls: Vec::new(),
    });
    feed(&mut app, SID, events);
    app
}

fn screen(app: &App) -> String {
    screen_text(app, 80, 24)
}

fn thinking_block(app: &App) -> Option<(bool, usize)> {
    app.current()?
        .transcript
        .entries()
        .iter()
        .find_map(|e| match e {
            Entry::Thinking(t) => Some((t.expanded, t.chars)),
            _ => None,
        })
}

#[test]
fn thinking_is_collapsed_and_dim_by_default() {
    let app = with_thinking();
    assert_eq!(thinking_block(&app).map(|b| b.0), Some(false));
    let screen = screen(&app);
    assert!(screen.contains("▸ thinking · "), "{screen}");
    assert!(!screen.contains("First I should see"), "{screen}");
    // Dim: the block's cells carry the DIM modifier.
    let terminal = draw(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let dim = (0..buffer.area.height).any(|y| {
        (0..buffer.area.width).any(|x| {
            let cell = &buffer[(x, y)];
            cell.symbol() == "▸" && cell.modifier.contains(ratatui::style::Modifier::DIM)
        })
    });
    assert!(dim, "the thinking line is dim");
    assert_snapshot!("thinking_collapsed_at_80x24", screen);
}

#[test]
fn enter_on_the_selected_thinking_block_expands_and_collapses_it() {
    let mut app = with_thinking();
    app.handle_key(key(KeyCode::Tab));
    app.handle_key(key(KeyCode::Char('k')));
    assert!(app.handle_key(key(KeyCode::Enter)).is_empty());
    assert_eq!(thinking_block(&app).map(|b| b.0), Some(true));
    let screen = screen(&app);
    assert!(screen.contains("First I should see"), "{screen}");
    assert!(!screen.contains('\x1b'), "{screen}");
    assert_snapshot!("thinking_expanded_at_80x24", screen);
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(thinking_block(&app).map(|b| b.0), Some(false));
}
