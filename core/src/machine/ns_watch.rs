//! The named-network-namespace watcher, as a sans-IO machine.
//!
//! Named namespaces are files in a directory (`/var/run/netns` by
//! default). The machine turns raw inotify reads into namespace events and
//! tells the runtime which system calls to make:
//!
//! * [`Action::AddWatch`] — `inotify_add_watch` on the directory or on its
//!   parent (report the result with [`NsWatcher::watch_added`]);
//! * [`Action::RemoveWatch`] — `inotify_rm_watch`;
//! * [`Action::ListDirectory`] — read the directory (report with
//!   [`NsWatcher::listed`] or [`NsWatcher::list_failed`]).
//!
//! It handles a directory that does not exist yet (the parent is watched
//! until it appears, then the directory is listed to catch names created
//! during the switch), the directory being deleted and created again
//! (every name it held is reported deleted), names moved in and out, and
//! queue overflow (`IN_Q_OVERFLOW`: the directory is listed again and the
//! difference reported — a namespace is never lost silently).
//!
//! The watch is always in place before a listing is made, and every name
//! is reported once: a name both listed and seen in an event is not
//! reported twice.

use alloc::collections::{BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use crate::Errno;
use crate::inotify::{
    Events, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED, IN_MOVE_SELF, IN_MOVED_FROM,
    IN_MOVED_TO, IN_ONLYDIR, IN_Q_OVERFLOW, IN_UNMOUNT, InotifyError,
};

/// What to watch, for [`Action::AddWatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchTarget {
    /// The namespace directory itself.
    Directory,
    /// Its parent, while the directory does not exist.
    Parent,
}

impl WatchTarget {
    /// The inotify mask to watch this target with.
    pub fn mask(self) -> u32 {
        match self {
            WatchTarget::Directory => {
                IN_CREATE
                    | IN_DELETE
                    | IN_MOVED_FROM
                    | IN_MOVED_TO
                    | IN_DELETE_SELF
                    | IN_MOVE_SELF
                    | IN_ONLYDIR
            }
            WatchTarget::Parent => IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR,
        }
    }
}

/// A system call for the runtime to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `inotify_add_watch(path_of(target), target.mask())`, then
    /// [`NsWatcher::watch_added`].
    AddWatch(WatchTarget),
    /// `inotify_rm_watch(wd)`; its result does not matter.
    RemoveWatch(i32),
    /// List the directory's names, then [`NsWatcher::listed`] (or
    /// [`NsWatcher::list_failed`]).
    ListDirectory,
}

/// A change seen in the namespace directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NsEvent {
    /// A named namespace appeared.
    Created {
        /// Its name (non-UTF-8 bytes replaced, see [`String::from_utf8_lossy`]).
        name: String,
    },
    /// A named namespace went away.
    Deleted {
        /// Its name.
        name: String,
    },
    /// The directory appeared (only with
    /// [`NsWatchOptions::directory_events`]).
    DirectoryCreated,
    /// The directory went away, after a `Deleted` for each name it held
    /// (only with [`NsWatchOptions::directory_events`]).
    DirectoryDeleted,
}

/// How a watcher behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NsWatchOptions {
    /// Report the directory appearing and disappearing. Default off.
    pub directory_events: bool,
    /// Report the names present at start as `Created`. Default off: they
    /// are available from [`NsWatcher::take_initial`] instead (the
    /// `list_and_watch` shape).
    pub report_existing: bool,
}

impl NsWatchOptions {
    /// Sets [`directory_events`](Self::directory_events).
    pub fn directory_events(mut self, on: bool) -> Self {
        self.directory_events = on;
        self
    }

    /// Sets [`report_existing`](Self::report_existing).
    pub fn report_existing(mut self, on: bool) -> Self {
        self.report_existing = on;
        self
    }
}

