//! Flat read forms of [`Change`] and [`Incident`], and an incident row's body without its
//! alert. Serde reads an internally tagged enum or a `#[serde(flatten)]` field by first
//! copying the whole object into a buffer, alert payload included, and that copy was most of
//! a follower's and a writer's decoding. These structs hold every field any variant may have,
//! so they read in one pass; the conversion then checks that the variant's fields are there.
//! The JSON of records and incidents is unchanged.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::{Incident, IncidentState};
use super::{Change, DedupKey};
use crate::alert::Alert;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Opened,
    Repeated,
    ResolvedAtSource,
    Reopened,
    Claimed,
    Started,
    Snapshot,
}

/// [`Change`] as stored: `kind` and the fields of every variant.
#[derive(Deserialize)]
pub(super) struct FlatChange {
    kind: Kind,
    key: Option<DedupKey>,
    alert: Option<Arc<Alert>>,
    ended: Option<DateTime<Utc>>,
    by: Option<String>,
    session: Option<String>,
    incident: Option<Box<Incident>>,
    #[serde(default)]
    recent_reopens: Vec<DateTime<Utc>>,
}

fn missing(kind: &str, field: &str) -> String {
    format!("a `{kind}` record without `{field}`")
}

impl TryFrom<FlatChange> for Change {
    type Error = String;

    fn try_from(f: FlatChange) -> Result<Change, String> {
        Ok(match f.kind {
            Kind::Opened => Change::Opened {
                key: f.key.ok_or_else(|| missing("opened", "key"))?,
                alert: f.alert.ok_or_else(|| missing("opened", "alert"))?,
            },
            Kind::Repeated => Change::Repeated,
            Kind::ResolvedAtSource => Change::ResolvedAtSource { ended: f.ended },
            Kind::Reopened => Change::Reopened {
                alert: f.alert.ok_or_else(|| missing("reopened", "alert"))?,
            },
            Kind::Claimed => Change::Claimed {
                by: f.by.ok_or_else(|| missing("claimed", "by"))?,
            },
            Kind::Started => Change::Started {
                session: f.session.ok_or_else(|| missing("started", "session"))?,
            },
            Kind::Snapshot => Change::Snapshot {
                incident: f.incident.ok_or_else(|| missing("snapshot", "incident"))?,
                recent_reopens: f.recent_reopens,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum StateWord {
    Open,
    ResolvedAtSource,
}

/// [`Incident`] as stored, its flattened state as two plain fields.
#[derive(Deserialize)]
pub(super) struct FlatIncident {
    id: String,
    key: DedupKey,
    /// Absent from a row body written by [`RowBody`] (the alert is in an inbox record).
    alert: Option<Arc<Alert>>,
    opened_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    count: u64,
    state: StateWord,
    at: Option<DateTime<Utc>>,
    reopened: u32,
    #[serde(default)]
    recent_reopens: Vec<DateTime<Utc>>,
    #[serde(default)]
    ended_by_source: Option<DateTime<Utc>>,
    claimed_by: Option<String>,
    sessions: Vec<String>,
}

impl TryFrom<FlatIncident> for Incident {
    type Error = String;

    fn try_from(f: FlatIncident) -> Result<Incident, String> {
        FlatIncident::with_alert(f, None)
    }
}

impl FlatIncident {
    /// The incident, its alert from the body or else `alert`.
    fn with_alert(f: FlatIncident, alert: Option<Arc<Alert>>) -> Result<Incident, String> {
        let alert = f
            .alert
            .or(alert)
            .ok_or_else(|| "an incident without `alert`".to_string())?;
        let state = match f.state {
            StateWord::Open => IncidentState::Open,
            StateWord::ResolvedAtSource => IncidentState::ResolvedAtSource {
                at: f
                    .at
                    .ok_or_else(|| "a `resolved_at_source` incident without `at`".to_string())?,
            },
        };
        Ok(Incident {
            id: f.id,
            key: f.key,
            alert,
            opened_at: f.opened_at,
            last_seen: f.last_seen,
            count: f.count,
            state,
            reopened: f.reopened,
            recent_reopens: f.recent_reopens,
            ended_by_source: f.ended_by_source,
            claimed_by: f.claimed_by,
            sessions: f.sessions,
        })
    }
}

/// An incident row's body: the incident without its alert, which stays in the inbox record
/// that brought it (opened, reopened, or a legacy snapshot), so each alert is stored once.
#[derive(Debug, Serialize)]
pub(in crate::store) struct RowBody<'a> {
    id: &'a str,
    key: &'a DedupKey,
    #[serde(serialize_with = "super::time_text::serialize")]
    opened_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time_text::serialize")]
    last_seen: DateTime<Utc>,
    count: u64,
    #[serde(flatten)]
    state: IncidentState,
    reopened: u32,
    #[serde(
        skip_serializing_if = "<[_]>::is_empty",
        serialize_with = "super::time_text::serialize_all"
    )]
    recent_reopens: &'a [DateTime<Utc>],
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time_text::serialize_option"
    )]
    ended_by_source: Option<DateTime<Utc>>,
    claimed_by: Option<&'a str>,
    sessions: &'a [String],
}

impl<'a> From<&'a Incident> for RowBody<'a> {
    fn from(i: &'a Incident) -> RowBody<'a> {
        RowBody {
            id: &i.id,
            key: &i.key,
            opened_at: i.opened_at,
            last_seen: i.last_seen,
            count: i.count,
            state: i.state,
            reopened: i.reopened,
            recent_reopens: &i.recent_reopens,
            ended_by_source: i.ended_by_source,
            claimed_by: i.claimed_by.as_deref(),
            sessions: &i.sessions,
        }
    }
}

/// The alert an inbox record carries: an opening or reopening one, or a snapshot's.
fn alert_of(record: &str) -> Result<Arc<Alert>, String> {
    let record: super::InboxRecord =
        serde_json::from_str(record).map_err(|e| format!("its alert's record: {e}"))?;
    match record.change {
        Change::Opened { alert, .. } | Change::Reopened { alert } => Ok(alert),
        Change::Snapshot { incident, .. } => Ok(incident.alert),
        _ => Err("its alert's record holds no alert".into()),
    }
}

/// True when `incident`'s alert is the very one `record` carries (the record applied: a
/// second `Opened` for an existing id, for one, does not).
pub(in crate::store) fn record_alert_is(record: &super::InboxRecord, incident: &Incident) -> bool {
    match &record.change {
        Change::Opened { alert, .. } | Change::Reopened { alert } => {
            Arc::ptr_eq(alert, &incident.alert)
        }
        Change::Snapshot { incident: s, .. } => Arc::ptr_eq(&s.alert, &incident.alert),
        _ => false,
    }
}

/// An incident from its row: `body` as [`RowBody`] wrote it with `record` the inbox record
/// holding its alert, or an older full body (`record` unused).
pub(in crate::store) fn incident_from_row(
    body: &str,
    record: Option<&str>,
) -> Result<Incident, String> {
    let flat: FlatIncident = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let alert = match (&flat.alert, record) {
        (None, Some(record)) => Some(alert_of(record)?),
        _ => None,
    };
    FlatIncident::with_alert(flat, alert)
}
