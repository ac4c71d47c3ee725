//! The terminal front end: the only module that touches ratatui and crossterm.
