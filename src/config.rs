//! `config.toml`: provider, limits, ssh inventory, policy and keymap settings, all optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::protocol::Mode;

/// Problems reading the config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A rules file failed to load or one of its examples failed (one line, file:line).
    #[error("approval rules: {0}")]
    Rules(#[from] crate::session::rules::RulesError),
}

/// The whole config file. Every section is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub llm: LlmConfig,
    pub limits: Limits,
    /// `[exec]`: what happens to commands that outlived opsassist.
    pub exec: ExecConfig,
    pub ssh: SshConfig,
    /// The ssh inventory: the only hosts a tool may target, by name.
    pub hosts: BTreeMap<String, HostEntry>,
    pub policy: PolicyConfig,
    /// Key binding overrides for the TUI: action name → key (e.g. `approve = "z"`).
    pub keys: BTreeMap<String, String>,
    pub learning: LearningConfig,
    pub audit: AuditConfig,
    pub tui: TuiConfig,
    /// `[ui]`: the console's bell and mouse.
    pub ui: UiConfig,
    pub intake: IntakeConfig,
    /// `[watch.docker]`: the Docker watcher.
    pub watch: crate::docker::WatchConfig,
    /// `[notify]`: email, Slack and webhook notifications of incidents.
    pub notify: crate::notify::NotifyConfig,
    /// `[store]`: where incidents, claims (and in team mode more) live.
    pub store: StoreConfig,
    /// `[team]`: who this operator is.
    pub team: TeamConfig,
    /// `[[mcp]]`: MCP tool servers whose tools are offered behind the gate.
    pub mcp: Vec<crate::mcp::McpServerConfig>,
    /// The approval rules in force (`rules.toml` and `[policy] rules`), loaded by
    /// [`Config::load_for`]; not a config.toml section.
    #[serde(skip)]
    pub rules: std::sync::Arc<crate::session::rules::RuleSet>,
}

/// `[store]`: the data dir (default) or a shared PostgreSQL database (team mode).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The store of one machine when no `url` is set: `sqlite` (`DATA_DIR/store.db`), the
    /// only one. `files` (the legacy JSONL inbox) is refused, naming the import command.
    pub kind: StoreKind,
    /// `postgres://user@host/db?sslmode=…` (no password here: use `password_file`, or put the
    /// whole URL in `OPSASSIST_STORE_URL`). Unset: `store.db` in the data dir.
    pub url: Option<String>,
    /// File holding the database password (mode 0600); never the command line.
    pub password_file: Option<PathBuf>,
    /// The CA certificate (PEM) that signs the database server's certificate, for
    /// `sslmode=verify-ca`/`verify-full` when the URL has no `sslrootcert`.
    pub ca_file: Option<PathBuf>,
    /// Seconds a claim lasts without renewal; a claimant whose console died loses it then.
    pub lease_secs: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::default(),
            url: None,
            password_file: None,
            ca_file: None,
            lease_secs: 30,
        }
    }
}

/// `[team]`: the operator name claims, audit records and consoles use (else `$USER`, else
/// the uid's login name).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TeamConfig {
    pub name: Option<String>,
}

/// `[store] kind`: the store of one machine.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// `DATA_DIR/store.db`.
    #[default]
    Sqlite,
}

impl<'de> Deserialize<'de> for StoreKind {
    /// `sqlite`; the removed `files` store gets an error that names its import.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let name = String::deserialize(deserializer)?;
        match name.as_str() {
            "sqlite" => Ok(StoreKind::Sqlite),
            "files" => Err(D::Error::custom(
                "[store] kind = \"files\" is no longer supported (the JSONL inbox store was \
                 removed): run `opsassist store migrate --from files` to import the data dir's \
                 inbox into store.db, then remove the kind line (\"sqlite\" is the default)",
            )),
            other => Err(D::Error::custom(format!(
                "[store] kind: unknown store {other:?}; the only one is \"sqlite\""
            ))),
        }
    }
}