/// A failure the watcher cannot recover from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// Neither the directory nor its parent can be watched.
    #[error("cannot watch {target:?}: {errno}")]
    Watch {
        /// Which one failed last.
        target: WatchTarget,
        /// Why.
        errno: Errno,
    },
    /// The directory exists but cannot be read.
    #[error("cannot list the directory: {0}")]
    List(Errno),
    /// The runtime passed bytes that are not whole inotify records.
    #[error(transparent)]
    Malformed(#[from] InotifyError),
}

/// The watcher state machine. See the [module docs](self).
#[derive(Debug)]
pub struct NsWatcher {
    directory: String,
    parent: String,
    base: String,
    opts: NsWatchOptions,
    dir_wd: Option<i32>,
    parent_wd: Option<i32>,
    known: BTreeSet<String>,
    actions: VecDeque<Action>,
    events: VecDeque<NsEvent>,
    /// The first listing (or the discovery that the directory is absent)
    /// has completed.
    ready: bool,
    initial: Vec<String>,
    /// A listing was asked for and its result is still to come.
    listing: bool,
}

impl NsWatcher {
    /// A watcher of `directory` (an absolute path without a trailing `/`,
    /// e.g. `/var/run/netns`). The first action is to watch it.
    pub fn new(directory: &str, opts: NsWatchOptions) -> NsWatcher {
        let directory = directory.trim_end_matches('/');
        let (parent, base) = match directory.rfind('/') {
            Some(0) => ("/", &directory[1..]),
            Some(i) => (&directory[..i], &directory[i + 1..]),
            None => (".", directory),
        };
        let mut actions = VecDeque::new();
        actions.push_back(Action::AddWatch(WatchTarget::Directory));
        NsWatcher {
            directory: directory.into(),
            parent: parent.into(),
            base: base.into(),
            opts,
            dir_wd: None,
            parent_wd: None,
            known: BTreeSet::new(),
            actions,
            events: VecDeque::new(),
            ready: false,
            initial: Vec::new(),
            listing: false,
        }
    }

    /// The path of a watch target.
    pub fn path_of(&self, target: WatchTarget) -> &str {
        match target {
            WatchTarget::Directory => &self.directory,
            WatchTarget::Parent => &self.parent,
        }
    }

    /// The watched directory.
    pub fn directory(&self) -> &str {
        &self.directory
    }

    /// The next system call to make, if any.
    pub fn next_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next event for the user, if any.
    pub fn next_event(&mut self) -> Option<NsEvent> {
        self.events.pop_front()
    }

    /// Whether the initial listing is complete: from here on, every change
    /// is an event.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// The names present at start (when `report_existing` is off), sorted;
    /// empty before [`is_ready`](Self::is_ready) and after the first call.
    pub fn take_initial(&mut self) -> Vec<String> {
        core::mem::take(&mut self.initial)
    }

