//! The README is tested: every fenced block of README.md is run, loaded, or says why not.
//!
//! - `sh`/`bash`/`console` blocks run in order, each with `bash -e -o pipefail`, in one
//!   sandbox: a temporary HOME (so `~/.config/opsassist` and `~/.local/share/opsassist` are in
//!   it; the XDG and `OPSASSIST_*` variables are removed), the working directory a temporary
//!   dir, the built `opsassist` first on PATH, and every `/etc/opsassist` in the block
//!   replaced by a temporary directory (the one mapping, documented in the README);
//! - `toml` blocks are loaded with opsassist's own loaders: a block with `[[rule]]` as a
//!   rules file (against the inventory the config blocks before it define), any other as
//!   config.toml (so a duplicate key or an unknown field fails). A block whose first line is
//!   `# NAME.toml` (other than config.toml) is also saved as NAME in the working directory,
//!   as a reader would save it, for the blocks after it;
//! - `json` blocks are parsed; `sql` blocks are run by tests/team_ops.rs (checked here);
//! - the two setup commands (`<!-- run-command -->`, `<!-- test-command -->`) are checked to
//!   name what exists;
//! - any other block needs the exact line `<!-- not-run: REASON -->` directly above its
//!   opening fence.
//!
//! A block that fails, or is neither run, loaded nor marked, fails the test with its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use opsassist::config::Config;
use opsassist::session::rules::RuleSet;

/// One fenced block.
#[derive(Debug, Clone)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    body: String,
    /// The line directly above the opening fence, trimmed.
    above: String,
}

/// Every fenced block of `text`, in order.
fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        match open.take() {
            None => {
                if let Some(lang) = trimmed.strip_prefix("```") {
                    open = Some(Block {
                        line: i + 1,
                        lang: lang.trim().to_string(),
                        body: String::new(),
                        above: i
                            .checked_sub(1)
                            .and_then(|j| lines.get(j))
                            .map(|l| l.trim().to_string())
                            .unwrap_or_default(),
                    });
                }
            }
            Some(mut block) => {
                if trimmed == "```" {
                    out.push(block);
                } else {
                    // Blocks inside list items are indented: drop the fence's indent.
                    let indent =
                        lines[block.line - 1].len() - lines[block.line - 1].trim_start().len();
                    let cut = line.len() - line.trim_start().len();
                    block.body.push_str(&line[indent.min(cut)..]);
                    block.body.push('\n');
                    open = Some(block);
                }
            }
        }
    }
    if let Some(block) = open {
        out.push(Block {
            body: "(unclosed)".into(),
            ..block
        });
    }
    out
}

/// The sandbox the blocks run in.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    work: PathBuf,
    bin: PathBuf,
    /// What `/etc/opsassist` becomes.
    etc: PathBuf,
}

impl Sandbox {
    fn new(binary: &Path) -> Sandbox {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path().to_path_buf();
        let (home, work, bin) = (root.join("home"), root.join("work"), root.join("bin"));
        for d in [&home, &work, &bin] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        }
        std::os::unix::fs::symlink(binary, bin.join("opsassist"))
            .unwrap_or_else(|e| panic!("symlink: {e}"));
        Sandbox {
            etc: root.join("etc/opsassist"),
            _dir: dir,
            root,
            home,
            work,
            bin,
        }
    }

    /// `text` with `/etc/opsassist` mapped into the sandbox.
    fn map(&self, text: &str) -> String {
        text.replace("/etc/opsassist", &self.etc.display().to_string())
    }

    /// Run one shell block; Err with its exit status and last lines of output.
    fn run(&self, script: &str) -> Result<(), String> {
        let mut cmd = Command::new("timeout");
        cmd.args(["120", "bash", "-e", "-o", "pipefail", "-c"])
            .arg(self.map(script))
            .current_dir(&self.work)
            .env("HOME", &self.home)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    self.bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .stdin(std::process::Stdio::null());
        for (key, _) in std::env::vars() {
            if key.starts_with("OPSASSIST_")
                || key.starts_with("XDG_")
                || key.starts_with("OPENAI_")
                || key == "OLLAMA_HOST"
                || key == "DOCKER_HOST"
            {
                cmd.env_remove(&key);
            }
        }
        // Its own process group: whatever the block leaves running is stopped with it.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd.spawn().map_err(|e| format!("cannot run bash: {e}"))?;
        let group = nix::unistd::Pid::from_raw(child.id() as i32);
        let out = child.wait_with_output();
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let out = out.map_err(|e| format!("bash: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(6)..].join(" | ");
        Err(format!("failed ({}): {tail}", out.status))
    }
}

/// What the README test knows while it walks the blocks.
struct Walk<'a> {
    sandbox: &'a Sandbox,
    /// Inventory host tags from the config blocks so far (for rules blocks).
    inventory: BTreeMap<String, Vec<String>>,
    /// The source tree (for the setup commands and tests/team_ops.rs).
    repo: PathBuf,
    /// Blocks run and blocks loaded so far.
    ran: usize,
    loaded: usize,
}

