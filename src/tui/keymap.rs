//! Key bindings of the incident console: the actions, their default keys, `[keys]` overrides
//! from config.toml, and the pure key → action lookup.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something the operator can do with one key in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NewAlert,
    Approve,
    ApprovePrefix,
    Edit,
    Reject,
    Message,
    /// Start the investigation of a received incident that waits for the operator.
    StartInvestigation,
    /// Team mode: claim the selected incident for `$USER` (a lease), or release it.
    Claim,
    Release,
    FocusNext,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Expand,
    Export,
    Details,
    ModelInput,
    Search,
    Yank,
    Pager,
    NextPending,
    Filter,
    Resolve,
    Help,
    Quit,
    /// Cancel the selected incident's running command (TERM, then KILL).
    Cancel,
    /// Interrupt the selected incident's model turn.
    Interrupt,
    /// Send the selected incident's failed or interrupted model turn again.
    Retry,
    /// The rules view: approval rules in force, revoke a personal one.
    Rules,
}

impl Action {
    /// Every action, in the order the help lists them.
    pub const ALL: [Action; 32] = [
        Action::NewAlert,
        Action::Approve,
        Action::ApprovePrefix,
        Action::Edit,
        Action::Reject,
        Action::Message,
        Action::StartInvestigation,
        Action::Claim,
        Action::Release,
        Action::FocusNext,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Expand,
        Action::Cancel,
        Action::Interrupt,
        Action::Retry,
        Action::Rules,
        Action::Export,
        Action::Details,
        Action::ModelInput,
        Action::Search,
        Action::Yank,
        Action::Pager,
        Action::NextPending,
        Action::Filter,
        Action::Resolve,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in `[keys]` of config.toml.
    pub fn config_name(self) -> &'static str {
        match self {
            Action::NewAlert => "new_alert",
            Action::Approve => "approve",
            Action::ApprovePrefix => "approve_prefix",
            Action::Edit => "edit",
            Action::Reject => "reject",
            Action::Message => "message",
            Action::StartInvestigation => "start",
            Action::Claim => "claim",
            Action::Release => "release",
            Action::FocusNext => "focus",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Expand => "expand",
            Action::Export => "export",
            Action::Details => "details",
            Action::ModelInput => "model_input",
            Action::Search => "search",
            Action::Yank => "yank",
            Action::Pager => "pager",
            Action::NextPending => "next_pending",
            Action::Filter => "filter",
            Action::Resolve => "resolve",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Cancel => "cancel",
            Action::Interrupt => "interrupt",
            Action::Retry => "retry",
            Action::Rules => "rules",
        }
    }

