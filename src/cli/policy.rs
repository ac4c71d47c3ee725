//! `opsassist policy`: explain what the gate would do with a command (class, prefix, rules,
//! heal/check outcome) and check approval rules files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use serde::Serialize;

use opsassist::config::Config;
use opsassist::paths::Paths;
use opsassist::policy;
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
        /// Print one JSON object (stable fields, `"version": 1`) instead of text
        #[arg(long)]
        json: bool,
        /// The JSON arguments of a call of an MCP tool (`--tool mcp__fs__write_file`), instead
        /// of a command; its `[[mcp]]` server is started to learn the tool's class
        #[arg(long, requires = "tool", conflicts_with = "command")]
        args: Option<String>,
        /// The command (after `--`)
        #[arg(
            required_unless_present = "args",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
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
            json,
            args,
            command,
        } => match (args, tool) {
            (Some(args), Some(tool)) => explain_mcp(paths, &tool, &args, json),
            (_, tool) => explain(paths, &target, tool, &command.join(" "), json),
        },
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
                let mut set = RuleSet::new(
                    config
                        .hosts
                        .iter()
                        .map(|(name, host)| (name.clone(), host.tags.clone()))
                        .collect(),
                );
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

/// Everything `policy explain` says about one command, printed as text or as JSON.
#[derive(Debug, Serialize)]
struct Explained {
    /// Bumped only when a field changes meaning or goes away.
    version: u32,
    command: String,
    target: String,
    tool: String,
    class: &'static str,
    class_reason: String,
    /// None: no prefix or allow rule can cover the command.
    prefix: Option<PrefixOut>,
    rules_loaded: usize,
    /// Every rule that matches, in load order.
    rules: Vec<RuleOut>,
    heal: VerdictOut,
    check: VerdictOut,
}

#[derive(Debug, Serialize)]
struct PrefixOut {
    text: String,
    class: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleOut {
    action: &'static str,
    /// "rule `name` (file:line)".
    label: String,
    reason: String,
    wins: bool,
}

#[derive(Debug, Serialize)]
struct VerdictOut {
    /// `run`, `ask`, `ask_confirm` (approval needs the typed `yes`) or `refuse`.
    outcome: &'static str,
    /// The rule that runs it, or the refusal's reason (empty for ask).
    detail: String,
}

fn explain(
    paths: &Paths,
    target: &str,
    tool: Option<String>,
    command: &str,
    json: bool,
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
    let classified = policy::classify(command);
    let prefix = policy::approval_prefix_for(command).map(|p| PrefixOut {
        text: p.text,
        class: p.class.as_str(),
    });
    let explained = explained(&config, &tool, &target, command, &classified, prefix);
    print_explained(&explained, json)
}

/// `policy explain --tool mcp__… --args JSON`: the call resolved as a session would (its
/// server started), its class, the rules that match and the verdicts.
fn explain_mcp(paths: &Paths, tool: &str, args: &str, json: bool) -> anyhow::Result<ExitCode> {
    let config = match Config::load_for(paths) {
        Ok(config) => config,
        Err(err) => return Ok(bad(&err.to_string())),
    };
    let resolved = match opsassist::mcp::report::resolve_blocking(&config.mcp, tool, args) {
        Ok(resolved) => resolved,
        Err(err) => return Ok(bad(&err)),
    };
    let classified = opsassist::session::edit::classify_call(&resolved);
    let target = &resolved.target;
    let offer =
        opsassist::session::gate::offer_call(classified.class, tool, target, &resolved.command);
    let prefix = offer.prefix.map(|text| PrefixOut {
        text,
        class: classified.class.as_str(),
    });
    let explained = explained(
        &config,
        tool,
        target,
        &resolved.command,
        &classified,
        prefix,
    );
    print_explained(&explained, json)
}

/// What `policy explain` says of one resolved call: its class, the rules that match (the
/// winner marked) and the gate's verdict in heal and check mode, as a session would screen
/// it (and, when it asks, whether approval needs `yes`, from the gate's offer).
fn explained(
    config: &Config,
    tool: &str,
    target: &Target,
    command: &str,
    classified: &policy::Classification,
    prefix: Option<PrefixOut>,
) -> Explained {
    let auto_read_only = config.policy.auto_approve.as_deref().map(str::trim) == Some("read-only");
    let outcome = config.rules.evaluate(Some(tool), target, command);
    let offer = opsassist::session::gate::offer_call(classified.class, tool, target, command);
    let verdict = |mode: Mode| {
        let gate = Gate::new(mode, auto_read_only).with_rules(Arc::clone(&config.rules));
        to_verdict(
            gate.screen_call(classified.class, Some(tool), target, command),
            &offer,
        )
    };
    Explained {
        version: 1,
        command: command.to_string(),
        target: target.to_string(),
        tool: tool.to_string(),
        class: classified.class.as_str(),
        class_reason: classified.reason.clone(),
        prefix,
        rules_loaded: config.rules.all().len(),
        rules: outcome
            .hits
            .iter()
            .map(|hit| RuleOut {
                action: hit.action.as_str(),
                label: hit.label.clone(),
                reason: hit.reason.clone(),
                wins: outcome.winner.as_ref() == Some(hit),
            })
            .collect(),
        heal: verdict(Mode::Heal),
        check: verdict(Mode::Check),
    }
}

fn print_explained(explained: &Explained, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", opsassist::text::json_pretty(explained)?);
    } else {
        print_text(explained);
    }
    Ok(ExitCode::SUCCESS)
}

/// The gate's screening of a call, and (when it asks) whether an approval then needs `yes`,
/// as the gate's offer says.
fn to_verdict(screen: Screen, offer: &opsassist::session::gate::Offer) -> VerdictOut {
    match screen {
        Screen::Auto(rule) => VerdictOut {
            outcome: "run",
            detail: rule,
        },
        Screen::Ask if offer.needs_confirm => VerdictOut {
            outcome: "ask_confirm",
            detail: String::new(),
        },
        Screen::Ask => VerdictOut {
            outcome: "ask",
            detail: String::new(),
        },
        Screen::Refuse(reason) => VerdictOut {
            outcome: "refuse",
            detail: reason,
        },
    }
}

fn print_text(e: &Explained) {
    let show = neutralize_line;
    println!("command: {}", show(&e.command));
    println!(
        "target:  {}   tool: {}",
        show(&e.target.to_string()),
        show(&e.tool)
    );
    println!("class:   {} ({})", e.class, show(&e.class_reason));
    match &e.prefix {
        Some(prefix) => println!("prefix:  `{}` ({})", show(&prefix.text), prefix.class),
        None => println!(
            "prefix:  none (chained, substituted, redirected, wrapped or destructive: no prefix or allow rule can cover it)"
        ),
    }
    if e.rules.is_empty() {
        println!("rules:   none match ({} loaded)", e.rules_loaded);
    } else {
        println!("rules:");
        for rule in &e.rules {
            println!(
                "  {:6} {}{}{}",
                rule.action,
                show(&rule.label),
                if rule.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", show(&rule.reason))
                },
                if rule.wins { "   <- wins" } else { "" }
            );
        }
    }
    for (name, verdict) in [("heal", &e.heal), ("check", &e.check)] {
        let line = match verdict.outcome {
            "run" => format!("run without asking ({})", show(&verdict.detail)),
            "ask_confirm" => "ask, approval needs the typed word `yes`".into(),
            "refuse" => format!("refuse: {}", show(&verdict.detail)),
            _ => "ask".into(),
        };
        println!("{name:6} {line}");
    }
}