const NOT_RUN: &str = "<!-- not-run: ";

impl Walk<'_> {
    /// Check one block: Ok, or why it fails (without the line number).
    fn check(&mut self, block: &Block) -> Result<(), String> {
        if let Some(reason) = block
            .above
            .strip_prefix(NOT_RUN)
            .and_then(|r| r.strip_suffix(" -->"))
        {
            return if reason.trim().is_empty() {
                Err("the not-run marker gives no reason".into())
            } else {
                Ok(())
            };
        }
        match block.above.as_str() {
            "<!-- run-command -->" => return self.setup_command(block, "cargo run"),
            "<!-- test-command -->" => return self.setup_command(block, ""),
            _ => {}
        }
        match block.lang.as_str() {
            "sh" | "bash" | "console" | "shell" => {
                self.ran += 1;
                self.sandbox.run(&block.body)
            }
            "toml" => {
                self.loaded += 1;
                self.load_toml(block)
            }
            "json" => serde_json::from_str::<serde_json::Value>(&block.body)
                .map(|_| ())
                .map_err(|e| format!("invalid JSON: {e}")),
            "sql" => self.sql_run_elsewhere(block),
            lang => Err(format!(
                "a ```{lang} block that is neither run nor loaded: put `<!-- not-run: REASON -->` on the line directly above it"
            )),
        }
    }

    /// The setup commands stay as written; they must name what exists.
    fn setup_command(&self, block: &Block, prefix: &str) -> Result<(), String> {
        let command = block.body.trim();
        if !prefix.is_empty() {
            return if command.starts_with(prefix) {
                Ok(())
            } else {
                Err(format!("the run command should start with `{prefix}`"))
            };
        }
        let program = command
            .split_whitespace()
            .find(|w| w.ends_with(".sh"))
            .ok_or("the test command names no script")?;
        let path = self.repo.join(program);
        if path.is_file() {
            Ok(())
        } else {
            Err(format!(
                "the test command's {} does not exist",
                path.display()
            ))
        }
    }

    fn load_toml(&mut self, block: &Block) -> Result<(), String> {
        let body = self.sandbox.map(&block.body);
        let saved_as = body
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .and_then(|l| l.split_whitespace().next())
            .filter(|name| name.ends_with(".toml") && *name != "config.toml");
        if body.contains("[[rule]]") {
            let name = saved_as.unwrap_or("rules-block.toml");
            let dir = self.sandbox.root.join(format!("rules-{}", block.line));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let path = dir.join(name);
            std::fs::write(&path, &body).map_err(|e| e.to_string())?;
            RuleSet::load(&dir, &[path], self.inventory.clone())
                .map_err(|e| format!("not a valid rules file: {e}"))?;
        } else {
            let config =
                Config::parse(&body).map_err(|e| format!("not a valid config.toml: {e}"))?;
            for (name, host) in &config.hosts {
                self.inventory.insert(name.clone(), host.tags.clone());
            }
        }
        if let Some(name) = saved_as {
            std::fs::write(self.sandbox.work.join(name), &body).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The team-mode SQL blocks start `-- step N`; tests/team_ops.rs runs them by that line.
    fn sql_run_elsewhere(&self, block: &Block) -> Result<(), String> {
        let first = block.body.lines().next().unwrap_or_default();
        let step = first
            .strip_prefix("-- step ")
            .and_then(|s| s.split(':').next())
            .ok_or(
                "a sql block must start `-- step N:` (tests/team_ops.rs runs it by that line)",
            )?;
        let team_ops = std::fs::read_to_string(self.repo.join("tests/team_ops.rs"))
            .map_err(|e| format!("tests/team_ops.rs: {e}"))?;
        if team_ops.contains(&format!("readme_sql(\"-- step {step}\")")) {
            Ok(())
        } else {
            Err(format!("tests/team_ops.rs does not run `-- step {step}`"))
        }
    }
}

/// Every problem in `readme`, one line each (`README.md:LINE: …`), and how many blocks ran
/// and loaded.
fn check_readme(readme: &str, repo: &Path) -> (Vec<String>, usize, usize) {
    let sandbox = Sandbox::new(Path::new(env!("CARGO_BIN_EXE_opsassist")));
    let mut walk = Walk {
        sandbox: &sandbox,
        inventory: BTreeMap::new(),
        repo: repo.to_path_buf(),
        ran: 0,
        loaded: 0,
    };
    let mut problems = Vec::new();
    for block in blocks(readme) {
        if let Err(why) = walk.check(&block) {
            problems.push(format!(
                "README.md:{}: ```{} block: {why}",
                block.line, block.lang
            ));
        }
    }
    (problems, walk.ran, walk.loaded)
}

#[test]
fn every_readme_block_runs_loads_or_says_why_not() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let all = blocks(&readme);
    assert!(all.len() > 30, "only {} blocks found", all.len());
    let (problems, ran, loaded) = check_readme(&readme, repo);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    // The token and config, a scripted eval, the policy checks; every config and rules block.
    assert!(ran >= 3, "only {ran} shell blocks ran");
    assert!(loaded >= 10, "only {loaded} toml blocks loaded");
}

