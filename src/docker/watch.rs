//! The watcher: turns failed watched containers into incidents through [`Intake`] (the one
//! path every alert takes), from the Engine's event stream and a periodic reconcile, counts
//! each failure once ([`Known`]), resolves an incident at source when its container runs (and
//! is healthy) again however it came back, closes the incidents of removed containers, and
//! hands new failures to auto_restart ([`Healer`]) when the config opts in.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::query_parameters::EventsOptionsBuilder;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;

use super::evidence::{self, DAEMON_LABEL};
use super::heal::{HealOutcome, HealReport, Healer};
use super::known::{Known, Sighting};
use super::{DockerError, DockerWatchConfig, Engine, Evidence, FailureKind};
use crate::intake::{Intake, OutcomeKind};
use crate::notify::{Notice, Notifier, Trigger};
use crate::policy::Redactor;
use crate::store::Store;

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
    /// What the intake did with it (`opened`, `repeated`, …); None when this failure was
    /// counted before (nothing was sent).
    pub outcome: Option<OutcomeKind>,
    pub exit_code: Option<i64>,
}

/// What the watcher reports to its front end (stdout, or the console's status/transcript).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WatchEvent {
    /// A new failure went to an incident.
    Incident(Checked),
    /// auto_restart finished for a container: healed, gave up, refused by the gate, left to
    /// a person, or left to whoever claimed the incident first (the report's typed outcome and
    /// verdicts say which).
    Healed {
        incident: String,
        report: HealReport,
    },
    /// A container's incident resolved at source: it runs (and is healthy) again, or it
    /// was removed.
    Resolved {
        incident: String,
        container: String,
        why: String,
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
    /// The inbox the intake writes (read once to seed [`Known`]).
    store: Arc<dyn Store>,
    redactor: Redactor,
    /// Runs auto_restart through the gate; None: nothing is restarted.
    healer: Option<Healer>,
    /// Containers auto_restart is working on: their events are its own doing.
    healing: Arc<Mutex<HashSet<String>>>,
    /// Containers auto_restart gave up on: not retried until they are seen running again.
    gave_up: Arc<Mutex<HashSet<String>>>,
    /// The failures counted so far.
    known: Arc<Mutex<Known>>,
    notifier: Option<Notifier>,
}

impl Watcher {
    pub fn new(
        engine: Engine,
        config: DockerWatchConfig,
        intake: Intake,
        store: Arc<dyn Store>,
        redactor: Redactor,
    ) -> Watcher {
        Watcher {
            engine,
            config,
            intake,
            store,
            redactor,
            healer: None,
            healing: Arc::default(),
            gave_up: Arc::default(),
            known: Arc::default(),
            notifier: None,
        }
    }

    /// Restart new failures through `healer` (when `[watch.docker] auto_restart` is on).
    pub fn with_healer(mut self, healer: Healer) -> Watcher {
        self.healer = Some(healer);
        self
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

    /// Its `[watch.docker]` settings.
    pub fn config(&self) -> &DockerWatchConfig {
        &self.config
    }

    /// The inbox it reports to (where auto_restart claims).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn is_healing(&self, id: &str) -> bool {
        self.healing.lock().is_ok_and(|h| h.contains(id))
    }

    /// Read the open incidents of this Docker from the inbox, once.
    async fn seed(&self) {
        if self.known().is_seeded() {
            return;
        }
        let store = Arc::clone(&self.store);
        let incidents =
            tokio::task::spawn_blocking(move || store.of_source(crate::alert::Source::Docker))
                .await;
        match incidents {
            Ok(Ok(incidents)) => {
                let mut known = self.known();
                if !known.is_seeded() {
                    known.seed(&incidents, self.engine.daemon());
                }
            }
            Ok(Err(e)) => tracing::warn!("watch docker: cannot read the inbox: {e}"),
            Err(e) => tracing::warn!("watch docker: cannot read the inbox: {e}"),
        }
    }

