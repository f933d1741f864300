//! `poll(2)` on one descriptor: the whole waiting of a blocking runtime
//! that has no reactor.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// Waits until `fd` is readable or `deadline` passes (`None`: without
/// limit). Returns `Ok(true)` when it is readable, `Ok(false)` when the
/// time ran out. A signal (`EINTR`) ends the wait early with `Ok(false)`.
pub fn wait_readable(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> io::Result<bool> {
    let timeout_ms = match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            // Round up, so a wait never ends before its deadline.
            let ms = left.as_micros().div_ceil(1000);
            ms.min(i32::MAX as u128) as libc::c_int
        }
    };
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one valid pollfd that outlives the call, and the count
    // passed is 1.
    let r = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(r > 0)
}

/// [`wait_readable`] for at most `timeout`.
pub fn wait_readable_for(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    wait_readable(fd, Some(Instant::now() + timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn readable_socket_and_timeout() {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let t = Instant::now();
        assert!(!wait_readable_for(a.as_fd(), Duration::from_millis(20)).unwrap());
        assert!(t.elapsed() >= Duration::from_millis(20));
        b.send(b"x").unwrap();
        assert!(wait_readable(a.as_fd(), None).unwrap());
    }
}
