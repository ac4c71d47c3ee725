//! The terminal front end: the only module that touches ratatui and crossterm.
//!
//! `app` holds pure state built from protocol events (each `incident` applies its own events
//! and returns dashboard-wide effects as values), `input` turns keys into commands,
//! `messages` holds the commands and task results exchanged with `event_loop`, which
//! multiplexes terminal input, core events and task results and passes the terminal size in;
//! `widgets` renders, reading the app only.

mod actions;
pub mod app;
mod apply_call;
mod apply_event;
mod attach;
mod control;
mod decision_keys;
mod details;
pub mod event_loop;
mod export_key;
mod filter;
mod forms;
mod inbox;
mod incident;
mod incident_events;
mod incident_output;
mod input;
pub mod keymap;
pub mod live_output;
pub mod messages;
mod model_input;
mod mouse;
pub mod output_file;
pub mod overlay;
mod pager;
mod past;
mod paste_burst;
mod pending;
pub mod progress_note;
pub mod rules_view;
mod rules_view_draw;
pub mod scope_prompt;
pub mod search;
mod team_board;
mod team_keys;
pub mod terminal;
pub mod transcript_store;
pub mod views;
pub mod widgets;
mod yank;

#[cfg(test)]
mod tests;

pub use app::{App, AppEvent, Command, ProviderInfo};
pub use attach::view_event;
pub use event_loop::{TuiError, TuiOptions, run};
pub use keymap::{Keymap, KeymapError};
pub use widgets::render;
