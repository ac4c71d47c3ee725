//! `opsassist doctor`: check config, tools, the LLM server (and what the model can do: native
//! or text tool calls, streaming, context length) and every inventory host.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use opsassist::config::Config;
use opsassist::exec::SshClient;
use opsassist::llm::probe::SavedVerdict;
use opsassist::paths::Paths;
use opsassist::text::neutralize_line;
use opsassist::tools::ToolRegistry;

/// Arguments of `opsassist doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Skip the LLM server check (only config, tools and ssh hosts)
    #[arg(long)]
    pub no_llm: bool,
    /// The same provider flags as `tui` and `run` (--provider, --model, --base-url …)
    #[command(flatten)]
    pub provider: super::common::ProviderArgs,
}

fn ok(what: &str, detail: &str) {
    println!("ok  {what} {}", neutralize_line(detail));
}

fn fail(what: &str, detail: &str) {
    println!("FAIL {what}: {}", neutralize_line(detail));
}

/// Run `opsassist doctor`. Exits non-zero when any check failed.
pub fn run(paths: &Paths, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    let config = match Config::load_for(paths) {
        Ok(mut config) => {
            args.provider.apply_provider(&mut config);
            let note = if paths.config_file.exists() {
                ""
            } else {
                " (absent: defaults)"
            };
            ok("config", &format!("{}{note}", paths.config_file.display()));
            config
        }
        Err(err) => {
            fail("config", &err.to_string());
            return Ok(ExitCode::FAILURE);
        }
    };
    // Every file the config names, then the team database: one line each, with the fix.
    for file in super::doctor_files::files_named(&config, &paths.config_dir) {
        match super::doctor_files::check(&file) {
            Ok(detail) => ok(&file.what, &detail),
            Err(why) => {
                failed += 1;
                fail(&file.what, &why);
            }
        }
    }
    {
        use super::doctor_files::StoreVerdict;
        match super::doctor_files::check_store(&config) {
            StoreVerdict::Files => println!(
                "--  store: files in {} (no [store] url: one operator)",
                neutralize_line(&paths.data_dir.display().to_string())
            ),
            StoreVerdict::Ok(url) => ok(
                "store",
                &format!("{url}: connected, authenticated, grants present"),
            ),
            StoreVerdict::Unreachable(why) => {
                failed += 1;
                fail("store unreachable", &why);
            }
            StoreVerdict::Authentication(why) => {
                failed += 1;
                fail("store authentication", &why);
            }
            StoreVerdict::Grants(why) => {
                failed += 1;
                fail("store grants", &why);
            }
            StoreVerdict::Other(why) => {
                failed += 1;
                fail("store", &why);
            }
        }
    }
    match opsassist::tui::keymap::Keymap::from_config(&config.keys) {
        Ok(_) if config.keys.is_empty() => ok("keys", "defaults"),
        Ok(_) => ok(
            "keys",
            &format!("{} override(s) in [keys]", config.keys.len()),
        ),
        Err(err) => {
            failed += 1;
            fail("keys", &err.to_string());
        }
    }
    match ToolRegistry::load(&paths.config_dir) {
        Ok(tools) => ok(
            "tools",
            &format!("{} tools from {}", tools.summaries().len(), tools.origin()),
        ),
        Err(err) => {
            failed += 1;
            fail("tools", &err.to_string());
        }
    }
    failed += check_mcp(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if !args.no_llm {
            failed += usize::from(!check_llm(&config, &paths.data_dir).await);
        }
        if config.hosts.is_empty() {
            println!("--  hosts: none in config.toml ([hosts.NAME] destination = \"...\")");
        }
        let ssh = SshClient::new(&config.ssh, &paths.data_dir);
        let probes = config.hosts.iter().map(|(name, host)| {
            let ssh = &ssh;
            async move { (name, host, ssh.probe(host).await) }
        });
        for (name, host, result) in futures::future::join_all(probes).await {
            match result {
                Ok(rtt) => {
                    let port = host.port.map(|p| format!(" port {p}")).unwrap_or_default();
                    ok(
                        name,
                        &format!("({}{port}) {} ms", host.destination, rtt.as_millis()),
                    );
                }
                Err(reason) => {
                    failed += 1;
                    fail(name, &reason);
                }
            }
        }
    });
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Build the configured provider and probe it; prints one line. True when reachable.
async fn check_llm(config: &Config, data_dir: &std::path::Path) -> bool {
    let provider = match opsassist::llm::build_provider(&config.llm) {
        Ok(provider) => provider,
        Err(err) => {
            fail("llm", &err.to_string());
            return false;
        }
    };
    let what = format!(
        "{} model {} at {}",
        provider.name(),
        provider.model(),
        provider.base_url()
    );
    match tokio::time::timeout(Duration::from_secs(20), provider.probe()).await {
        Ok(Ok(())) => {
            ok("llm", &what);
            check_model(provider.as_ref(), config, data_dir).await
        }
        Ok(Err(err)) => {
            fail("llm", &format!("{what}: {err}"));
            false
        }
        Err(_) => {
            fail("llm", &format!("{what}: no answer in 20 s"));
            false
        }
    }
}