/// The console's own settings (`[tui]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TuiConfig {
    /// A newly shown call accepts no decision key for this long (ms), so a key meant for the
    /// previous call never approves one the operator has not seen. 0 turns the guard off.
    pub approval_guard_ms: u64,
}

impl Default for TuiConfig {
    fn default() -> Self {
        TuiConfig {
            approval_guard_ms: 400,
        }
    }
}

/// `[ui]`: how the console talks to the terminal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Ring the terminal bell when an approval arrives in an incident that is not selected.
    pub bell: bool,
    /// Mouse wheel and clicks; off for terminals where it gets in the way of copying.
    pub mouse: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            bell: true,
            mouse: true,
        }
    }
}

/// The audit log's optional key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// HMAC-SHA256 key file (mode 0600, outside the data dir; make one with `opsassist audit
    /// keygen --out PATH`). When set, every record carries an `hmac` and `audit verify`
    /// checks it. Unset: a plain hash chain.
    pub key_file: Option<PathBuf>,
}

/// Learning from operator edits (`data_dir/corrections.jsonl`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LearningConfig {
    /// Record edited commands and show similar past corrections to the model.
    pub enabled: bool,
    /// Most past corrections added to a new session's system prompt.
    pub max_examples: usize,
}

impl Default for LearningConfig {
    fn default() -> Self {
        LearningConfig {
            enabled: true,
            max_examples: 3,
        }
    }
}

/// Whether a new incident from the receiver starts its model session by itself.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Investigate {
    /// Start at once (every call is still gated), up to `max_concurrent_investigations`.
    Auto,
    /// Wait for the operator.
    #[default]
    Manual,
}

/// The alert receiver (`opsassist serve`, `opsassist tui --listen`) and what new incidents do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeConfig {
    /// Address to listen on when `--listen` is not given.
    pub listen: Option<String>,
    /// File holding the bearer token (or `user:password` for HTTP basic); never the command line.
    pub token_file: Option<PathBuf>,
    /// File holding PagerDuty webhook signing secrets, one per line (any one may match).
    pub pagerduty_secrets_file: Option<PathBuf>,
    pub investigate: Investigate,
    /// Model sessions the receiver's incidents may run at once; the rest queue.
    pub max_concurrent_investigations: usize,
    /// Lowest severity that auto-starts (`info`, `warning`, `error`, `critical`); unset = all.
    pub min_severity: Option<String>,
    /// Requests per second one client address may send (0 = no limit).
    pub rate_per_client: u32,
    /// Requests a client may send at once above the rate.
    pub rate_burst: u32,
    /// Incidents open and not yet taken up before new ones are refused with 503.
    pub inbox_capacity: usize,
    /// Alerts waiting for the disk before new requests are refused with 503.
    pub queue_capacity: usize,
    /// Seconds a request body may take.
    pub request_timeout_secs: u64,
    /// Seconds a client has to send a request's headers (and finish a TLS handshake); idle
    /// keep-alive connections are closed after it too. Independent of `request_timeout_secs`.
    pub header_timeout_secs: u64,
    /// Connections one client address (an IPv6 /64) may hold; past it its oldest idle or
    /// half-sent one is closed (0 = only the overall cap of 1024).
    pub max_connections_per_client: usize,
    /// `Host` names the receiver answers to besides the address a connection arrived on
    /// (`localhost` too on loopback): `name` (any port) or `name:port`.
    pub allowed_hosts: Vec<String>,
    /// Seconds after it opened that an incident resolved at the source, and not taken up,
    /// still counts against `inbox_capacity` (fire-then-resolve floods).
    pub inbox_window_secs: u64,
    /// Signed PagerDuty events whose `occurred_at` is further than this from now are refused
    /// (replays); 0 = no age limit.
    pub pagerduty_max_age_secs: u64,
    /// PEM certificate chain and key for HTTPS; both or neither.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            listen: None,
            token_file: None,
            pagerduty_secrets_file: None,
            investigate: Investigate::Manual,
            max_concurrent_investigations: 3,
            min_severity: None,
            rate_per_client: 50,
            rate_burst: 200,
            inbox_capacity: 10_000,
            queue_capacity: 20_000,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections_per_client: 256,
            allowed_hosts: Vec::new(),
            inbox_window_secs: 3600,
            pagerduty_max_age_secs: 300,
            tls_cert_file: None,
            tls_key_file: None,
        }
    }
}

