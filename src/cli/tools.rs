//! `opsassist tools`: list the loaded tools and validate a tools.toml.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;
use opsassist::text::neutralize_line;
use opsassist::tools::ToolRegistry;

use super::EXIT_BAD_INPUT;

/// `opsassist tools` subcommands.
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Show the tools in use: name, target, timeout, description and what runs
    List,
    /// Validate a tools file (default: the one in use); errors name the tool and field
    Check {
        /// The tools.toml to check [default: config dir's tools.toml, else the built-in one]
        file: Option<PathBuf>,
    },
}

/// Run `opsassist tools`.
pub fn run(paths: &Paths, cmd: ToolsCommand) -> anyhow::Result<ExitCode> {
    let loaded = match &cmd {
        ToolsCommand::Check { file: Some(file) } => ToolRegistry::load_file(file),
        _ => ToolRegistry::load(&paths.config_dir),
    };
    let registry = match loaded {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("opsassist: {}", neutralize_line(&err.to_string()));
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    // `list` describes the tools in force, so the config must load (as `doctor` checks it).
    let docker_configured = match &cmd {
        ToolsCommand::List => match opsassist::config::Config::load_for(paths) {
            Ok(config) => config.watch.docker != opsassist::docker::DockerWatchConfig::default(),
            Err(err) => {
                eprintln!("opsassist: {}", neutralize_line(&err.to_string()));
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        },
        ToolsCommand::Check { .. } => true,
    };
    let mut summaries = registry.summaries();
    let docker_tools = summaries
        .iter()
        .filter(|s| s.target.starts_with("docker:"))
        .count();
    if !docker_configured {
        summaries.retain(|s| !s.target.starts_with("docker:"));
    }
    match cmd {
        ToolsCommand::Check { .. } => {
            println!("ok: {}: {} tools", registry.origin(), summaries.len());
        }
        ToolsCommand::List => {
            println!("tools from {}", registry.origin());
            let width = summaries
                .iter()
                .map(|s| s.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let twidth = summaries
                .iter()
                .map(|s| s.target.len())
                .max()
                .unwrap_or(6)
                .max(6);
            println!(
                "{:width$}  {:twidth$}  {:>7}  DESCRIPTION",
                "NAME", "TARGET", "TIMEOUT"
            );
            for s in summaries {
                println!(
                    "{:width$}  {:twidth$}  {:>6}s  {}",
                    neutralize_line(&s.name),
                    neutralize_line(&s.target),
                    s.timeout.as_secs(),
                    neutralize_line(&s.description)
                );
                println!("{:width$}  runs: {}", "", neutralize_line(&s.template));
            }
            if docker_tools > 0 && !docker_configured {
                println!(
                    "note: {docker_tools} docker: tools left out: config.toml has no [watch.docker]; \
                     they are offered to the model only while a Docker watcher runs in the same \
                     process (`opsassist tui --watch docker`, `opsassist serve --watch docker`)"
                );
            } else if docker_tools > 0 {
                println!(
                    "note: the {docker_tools} docker: tools are offered to the model only while a Docker \
                     watcher runs in the same process (`opsassist tui --watch docker`), scoped to the \
                     containers matching [watch.docker] labels; otherwise they are left out"
                );
            }
            list_mcp(paths);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The `[[mcp]]` servers' tools beside the others: each server is started to list them.
fn list_mcp(paths: &Paths) {
    let config = match opsassist::config::Config::load_for(paths) {
        Ok(config) if config.mcp.is_empty() => return,
        Ok(config) => config,
        Err(err) => {
            println!("mcp: not listed: {}", neutralize_line(&err.to_string()));
            return;
        }
    };
    let reports = match opsassist::mcp::report::probe_blocking(&config.mcp) {
        Ok(reports) => reports,
        Err(err) => {
            println!("mcp: not listed: {err}");
            return;
        }
    };
    for report in reports {
        let trust = opsassist::mcp::report::trust_word(report.trusted);
        match report.tools {
            Ok(tools) => {
                println!(
                    "mcp server {} ({trust}): {}",
                    neutralize_line(&report.name),
                    neutralize_line(&report.endpoint)
                );
                for tool in tools {
                    println!(
                        "{}  mcp:{}  {:>6}s  [{}] {}",
                        neutralize_line(&tool.public),
                        neutralize_line(&tool.server),
                        config
                            .mcp
                            .iter()
                            .find(|c| c.name == tool.server)
                            .map_or(0, |c| c.timeout().as_secs()),
                        tool.class.as_str(),
                        neutralize_line(&tool.description)
                    );
                }
            }
            Err(err) => println!(
                "mcp server {} ({trust}): broken: {}",
                neutralize_line(&report.name),
                neutralize_line(&err)
            ),
        }
    }
}