/// The checker itself: an unmarked block, a broken config, a rules file that fails its own
/// examples, a failing command and an empty reason are each reported with their line; a marked
/// block, a working command and a valid config are not.
#[test]
fn the_checker_names_broken_and_unmarked_blocks_by_line() {
    let fake = "\
# Title

```yaml
a: 1
```

<!-- not-run: needs a thing we do not have -->
```yaml
b: 2
```

```toml
[llm]
model = \"a\"

[llm]
model = \"b\"
```

```sh
mkdir -p /etc/opsassist && echo x > /etc/opsassist/t && test -s /etc/opsassist/t
opsassist --help >/dev/null
```

```sh
false
```

```toml
[[rule]]
name = \"r\"
action = \"allow\"
prefix = \"systemctl status\"
reason = \"x\"
match = [\"systemctl restart nginx\"]
```

<!-- not-run:  -->
```text
x
```

```toml
[policy]
mode = \"check\"
```
";
    let (problems, ran, loaded) = check_readme(fake, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!((ran, loaded), (2, 3));
    let lines: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        lines,
        [
            "README.md:3",
            "README.md:12",
            "README.md:25",
            "README.md:29",
            "README.md:39"
        ],
        "{problems:#?}"
    );
    assert!(problems[0].contains("not-run: REASON"), "{}", problems[0]);
    assert!(problems[1].contains("duplicate key"), "{}", problems[1]);
    assert!(problems[2].contains("failed"), "{}", problems[2]);
    assert!(problems[3].contains("rules file"), "{}", problems[3]);
    assert!(problems[4].contains("no reason"), "{}", problems[4]);
}
