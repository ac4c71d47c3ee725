//! What can cover the dashboard: the help, the multi-line editor (new alert, edit call, large
//! pastes) and the one-line prompts (reject reason, message, typed `yes`).

use ratatui_textarea::TextArea;

use crate::protocol::Proposal;

/// What the multi-line editor is for.
#[derive(Debug, Clone, PartialEq)]
pub enum EditorPurpose {
    NewAlert,
    /// Editing the pending call `proposal` of session `session_id`.
    EditCall {
        session_id: String,
        proposal: Box<Proposal>,
    },
}

/// A paste too big to edit comfortably: kept whole, shown as a truncated read-only preview.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeText {
    pub text: String,
    /// First lines, each cut to a screen's width, neutralised.
    pub preview: Vec<String>,
    pub lines: usize,
}

/// Pastes above this size (or with a line above [`LARGE_LINE`]) are kept read-only.
pub const LARGE_PASTE: usize = 256 * 1024;
/// Longest line the editor edits in place.
pub const LARGE_LINE: usize = 4096;

impl LargeText {
    /// Keep `text` whole and build its preview.
    pub fn new(text: String) -> Self {
        let lines = text.split('\n').count();
        let preview = text
            .split('\n')
            .take(200)
            .map(|l| {
                let cut: String = l.chars().take(400).collect();
                let more = l.chars().count().saturating_sub(400);
                let cut = crate::text::neutralize_line(&cut);
                if more > 0 {
                    format!("{cut} … [+{more} chars]")
                } else {
                    cut
                }
            })
            .collect();
        LargeText {
            text,
            preview,
            lines,
        }
    }

    /// True when `text` should not go into the in-place editor.
    pub fn needed(text: &str) -> bool {
        text.len() > LARGE_PASTE || text.split('\n').any(|l| l.len() > LARGE_LINE)
    }
}

/// The multi-line editor (new alert, edit call).
#[derive(Debug)]
pub struct EditorState {
    pub purpose: EditorPurpose,
    pub textarea: TextArea<'static>,
    /// Set after a large paste: the whole text, submitted as-is; the textarea is unused.
    pub large: Option<LargeText>,
    /// The last submit's error (parser error with line and column); the text stays.
    pub error: Option<String>,
    /// The frame the editor was last drawn in (set by [`super::app::App::drawn`]): an edit
    /// that does not fit there whole is shown in full before it runs.
    pub frame: Option<ratatui::layout::Rect>,
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    Reject {
        session_id: String,
        call_id: String,
    },
    Message {
        session_id: String,
    },
    /// Destructive approve: needs the typed word `yes`.
    ConfirmApprove {
        session_id: String,
        call_id: String,
    },
    /// An edit the core found destructive: needs the typed word `yes`. `command` is what it
    /// would run, as the core resolved it.
    ConfirmEdit {
        session_id: String,
        call_id: String,
        replacement: String,
        command: String,
    },
    /// `/`: search the selected incident's transcript.
    Search,
    /// `f`: filter the incident list.
    Filter,
    /// `D`: the resolution note of this incident. `stop`: it is working or has calls
    /// waiting, and resolving stops that (the prompt asks to confirm it).
    Resolve {
        session_id: String,
        stop: bool,
    },
}

/// A one-line prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptState {
    pub purpose: PromptPurpose,
    pub input: String,
}

/// The full-screen view of one pending call: opened when the panel (or the editor) cannot
/// show the whole text; decision keys here act on exactly this call, once its last row has
/// been on screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallViewState {
    pub session_id: String,
    pub call_id: String,
    /// First text row shown.
    pub scroll: usize,
    /// The operator's edit of the call, not sent yet (None: the call as the core asks it).
    pub edit: Option<String>,
    /// Rows drawn without a gap from the first (set by [`super::app::App::drawn`]): decision
    /// keys act once this reaches the last row.
    pub seen_to: usize,
    /// Text rows the last draw showed at once (a page for the scroll keys).
    pub room: usize,
}

/// What covers the dashboard, if anything.
#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    /// The key help; `usize` is the first line shown (it scrolls on small terminals).
    Help(usize),
    Editor(Box<EditorState>),
    Prompt(PromptState),
    ConfirmQuit,
    CallView(CallViewState),
    /// The `A` scope prompt for a pending call.
    Scope(super::scope_prompt::ScopePrompt),
    /// The rules view (`P`).
    Rules(super::rules_view::RulesView),
    /// A read-only text view (alert details, what the model saw).
    Text(Box<super::views::TextView>),
}
