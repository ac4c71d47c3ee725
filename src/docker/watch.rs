//! The watcher: turns failed watched containers into incidents through [`Intake`] (the one
//! path every alert takes), from the Engine's event stream and a periodic reconcile, and runs
//! `auto_restart` when the config opts in.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::query_parameters::EventsOptionsBuilder;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;

use super::heal::{self, HealReport};
use super::{DockerError, DockerWatchConfig, Engine, Evidence, FailureKind};
use crate::alert::Status;
use crate::intake::{Intake, OutcomeKind};
use crate::notify::{Notice, Notifier, Ran, Trigger};
use crate::policy::Redactor;

/// One watched container's state after a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub name: String,
    pub id: String,
    pub state: String,
    /// Why it is failed, or None when fine.
    pub failure: Option<FailureKind>,
    /// The incident it went to, when failed.
    pub incident: Option<String>,
    /// What the intake did with it (`opened`, `repeated`, …).
    pub outcome: Option<OutcomeKind>,
    pub exit_code: Option<i64>,
}

/// What the watcher reports to its front end (stdout, or the console's status/transcript).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WatchEvent {
    /// A failed container went to an incident.
    Incident(Checked),
    /// auto_restart finished for a container (incident id, report).
    Healed {
        incident: String,
        report: HealReport,
    },
    /// A problem the watcher survived (event stream lost, Docker unreachable…).
    Warning { message: String },
}

/// Watches the labelled containers of one Engine.
#[derive(Clone)]
pub struct Watcher {
    engine: Engine,
    config: DockerWatchConfig,
    intake: Intake,
    redactor: Redactor,
    audit_path: PathBuf,
    /// Containers auto_restart is working on: their events are its own doing.
    healing: Arc<Mutex<HashSet<String>>>,
    /// Containers auto_restart gave up on: not retried until they are seen running again.
    gave_up: Arc<Mutex<HashSet<String>>>,
    notifier: Option<Notifier>,
}

impl Watcher {
    pub fn new(
        engine: Engine,
        config: DockerWatchConfig,
        intake: Intake,
        redactor: Redactor,
        audit_path: PathBuf,
    ) -> Watcher {
        Watcher {
            engine,
            config,
            intake,
            redactor,
            audit_path,
            healing: Arc::default(),
            gave_up: Arc::default(),
            notifier: None,
        }
    }

    /// Send notifications (opened, resolved, verification failed) through `notifier`.
    pub fn with_notifier(mut self, notifier: Notifier) -> Watcher {
        self.notifier = Some(notifier);
        self
    }

    /// The notifier, if any (to wait for sends before exiting).
    pub fn notifier(&self) -> Option<&Notifier> {
        self.notifier.as_ref()
    }

    fn notify(&self, notice: Notice) {
        if let Some(n) = &self.notifier {
            n.notify(notice);
        }
    }

    /// The Engine this watcher uses.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Check every watched container now; failed ones become (or update) incidents.
    pub async fn check_all(&self) -> Result<Vec<Checked>, DockerError> {
        let mut out = Vec::new();
        for c in self.engine.list().await? {
            let evidence = match self.evidence(&c.id).await {
                Ok(e) => e,
                Err(DockerError::NotWatched(_)) => continue,
                Err(e) => return Err(e),
            };
            let failure = evidence.failure();
            let mut checked = Checked {
                name: evidence.name.clone(),
                id: evidence.id.clone(),
                state: evidence.state.clone(),
                failure,
                incident: None,
                outcome: None,
                exit_code: evidence.exit_code,
            };
            match failure {
                Some(kind) => self.submit(&evidence, kind, &mut checked).await?,
                None => {
                    if let Ok(mut g) = self.gave_up.lock() {
                        g.remove(&evidence.id);
                    }
                }
            }
            out.push(checked);
        }
        Ok(out)
    }

