//! The named-namespace watcher's I/O: an inotify descriptor that performs
//! the actions of [`NsWatcher`] and feeds it what it reads. Each runtime
//! adds only readiness waiting.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use nlwire::machine::ns_watch::{Action, NsEvent, NsWatchOptions, NsWatcher, WatchError};
use nlwire::{Errno, Error};
use nlwire_sys::inotify::Inotify;

use crate::io_error;

const EINVAL: i32 = Errno::EINVAL.0;
const EIO: i32 = Errno::EIO.0;

/// Enough for many events at once (each is 16 bytes plus a padded name).
const READ_BUF: usize = 64 * 1024;

/// An inotify descriptor driving an [`NsWatcher`].
#[derive(Debug)]
pub(crate) struct WatchDriver {
    ino: Inotify,
    m: NsWatcher,
    buf: Vec<u8>,
}

impl WatchDriver {
    /// Starts watching `dir`: the watch is in place and the directory has
    /// been listed when this returns.
    pub(crate) fn new(dir: impl AsRef<Path>, opts: NsWatchOptions) -> Result<WatchDriver, Error> {
        let dir = dir.as_ref();
        let op = || format!("watch network namespaces in {}", dir.display());
        let s = dir
            .to_str()
            .ok_or_else(|| io_error(op(), &io::Error::from_raw_os_error(EINVAL)))?;
        let ino = Inotify::new().map_err(|e| io_error(op(), &e))?;
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
            WatchError::Malformed(_) => Errno(EIO),
            _ => Errno(EIO),
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
                    Err(e) => self.m.list_failed(Errno(e.raw_os_error().unwrap_or(EIO))),
                },
            };
            r.map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Reads whatever the descriptor has (without blocking), feeds it and
    /// performs the resulting actions. Returns whether anything was read.
    pub(crate) fn on_readable(&mut self) -> Result<bool, Error> {
        let mut any = false;
        loop {
            let n = self.ino.read(&mut self.buf).map_err(|e| {
                io_error(
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
    pub(crate) fn next_event(&mut self) -> Option<NsEvent> {
        self.m.next_event()
    }

    /// The names present when the watch started (see
    /// [`NsWatcher::take_initial`]).
    pub(crate) fn take_initial(&mut self) -> Vec<String> {
        self.m.take_initial()
    }

    /// The watched directory.
    pub(crate) fn directory(&self) -> &str {
        self.m.directory()
    }
}

impl AsFd for WatchDriver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ino.as_fd()
    }
}
