//! inotify: the system calls of the named-namespace watcher (the
//! connection crate drives [`nlwire::machine::ns_watch::NsWatcher`] with
//! them).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use nlwire::Errno;

/// A non-blocking, close-on-exec inotify descriptor.
#[derive(Debug)]
pub struct Inotify {
    fd: OwnedFd,
}

impl Inotify {
    /// `inotify_init1(IN_NONBLOCK | IN_CLOEXEC)`.
    pub fn new() -> io::Result<Inotify> {
        // SAFETY: no pointers; the result is checked below.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Inotify { fd })
    }

    /// `inotify_add_watch`: the watch descriptor, or the errno.
    pub fn add_watch(&self, path: &str, mask: u32) -> Result<i32, Errno> {
        let p = CString::new(path).map_err(|_| Errno(libc::EINVAL))?;
        // SAFETY: `p` is NUL-terminated and outlives the call.
        let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), p.as_ptr(), mask) };
        if wd < 0 { Err(last_errno()) } else { Ok(wd) }
    }

    /// `inotify_rm_watch`; a watch already gone is not an error.
    pub fn rm_watch(&self, wd: i32) {
        // SAFETY: no pointers; failure (EINVAL for a gone watch) is harmless.
        unsafe { libc::inotify_rm_watch(self.fd.as_raw_fd(), wd) };
    }

    /// One non-blocking `read`; `Ok(0)` means nothing is pending.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes of writes.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::WouldBlock {
                return Ok(0);
            }
            return Err(e);
        }
        Ok(n as usize)
    }
}

impl AsFd for Inotify {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

fn last_errno() -> Errno {
    Errno(
        io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}