    async fn evidence(&self, id: &str) -> Result<Evidence, DockerError> {
        let inspect = self.engine.inspect(id).await?;
        let logs = self
            .engine
            .logs_by_id(inspect.id.as_deref().unwrap_or(id), self.config.log_lines)
            .await
            .unwrap_or_else(|e| format!("[cannot read the logs: {e}]"));
        Ok(Evidence::from_inspect(&inspect, &logs, &self.redactor))
    }

    async fn submit(
        &self,
        evidence: &Evidence,
        kind: FailureKind,
        checked: &mut Checked,
    ) -> Result<(), DockerError> {
        let alert = evidence.to_alert(kind, None);
        let outcome = self
            .intake
            .accept(vec![alert.clone()])
            .await
            .map_err(|e| DockerError::Api(format!("intake: {e}")))?;
        if let Some(o) = outcome.into_iter().next() {
            if matches!(o.kind, OutcomeKind::Opened | OutcomeKind::Reopened) {
                self.notify(Notice {
                    trigger: Trigger::Opened,
                    incident: o.incident.clone(),
                    severity: alert.severity.clone().unwrap_or_default(),
                    title: alert.title.clone(),
                    what_happened: evidence.describe(),
                    ran: Vec::new(),
                    verification: None,
                    diagnosis: None,
                });
            }
            checked.incident = (!o.incident.is_empty()).then_some(o.incident);
            checked.outcome = Some(o.kind);
        }
        Ok(())
    }

    /// Mark the incident of `evidence`/`kind` resolved (the container is fine again).
    async fn resolve(&self, evidence: &Evidence, kind: FailureKind) {
        let mut alert = evidence.to_alert(kind, None);
        alert.status = Status::Resolved;
        if let Err(e) = self.intake.accept(vec![alert]).await {
            tracing::warn!("watch docker: cannot resolve the incident: {e}");
        }
    }

