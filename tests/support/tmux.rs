//! A tmux pane running the real `opsassist tui` binary against a fake model server: start it
//! (own tmux socket, own data/config dirs), send keys and pastes, capture the screen, quit.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::json;
use unicode_width::UnicodeWidthChar;

use super::fake_llm::{FakeLlm, Reply};

const DEADLINE: Duration = Duration::from_secs(30);

/// One tmux server (own socket) running the binary in a pane (200x60 unless told).
pub struct Pane {
    pub socket: String,
    pub dir: std::sync::Arc<tempfile::TempDir>,
}

pub fn tmux_available() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is not installed: run tests/run.sh, which installs it (apt-get install tmux)"
    );
}

pub fn nonce() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}x{t:x}", std::process::id())
}

/// How to start the binary: extra arguments, pane size, extra environment.
pub struct Opts {
    pub args: Vec<String>,
    pub size: (u16, u16),
    pub env: Vec<(String, String)>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            args: Vec::new(),
            size: (200, 60),
            env: Vec::new(),
        }
    }
}

/// The pause before each key a test types: keys closer than a few milliseconds are a paste
/// burst to the console, which never decides anything.
pub const TYPING: Duration = Duration::from_millis(80);

/// The console's default guard time after a call is shown, plus a margin.
pub const GUARD: Duration = Duration::from_millis(700);

impl Pane {
    pub fn start(name: &str, fake: &FakeLlm) -> Pane {
        Pane::start_with(name, fake, Opts::default())
    }

    pub fn start_with(name: &str, fake: &FakeLlm, opts: Opts) -> Pane {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        Pane::start_in_with(name, fake, dir, opts)
    }

    /// A console run by operator `user` (`$USER`, as team mode names operators) in a fresh
    /// data/config root whose `config.toml` is `config`.
    pub fn start_as(name: &str, user: &str, config: &str, fake: &FakeLlm) -> Pane {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
        std::fs::write(dir.path().join("config/config.toml"), config).expect("config");
        Pane::start_in_with(
            name,
            fake,
            dir,
            Opts {
                env: vec![("USER".into(), user.into())],
                ..Opts::default()
            },
        )
    }

    /// Start in an existing data/config root (to restart after a crash).
    pub fn start_in(name: &str, fake: &FakeLlm, dir: std::sync::Arc<tempfile::TempDir>) -> Pane {
        Pane::start_in_with(name, fake, dir, Opts::default())
    }

