//! [`PgStore`]'s [`Store::decide`](crate::store::Store::decide): the decision's
//! [`Lookup`] runs its queries on the locked connection (the waiting counter comes with the
//! lock, the incidents of a whole batch's keys in one query), and the rows it read are not
//! read again when the decided records are written. With
//! [`Store::decide_foreseen`](crate::store::Store::decide_foreseen) (the receiver) the keys
//! and the lingering count are read in the lock's round trip too.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::PgStore;
use super::incident_rows::{self, Known};
use super::write::{Locked, write};
use crate::store::{Decide, DedupKey, Foreseen, Incident, Lookup, StoreError};

/// A [`Lookup`] inside the locked transaction.
struct TxLookup<'a> {
    store: &'a PgStore,
    /// None only while a query runs (or after the runtime failed one).
    locked: Option<Locked>,
    pending: usize,
    /// The rows read and the keys asked for.
    read: Known,
    /// The lingering count read with the lock, and its `since`.
    lingering: Option<(DateTime<Utc>, usize)>,
}

impl TxLookup<'_> {
    /// Run `query` on the locked connection, on the store's runtime.
    fn on_locked<T, F, Fut>(&mut self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Locked) -> Fut,
        Fut: std::future::Future<Output = (Locked, Result<T, StoreError>)> + Send + 'static,
    {
        let locked = self
            .locked
            .take()
            .ok_or_else(|| StoreError::Db("the inbox transaction is already over".into()))?;
        let fut = query(locked);
        let (locked, result) = self.store.run(|_| async move { Ok(fut.await) })?;
        self.locked = Some(locked);
        result
    }
}

impl Lookup for TxLookup<'_> {
    fn by_keys(&mut self, keys: &[DedupKey]) -> Result<Vec<Incident>, StoreError> {
        let asked: Vec<DedupKey> = keys
            .iter()
            .filter(|k| !self.read.keys.contains(*k))
            .cloned()
            .collect();
        if !asked.is_empty() {
            let found = self.on_locked(|locked| async move {
                let found = match locked.client() {
                    Ok(client) => incident_rows::by_keys(client, &asked).await,
                    Err(e) => Err(e),
                };
                (locked, found.map(|f| (f, asked)))
            })?;
            let (found, asked) = found;
            self.read.keys.extend(asked);
            for row in found {
                self.read.insert(row);
            }
        }
        let mut seen = HashSet::new();
        Ok(keys
            .iter()
            .filter_map(|k| self.read.incidents.by_key(k))
            .filter(|i| seen.insert(i.id.clone()))
            .cloned()
            .collect())
    }

    fn pending(&mut self) -> Result<usize, StoreError> {
        Ok(self.pending)
    }

    fn lingering(&mut self, since: DateTime<Utc>) -> Result<usize, StoreError> {
        if let Some((at, n)) = self.lingering
            && at == since
        {
            return Ok(n);
        }
        self.on_locked(move |locked| async move {
            let n = match locked.client() {
                Ok(client) => incident_rows::lingering(client, since).await,
                Err(e) => Err(e),
            };
            (locked, n)
        })
    }
}

impl PgStore {
    /// [`Store::decide`](crate::store::Store::decide) and
    /// [`Store::decide_foreseen`](crate::store::Store::decide_foreseen): lock, look up,
    /// decide, write, in one transaction. What was foreseen is read in the lock's round trip
    /// (one instead of three for the receiver's batch); the rest when `decide` asks. An error
    /// from `decide` (or a panic) drops the connection, which rolls back and frees the lock.
    pub(super) fn decide_locked(
        &self,
        foreseen: &Foreseen,
        decide: &mut Decide<'_>,
    ) -> Result<(), StoreError> {
        let keys = foreseen.keys.clone();
        let since = foreseen.lingering_since;
        let (locked, foresaw, keys) = self.run(|pool| async move {
            let (locked, foresaw) = Locked::begin_foreseen(&pool, &keys, since).await?;
            Ok((locked, foresaw, keys))
        })?;
        // Every foreseen key was asked: one with no row has no holder.
        let mut read = Known::default();
        read.keys.extend(keys);
        for row in foresaw.found {
            read.insert(row);
        }
        let mut lookup = TxLookup {
            store: self,
            locked: Some(locked),
            pending: foresaw.pending,
            read,
            lingering: foresaw.lingering,
        };
        let out = decide(&mut lookup)?;
        let mut locked = lookup
            .locked
            .take()
            .ok_or_else(|| StoreError::Db("the inbox transaction is already over".into()))?;
        let known = lookup.read;
        let appends = self.appends.clone();
        self.run(|_| async move { write(&mut locked, &appends, out, known).await.map(drop) })
    }
}
