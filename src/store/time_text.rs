//! A UTC time written into records and rows as chrono's serde writes it (RFC 3339, `Z`, the
//! fraction to the millisecond, microsecond or nanosecond it needs), but as one string: chrono
//! hands its text to `serde_json` in a dozen pieces through `collect_str`, each escaped on its
//! own, and the receiver's writer thread writes several times per alert.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// The longest text: `9999-12-31T23:59:60.999999999Z`.
const LONGEST: usize = 30;

/// `at` as chrono's `Serialize` writes it; years outside 0..=9999 (written with a sign) are
/// left to chrono.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; LONGEST];
    match write(at, &mut buf) {
        Some(len) => match std::str::from_utf8(&buf[..len]) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => at.serialize(serializer),
        },
        None => at.serialize(serializer),
    }
}

/// [`serialize`] for an optional time (`None` is `null`, as serde writes it).
pub fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// [`serialize`] for a list of times.
pub fn serialize_all<S: Serializer>(
    all: &[DateTime<Utc>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(all.len()))?;
    for at in all {
        seq.serialize_element(&Text(at))?;
    }
    seq.end()
}

struct Text<'a>(&'a DateTime<Utc>);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(self.0, serializer)
    }
}

/// The text into `buf`, its length; None for a year chrono writes with a sign.
fn write(at: &DateTime<Utc>, buf: &mut [u8; LONGEST]) -> Option<usize> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let mut second = at.second();
    let mut nano = at.nanosecond();
    // A leap second: chrono keeps it as 1e9 more nanoseconds and writes second 60.
    if nano >= 1_000_000_000 {
        second += 1;
        nano -= 1_000_000_000;
    }
    let (places, fraction) = if nano == 0 {
        (0, 0)
    } else if nano.is_multiple_of(1_000_000) {
        (3, nano / 1_000_000)
    } else if nano.is_multiple_of(1_000) {
        (6, nano / 1_000)
    } else {
        (9, nano)
    };
    let mut out = Out { buf, len: 0 };
    out.digits(4, year);
    out.byte(b'-');
    out.digits(2, at.month());
    out.byte(b'-');
    out.digits(2, at.day());
    out.byte(b'T');
    out.digits(2, at.hour());
    out.byte(b':');
    out.digits(2, at.minute());
    out.byte(b':');
    out.digits(2, second);
    if places > 0 {
        out.byte(b'.');
        out.digits(places, fraction);
    }
    out.byte(b'Z');
    Some(out.len)
}

struct Out<'a> {
    buf: &'a mut [u8; LONGEST],
    len: usize,
}

impl Out<'_> {
    fn byte(&mut self, byte: u8) {
        self.buf[self.len] = byte;
        self.len += 1;
    }

    /// `value`'s last `places` decimal digits, zero-padded.
    fn digits(&mut self, places: usize, mut value: u32) {
        for i in (0..places).rev() {
            self.buf[self.len + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += places;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    #[derive(Serialize)]
    struct Ours<'a> {
        #[serde(serialize_with = "serialize")]
        at: &'a DateTime<Utc>,
        #[serde(serialize_with = "serialize_option")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "serialize_all")]
        all: Vec<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos<'a> {
        at: &'a DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
        all: Vec<DateTime<Utc>>,
    }

    fn same(at: DateTime<Utc>) {
        let ours = serde_json::to_string(&Ours {
            at: &at,
            maybe: Some(at),
            all: vec![at, at],
        })
        .expect("ours");
        let chronos = serde_json::to_string(&Chronos {
            at: &at,
            maybe: Some(at),
            all: vec![at, at],
        })
        .expect("chrono's");
        assert_eq!(ours, chronos, "{at:?}");
    }

    #[test]
    fn every_time_is_written_as_chrono_writes_it() {
        let base = Utc
            .with_ymd_and_hms(2026, 12, 7, 23, 5, 9)
            .single()
            .expect("time");
        // Whole seconds, then milli-, micro- and nanosecond fractions, each with leading
        // and trailing zeros.
        for nanos in [
            0,
            1,
            9,
            1_000,
            120_000,
            999_999,
            1_000_000,
            7_000_000,
            100_000_000,
            123_456_789,
            999_999_999,
            500_000_001,
        ] {
            same(base + chrono::Duration::nanoseconds(nanos));
        }
        for (y, mo, d, h, mi, s) in [
            (0, 1, 1, 0, 0, 0),
            (9, 2, 3, 4, 5, 6),
            (999, 10, 31, 23, 59, 59),
            (1970, 1, 1, 0, 0, 0),
            (2000, 2, 29, 12, 0, 1),
            (9999, 12, 31, 23, 59, 59),
        ] {
            let at = Utc
                .with_ymd_and_hms(y, mo, d, h, mi, s)
                .single()
                .expect("time");
            same(at);
            same(at + chrono::Duration::microseconds(42));
        }
        // A pseudo-random walk over 400 years, to the nanosecond.
        let mut at = Utc
            .with_ymd_and_hms(1800, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut step: i64 = 1_234_567_891_234_567;
        for _ in 0..2_000 {
            step = step.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1)
                % 6_000_000_000_000_000;
            at += chrono::Duration::nanoseconds(step.abs());
            same(at);
        }
    }

    #[test]
    fn a_leap_second_and_years_out_of_range_are_as_chrono_has_them() {
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("leap second");
        same(Utc.from_utc_datetime(&leap));
        for year in [-1, 10_000, 262_000] {
            same(
                Utc.with_ymd_and_hms(year, 6, 1, 0, 0, 0)
                    .single()
                    .expect("time"),
            );
        }
    }
}
