//! The local time, as `localtime_r(3)` gives it (the system's time zone:
//! `TZ`, else `/etc/localtime`). `ip monitor -t` stamps events with it.

use std::mem;

/// A broken-down local time (`struct tm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The year (e.g. 2026).
    pub year: i32,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31.
    pub day: u32,
    /// Hours, 0–23.
    pub hour: u32,
    /// Minutes, 0–59.
    pub minute: u32,
    /// Seconds, 0–60.
    pub second: u32,
    /// The day of the week, 0 (Sunday) to 6.
    pub weekday: u32,
}

/// The local time at `unix_seconds` (seconds since 1970-01-01 UTC); `None`
/// if the C library cannot represent it.
pub fn local_time(unix_seconds: i64) -> Option<LocalTime> {
    let t: libc::time_t = unix_seconds as libc::time_t;
    // SAFETY: `struct tm` is plain data; all-zero is a valid value.
    let mut tm: libc::tm = unsafe { mem::zeroed() };
    // SAFETY: both pointers are valid for the call; `localtime_r` writes
    // only into `tm` and returns NULL on failure.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        weekday: tm.tm_wday as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_instant_in_the_local_zone() {
        // 2026-12-01 12:00:00 UTC, a Tuesday: December 1st in every zone
        // from -12 to +11 hours, the 2nd east of that.
        let t = local_time(1_796_126_400).unwrap();
        assert_eq!((t.year, t.month), (2026, 12));
        assert!((1..=2).contains(&t.day), "{t:?}");
        if t.day == 1 {
            assert_eq!(t.weekday, 2);
        }
        assert!(t.hour < 24 && t.minute < 60 && t.second <= 60);
    }
}
