//! `opsassist policy`: explain what the gate would do with a command (class, prefix, rules,
//! heal/check outcome) and check approval rules files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use opsassist::config::Config;
use opsassist::paths::Paths;
use opsassist::policy::{self, Class};
use opsassist::protocol::{Mode, Target};
use opsassist::session::gate::{Gate, Screen};
use opsassist::session::rules::RuleSet;
use opsassist::text::neutralize_line;

use super::EXIT_BAD_INPUT;

/// `opsassist policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show a command's class and why, its prefix, the rules that match and what the gate
    /// would do in heal and in check mode
    Explain {
        /// Where it would run: `local` or an inventory host name
        #[arg(long, default_value = "local")]
        target: String,
        /// The tool that would run it [default: local_shell locally, remote_shell on a host]
        #[arg(long)]
        tool: Option<String>,
        /// The command (after `--`)
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// Validate approval rules files and their examples (default: the ones in use)
    Check {
        /// A rules file to check instead of rules.toml and `[policy] rules`
        file: Option<PathBuf>,
    },
}

/// Run `opsassist policy`.
pub fn run(paths: &Paths, cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Check { file } => Ok(check(paths, file)),
        PolicyCommand::Explain {
            target,
            tool,
            command,
        } => explain(paths, &target, tool, &command.join(" ")),
    }
}

fn bad(message: &str) -> ExitCode {
    eprintln!("opsassist: {}", neutralize_line(message));
    ExitCode::from(EXIT_BAD_INPUT)
}

fn check(paths: &Paths, file: Option<PathBuf>) -> ExitCode {
    let loaded = match file {
        Some(file) => Config::load(&paths.config_file)
            .map_err(|e| e.to_string())
            .and_then(|config| {
                let mut set = RuleSet {
                    rules: Vec::new(),
                    host_tags: config
                        .hosts
                        .iter()
                        .map(|(name, host)| (name.clone(), host.tags.clone()))
                        .collect(),
                };
                set.add_file(&file).map_err(|e| e.to_string())?;
                Ok((set, file.display().to_string()))
            }),
        None => Config::load_for(paths)
            .map_err(|e| e.to_string())
            .map(|config| {
                let rules = Arc::unwrap_or_clone(config.rules);
                (rules, paths.config_dir.display().to_string())
            }),
    };
    match loaded {
        Ok((set, origin)) => {
            let examples: usize = set
                .rules
                .iter()
                .map(|r| r.matches.len() + r.not_match.len())
                .sum();
            println!(
                "ok: {}: {} rules, {examples} examples pass",
                neutralize_line(&origin),
                set.rules.len()
            );
            ExitCode::SUCCESS
        }
        Err(err) => bad(&err),
    }
}

fn explain(
    paths: &Paths,
    target: &str,
    tool: Option<String>,
    command: &str,
) -> anyhow::Result<ExitCode> {
    let config = match Config::load_for(paths) {
        Ok(config) => config,
        Err(err) => return Ok(bad(&err.to_string())),
    };
    let target = if target == "local" {
        Target::Local
    } else if config.hosts.contains_key(target) {
        Target::Ssh {
            host: target.to_string(),
        }
    } else {
        return Ok(bad(&format!(
            "--target `{target}` is not `local` or an inventory host"
        )));
    };
    let tool = tool.unwrap_or_else(|| match target {
        Target::Local => "local_shell".into(),
        _ => "remote_shell".into(),
    });
    let auto_read_only = config.policy.auto_approve.as_deref().map(str::trim) == Some("read-only");
    let classified = policy::classify(command);
    let show = neutralize_line;
    println!("command: {}", show(command));
    println!("target:  {target}   tool: {}", show(&tool));
    println!(
        "class:   {} ({})",
        classified.class.as_str(),
        show(&classified.reason)
    );
    match policy::approval_prefix_for(command) {
        Some(prefix) => println!(
            "prefix:  `{}` ({})",
            show(&prefix.text),
            prefix.class.as_str()
        ),
        None => println!(
            "prefix:  none (chained, substituted, redirected, wrapped or destructive: no prefix or allow rule can cover it)"
        ),
    }
    let outcome = config.rules.evaluate(Some(&tool), &target, command);
    if outcome.hits.is_empty() {
        println!("rules:   none match ({} loaded)", config.rules.rules.len());
    } else {
        println!("rules:");
        for hit in &outcome.hits {
            let wins = outcome.winner.as_ref() == Some(hit);
            println!(
                "  {:6} {}{}{}",
                hit.action.as_str(),
                show(&hit.label),
                if hit.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", show(&hit.reason))
                },
                if wins { "   <- wins" } else { "" }
            );
        }
    }
    for mode in [Mode::Heal, Mode::Check] {
        let gate = Gate::new(mode, auto_read_only).with_rules(Arc::clone(&config.rules));
        let verdict = match gate.screen_call(classified.class, Some(&tool), &target, command) {
            Screen::Auto(rule) => format!("run without asking ({})", show(&rule)),
            Screen::Ask if classified.class == Class::Destructive => {
                "ask, approval needs the typed word `yes`".into()
            }
            Screen::Ask => "ask".into(),
            Screen::Refuse(reason) => format!("refuse: {}", show(&reason)),
        };
        let name = match mode {
            Mode::Heal => "heal",
            Mode::Check => "check",
        };
        println!("{name:6} {verdict}");
    }
    Ok(ExitCode::SUCCESS)
}