/// Which model to talk to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// `openai` or `ollama`.
    pub provider: ProviderKind,
    /// Model name; defaults per provider.
    pub model: Option<String>,
    /// Base URL; defaults to `OPENAI_BASE_URL`/`OLLAMA_HOST` or the provider's default.
    pub base_url: Option<String>,
    /// Retries for transient failures (connection refused, 5xx, cut streams).
    pub max_retries: u32,
    /// Per-request timeout, seconds: the longest wait for the server's answer to begin.
    pub request_timeout_secs: u64,
    /// Once a streamed answer has begun, the longest silence between two chunks, seconds; a
    /// server that goes quiet longer is reported as "sent nothing for N s".
    pub stream_idle_timeout_secs: u64,
    /// Most tokens the model may generate in one turn (OpenAI-compatible `max_tokens`,
    /// Ollama `options.num_predict`); a turn cut at the cap ends with what it had. 0 = no cap.
    pub max_tokens: u32,
    /// How tool calls travel: `native` (the API's tool-call field only), `auto` (native, and a
    /// well-formed call the model printed as text is recovered), `text` (no `tools` field is
    /// sent; the tools are described in the system prompt and calls are read from the text).
    pub tool_calls: ToolCallMode,
    /// Most calls recovered from one answer's text; the rest are not taken.
    pub max_text_calls: usize,
}

/// How tool calls travel between opsassist and the model (`[llm] tool_calls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolCallMode {
    /// Only the API's tool-call field.
    Native,
    /// Native calls, and calls printed as text when a turn has none.
    #[default]
    Auto,
    /// No `tools` field: tools in the system prompt, calls read from the text.
    Text,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            provider: ProviderKind::Ollama,
            model: None,
            base_url: None,
            max_retries: 3,
            request_timeout_secs: 300,
            stream_idle_timeout_secs: 60,
            max_tokens: 4096,
            tool_calls: ToolCallMode::Auto,
            max_text_calls: 4,
        }
    }
}

/// Supported provider protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Any OpenAI-compatible `/v1/chat/completions` server (OpenAI, llama.cpp, vLLM, LM Studio).
    Openai,
    /// Ollama's native `/api/chat`.
    #[default]
    Ollama,
}

/// Size and step limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest alert payload accepted, in bytes.
    pub max_alert_bytes: usize,
    /// Model turns per session before it is handed back to the operator.
    pub max_steps: u32,
    /// Largest output file kept per command; beyond it the head and tail are kept and the
    /// middle is dropped (0: no limit). Default 256 MiB.
    pub max_output_file_bytes: u64,
    /// Seconds between TERM and KILL when the operator cancels a running command.
    pub cancel_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alert_bytes: 10 * 1024 * 1024,
            max_steps: 30,
            max_output_file_bytes: crate::exec::output::DEFAULT_MAX_FILE_BYTES,
            cancel_grace_secs: 5,
        }
    }
}

/// `[exec]`: running commands across a restart.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ExecConfig {
    /// A command still running when opsassist starts again after a crash (its process group,
    /// recorded in `ExecStarted`, is alive).
    pub after_restart: AfterRestart,
}

/// What recovery does with a command that outlived opsassist.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AfterRestart {
    /// Stop it (TERM to its process group, KILL after `[limits] cancel_grace_secs`) and say
    /// so: its output pipe died with opsassist, so it could not be followed anyway.
    #[default]
    Stop,
    /// Keep it: the incident shows it as still running (pid, since when) until it ends, `x`
    /// stops it, and the model hears of it only when it has ended.
    Keep,
}

