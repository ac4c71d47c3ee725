//! Human-readable sizes and durations for every front end (`14.2 MiB`, `16.1 s`).

/// A size as an operator reads it: `512 B`, `12.4 KiB`, `14.2 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration in milliseconds as an operator reads it.
pub fn human_duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    if ms < 60_000 {
        return format!("{:.1} s", ms as f64 / 1000.0);
    }
    let secs = ms / 1000;
    if secs < 3600 {
        return format!("{} min {:02} s", secs / 60, secs % 60);
    }
    format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        let rows = [
            (0, "0 ms"),
            (42, "42 ms"),
            (999, "999 ms"),
            (1000, "1.0 s"),
            (16_140, "16.1 s"),
            (59_949, "59.9 s"),
            (125_000, "2 min 05 s"),
            (3_725_000, "1 h 02 min"),
        ];
        for (ms, want) in rows {
            assert_eq!(human_duration(ms), want, "{ms}");
        }
    }
}
