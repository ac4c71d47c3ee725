//! The receiver's connection table: at most `per_client` connections from one client (an
//! IPv4 address, or an IPv6 /64) and `total` in all. A connection over either cap makes room
//! by closing the oldest connection (of that client, or of the client holding the most) that
//! is not serving a request: one waiting for its request headers or idle between requests.
//! So a client holding half-sent requests cannot keep anyone out, and a legitimate request
//! from the same address still gets in. Only when every candidate is mid-request is the new
//! connection refused.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Who a connection counts against: an IPv4 address, or the /64 of an IPv6 one (a host
/// usually holds a whole /64). IPv4-mapped IPv6 addresses count as their IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None if v6.is_loopback() => ClientKey(IpAddr::V6(v6)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientKey(IpAddr::V6(prefix.into()))
                }
            },
        }
    }

    /// The address standing for the client (an IPv6 /64 as its first address).
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

#[derive(Debug)]
struct Slot {
    busy: bool,
    close: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    total: usize,
    /// Connections per client by id; ids grow, so the first entry is the oldest.
    clients: HashMap<ClientKey, BTreeMap<u64, Slot>>,
}

impl Table {
    /// Remove and return the oldest connection of `client` that is not serving a request.
    fn take_oldest_idle(&mut self, client: ClientKey) -> Option<Arc<Notify>> {
        let conns = self.clients.get_mut(&client)?;
        let id = conns
            .iter()
            .find(|(_, slot)| !slot.busy)
            .map(|(id, _)| *id)?;
        let slot = conns.remove(&id)?;
        if conns.is_empty() {
            self.clients.remove(&client);
        }
        self.total -= 1;
        Some(slot.close)
    }

    /// The client holding the most connections with at least one not serving a request.
    fn busiest_with_idle(&self) -> Option<ClientKey> {
        self.clients
            .iter()
            .filter(|(_, conns)| conns.values().any(|slot| !slot.busy))
            .max_by_key(|(_, conns)| conns.len())
            .map(|(client, _)| *client)
    }
}

/// Every open connection of one receiver.
#[derive(Debug)]
pub struct Connections {
    per_client: usize,
    total: usize,
    table: Mutex<Table>,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Every connection of this client is serving a request.
    Client,
    /// Every connection of every client is serving a request.
    Total,
}

impl Connections {
    /// Caps of `per_client` (0 = only the total cap) and `total` connections.
    pub fn new(per_client: usize, total: usize) -> Arc<Connections> {
        let total = total.max(1);
        let per_client = if per_client == 0 {
            total
        } else {
            per_client.min(total)
        };
        Arc::new(Connections {
            per_client,
            total,
            table: Mutex::new(Table::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admit a connection from `ip`, closing older idle ones to make room (their
    /// [`Admitted::closed`] fires); also says how many were closed. The returned entry leaves
    /// the table when dropped.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<(Admitted, usize), Full> {
        let client = ClientKey::of(ip);
        let mut evicted = Vec::new();
        let admitted = {
            let mut table = self.lock();
            let mine = table.clients.get(&client).map_or(0, BTreeMap::len);
            if mine >= self.per_client {
                match table.take_oldest_idle(client) {
                    Some(close) => evicted.push(close),
                    None => return Err(Full::Client),
                }
            }
            if table.total >= self.total {
                let victim = table.busiest_with_idle().ok_or(Full::Total)?;
                if let Some(close) = table.take_oldest_idle(victim) {
                    evicted.push(close);
                }
            }
            let id = table.next_id;
            table.next_id += 1;
            table.total += 1;
            let close = Arc::new(Notify::new());
            table.clients.entry(client).or_default().insert(
                id,
                Slot {
                    busy: false,
                    close: close.clone(),
                },
            );
            Admitted {
                table: self.clone(),
                client,
                id,
                close,
            }
        };
        let closed = evicted.len();
        for close in evicted {
            close.notify_one();
        }
        Ok((admitted, closed))
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().total
    }

    fn set_busy(&self, client: ClientKey, id: u64, busy: bool) {
        let mut table = self.lock();
        if let Some(slot) = table.clients.get_mut(&client).and_then(|c| c.get_mut(&id)) {
            slot.busy = busy;
        }
    }
}

/// One admitted connection; it leaves the table when dropped.
#[derive(Debug)]
pub struct Admitted {
    table: Arc<Connections>,
    client: ClientKey,
    id: u64,
    close: Arc<Notify>,
}

impl Admitted {
    /// Resolves when the table closed this connection to make room for another.
    pub async fn closed(&self) {
        self.close.notified().await;
    }

    /// Mark the connection as serving a request until the guard drops; it is not closed
    /// to make room meanwhile.
    pub fn busy(&self) -> Busy {
        self.table.set_busy(self.client, self.id, true);
        Busy {
            table: self.table.clone(),
            client: self.client,
            id: self.id,
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut table = self.table.lock();
        if let Some(conns) = table.clients.get_mut(&self.client)
            && conns.remove(&self.id).is_some()
        {
            if conns.is_empty() {
                table.clients.remove(&self.client);
            }
            table.total -= 1;
        }
    }
}

/// A request in progress on a connection ([`Admitted::busy`]).
#[derive(Debug)]
pub struct Busy {
    table: Arc<Connections>,
    client: ClientKey,
    id: u64,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.table.set_busy(self.client, self.id, false);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    async fn was_closed(conn: &Admitted) -> bool {
        tokio::time::timeout(Duration::from_millis(20), conn.closed())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_client_over_its_cap_loses_its_oldest_idle_connection() {
        let table = Connections::new(3, 100);
        let a = ip("10.0.0.1");
        let first = table.admit(a).expect("1").0;
        let busy_guard = first.busy();
        let second = table.admit(a).expect("2").0;
        let third = table.admit(a).expect("3").0;
        let other = table.admit(ip("10.0.0.2")).expect("other client").0;
        let fourth = table.admit(a).expect("4").0;
        assert!(!was_closed(&first).await, "busy: kept");
        assert!(was_closed(&second).await, "oldest idle: closed");
        assert!(!was_closed(&third).await);
        assert!(!was_closed(&other).await, "other clients are not touched");
        assert_eq!(table.open(), 4);
        drop(second);
        assert_eq!(table.open(), 4, "an evicted entry is not counted twice");
        let third_busy = third.busy();
        let fourth_busy = fourth.busy();
        assert_eq!(table.admit(a).err(), Some(Full::Client), "all busy");
        drop((busy_guard, third_busy, fourth_busy));
        assert!(table.admit(a).is_ok());
    }

    #[tokio::test]
    async fn the_total_cap_takes_from_the_client_holding_the_most() {
        let table = Connections::new(0, 4);
        let hog = ip("10.0.0.9");
        let hogs: Vec<Admitted> = (0..3).map(|_| table.admit(hog).expect("hog").0).collect();
        let small = table.admit(ip("10.0.0.1")).expect("small").0;
        let newcomer = table.admit(ip("10.0.0.2")).expect("newcomer").0;
        assert!(was_closed(&hogs[0]).await);
        assert!(!was_closed(&small).await);
        assert!(!was_closed(&newcomer).await);
        assert_eq!(table.open(), 4);
    }

    #[test]
    fn ipv6_clients_are_their_64() {
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2::1")),
            ClientKey::of(ip("2001:db8:1:2:ffff::7"))
        );
        assert_ne!(
            ClientKey::of(ip("2001:db8:1:2::1")),
            ClientKey::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientKey::of(ip("::ffff:10.0.0.1")),
            ClientKey::of(ip("10.0.0.1"))
        );
    }
}
