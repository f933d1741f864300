//! CPU time used so far (`getrusage(2)`), for benchmarks that report CPU
//! time beside wall time.

use std::mem;
use std::time::Duration;

/// User and system CPU time of the calling process so far.
pub fn process_cpu() -> std::io::Result<(Duration, Duration)> {
    usage(libc::RUSAGE_SELF)
}

/// User and system CPU time of the calling process's children that have
/// ended and been waited for (`RUSAGE_CHILDREN`): what the commands a
/// benchmark ran cost.
pub fn children_cpu() -> std::io::Result<(Duration, Duration)> {
    usage(libc::RUSAGE_CHILDREN)
}

fn usage(who: libc::c_int) -> std::io::Result<(Duration, Duration)> {
    // SAFETY: `rusage` is plain data; all-zero is a valid value.
    let mut r: libc::rusage = unsafe { mem::zeroed() };
    // SAFETY: `r` is valid for writes of a `rusage`; the call writes only it.
    if unsafe { libc::getrusage(who, &mut r) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let d = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok((d(r.ru_utime), d(r.ru_stime)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let (u0, s0) = process_cpu().unwrap();
        let mut x = 0u64;
        let t = std::time::Instant::now();
        while t.elapsed() < Duration::from_millis(30) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let (u1, s1) = process_cpu().unwrap();
        assert!(u1 + s1 > u0 + s0, "{u0:?}+{s0:?} then {u1:?}+{s1:?}");
    }
}
