//! Per-client request rate limit: a token bucket per client address (the server passes an
//! IPv6 client's /64), answered with 429 and `Retry-After`. The table is bounded: idle buckets are dropped when it grows large.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most client buckets kept before idle ones are swept.
const MAX_CLIENTS: usize = 10_000;

/// Token buckets by client address.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate` requests per second with `burst` at once; a rate of 0 means no limit.
    pub fn new(rate: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Ok, or how long the client should wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let full = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, (_, seen)| now.saturating_duration_since(*seen) < full);
        }
        let (tokens, seen) = buckets.entry(client).or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(*seen).as_secs_f64();
        *tokens = (*tokens + elapsed * self.rate).min(self.burst);
        *seen = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(10, 3);
        let ip: IpAddr = [127, 0, 0, 1].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        let t = Instant::now();
        assert!((0..3).all(|_| limiter.check(ip, t).is_ok()));
        let wait = limiter.check(ip, t).err().unwrap_or_default();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100));
        assert!(limiter.check(other, t).is_ok(), "clients are separate");
        assert!(limiter.check(ip, t + Duration::from_millis(150)).is_ok());
        assert!(RateLimiter::new(0, 0).check(ip, t).is_ok());
    }
}
