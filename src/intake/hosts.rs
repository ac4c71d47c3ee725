//! Which `Host` (and `Origin`) a request to the receiver may name, against DNS rebinding and
//! cross-site posts from a browser: the address the connection arrived on (`localhost` too
//! when that is a loopback address), or a name in `[intake] allowed_hosts`. A browser sends
//! the name of the page's site, which is none of these for a page on another site, even when
//! that site's name resolves to this machine.

use std::net::{IpAddr, SocketAddr};

/// A bad `[intake] allowed_hosts` entry.
#[derive(Debug, thiserror::Error)]
#[error("[intake] allowed_hosts: {0:?} is not a host name or host:port")]
pub struct BadHost(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Allowed {
    /// Lower-case, IPv6 without brackets.
    host: String,
    /// None: any port.
    port: Option<u16>,
}

/// The hosts a receiver answers to.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    allowed: Vec<Allowed>,
}

/// `host[:port]` split, lower-cased, brackets of an IPv6 literal removed; None when malformed.
fn split_authority(text: &str) -> Option<(String, Option<u16>)> {
    let text = text.trim();
    if text.is_empty() || text.contains(['/', '@', ' ', '?', '#']) {
        return None;
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?.parse::<u16>().ok()?)),
        }
    } else {
        match text.rsplit_once(':') {
            // An IPv6 literal without brackets: the whole text is the host.
            Some((host, _)) if host.contains(':') => {
                text.parse::<std::net::Ipv6Addr>().ok()?;
                (text, None)
            }
            Some((host, port)) => (host, Some(port.parse::<u16>().ok()?)),
            None => (text, None),
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'));
    valid.then_some((host, port))
}

impl HostPolicy {
    /// From `[intake] allowed_hosts`: `name`, `name:port`, an IP address or `[v6]:port`.
    pub fn new(allowed_hosts: &[String]) -> Result<HostPolicy, BadHost> {
        let allowed = allowed_hosts
            .iter()
            .map(|entry| {
                split_authority(entry)
                    .map(|(host, port)| Allowed { host, port })
                    .ok_or_else(|| BadHost(crate::text::neutralize_line(entry)))
            })
            .collect::<Result<_, _>>()?;
        Ok(HostPolicy { allowed })
    }

    /// True when `authority` (a `Host` header or a URL's authority) names this receiver as
    /// reached on `local` (the connection's own address; None when unknown).
    pub fn allows(&self, authority: &str, local: Option<SocketAddr>) -> bool {
        let Some((host, port)) = split_authority(authority) else {
            return false;
        };
        if let Some(local) = local {
            let ip = canonical(local.ip());
            if host
                .parse::<IpAddr>()
                .ok()
                .is_some_and(|h| canonical(h) == ip)
            {
                return true;
            }
            if ip.is_loopback() && host == "localhost" && port.is_none_or(|p| p == local.port()) {
                return true;
            }
        }
        self.allowed
            .iter()
            .any(|a| a.host == host && a.port.is_none_or(|p| Some(p) == port))
    }

    /// True when an `Origin` header names a site [`HostPolicy::allows`] (a browser page served
    /// from the receiver itself; it serves none, so in practice any `Origin` from a browser
    /// page elsewhere is refused). `null` and malformed origins are refused.
    pub fn allows_origin(&self, origin: &str, local: Option<SocketAddr>) -> bool {
        let Some((_, rest)) = origin.trim().split_once("://") else {
            return false;
        };
        self.allows(rest, local)
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's IPv4 client) as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> Option<SocketAddr> {
        Some(text.parse().unwrap_or_else(|e| panic!("{text}: {e}")))
    }

    #[test]
    fn the_connection_address_localhost_and_the_allowed_names() {
        let policy = HostPolicy::new(&[
            "alerts.example.com".into(),
            "proxy.internal:8443".into(),
            "[2001:db8::5]:9095".into(),
        ])
        .expect("policy");
        let lo = local("127.0.0.1:9095");
        for ok in [
            "127.0.0.1:9095",
            "127.0.0.1",
            "localhost:9095",
            "LOCALHOST",
            "alerts.example.com",
            "Alerts.Example.COM.:443",
            "proxy.internal:8443",
            "[2001:db8::5]:9095",
        ] {
            assert!(policy.allows(ok, lo), "{ok}");
        }
        for bad in [
            "evil.example:9095",
            "evil.example",
            "localhost:9096",
            "127.0.0.2:9095",
            "alerts.example.com.evil.example",
            "proxy.internal:9095",
            "",
            "user@127.0.0.1",
            "[::1",
        ] {
            assert!(!policy.allows(bad, lo), "{bad}");
        }
        let public = local("10.1.2.3:9095");
        assert!(policy.allows("10.1.2.3:9095", public));
        assert!(
            !policy.allows("localhost:9095", public),
            "localhost only when the connection is on loopback"
        );
        let mapped = local("[::ffff:127.0.0.1]:9095");
        assert!(policy.allows("127.0.0.1:9095", mapped));
        assert!(policy.allows("localhost:9095", mapped));
        let v6 = local("[::1]:9095");
        assert!(policy.allows("[::1]:9095", v6));
        assert!(policy.allows("localhost:9095", v6));
        assert!(HostPolicy::new(&["a/b".into()]).is_err());
        assert!(HostPolicy::new(&["x:notaport".into()]).is_err());
    }

    #[test]
    fn origins_are_judged_by_their_host() {
        let policy = HostPolicy::default();
        let lo = local("127.0.0.1:9095");
        assert!(!policy.allows_origin("http://evil.example", lo));
        assert!(!policy.allows_origin("null", lo));
        assert!(policy.allows_origin("http://127.0.0.1:9095", lo));
    }
}