    /// Check every watched container now: new failures become (or update) incidents, the
    /// incidents of containers running (and healthy) again resolve, and those of removed
    /// containers close.
    pub async fn check_all(&self) -> Result<Vec<Checked>, DockerError> {
        self.check().await.map(|(checked, _)| checked)
    }

    /// [`Watcher::check_all`], with the resolutions it made.
    async fn check(&self) -> Result<(Vec<Checked>, Vec<WatchEvent>), DockerError> {
        self.seed().await;
        let mut resolved = Vec::new();
        let mut out = Vec::new();
        let mut present = HashSet::new();
        for c in self.engine.list().await? {
            present.insert(c.id.clone());
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
            if self.is_healing(&evidence.id) {
                // auto_restart's own restarts and verification: it reports them itself.
                out.push(checked);
                continue;
            }
            match failure {
                Some(kind) => self.submit(&evidence, kind, &mut checked).await?,
                None if evidence.is_fine() => resolved.extend(self.running_again(&evidence).await),
                None => {}
            }
            out.push(checked);
        }
        let gone = self.known().absent(&present);
        for id in gone {
            if !self.is_healing(&id) {
                resolved.extend(self.close(&id, "was removed").await);
            }
        }
        Ok((out, resolved))
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

    /// Send failure `kind` to the intake unless this very failure was counted before; sets
    /// `checked.outcome` only when it was sent.
    async fn submit(
        &self,
        evidence: &Evidence,
        kind: FailureKind,
        checked: &mut Checked,
    ) -> Result<(), DockerError> {
        let token = evidence.token(kind);
        let sighting = self
            .known()
            .sight(&evidence.id, &evidence.name, kind, &token);
        if let Sighting::Counted(incident) = sighting {
            checked.incident = incident;
            return Ok(());
        }
        let mut alert = evidence.to_alert(kind, None);
        alert
            .labels
            .insert(DAEMON_LABEL.to_string(), self.engine.daemon().to_string());
        let outcome = match self.intake.accept(vec![alert.clone()]).await {
            Ok(outcome) => outcome,
            Err(e) => {
                self.known().unsight(&evidence.id, kind);
                return Err(DockerError::Api(format!("intake: {e}")));
            }
        };
        if let Some(o) = outcome.into_iter().next() {
            if !o.incident.is_empty() {
                self.known().set_incident(&evidence.id, kind, &o.incident);
            }
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

    /// The container runs (and is healthy) again: auto_restart may try it again later, and
    /// its incidents resolve at source.
    async fn running_again(&self, evidence: &Evidence) -> Vec<WatchEvent> {
        if let Ok(mut g) = self.gave_up.lock() {
            g.remove(&evidence.id);
        }
        let why = if evidence.health.is_some() {
            "is running and healthy again"
        } else {
            "is running again"
        };
        self.close(&evidence.id, why).await
    }

    /// Resolve at source every incident counted for container `id` (`why`: what became of
    /// it), with the intake's one dedup rule. Returns the events to report.
    async fn close(&self, id: &str, why: &str) -> Vec<WatchEvent> {
        let Some(entry) = self.known().take(id) else {
            return Vec::new();
        };
        let alerts: Vec<_> = entry
            .failures
            .keys()
            .map(|kind| evidence::resolved_alert(id, &entry.name, *kind, why))
            .collect();
        match self.intake.accept(alerts).await {
            Ok(outcomes) => outcomes
                .into_iter()
                .filter(|o| o.kind == OutcomeKind::Resolved)
                .map(|o| WatchEvent::Resolved {
                    incident: o.incident,
                    container: entry.name.clone(),
                    why: why.to_string(),
                })
                .collect(),
            Err(e) => {
                tracing::warn!("watch docker: cannot resolve the incidents of {id}: {e}");
                self.known().restore(id, entry);
                Vec::new()
            }
        }
    }

    /// Follow the event stream and reconcile every `interval_secs` until `events` closes.
    /// Failures are reported within about a second of Docker's event, and so is a container
    /// that starts (and turns healthy) again or is removed.
    pub async fn run(&self, events: mpsc::Sender<WatchEvent>) {
        let mut interval =
            tokio::time::interval(Duration::from_secs(self.config.interval_secs.max(1)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        filters.insert("type".into(), vec!["container".into()]);
        filters.insert(
            "event".into(),
            vec![
                "die".into(),
                "oom".into(),
                "health_status".into(),
                "start".into(),
                "destroy".into(),
            ],
        );
        filters.insert("label".into(), self.config.labels.clone());
        loop {
            let options = EventsOptionsBuilder::default().filters(&filters).build();
            let mut stream = self.engine.client().events(Some(options));
            loop {
                tokio::select! {
                    _ = interval.tick() => self.reconcile(&events).await,
                    item = stream.next() => {
                        match item {
                            Some(Ok(msg)) => {
                                let action = msg.action.unwrap_or_default();
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

    /// One periodic check: report the new failures (and heal them) and the resolutions.
    async fn reconcile(&self, events: &mpsc::Sender<WatchEvent>) {
        match self.check().await {
            Ok((all, resolved)) => {
                for event in resolved {
                    let _ = events.send(event).await;
                }
                for c in all.into_iter().filter(|c| c.outcome.is_some()) {
                    self.after_failure(c, events).await;
                }
            }
            Err(e) => {
                let _ = events
                    .send(WatchEvent::Warning {
                        message: e.to_string(),
                    })
                    .await;
            }
        }
    }

    async fn on_event(&self, id: &str, action: &str, events: &mpsc::Sender<WatchEvent>) {
        if self.is_healing(id) {
            return;
        }
        self.seed().await;
        if action == "destroy" {
            for event in self.close(id, "was removed").await {
                let _ = events.send(event).await;
            }
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
            // Running (and healthy) again, however it came back: its incidents are over.
            (None, _) if evidence.is_fine() => {
                for event in self.running_again(&evidence).await {
                    let _ = events.send(event).await;
                }
                return;
            }
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
        if checked.outcome.is_some() {
            self.after_failure(checked, events).await;
        }
    }

    /// Report a new failure; with auto_restart, heal it in the background.
    async fn after_failure(&self, checked: Checked, events: &mpsc::Sender<WatchEvent>) {
        let _ = events.send(WatchEvent::Incident(checked.clone())).await;
        if !self.config.auto_restart {
            return;
        }
        let Some(healer) = self.healer.clone() else {
            return;
        };
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
            let result = healer.restart(&incident, &checked.name).await;
            // What the container looks like now (its own restarts are not new failures).
            let now = this.evidence(&checked.id).await.ok();
            if let Ok(mut h) = this.healing.lock() {
                h.remove(&checked.id);
            }
            match result {
                Ok(report) => {
                    let mut resolved = Vec::new();
                    match &report.outcome {
                        HealOutcome::Healed => {
                            if let Some(evidence) = now.as_ref().filter(|e| e.is_fine()) {
                                resolved = this.running_again(evidence).await;
                            }
                        }
                        HealOutcome::GaveUp => {
                            if let Ok(mut g) = this.gave_up.lock() {
                                g.insert(checked.id.clone());
                            }
                            if let Some(evidence) = &now
                                && evidence.failure() == Some(kind)
                            {
                                this.known()
                                    .settle(&checked.id, kind, &evidence.token(kind));
                            }
                        }
                        HealOutcome::Refused { .. }
                        | HealOutcome::NeedsApproval { .. }
                        | HealOutcome::ClaimedElsewhere => {}
                    }
                    if let Some(notice) = super::heal_notice::notice(&checked, &report) {
                        this.notify(notice);
                    }
                    let _ = events.send(WatchEvent::Healed { incident, report }).await;
                    for event in resolved {
                        let _ = events.send(event).await;
                    }
                }
                Err(e) => {
                    let _ = events
                        .send(WatchEvent::Warning {
                            message: format!("auto_restart {}: {e}", checked.name),
                        })
                        .await;
                }
            }
        });
    }
}