    pub fn start_in_with(
        name: &str,
        fake: &FakeLlm,
        dir: std::sync::Arc<tempfile::TempDir>,
        opts: Opts,
    ) -> Pane {
        tmux_available();
        let data = dir.path().join("data");
        let config = dir.path().join("config");
        std::fs::create_dir_all(&data).expect("data dir");
        std::fs::create_dir_all(&config).expect("config dir");
        let socket = format!("opsassist-e2e-{name}-{}", nonce());
        // tmux gives the pane the client's PATH whatever `-e` says: set it in the script.
        let path = opts
            .env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| format!("export PATH='{v}'; "))
            .unwrap_or_default();
        let script = format!(
            "{path}{bin} tui --provider openai --base-url {url} --model fake-model {args}; echo OPSASSIST-EXIT=$?; exec sleep 600",
            bin = env!("CARGO_BIN_EXE_opsassist"),
            url = fake.base_url,
            args = opts.args.join(" "),
        );
        let pane = Pane { socket, dir };
        let (width, height) = (opts.size.0.to_string(), opts.size.1.to_string());
        let mut env = vec![
            format!("OPSASSIST_DATA_DIR={}", data.display()),
            format!("OPSASSIST_CONFIG_DIR={}", config.display()),
            "OPENAI_API_KEY=sk-fake".to_string(),
        ];
        env.extend(opts.env.iter().map(|(k, v)| format!("{k}={v}")));
        let mut args = vec![
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width,
            "-y",
            &height,
        ];
        for e in &env {
            args.extend(["-e", e.as_str()]);
        }
        args.push(&script);
        pane.tmux(&args);
        // Keep every byte the binary draws, for what is on screen only briefly (`drawn`).
        let log = pane.output_log();
        pane.tmux(&["pipe-pane", "-o", &format!("cat >> '{}'", log.display())]);
        pane.wait_for("dashboard", |s| s.contains("Incidents"));
        pane
    }

    /// Where this pane's output is kept (in the pane's data/config root).
    fn output_log(&self) -> std::path::PathBuf {
        self.dir.path().join(format!("{}.out", self.socket))
    }

    /// True when `text` was on one line of the screen at some moment since the binary started,
    /// replayed from everything it wrote (see [`ScreenLog`]). A status notice lives a few
    /// seconds on screen, less when the next one replaces it; once drawn, it is found here.
    pub fn was_drawn(&self, text: &str) -> bool {
        let bytes = std::fs::read(self.output_log()).unwrap_or_default();
        ScreenLog::replay(&String::from_utf8_lossy(&bytes), text)
    }

    /// Wait until the binary has drawn `text` at least once (see [`Pane::was_drawn`]): for
    /// notices, which a capture of the screen can miss on a loaded machine.
    pub fn wait_drawn(&self, what: &str, text: &str) {
        let start = Instant::now();
        while !self.was_drawn(text) {
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what} (`{text}` never drawn); screen:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        // A person's keys: apart from the previous ones by more than a paste burst's gap.
        std::thread::sleep(TYPING);
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Press decision keys once the call on screen is past the console's guard time.
    pub fn decide(&self, keys: &[&str]) {
        std::thread::sleep(GUARD);
        self.keys(keys);
    }

    pub fn literal(&self, text: &str) {
        std::thread::sleep(TYPING);
        self.tmux(&["send-keys", "-l", text]);
    }

    pub fn paste(&self, file: &Path) {
        let path = file.to_string_lossy();
        self.tmux(&["load-buffer", "-b", "alert", &path]);
        self.tmux(&["paste-buffer", "-p", "-b", "alert"]);
    }

    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL the opsassist process in the pane (a crash: no cleanup runs).
    pub fn kill_9(&self) {
        self.signal("-9");
        self.wait_for("crashed process gone", |s| s.contains("OPSASSIST-EXIT=137"));
    }

    /// Send `signal` (e.g. `-TERM`) to the opsassist process in the pane.
    pub fn signal(&self, signal: &str) {
        let out = self.tmux(&["display-message", "-p", "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let children = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep");
        let pids = String::from_utf8_lossy(&children.stdout).into_owned();
        let mut killed = 0;
        for pid in pids.split_whitespace() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "opsassist" {
                let status = Command::new("kill")
                    .args([signal, pid])
                    .status()
                    .expect("kill");
                assert!(status.success());
                killed += 1;
            }
        }
        assert_eq!(
            killed, 1,
            "opsassist process not found under pane shell {shell}"
        );
    }

    pub fn alternate_screen_on(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Paste an alert with the editor and submit it.
    pub fn open_incident(&self, nonce: &str) {
        let file = self.dir.path().join("alert.json");
        let alert = json!({
            "title": format!("High CPU on web-e2e {nonce}"),
            "host": "web-e2e",
            "severity": "critical",
            "description": "CPU above 90% for 10 minutes",
        });
        let text = serde_json::to_string_pretty(&alert).expect("json");
        std::fs::write(&file, text).expect("write alert");
        self.keys(&["n"]);
        self.wait_for("editor", |s| s.contains("New alert"));
        self.paste(&file);
        self.wait_for("pasted text", |s| s.contains(&format!("web-e2e {nonce}")));
        self.keys(&["C-s"]);
    }

    /// Quit (confirming if asked) and check the binary exited and left the alternate screen.
    pub fn quit(&self) {
        self.keys(&["q"]);
        let screen = self.wait_for("exit or quit prompt", |s| {
            s.contains("OPSASSIST-EXIT=") || s.contains("Quit opsassist?")
        });
        if screen.contains("Quit opsassist?") {
            self.keys(&["y"]);
        }
        let screen = self.wait_for("exit", |s| s.contains("OPSASSIST-EXIT="));
        assert!(screen.contains("OPSASSIST-EXIT=0"), "{screen}");
        assert!(
            !self.alternate_screen_on(),
            "terminal left in the alternate screen"
        );
        assert!(
            !screen.contains("Incidents"),
            "dashboard still visible after exit:\n{screen}"
        );
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The screen as the binary's output draws it, enough of a terminal for ratatui's frames:
/// cursor positioning (`CSI row;col H`), printable characters and line feeds; colours and
/// other sequences are skipped. ratatui redraws only the cells that changed, so a line of text
/// is only whole on this model screen, never in the raw bytes.
struct ScreenLog {
    rows: std::collections::BTreeMap<usize, Vec<char>>,
    row: usize,
    col: usize,
}

impl ScreenLog {
    /// True when `text` was on one row after some run of output in `raw`.
    fn replay(raw: &str, text: &str) -> bool {
        let mut screen = ScreenLog {
            rows: Default::default(),
            row: 0,
            col: 0,
        };
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\u{1b}' => {
                    if screen.row_has(text) {
                        return true;
                    }
                    match chars.next() {
                        Some('[') => {
                            let mut params = String::new();
                            for c in chars.by_ref() {
                                if ('@'..='~').contains(&c) {
                                    if c == 'H' || c == 'f' {
                                        screen.cursor_to(&params);
                                    }
                                    break;
                                }
                                params.push(c);
                            }
                        }
                        // OSC: up to BEL or ST (ESC \\).
                        Some(']') => {
                            while let Some(c) = chars.next() {
                                if c == '\u{7}'
                                    || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some())
                                {
                                    break;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                '\r' => screen.col = 0,
                '\n' => {
                    if screen.row_has(text) {
                        return true;
                    }
                    screen.row += 1;
                }
                c if c.is_control() => {}
                c => {
                    let line = screen.rows.entry(screen.row).or_default();
                    if line.len() <= screen.col {
                        line.resize(screen.col + 1, ' ');
                    }
                    line[screen.col] = c;
                    // A wide character takes two cells; ratatui skips the second.
                    screen.col += UnicodeWidthChar::width(c).unwrap_or(1).max(1);
                }
            }
        }
        screen.row_has(text)
    }

    /// `CSI row;col H` (1-based, either may be left out).
    fn cursor_to(&mut self, params: &str) {
        let mut at = params
            .split(';')
            .map(|n| n.parse::<usize>().unwrap_or(1).max(1) - 1);
        self.row = at.next().unwrap_or(0);
        self.col = at.next().unwrap_or(0);
    }

    fn row_has(&self, text: &str) -> bool {
        self.rows
            .get(&self.row)
            .is_some_and(|line| line.iter().collect::<String>().contains(text))
    }
}

/// A `local_shell` call of `command`.
pub fn tool_call(command: &str) -> Reply {
    Reply::ToolCalls(vec![("local_shell".into(), json!({ "command": command }))])
}