    /// One-line description for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::NewAlert => "new alert: paste or type a payload, Ctrl+S submits, Esc cancels",
            Action::Approve => "approve the pending call (destructive: type yes)",
            Action::ApprovePrefix => {
                "approve and remember the command's prefix: for this incident, or (with a personal rules file) for its host or tag for good"
            }
            Action::Edit => "edit the pending call, Ctrl+S runs the edited version",
            Action::Reject => "reject the pending call with a reason",
            Action::Message => "send the model a follow-up message",
            Action::StartInvestigation => {
                "start the selected received incident (new · waiting for you)"
            }
            Action::Claim => "team: claim the selected incident (others see you are on it)",
            Action::Release => "team: release your claim on the selected incident",
            Action::FocusNext => "move focus: incidents → transcript",
            Action::Up => "move up (incident, or previous tool call)",
            Action::Down => "move down (incident, or next tool call)",
            Action::PageUp => "scroll the transcript up a page",
            Action::PageDown => "scroll the transcript down a page",
            Action::Top => "transcript: go to the top",
            Action::Bottom => "transcript: go to the end and follow",
            Action::Expand => "expand / collapse the selected tool call's output",
            Action::Export => "export the incident's timeline (Markdown), show the file",
            Action::Details => "alert details: labels, annotations, links, raw payload",
            Action::ModelInput => "what the model received in its last request (after redaction)",
            Action::Search => {
                "search the transcript and expanded output (n/N next/previous, Esc clears)"
            }
            Action::Yank => {
                "copy the selected command, or its expanded output, to the clipboard (OSC 52)"
            }
            Action::Pager => "open the selected call's full output in $PAGER (default less -R)",
            Action::NextPending => "jump to the next pending approval in any incident",
            Action::Filter => {
                "filter incidents by text, state:NAME, sev:NAME or archived (empty clears)"
            }
            Action::Resolve => "mark the selected incident resolved with a note and archive it",
            Action::Help => "show / hide this help",
            Action::Quit => "quit (asks while anything is pending or running)",
            Action::Cancel => "cancel the running command (TERM, then KILL after the grace)",
            Action::Interrupt => "interrupt the model while it streams or waits",
            Action::Retry => "retry the model turn that failed or was interrupted",
            Action::Rules => "approval rules in force; revoke a personal rule",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Action::NewAlert => &["n"],
            Action::Approve => &["a"],
            Action::ApprovePrefix => &["A"],
            Action::Edit => &["e"],
            Action::Reject => &["r"],
            Action::Message => &["m"],
            Action::StartInvestigation => &["s"],
            Action::Claim => &["c"],
            Action::Release => &["C"],
            Action::FocusNext => &["tab"],
            Action::Up => &["k", "up"],
            Action::Down => &["j", "down"],
            Action::PageUp => &["pgup"],
            Action::PageDown => &["pgdn"],
            Action::Top => &["g"],
            Action::Bottom => &["G"],
            Action::Expand => &["enter"],
            Action::Export => &["E"],
            Action::Details => &["d"],
            Action::ModelInput => &["w"],
            Action::Search => &["/"],
            Action::Yank => &["y"],
            Action::Pager => &["o"],
            Action::NextPending => &["p"],
            Action::Filter => &["f"],
            Action::Resolve => &["D"],
            Action::Help => &["?"],
            Action::Quit => &["q", "ctrl+c"],
            Action::Cancel => &["x"],
            Action::Interrupt => &["esc"],
            Action::Retry => &["R"],
            Action::Rules => &["P"],
        }
    }

    /// The word the status bar shows after this action's key, for the keys it hints (the
    /// [`Action::everyday`] ones, help and quit, and the ones the selected incident's state
    /// offers). None: only the help lists it.
    pub fn hint(self) -> Option<&'static str> {
        Some(match self {
            Action::NewAlert => "new",
            Action::Approve => "approve",
            Action::Edit => "edit",
            Action::Reject => "reject",
            Action::Message => "message",
            Action::Cancel => "cancel",
            Action::Interrupt => "interrupt",
            Action::Retry => "retry",
            Action::Help => "help",
            Action::Quit => "quit",
            _ => return None,
        })
    }

    /// Whether the status bar hints this key whatever the selected incident does (in
    /// [`Action::ALL`] order, as room allows; help and quit have their own corner).
    pub fn everyday(self) -> bool {
        matches!(
            self,
            Action::NewAlert | Action::Approve | Action::Edit | Action::Reject | Action::Message
        )
    }

    fn from_config_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.config_name() == name)
    }
}

/// One key with its modifiers (Shift is folded into the character for letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyBinding {
    /// The binding a key event matches.
    pub fn from_event(key: &KeyEvent) -> KeyBinding {
        KeyBinding {
            code: key.code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
            alt: key.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parse `a`, `A`, `?`, `ctrl+s`, `alt+x`, `enter`, `tab`, `esc`, `up`, `pgdn`, `f5`, `space`.
    pub fn parse(text: &str) -> Result<KeyBinding, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl+")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt+")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => {
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "tab" => KeyCode::Tab,
                "backtab" | "shift+tab" => KeyCode::BackTab,
                "esc" | "escape" => KeyCode::Esc,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                f if f.starts_with('f') && f.len() > 1 => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key `{text}`")),
                },
                _ => return Err(format!("unknown key `{text}`")),
            },
        };
        Ok(KeyBinding { code, ctrl, alt })
    }
}

impl fmt::Display for KeyBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A bad `[keys]` entry in config.toml.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config [keys] {entry}: {problem}")]
pub struct KeymapError {
    /// The offending entry, e.g. `approve = "ctrl+"`.
    pub entry: String,
    pub problem: String,
}