/// Probe what the model can do with one short request; prints the verdict and a
/// recommendation. True when the console can use the model in some `tool_calls` mode.
async fn check_model(
    provider: &dyn opsassist::llm::Provider,
    config: &Config,
    data_dir: &std::path::Path,
) -> bool {
    let http = reqwest::Client::new();
    let secs = config.llm.request_timeout_secs.clamp(5, 300);
    let probe = opsassist::llm::probe::probe_capabilities(provider, &http);
    let caps = match tokio::time::timeout(Duration::from_secs(secs), probe).await {
        Ok(Ok(caps)) => caps,
        Ok(Err(err)) => {
            fail("model", &format!("the probe request failed: {err}"));
            return false;
        }
        Err(_) => {
            fail("model", &format!("no answer to the probe in {secs} s"));
            return false;
        }
    };
    if let Some(why) = &caps.tools_field_rejected {
        println!(
            "--  model: the server refused the tools field ({}); probed in text mode",
            neutralize_line(why)
        );
    }
    if caps.usable() {
        ok("model", &caps.summary());
    } else {
        fail("model", &caps.summary());
    }
    println!(
        "--  recommendation: {}",
        neutralize_line(&caps.recommendation())
    );
    // The console shows this verdict when it connects to the same server and model.
    if let Err(err) = SavedVerdict::new(provider, &caps).save(data_dir) {
        println!("--  model: verdict not saved for the console: {err}");
    }
    caps.usable()
}

/// Start each `[[mcp]]` server and list its tools with class and trust; the number broken.
fn check_mcp(config: &Config) -> usize {
    if config.mcp.is_empty() {
        return 0;
    }
    let reports = match opsassist::mcp::report::probe_blocking(&config.mcp) {
        Ok(reports) => reports,
        Err(err) => {
            fail("mcp", &format!("no runtime: {err}"));
            return 1;
        }
    };
    let mut broken = 0;
    for report in reports {
        let what = format!("mcp {}", report.name);
        let trust = opsassist::mcp::report::trust_word(report.trusted);
        match &report.tools {
            Ok(tools) => {
                ok(
                    &what,
                    &format!(
                        "working ({}, {trust}): {} tools",
                        report.endpoint,
                        tools.len()
                    ),
                );
                for tool in tools {
                    println!(
                        "      {} [{}] {}",
                        neutralize_line(&tool.public),
                        tool.class.as_str(),
                        neutralize_line(&tool.class_reason)
                    );
                }
                for skipped in &report.skipped {
                    println!("      not offered: {}", neutralize_line(skipped));
                }
            }
            Err(err) => {
                broken += 1;
                fail(
                    &what,
                    &format!("broken ({}, {trust}): {err}", report.endpoint),
                );
            }
        }
    }
    broken
}
