//! An `eventfd` as a readiness bell: a descriptor that polls readable
//! while it is rung, for transports that are not sockets (the simulated
//! kernel of `nlwire-sim`) but must wake the runtimes that wait on a
//! descriptor.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A non-blocking, close-on-exec `eventfd`: readable from [`Bell::ring`]
/// until [`Bell::clear`].
#[derive(Debug)]
pub struct Bell {
    fd: OwnedFd,
}

impl Bell {
    /// `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`: a bell that is not rung.
    pub fn new() -> io::Result<Bell> {
        // SAFETY: no pointers; the result is checked below.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Bell { fd })
    }

    /// Makes the descriptor readable (ringing a rung bell changes nothing
    /// a waiter can see).
    pub fn ring(&self) {
        let one: u64 = 1;
        // SAFETY: `one` is 8 readable bytes for the duration of the call.
        // The only failure is EAGAIN at a counter of u64::MAX - 1, which
        // still leaves the descriptor readable.
        unsafe { libc::write(self.fd.as_raw_fd(), (&raw const one).cast(), 8) };
    }

    /// Makes the descriptor not readable until the next ring.
    pub fn clear(&self) {
        let mut v: u64 = 0;
        // SAFETY: `v` is 8 writable bytes for the duration of the call;
        // EAGAIN (not rung) is the only expected failure and is harmless.
        unsafe { libc::read(self.fd.as_raw_fd(), (&raw mut v).cast(), 8) };
    }
}

impl AsFd for Bell {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(b: &Bell) -> bool {
        crate::poll::wait_readable_for(b.as_fd(), std::time::Duration::ZERO).unwrap()
    }

    #[test]
    fn rings_until_cleared() {
        let b = Bell::new().unwrap();
        assert!(!readable(&b));
        b.ring();
        b.ring();
        assert!(readable(&b));
        b.clear();
        assert!(!readable(&b));
        b.clear();
        assert!(!readable(&b));
    }
}