/// The resolved bindings: every action with its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<KeyBinding>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = BTreeMap::new();
        for action in Action::ALL {
            let keys = action
                .defaults()
                .iter()
                .filter_map(|k| KeyBinding::parse(k).ok())
                .collect();
            bindings.insert(action, keys);
        }
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults with config overrides applied. A value may list several keys: `"k, up"`.
    /// Unknown actions, unknown key names and one key bound to two actions are errors.
    pub fn from_config(overrides: &BTreeMap<String, String>) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        for (name, value) in overrides {
            let entry = format!("{name} = {value:?}");
            let Some(action) = Action::from_config_name(name) else {
                let known: Vec<_> = Action::ALL.iter().map(|a| a.config_name()).collect();
                return Err(KeymapError {
                    entry,
                    problem: format!("unknown action (known: {})", known.join(", ")),
                });
            };
            let mut keys = Vec::new();
            for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let key = KeyBinding::parse(part).map_err(|problem| KeymapError {
                    entry: entry.clone(),
                    problem,
                })?;
                keys.push(key);
            }
            if keys.is_empty() {
                return Err(KeymapError {
                    entry,
                    problem: "no key given".into(),
                });
            }
            map.bindings.insert(action, keys);
        }
        // An operator's binding wins over a default: `approve = "y"` takes `y` from yank,
        // which keeps its other keys (or none). Two overrides on one key are an error below.
        let overridden: Vec<Action> = overrides
            .keys()
            .filter_map(|name| Action::from_config_name(name))
            .collect();
        // Each key an override binds, with the action it now belongs to.
        let taken: Vec<(KeyBinding, Action)> = overridden
            .iter()
            .flat_map(|a| map.keys(*a).iter().map(move |k| (*k, *a)))
            .collect();
        for (action, keys) in map.bindings.iter_mut() {
            if overridden.contains(action) {
                continue;
            }
            let before = keys.clone();
            keys.retain(|k| !taken.iter().any(|(t, _)| t == k));
            // The decisions, help and quit must keep a key: taking their last one is a clash.
            let essential = matches!(
                action,
                Action::Approve
                    | Action::ApprovePrefix
                    | Action::Edit
                    | Action::Reject
                    | Action::Help
                    | Action::Quit
            );
            if essential && keys.is_empty() {
                let key = &before[0];
                let by = taken
                    .iter()
                    .find(|(t, _)| t == key)
                    .map_or("an override", |(_, a)| a.config_name());
                return Err(KeymapError {
                    entry: format!("{by} / {}", action.config_name()),
                    problem: format!("key `{key}` is bound to both"),
                });
            }
        }
        let mut seen: BTreeMap<String, Action> = BTreeMap::new();
        for (action, keys) in &map.bindings {
            for key in keys {
                if let Some(other) = seen.insert(key.to_string(), *action) {
                    return Err(KeymapError {
                        entry: format!("{} / {}", other.config_name(), action.config_name()),
                        problem: format!("key `{key}` is bound to both"),
                    });
                }
            }
        }
        Ok(map)
    }

    /// The action a key triggers in the dashboard, if any.
    pub fn resolve(&self, key: &KeyEvent) -> Option<Action> {
        let pressed = KeyBinding::from_event(key);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&pressed))
            .map(|(action, _)| *action)
    }

    /// The keys bound to `action`.
    pub fn keys(&self, action: Action) -> &[KeyBinding] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys of `action` joined for display (`k/↑`).
    pub fn label(&self, action: Action) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(|k| k.to_string()).collect();
        keys.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn the_readme_keys_table_names_every_action() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("| Key | Action (name in `[keys]`) |")
            .expect("README has the keys table");
        let table = readme[start..].split("\n\n").next().unwrap_or_default();
        for action in Action::ALL {
            let name = format!("`{}`", action.config_name());
            assert!(table.contains(&name), "README keys table lacks {name}");
        }
    }

    #[test]
    fn every_hinted_action_has_a_hint_word() {
        for action in Action::ALL.into_iter().filter(|a| a.everyday()) {
            assert!(action.hint().is_some(), "{action:?}");
        }
        for action in [
            Action::Help,
            Action::Quit,
            Action::Cancel,
            Action::Interrupt,
        ] {
            assert!(action.hint().is_some(), "{action:?}");
        }
    }

    #[test]
    fn defaults_resolve_the_documented_keys() {
        let map = Keymap::default();
        let cases = [
            (KeyCode::Char('n'), KeyModifiers::NONE, Action::NewAlert),
            (KeyCode::Char('a'), KeyModifiers::NONE, Action::Approve),
            (
                KeyCode::Char('A'),
                KeyModifiers::SHIFT,
                Action::ApprovePrefix,
            ),
            (KeyCode::Char('e'), KeyModifiers::NONE, Action::Edit),
            (KeyCode::Char('r'), KeyModifiers::NONE, Action::Reject),
            (KeyCode::Char('m'), KeyModifiers::NONE, Action::Message),
            (KeyCode::Tab, KeyModifiers::NONE, Action::FocusNext),
            (KeyCode::Char('k'), KeyModifiers::NONE, Action::Up),
            (KeyCode::Up, KeyModifiers::NONE, Action::Up),
            (KeyCode::Char('j'), KeyModifiers::NONE, Action::Down),
            (KeyCode::Down, KeyModifiers::NONE, Action::Down),
            (KeyCode::PageUp, KeyModifiers::NONE, Action::PageUp),
            (KeyCode::PageDown, KeyModifiers::NONE, Action::PageDown),
            (KeyCode::Char('g'), KeyModifiers::NONE, Action::Top),
            (KeyCode::Char('G'), KeyModifiers::SHIFT, Action::Bottom),
            (KeyCode::Enter, KeyModifiers::NONE, Action::Expand),
            (KeyCode::Char('?'), KeyModifiers::SHIFT, Action::Help),
            (KeyCode::Char('q'), KeyModifiers::NONE, Action::Quit),
            (KeyCode::Char('c'), KeyModifiers::CONTROL, Action::Quit),
            (KeyCode::Char('x'), KeyModifiers::NONE, Action::Cancel),
            (KeyCode::Esc, KeyModifiers::NONE, Action::Interrupt),
            (KeyCode::Char('R'), KeyModifiers::SHIFT, Action::Retry),
        ];
        for (code, mods, action) in cases {
            assert_eq!(map.resolve(&press(code, mods)), Some(action), "{code:?}");
        }
        assert_eq!(
            map.resolve(&press(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn overrides_replace_defaults() {
        let overrides = BTreeMap::from([("approve".to_string(), "z".to_string())]);
        let map = Keymap::from_config(&overrides).unwrap();
        let z = press(KeyCode::Char('z'), KeyModifiers::NONE);
        assert_eq!(map.resolve(&z), Some(Action::Approve));
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(map.resolve(&a), None);
        assert_eq!(map.label(Action::Approve), "z");
    }

    #[test]
    fn bad_entries_name_the_entry() {
        let bad_key = BTreeMap::from([("approve".to_string(), "ctrl+banana".to_string())]);
        let err = Keymap::from_config(&bad_key).unwrap_err().to_string();
        assert!(err.contains("approve = \"ctrl+banana\""), "{err}");
        assert!(err.contains("unknown key"), "{err}");

        let bad_action = BTreeMap::from([("aprove".to_string(), "y".to_string())]);
        let err = Keymap::from_config(&bad_action).unwrap_err().to_string();
        assert!(
            err.contains("aprove") && err.contains("unknown action"),
            "{err}"
        );

        let clash = BTreeMap::from([("approve".to_string(), "r".to_string())]);
        let err = Keymap::from_config(&clash).unwrap_err().to_string();
        assert!(err.contains("approve") && err.contains("reject"), "{err}");
    }

    #[test]
    fn key_names_round_trip() {
        for name in ["ctrl+s", "F5", "pgdn", "enter", "?", "A", "space"] {
            let key = KeyBinding::parse(name).unwrap();
            assert_eq!(
                KeyBinding::parse(&key.to_string().replace('↑', "up")).ok(),
                Some(key)
            );
        }
    }

    #[test]
    fn an_override_takes_its_key_from_a_default() {
        let mut overrides = BTreeMap::new();
        overrides.insert("approve".to_string(), "y".to_string());
        let map = Keymap::from_config(&overrides).expect("approve = y loads");
        let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(map.resolve(&y), Some(Action::Approve));
        assert!(map.keys(Action::Yank).is_empty());
        overrides.insert("yank".to_string(), "y".to_string());
        assert!(
            Keymap::from_config(&overrides).is_err(),
            "two overrides on one key"
        );
    }
}
