//! Terminal setup and restore: raw mode, alternate screen, bracketed paste. Restored on normal
//! exit (guard drop), on panic (hook restores before the message prints) and on signals (the
//! event loop exits through the guard).

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Once;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The real terminal, restored when dropped. Output is buffered so each frame reaches the
/// terminal in one write (no half-drawn frames).
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<BufWriter<Stdout>>>,
}

/// Put the terminal back: leave the alternate screen, show the cursor, disable raw mode.
/// Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    if MOUSE.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Whether mouse reporting is on (`[ui] mouse`), so restore and resume switch it too.
static MOUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen, with bracketed paste on.
    pub fn enter() -> io::Result<TerminalGuard> {
        TerminalGuard::enter_with(false)
    }

    /// [`TerminalGuard::enter`], with mouse reporting when `mouse` (`[ui] mouse`).
    pub fn enter_with(mouse: bool) -> io::Result<TerminalGuard> {
        MOUSE.store(mouse, std::sync::atomic::Ordering::Relaxed);
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
            restore();
            return Err(e);
        }
        if mouse {
            let _ = execute!(out, EnableMouseCapture);
        }
        match Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
            1 << 18,
            out,
        ))) {
            Ok(mut terminal) => {
                let _ = terminal.hide_cursor();
                let _ = terminal.clear();
                Ok(TerminalGuard { terminal })
            }
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl TerminalGuard {
    /// Take the terminal back after [`restore`] (a pager ran): raw mode, alternate screen,
    /// paste and mouse as before, and the whole screen redrawn at the next draw.
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
        if MOUSE.load(std::sync::atomic::Ordering::Relaxed) {
            execute!(out, EnableMouseCapture)?;
        }
        execute!(
            out,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        let _ = self.terminal.hide_cursor();
        // Both buffers blank: the next draw writes every cell (no cursor query, which the
        // key reader could answer late).
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
