//! [`Board`] for [`FileStore`]: live claims in `<inbox dir>/claims.json` (mode 0600),
//! read-modified-written under an exclusive `flock` on `claims.lock`, so consoles on one
//! machine sharing a data dir get the same one-winner claims as a team on PostgreSQL.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use nix::fcntl::{Flock, FlockArg};

use super::board::{Board, Claim, ClaimOutcome};
use super::{FileStore, StoreError};

fn dir_of(store: &FileStore) -> PathBuf {
    store
        .inbox_path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn lease_of(lease: Duration) -> chrono::Duration {
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30))
}

/// Run `change` on the claims under the lock; it returns whether to write them back.
fn with_claims<T>(
    store: &FileStore,
    change: impl FnOnce(&mut BTreeMap<String, Claim>) -> (bool, T),
) -> Result<T, StoreError> {
    let dir = dir_of(store);
    crate::paths::create_private_dir(&dir).map_err(|e| io(&dir, e))?;
    let lock_path = dir.join("claims.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| io(&lock_path, e))?;
    let _guard = Flock::lock(lock, FlockArg::LockExclusive)
        .map_err(|(_, errno)| io(&lock_path, std::io::Error::from(errno)))?;
    let path = dir.join("claims.json");
    let mut claims: BTreeMap<String, Claim> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Vec<Stored>>(&bytes)
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.incident.clone(), s.into_claim()))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(io(&path, e)),
    };
    let now = Utc::now();
    claims.retain(|_, c| c.is_live(now));
    let (write, result) = change(&mut claims);
    if write {
        let stored: Vec<Stored> = claims.values().map(Stored::from_claim).collect();
        let bytes = serde_json::to_vec(&stored).map_err(|e| StoreError::Encode(e.to_string()))?;
        let tmp = dir.join("claims.json.tmp");
        let mut file: File = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io(&tmp, e))?;
        file.write_all(&bytes).map_err(|e| io(&tmp, e))?;
        file.sync_data().map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
    }
    Ok(result)
}

/// The on-disk form of a claim.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    incident: String,
    operator: String,
    since: chrono::DateTime<Utc>,
    lease_until: chrono::DateTime<Utc>,
}

impl Stored {
    fn from_claim(c: &Claim) -> Stored {
        Stored {
            incident: c.incident.clone(),
            operator: c.operator.clone(),
            since: c.since,
            lease_until: c.lease_until,
        }
    }

    fn into_claim(self) -> Claim {
        Claim {
            incident: self.incident,
            operator: self.operator,
            since: self.since,
            lease_until: self.lease_until,
        }
    }
}

impl Board for FileStore {
    fn lease(
        &self,
        incident: &str,
        operator: &str,
        lease: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        // Lapsed claims were dropped on read; remember who held one to report a take-over.
        let lapsed = {
            let path = dir_of(self).join("claims.json");
            std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Vec<Stored>>(&b).ok())
                .and_then(|v| v.into_iter().find(|s| s.incident == incident))
                .map(|s| s.operator)
                .filter(|o| o != operator)
        };
        with_claims(self, |claims| {
            let now = Utc::now();
            let until = now + lease_of(lease);
            match claims.get_mut(incident) {
                Some(held) if held.operator == operator => {
                    held.lease_until = until;
                    (
                        true,
                        ClaimOutcome::Renewed {
                            claim: held.clone(),
                        },
                    )
                }
                Some(held) => (
                    false,
                    ClaimOutcome::Held {
                        claim: held.clone(),
                    },
                ),
                None => {
                    let claim = Claim {
                        incident: incident.to_string(),
                        operator: operator.to_string(),
                        since: now,
                        lease_until: until,
                    };
                    claims.insert(incident.to_string(), claim.clone());
                    (
                        true,
                        ClaimOutcome::Won {
                            claim,
                            took_over_from: lapsed,
                        },
                    )
                }
            }
        })
    }

    fn renew(&self, incident: &str, operator: &str, lease: Duration) -> Result<bool, StoreError> {
        with_claims(self, |claims| match claims.get_mut(incident) {
            Some(held) if held.operator == operator => {
                held.lease_until = Utc::now() + lease_of(lease);
                (true, true)
            }
            _ => (false, false),
        })
    }

    fn release(&self, incident: &str, operator: &str) -> Result<bool, StoreError> {
        with_claims(self, |claims| match claims.get(incident) {
            Some(held) if held.operator == operator => {
                claims.remove(incident);
                (true, true)
            }
            _ => (false, false),
        })
    }

    fn hand_over(
        &self,
        incident: &str,
        from: &str,
        to: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        with_claims(self, |claims| match claims.get_mut(incident) {
            Some(held) if held.operator == from => {
                let now = Utc::now();
                held.operator = to.to_string();
                held.since = now;
                held.lease_until = now + lease_of(lease);
                (true, true)
            }
            _ => (false, false),
        })
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        with_claims(self, |claims| (false, claims.values().cloned().collect()))
    }

    fn describe(&self) -> String {
        format!("files:{}", dir_of(self).display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_winner_renew_release_hand_over_and_lapse() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = FileStore::in_dir(dir.path());
        let b = FileStore::in_dir(dir.path());
        let lease = Duration::from_secs(30);
        assert!(matches!(
            a.lease("inc-1", "alice", lease).expect("claim"),
            ClaimOutcome::Won {
                took_over_from: None,
                ..
            }
        ));
        match b.lease("inc-1", "bob", lease).expect("claim") {
            ClaimOutcome::Held { claim } => assert_eq!(claim.operator, "alice"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            a.lease("inc-1", "alice", lease).expect("renew"),
            ClaimOutcome::Renewed { .. }
        ));
        assert!(!b.release("inc-1", "bob").expect("release"));
        assert!(
            a.hand_over("inc-1", "alice", "bob", lease)
                .expect("hand over")
        );
        assert_eq!(b.claims().expect("claims")[0].operator, "bob");
        assert!(b.release("inc-1", "bob").expect("release"));
        assert!(b.claims().expect("claims").is_empty());
        // A lease that lapses is taken over, naming who had it.
        a.lease("inc-2", "alice", Duration::from_millis(1))
            .expect("claim");
        std::thread::sleep(Duration::from_millis(1100));
        match b.lease("inc-2", "bob", lease).expect("claim") {
            ClaimOutcome::Won { took_over_from, .. } => {
                assert_eq!(took_over_from.as_deref(), Some("alice"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn simultaneous_claims_from_threads_have_one_winner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        let winners: usize = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let store = FileStore::in_dir(&path);
                    matches!(
                        store
                            .lease("inc", &format!("op{i}"), Duration::from_secs(30))
                            .expect("claim"),
                        ClaimOutcome::Won { .. }
                    )
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().expect("join")))
            .sum();
        assert_eq!(winners, 1);
    }
}