    /// The names currently known to exist, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.known.iter().map(String::as_str)
    }

    /// Reports the result of [`Action::AddWatch`].
    pub fn watch_added(
        &mut self,
        target: WatchTarget,
        result: Result<i32, Errno>,
    ) -> Result<(), WatchError> {
        match (target, result) {
            (WatchTarget::Directory, Ok(wd)) => {
                self.dir_wd = Some(wd);
                if let Some(p) = self.parent_wd.take() {
                    self.actions.push_back(Action::RemoveWatch(p));
                    if self.opts.directory_events && self.ready {
                        self.events.push_back(NsEvent::DirectoryCreated);
                    }
                }
                self.list();
            }
            (WatchTarget::Directory, Err(e)) if absent(e) => {
                if self.parent_wd.is_none() {
                    self.actions
                        .push_back(Action::AddWatch(WatchTarget::Parent));
                } else {
                    // Still absent with the parent watched: whatever
                    // creates it now shows as an event on the parent.
                    self.ready = true;
                }
            }
            (WatchTarget::Parent, Ok(wd)) => {
                self.parent_wd = Some(wd);
                // The directory may have appeared before this watch was in
                // place; try again now that no creation can be missed.
                self.actions
                    .push_back(Action::AddWatch(WatchTarget::Directory));
            }
            (target, Err(errno)) => return Err(WatchError::Watch { target, errno }),
        }
        Ok(())
    }

    fn list(&mut self) {
        if !self.listing {
            self.listing = true;
            self.actions.push_back(Action::ListDirectory);
        }
    }

    /// Reports the names [`Action::ListDirectory`] found (`.` and `..`
    /// excluded). Names that appeared are reported `Created`, names that
    /// vanished `Deleted`.
    pub fn listed<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) {
        self.listing = false;
        let now: BTreeSet<String> = names
            .into_iter()
            .filter(|n| *n != "." && *n != "..")
            .map(String::from)
            .collect();
        let gone: Vec<String> = self.known.difference(&now).cloned().collect();
        for name in gone {
            self.known.remove(&name);
            self.events.push_back(NsEvent::Deleted { name });
        }
        for name in now {
            if self.known.insert(name.clone()) {
                if self.ready || self.opts.report_existing {
                    self.events.push_back(NsEvent::Created { name });
                } else {
                    self.initial.push(name);
                }
            }
        }
        self.ready = true;
    }

    /// Reports that [`Action::ListDirectory`] failed. A directory that
    /// vanished meanwhile lists as empty (its deletion event follows);
    /// anything else is fatal.
    pub fn list_failed(&mut self, errno: Errno) -> Result<(), WatchError> {
        if absent(errno) {
            self.listed(core::iter::empty());
            Ok(())
        } else {
            self.listing = false;
            Err(WatchError::List(errno))
        }
    }

    /// Feeds the bytes of one `read(2)` from the inotify descriptor.
    pub fn feed(&mut self, buf: &[u8]) -> Result<(), WatchError> {
        for ev in Events::new(buf) {
            let ev = ev?;
            if ev.is(IN_Q_OVERFLOW) {
                // Events were lost: look again.
                if self.dir_wd.is_some() {
                    self.list();
                } else if self.parent_wd.is_some() {
                    self.actions
                        .push_back(Action::AddWatch(WatchTarget::Directory));
                }
                continue;
            }
            let name = String::from_utf8_lossy(ev.name);
            if Some(ev.wd) == self.dir_wd {
                if ev.is(IN_CREATE | IN_MOVED_TO) && !name.is_empty() {
                    if !self.known.contains(name.as_ref()) {
                        let name = name.into_owned();
                        self.known.insert(name.clone());
                        self.events.push_back(NsEvent::Created { name });
                    }
                } else if ev.is(IN_DELETE | IN_MOVED_FROM) && !name.is_empty() {
                    if self.known.remove(name.as_ref()) {
                        self.events.push_back(NsEvent::Deleted {
                            name: name.into_owned(),
                        });
                    }
                } else if ev.is(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED) {
                    self.directory_gone(ev.is(IN_MOVE_SELF));
                }
            } else if Some(ev.wd) == self.parent_wd {
                if ev.is(IN_CREATE | IN_MOVED_TO) && name == self.base.as_str() {
                    self.actions
                        .push_back(Action::AddWatch(WatchTarget::Directory));
                } else if ev.is(IN_DELETE_SELF | IN_IGNORED) {
                    // The parent went too: try to watch it again (an error
                    // then ends the watcher).
                    self.parent_wd = None;
                    self.actions
                        .push_back(Action::AddWatch(WatchTarget::Directory));
                }
            }
            // Anything else is about a watch already given up.
        }
        Ok(())
    }

    fn directory_gone(&mut self, still_watched: bool) {
        if let Some(wd) = self.dir_wd.take() {
            if still_watched {
                self.actions.push_back(Action::RemoveWatch(wd));
            }
        }
        self.listing = false;
        for name in core::mem::take(&mut self.known) {
            self.events.push_back(NsEvent::Deleted { name });
        }
        if self.opts.directory_events {
            self.events.push_back(NsEvent::DirectoryDeleted);
        }
        self.actions
            .push_back(Action::AddWatch(WatchTarget::Parent));
    }
}