    /// Follow the event stream and reconcile every `interval_secs` until `events` closes.
    /// Failures are reported within about a second of Docker's event.
    pub async fn run(&self, events: mpsc::Sender<WatchEvent>) {
        let mut interval =
            tokio::time::interval(Duration::from_secs(self.config.interval_secs.max(1)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        filters.insert("type".into(), vec!["container".into()]);
        filters.insert(
            "event".into(),
            vec!["die".into(), "oom".into(), "health_status".into()],
        );
        filters.insert("label".into(), self.config.labels.clone());
        loop {
            let options = EventsOptionsBuilder::default().filters(&filters).build();
            let mut stream = self.engine.client().events(Some(options));
            loop {
                tokio::select! {
                    _ = interval.tick() => {
                        match self.check_all().await {
                            Ok(all) => {
                                for c in all.into_iter().filter(|c| c.failure.is_some()) {
                                    self.after_failure(c, &events).await;
                                }
                            }
                            Err(e) => {
                                let _ = events.send(WatchEvent::Warning { message: e.to_string() }).await;
                            }
                        }
                    }
                    item = stream.next() => {
                        match item {
                            Some(Ok(msg)) => {
                                let action = msg.action.unwrap_or_default();
                                if action.starts_with("health_status") && !action.ends_with("unhealthy") {
                                    continue;
                                }
                                let Some(id) = msg.actor.and_then(|a| a.id) else { continue };
                                self.on_event(&id, &action, &events).await;
                            }
                            Some(Err(e)) => {
                                let _ = events.send(WatchEvent::Warning {
                                    message: format!("docker event stream: {e}"),
                                }).await;
                                break;
                            }
                            None => break,
                        }
                    }
                    _ = events.closed() => return,
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn on_event(&self, id: &str, action: &str, events: &mpsc::Sender<WatchEvent>) {
        if self.healing.lock().is_ok_and(|h| h.contains(id)) {
            return;
        }
        let evidence = match self.evidence(id).await {
            Ok(e) => e,
            Err(DockerError::NotWatched(_)) => return,
            Err(e) => {
                let _ = events
                    .send(WatchEvent::Warning {
                        message: e.to_string(),
                    })
                    .await;
                return;
            }
        };
        let kind = match (evidence.failure(), action) {
            (Some(kind), _) => kind,
            (None, "oom") => FailureKind::Oom,
            // Running again already (a restart, Docker's restart policy): nothing failed now.
            (None, _) => return,
        };
        let mut checked = Checked {
            name: evidence.name.clone(),
            id: evidence.id.clone(),
            state: evidence.state.clone(),
            failure: Some(kind),
            incident: None,
            outcome: None,
            exit_code: evidence.exit_code,
        };
        if let Err(e) = self.submit(&evidence, kind, &mut checked).await {
            let _ = events
                .send(WatchEvent::Warning {
                    message: e.to_string(),
                })
                .await;
            return;
        }
        self.after_failure(checked, events).await;
    }

    /// Report the incident; with `auto_restart`, heal it in the background.
    async fn after_failure(&self, checked: Checked, events: &mpsc::Sender<WatchEvent>) {
        let _ = events.send(WatchEvent::Incident(checked.clone())).await;
        if !self.config.auto_restart {
            return;
        }
        let (Some(incident), Some(kind)) = (checked.incident.clone(), checked.failure) else {
            return;
        };
        if self.gave_up.lock().is_ok_and(|g| g.contains(&checked.id)) {
            return;
        }
        match self.healing.lock() {
            Ok(mut h) => {
                if !h.insert(checked.id.clone()) {
                    return;
                }
            }
            Err(_) => return,
        }
        let this = self.clone();
        let events = events.clone();
        tokio::spawn(async move {
            let result =
                heal::auto_restart(&this.engine, &this.config, &this.audit_path, &checked.id).await;
            match result {
                Ok(report) => {
                    if !report.healed
                        && let Ok(mut g) = this.gave_up.lock()
                    {
                        g.insert(checked.id.clone());
                    }
                    if report.healed
                        && let Ok(evidence) = this.evidence(&checked.id).await
                    {
                        this.resolve(&evidence, kind).await;
                    }
                    this.notify(heal_notice(&incident, &checked, &report));
                    let _ = events.send(WatchEvent::Healed { incident, report }).await;
                }
                Err(e) => {
                    let _ = events
                        .send(WatchEvent::Warning {
                            message: format!("auto_restart {}: {e}", checked.name),
                        })
                        .await;
                }
            }
            if let Ok(mut h) = this.healing.lock() {
                h.remove(&checked.id);
            }
        });
    }
}

/// The notice for the end of an auto_restart run: resolved, or verification failed.
fn heal_notice(incident: &str, checked: &Checked, report: &HealReport) -> Notice {
    let ran = report
        .attempts
        .iter()
        .map(|a| Ran {
            command: format!("docker restart {}", checked.name),
            approved_by: heal::AUTO_RESTART_RULE.to_string(),
            result: a
                .verdict
                .as_ref()
                .map(|v| v.to_string())
                .or_else(|| a.error.clone()),
        })
        .collect();
    let last = report
        .attempts
        .last()
        .and_then(|a| a.verdict.as_ref().map(|v| v.to_string()));
    let failure = checked.failure.map(FailureKind::name).unwrap_or("failed");
    Notice {
        trigger: if report.healed {
            Trigger::Resolved
        } else {
            Trigger::VerificationFailed
        },
        incident: incident.to_string(),
        severity: "critical".into(),
        title: format!("container {} {failure}", checked.name),
        what_happened: format!(
            "container {} ({failure}, exit code {}); auto_restart tried {} time(s) and {}",
            checked.name,
            checked
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            report.attempts.len(),
            if report.healed {
                "it is running again"
            } else {
                "gave up: the incident stays open"
            }
        ),
        ran,
        verification: last,
        diagnosis: None,
    }
}
