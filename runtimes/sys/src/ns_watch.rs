//! The system-call half of the named-namespace watcher: an inotify
//! descriptor that performs the actions of
//! [`nlwire::machine::ns_watch::NsWatcher`] and feeds it what it reads.
//! Each runtime adds only readiness waiting.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

use nlwire::machine::ns_watch::{Action, NsEvent, NsWatchOptions, NsWatcher, WatchError};
use nlwire::{Errno, Error};

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

/// Enough for many events at once (each is 16 bytes plus a padded name).
const READ_BUF: usize = 64 * 1024;

/// An inotify descriptor driving an [`NsWatcher`].
#[derive(Debug)]
pub struct WatchDriver {
    ino: Inotify,
    m: NsWatcher,
    buf: Vec<u8>,
}

impl WatchDriver {
    /// Starts watching `dir`: the watch is in place and the directory has
    /// been listed when this returns.
    pub fn new(dir: impl AsRef<Path>, opts: NsWatchOptions) -> Result<WatchDriver, Error> {
        let dir = dir.as_ref();
        let op = || format!("watch network namespaces in {}", dir.display());
        let s = dir
            .to_str()
            .ok_or_else(|| crate::io_error(op(), &io::Error::from_raw_os_error(libc::EINVAL)))?;
        let ino = Inotify::new().map_err(|e| crate::io_error(op(), &e))?;
        let mut d = WatchDriver {
            ino,
            m: NsWatcher::new(s, opts),
            buf: vec![0; READ_BUF],
        };
        d.settle()?;
        Ok(d)
    }

    fn fail(&self, e: WatchError) -> Error {
        let errno = match e {
            WatchError::Watch { errno, .. } | WatchError::List(errno) => errno,
            WatchError::Malformed(_) => Errno(libc::EIO),
            _ => Errno(libc::EIO),
        };
        Error::Io {
            op: format!("watch network namespaces in {}: {e}", self.m.directory()),
            errno,
        }
    }

    /// Performs every pending action.
    fn settle(&mut self) -> Result<(), Error> {
        while let Some(a) = self.m.next_action() {
            let r = match a {
                Action::AddWatch(t) => {
                    let wd = self.ino.add_watch(self.m.path_of(t), t.mask());
                    self.m.watch_added(t, wd)
                }
                Action::RemoveWatch(wd) => {
                    self.ino.rm_watch(wd);
                    Ok(())
                }
                Action::ListDirectory => match std::fs::read_dir(self.m.directory()) {
                    Ok(rd) => {
                        let names: Vec<String> = rd
                            .filter_map(|e| e.ok())
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect();
                        self.m.listed(names.iter().map(String::as_str));
                        Ok(())
                    }
                    Err(e) => self
                        .m
                        .list_failed(Errno(e.raw_os_error().unwrap_or(libc::EIO))),
                },
            };
            r.map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Reads whatever the descriptor has (without blocking), feeds it and
    /// performs the resulting actions. Returns whether anything was read.
    pub fn on_readable(&mut self) -> Result<bool, Error> {
        let mut any = false;
        loop {
            let n = self.ino.read(&mut self.buf).map_err(|e| {
                crate::io_error(
                    format_args!("read inotify events for {}", self.m.directory()),
                    &e,
                )
            })?;
            if n == 0 {
                return Ok(any);
            }
            any = true;
            let WatchDriver { m, buf, .. } = self;
            let r = m.feed(&buf[..n]);
            r.map_err(|e| self.fail(e))?;
            self.settle()?;
        }
    }

    /// The next event already known, if any.
    pub fn next_event(&mut self) -> Option<NsEvent> {
        self.m.next_event()
    }

    /// The names present when the watch started (see
    /// [`NsWatcher::take_initial`]).
    pub fn take_initial(&mut self) -> Vec<String> {
        self.m.take_initial()
    }

    /// The watched directory.
    pub fn directory(&self) -> &str {
        self.m.directory()
    }
}

impl AsFd for WatchDriver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ino.as_fd()
    }
}