fn absent(e: Errno) -> bool {
    e == Errno::ENOENT || e == Errno::ENOTDIR
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inotify::{IN_ISDIR, encode_event};
    use alloc::vec;

    /// A fake filesystem and inotify: performs the machine's actions and
    /// records them.
    struct World {
        dir_exists: bool,
        parent_exists: bool,
        names: Vec<&'static str>,
        next_wd: i32,
        log: Vec<Action>,
    }

    impl World {
        fn new(dir_exists: bool) -> World {
            World {
                dir_exists,
                parent_exists: true,
                names: vec![],
                next_wd: 1,
                log: vec![],
            }
        }

        /// Runs actions until none is left; returns the wd given to each
        /// target last.
        fn settle(&mut self, m: &mut NsWatcher) -> Result<(), WatchError> {
            while let Some(a) = m.next_action() {
                self.log.push(a);
                match a {
                    Action::AddWatch(t) => {
                        let ok = match t {
                            WatchTarget::Directory => self.dir_exists,
                            WatchTarget::Parent => self.parent_exists,
                        };
                        let r = if ok {
                            self.next_wd += 1;
                            Ok(self.next_wd)
                        } else {
                            Err(Errno::ENOENT)
                        };
                        m.watch_added(t, r)?;
                    }
                    Action::RemoveWatch(_) => {}
                    Action::ListDirectory => {
                        if self.dir_exists {
                            m.listed(self.names.iter().copied());
                        } else {
                            m.list_failed(Errno::ENOENT)?;
                        }
                    }
                }
            }
            Ok(())
        }
    }

    fn events(m: &mut NsWatcher) -> Vec<NsEvent> {
        core::iter::from_fn(|| m.next_event()).collect()
    }

    fn created(n: &str) -> NsEvent {
        NsEvent::Created { name: n.into() }
    }

    fn deleted(n: &str) -> NsEvent {
        NsEvent::Deleted { name: n.into() }
    }

    fn ev(wd: i32, mask: u32, name: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 16 + name.len() + 16];
        let n = encode_event(&mut b, wd, mask, 0, name).unwrap();
        b.truncate(n);
        b
    }

    #[test]
    fn lists_after_watching_and_reports_changes_once() {
        let mut w = World::new(true);
        w.names = vec!["a", "b"];
        let mut m = NsWatcher::new("/run/netns", NsWatchOptions::default());
        assert_eq!(m.path_of(WatchTarget::Parent), "/run");
        w.settle(&mut m).unwrap();
        assert_eq!(
            w.log,
            [
                Action::AddWatch(WatchTarget::Directory),
                Action::ListDirectory
            ]
        );
        assert!(m.is_ready());
        assert_eq!(m.take_initial(), ["a", "b"]);
        assert!(events(&mut m).is_empty());
        let wd = 2;
        // "b" created again (an event queued before the listing) is not
        // repeated; "c" is new; "a" deleted; a subdirectory event too.
        let mut buf = ev(wd, IN_CREATE, b"b");
        buf.extend(ev(wd, IN_CREATE, b"c"));
        buf.extend(ev(wd, IN_DELETE, b"a"));
        buf.extend(ev(wd, IN_MOVED_TO, b"d"));
        buf.extend(ev(wd, IN_MOVED_FROM, b"d"));
        buf.extend(ev(wd, IN_DELETE, b"never-seen"));
        m.feed(&buf).unwrap();
        assert_eq!(
            events(&mut m),
            [created("c"), deleted("a"), created("d"), deleted("d")]
        );
        assert_eq!(m.names().collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn absent_directory_is_watched_through_its_parent() {
        let mut w = World::new(false);
        let opts = NsWatchOptions {
            directory_events: true,
            ..Default::default()
        };
        let mut m = NsWatcher::new("/tmp/x/netns", opts);
        w.settle(&mut m).unwrap();
        assert_eq!(
            w.log,
            [
                Action::AddWatch(WatchTarget::Directory),
                Action::AddWatch(WatchTarget::Parent),
                Action::AddWatch(WatchTarget::Directory),
            ]
        );
        assert!(m.is_ready());
        assert!(m.take_initial().is_empty());
        let parent_wd = 2;
        // The directory appears with two names already in it.
        w.dir_exists = true;
        w.names = vec!["n1", "n2"];
        w.log.clear();
        m.feed(&ev(parent_wd, IN_CREATE | IN_ISDIR, b"netns"))
            .unwrap();
        // Unrelated names in the parent are ignored.
        m.feed(&ev(parent_wd, IN_CREATE, b"other")).unwrap();
        w.settle(&mut m).unwrap();
        assert_eq!(
            w.log,
            [
                Action::AddWatch(WatchTarget::Directory),
                Action::RemoveWatch(parent_wd),
                Action::ListDirectory,
            ]
        );
        assert_eq!(
            events(&mut m),
            [NsEvent::DirectoryCreated, created("n1"), created("n2")]
        );
    }

    #[test]
    fn directory_deleted_and_created_again() {
        let mut w = World::new(true);
        w.names = vec!["x", "y"];
        let opts = NsWatchOptions {
            directory_events: true,
            report_existing: true,
        };
        let mut m = NsWatcher::new("/run/netns", opts);
        w.settle(&mut m).unwrap();
        assert_eq!(events(&mut m), [created("x"), created("y")]);
        let dir_wd = 2;
        // rm -r: names, then the directory itself, then IN_IGNORED.
        w.dir_exists = false;
        w.names.clear();
        let mut buf = ev(dir_wd, IN_DELETE, b"x");
        buf.extend(ev(dir_wd, IN_DELETE_SELF, b""));
        buf.extend(ev(dir_wd, IN_IGNORED, b""));
        m.feed(&buf).unwrap();
        w.settle(&mut m).unwrap();
        assert_eq!(
            events(&mut m),
            [deleted("x"), deleted("y"), NsEvent::DirectoryDeleted]
        );
        // mkdir again, and a name created at once.
        w.dir_exists = true;
        w.names = vec!["z"];
        let parent_wd = 3;
        m.feed(&ev(parent_wd, IN_CREATE | IN_ISDIR, b"netns"))
            .unwrap();
        w.settle(&mut m).unwrap();
        assert_eq!(events(&mut m), [NsEvent::DirectoryCreated, created("z")]);
        // Events of the old directory's watch are ignored.
        m.feed(&ev(dir_wd, IN_CREATE, b"ghost")).unwrap();
        assert!(events(&mut m).is_empty());
    }

    #[test]
    fn overflow_rescans_and_reports_the_difference() {
        let mut w = World::new(true);
        w.names = vec!["keep", "lost"];
        let mut m = NsWatcher::new("/run/netns", NsWatchOptions::default());
        w.settle(&mut m).unwrap();
        m.take_initial();
        w.names = vec!["keep", "new1", "new2"];
        m.feed(&ev(-1, IN_Q_OVERFLOW, b"")).unwrap();
        w.settle(&mut m).unwrap();
        assert_eq!(
            events(&mut m),
            [deleted("lost"), created("new1"), created("new2")]
        );
    }

    #[test]
    fn missing_parent_and_unreadable_directory_are_errors() {
        let mut w = World::new(false);
        w.parent_exists = false;
        let mut m = NsWatcher::new("/no/such/netns", NsWatchOptions::default());
        assert_eq!(
            w.settle(&mut m),
            Err(WatchError::Watch {
                target: WatchTarget::Parent,
                errno: Errno::ENOENT
            })
        );
        let mut m = NsWatcher::new("/run/netns", NsWatchOptions::default());
        assert_eq!(
            m.next_action(),
            Some(Action::AddWatch(WatchTarget::Directory))
        );
        m.watch_added(WatchTarget::Directory, Ok(1)).unwrap();
        assert_eq!(m.next_action(), Some(Action::ListDirectory));
        assert_eq!(
            m.list_failed(Errno::EACCES),
            Err(WatchError::List(Errno::EACCES))
        );
        // Half an event is an error value.
        assert!(matches!(m.feed(&[0u8; 10]), Err(WatchError::Malformed(_))));
    }
}