/// How ssh is invoked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SshConfig {
    /// Passed to ssh as `-F`.
    pub config_file: Option<PathBuf>,
    /// Extra options passed before the destination.
    pub options: Vec<String>,
    /// `yes` (default) or `accept-new`.
    pub strict_host_key_checking: String,
    /// Seconds for `ConnectTimeout`.
    pub connect_timeout_secs: u64,
    /// Seconds a shared connection stays open after the last command.
    pub control_persist_secs: u64,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            config_file: None,
            options: Vec::new(),
            strict_host_key_checking: "yes".into(),
            connect_timeout_secs: 10,
            control_persist_secs: 300,
        }
    }
}

/// One inventory host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// Anything ssh accepts: `user@addr`, an address, or a `Host` alias from ssh config.
    pub destination: String,
    pub port: Option<u16>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Safety settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    pub mode: Mode,
    /// `read-only` to run read-only commands without asking; empty (default) to ask for all.
    pub auto_approve: Option<String>,
    /// Literal values to mask in anything sent to the model.
    pub redact_values: Vec<String>,
    /// More approval rules files (relative to the config dir), after `rules.toml`.
    pub rules: Vec<PathBuf>,
}

impl Config {
    /// Load the config file of `paths`. A missing default file means all defaults; a file
    /// named with `--config` must exist.
    pub fn load_for(paths: &crate::paths::Paths) -> Result<Config, ConfigError> {
        if paths.config_explicit && !paths.config_file.exists() {
            return Err(ConfigError::Read {
                path: paths.config_file.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file (named with --config)",
                ),
            });
        }
        let mut config = Self::load(&paths.config_file)?;
        crate::mcp::config::check(&config.mcp).map_err(|e| ConfigError::Parse {
            path: paths.config_file.clone(),
            message: e.to_string(),
        })?;
        config.load_rules(&paths.config_dir)?;
        // One operator name for the whole process: `[team] name` first.
        crate::store::set_configured_operator(config.team.name.as_deref());
        Ok(config)
    }

    /// Load the approval rules: `rules.toml` in `config_dir` and `[policy] rules`, matched
    /// against this inventory's host tags. A rule whose examples fail is an error.
    pub fn load_rules(&mut self, config_dir: &Path) -> Result<(), ConfigError> {
        let tags = self
            .hosts
            .iter()
            .map(|(name, host)| (name.clone(), host.tags.clone()))
            .collect();
        let set = crate::session::rules::RuleSet::load(config_dir, &self.policy.rules, tags)?;
        self.rules = std::sync::Arc::new(set);
        Ok(())
    }

    /// Load `path`; a missing file means all defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parse config text; the error is one line naming the line, column and problem.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let message = e.message().trim().replace('\n', " ");
            match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("line {line}, column {column}: {message}")
                }
                None => message,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line_with_line_and_column() {
        let err = Config::parse("[llm]\nmodle = \"x\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("line 2, column 1: unknown field `modle`"),
            "{err}"
        );
        assert!(!err.contains('\n'));
        let err = Config::parse("[llm]\nprovider = \"gpt\"\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("line 2, column 12:"), "{err}");
    }

    #[test]
    fn the_removed_files_store_names_its_import_in_one_line() {
        let err = Config::parse("[store]\nkind = \"files\"\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("line 2, column 8:"), "{err}");
        assert!(err.contains("[store] kind = \"files\""), "{err}");
        assert!(
            err.contains("opsassist store migrate --from files"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        let config = Config::parse("[store]\nkind = \"sqlite\"\n").expect("sqlite");
        assert_eq!(config.store.kind, StoreKind::Sqlite);
        let err = Config::parse("[store]\nkind = \"mongo\"\n")
            .err()
            .unwrap_or_default();
        assert!(err.contains("unknown store \"mongo\""), "{err}");
    }

    #[test]
    fn a_config_named_with_flag_must_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.toml");
        let mut paths = crate::paths::Paths::in_dir(dir.path());
        assert!(
            Config::load_for(&paths).is_ok(),
            "a missing default file means defaults"
        );
        paths.config_file = missing;
        paths.config_explicit = true;
        let err = Config::load_for(&paths)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("nope.toml") && err.contains("--config"),
            "{err}"
        );
    }
}
