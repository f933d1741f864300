//! Network namespaces: handles ([`Netns`]), named namespaces in a persist
//! directory ([`NetnsDir`], like `ip netns`), and running code on dedicated
//! threads that joined one.
//!
//! A netlink socket stays bound to the namespace it was created in, so to
//! talk to another namespace nlwire creates the socket on a short-lived
//! thread that has joined it. `setns` is never called on a thread the
//! caller (or an async executor) keeps using.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nlwire::Error;
use nlwire::InvalidInput;
use nlwire::input::validate_netns_name;

/// Joins the network namespace `ns` on the **current** thread.
///
/// Only call this on a thread created for the purpose; prefer
/// [`run_in_netns_fd`].
pub fn enter_netns_fd(ns: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: setns only reads the descriptor, which `ns` keeps open.
    let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Runs `f` on a new thread that joined the namespace `ns`, and returns its
/// result. The thread ends afterwards, so no thread is left behind in the
/// namespace.
pub fn run_in_netns_fd<T: Send + 'static>(
    ns: BorrowedFd<'_>,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let ns = ns.try_clone_to_owned()?;
    std::thread::Builder::new()
        .name("nlwire-netns".into())
        .spawn(move || -> io::Result<T> {
            enter_netns_fd(ns.as_fd())?;
            Ok(f())
        })?
        .join()
        .map_err(|_| io::Error::other("thread running in the namespace panicked"))?
}

/// Runs `f` on a new thread that joined the namespace at `path`.
pub fn run_in_netns<T: Send + 'static>(
    path: impl AsRef<Path>,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let file = std::fs::File::open(path.as_ref())?;
    run_in_netns_fd(file.as_fd(), f)
}

/// Runs `f` on a new thread that joined the namespace `ns` and has a mount
/// namespace of its own, in which `/sys` is a sysfs of `ns`: what
/// `/sys/class/net` lists there are `ns`'s devices, as `ip -n NS` sees
/// them (sysfs shows the devices of the namespace it was mounted in, not
/// of the thread reading it). The thread's mounts are made private
/// first, so nothing propagates back; they vanish with the thread, which
/// ends afterwards. Needs `CAP_SYS_ADMIN`.
pub fn run_in_netns_with_sysfs<T: Send + 'static>(
    ns: BorrowedFd<'_>,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let ns = ns.try_clone_to_owned()?;
    std::thread::Builder::new()
        .name("nlwire-netns-sysfs".into())
        .spawn(move || -> io::Result<T> {
            enter_netns_fd(ns.as_fd())?;
            // SAFETY: unshare affects only the calling thread: CLONE_NEWNS
            // implies CLONE_FS, which gives this thread its own root,
            // working directory and mount namespace, leaving the other
            // threads' as they are.
            if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
                return Err(io::Error::last_os_error());
            }
            mount(None, Path::new("/"), None, libc::MS_SLAVE | libc::MS_REC)?;
            let sys = Path::new("/sys");
            // As `ip -n` (`netns_switch`): detach the old instance, then
            // mount one of this namespace (read-only where a read-write
            // one is refused).
            let _ = umount_detach(sys);
            let sysfs = Some(Path::new("sysfs"));
            match mount(sysfs, sys, Some("sysfs"), 0) {
                Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EACCES)) => {
                    mount(sysfs, sys, Some("sysfs"), libc::MS_RDONLY)?
                }
                r => r?,
            }
            Ok(f())
        })?
        .join()
        .map_err(|_| io::Error::other("thread running in the namespace panicked"))?
}

/// Runs `f` on a new thread inside a brand-new, anonymous network
/// namespace (`unshare(CLONE_NEWNET)`), which the kernel removes once
/// nothing uses it any more. Returns `f`'s result. Needs `CAP_SYS_ADMIN`.
pub fn run_in_new_netns<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    std::thread::Builder::new()
        .name("nlwire-new-netns".into())
        .spawn(move || -> io::Result<T> {
            // SAFETY: unshare affects only the calling thread's namespaces.
            let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(f())
        })?
        .join()
        .map_err(|_| io::Error::other("thread running in the namespace panicked"))?
}

/// The `(device, inode)` identity of a namespace file: two paths name the
/// same namespace exactly when these are equal.
pub fn netns_id(path: impl AsRef<Path>) -> io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

/// `NS_GET_NSTYPE` (`_IO(0xb7, 0x3)`): which kind of namespace an nsfs
/// descriptor refers to.
const NS_GET_NSTYPE: libc::c_ulong = 0xb703;

/// The default persist directory of named namespaces, as `ip netns` uses.
pub const DEFAULT_NETNS_DIR: &str = "/var/run/netns";

/// The identity of a network namespace: the device and inode of its nsfs
/// file. Two handles name the same namespace exactly when these are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetnsId {
    /// `st_dev`.
    pub dev: u64,
    /// `st_ino`.
    pub ino: u64,
}

/// An open network namespace. Holding it keeps the namespace alive.
///
/// Handles compare equal when they refer to the same namespace, however
/// they were opened (by name, path, pid, or the current thread's).
#[derive(Debug)]
pub struct Netns {
    fd: OwnedFd,
    id: NetnsId,
    name: Option<String>,
}

impl PartialEq for Netns {
    fn eq(&self, other: &Netns) -> bool {
        self.id == other.id
    }
}

impl Eq for Netns {}

impl std::hash::Hash for Netns {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.id.hash(h)
    }
}

impl AsFd for Netns {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Netns {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}

fn ns_err(op: impl std::fmt::Display, e: &io::Error) -> Error {
    crate::io_error(op, e)
}

fn invalid(op: impl std::fmt::Display, source: InvalidInput) -> Error {
    Error::InvalidInput {
        op: op.to_string(),
        source,
    }
}

impl Netns {
    /// Opens the namespace file at `path` (`/var/run/netns/NAME`,
    /// `/proc/PID/ns/net`, …). A file that is not a network namespace is
    /// an `EINVAL` error.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Netns, Error> {
        let path = path.as_ref();
        let op = || format!("open network namespace {}", path.display());
        let file = std::fs::File::open(path).map_err(|e| ns_err(op(), &e))?;
        let fd = OwnedFd::from(file);
        // SAFETY: NS_GET_NSTYPE takes no argument and only reads the
        // descriptor, which `fd` keeps open.
        let t = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_NSTYPE as _) };
        if t < 0 {
            let e = io::Error::last_os_error();
            // ENOTTY: not an nsfs file at all.
            let e = if e.raw_os_error() == Some(libc::ENOTTY) {
                io::Error::from_raw_os_error(libc::EINVAL)
            } else {
                e
            };
            return Err(ns_err(format!("{}: not a namespace", op()), &e));
        }
        if t != libc::CLONE_NEWNET {
            return Err(ns_err(
                format!("{}: not a network namespace", op()),
                &io::Error::from_raw_os_error(libc::EINVAL),
            ));
        }
        let id = fd_id(&fd).map_err(|e| ns_err(op(), &e))?;
        Ok(Netns { fd, id, name: None })
    }

    /// The network namespace of process `pid`.
    pub fn from_pid(pid: u32) -> Result<Netns, Error> {
        Netns::from_path(format!("/proc/{pid}/ns/net"))
    }

    /// The calling thread's network namespace.
    pub fn current() -> Result<Netns, Error> {
        Netns::from_path("/proc/thread-self/ns/net")
    }

    /// This namespace as the target of a link move
    /// ([`nlwire::route::LinkRequest::netns`], `IFLA_NET_NS_FD`); valid while
    /// the handle lives.
    pub fn as_target(&self) -> nlwire::route::NetnsRef {
        nlwire::route::NetnsRef::Fd(self.fd.as_raw_fd())
    }

    /// The namespace's identity.
    pub fn id(&self) -> NetnsId {
        self.id
    }

    /// The name it was opened or created by, for a named namespace.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A path that opens this namespace while the handle lives
    /// (`/proc/self/fd/N`), for APIs that take a path.
    pub fn fd_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()))
    }

    /// Runs `f` on a new thread that joined this namespace and returns its
    /// result; the thread ends afterwards. The calling thread never
    /// changes namespace.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        run_in_netns_fd(self.fd.as_fd(), f).map_err(|e| ns_err("run in network namespace", &e))
    }
}

fn fd_id(fd: &OwnedFd) -> io::Result<NetnsId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::File::from(fd.try_clone()?).metadata()?;
    Ok(NetnsId {
        dev: m.dev(),
        ino: m.ino(),
    })
}

/// A directory of named namespaces (bind mounts of nsfs files), like
/// `ip netns` keeps in `/var/run/netns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetnsDir {
    path: PathBuf,
}

impl Default for NetnsDir {
    /// `/var/run/netns`.
    fn default() -> Self {
        NetnsDir::new(DEFAULT_NETNS_DIR)
    }
}

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn mount(
    src: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
) -> io::Result<()> {
    let src = src.map(cstr).transpose()?;
    let target = cstr(target)?;
    let fstype = fstype
        .map(|t| CString::new(t).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL)))
        .transpose()?;
    let none = c"none";
    // SAFETY: every pointer is either null (allowed by mount(2) for the
    // source and data) or a NUL-terminated string that outlives the call.
    let r = unsafe {
        libc::mount(
            src.as_ref().map_or(none.as_ptr(), |s| s.as_ptr()),
            target.as_ptr(),
            fstype.as_ref().map_or(none.as_ptr(), |s| s.as_ptr()),
            flags,
            std::ptr::null(),
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn umount_detach(target: &Path) -> io::Result<()> {
    let t = cstr(target)?;
    // SAFETY: `t` is a NUL-terminated path that outlives the call.
    let r = unsafe { libc::umount2(t.as_ptr(), libc::MNT_DETACH) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl NetnsDir {
    /// A namespace directory at `path` (created on the first
    /// [`create`](Self::create)).
    pub fn new(path: impl Into<PathBuf>) -> NetnsDir {
        NetnsDir { path: path.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file of namespace `name` (after checking the name).
    pub fn path_of(&self, name: &str) -> Result<PathBuf, Error> {
        validate_netns_name(name)
            .map_err(|e| invalid(format_args!("network namespace {name:?}"), e))?;
        Ok(self.path.join(name))
    }

    /// Makes the directory a shared mount point, as `ip netns add` does, so
    /// namespaces mounted later appear in every mount namespace that
    /// shares it (e.g. `ip netns exec`'s).
    fn make_shared(&self) -> io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&self.path)?;
        let shared = libc::MS_SHARED | libc::MS_REC;
        match mount(None, &self.path, None, shared) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                // Not a mount point yet: bind it onto itself, then share.
                mount(
                    Some(&self.path),
                    &self.path,
                    None,
                    libc::MS_BIND | libc::MS_REC,
                )?;
                mount(None, &self.path, None, shared)
            }
            r => r,
        }
    }

    /// Creates the persistent namespace `name`: a new network namespace
    /// bind-mounted on `DIR/NAME`. An existing name is `EEXIST`. Needs
    /// `CAP_SYS_ADMIN`.
    pub fn create(&self, name: &str) -> Result<Netns, Error> {
        let path = self.path_of(name)?;
        let op = format!(
            "create network namespace {name:?} in {}",
            self.path.display()
        );
        self.make_shared().map_err(|e| ns_err(&op, &e))?;
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o000)
            .open(&path)
            .map_err(|e| ns_err(&op, &e))?;
        let target = path.clone();
        // A thread in a brand-new namespace pins it by bind mount.
        let r = run_in_new_netns(move || {
            mount(
                Some(Path::new("/proc/thread-self/ns/net")),
                &target,
                None,
                libc::MS_BIND,
            )
        })
        .and_then(|r| r);
        if let Err(e) = r {
            let _ = std::fs::remove_file(&path);
            return Err(ns_err(&op, &e));
        }
        let mut ns = Netns::from_path(&path)?;
        ns.name = Some(name.to_owned());
        Ok(ns)
    }

    /// Opens the named namespace `name`.
    pub fn open(&self, name: &str) -> Result<Netns, Error> {
        let path = self.path_of(name)?;
        let mut ns = Netns::from_path(&path)
            .map_err(|e| e.with_op(format_args!("open network namespace {name:?}")))?;
        ns.name = Some(name.to_owned());
        Ok(ns)
    }

    /// The names in the directory, sorted; none if it does not exist.
    pub fn list(&self) -> Result<Vec<String>, Error> {
        let rd = match std::fs::read_dir(&self.path) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ns_err(
                    format_args!("list network namespaces in {}", self.path.display()),
                    &e,
                ));
            }
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Removes the named namespace: unmounts and unlinks its file. The
    /// namespace itself lives on while anything still uses it. A name that
    /// does not exist is an `ENOENT` error naming it.
    pub fn remove(&self, name: &str) -> Result<(), Error> {
        let path = self.path_of(name)?;
        let op = format!(
            "remove network namespace {name:?} from {}",
            self.path.display()
        );
        if let Err(e) = umount_detach(&path) {
            match e.raw_os_error() {
                // Not mounted (a stale file): still unlink it.
                Some(libc::EINVAL) => {}
                _ => return Err(ns_err(&op, &e)),
            }
        }
        std::fs::remove_file(&path).map_err(|e| ns_err(&op, &e))
    }
}

/// Prepares the **current process** to run a command inside `ns`, the way
/// `ip netns exec` does: joins the namespace, gives the process its own
/// mount namespace (mounts stay private to it) and remounts `/sys` so it
/// shows the namespace's devices. For a process about to `exec`; never call
/// it from a thread that keeps running other work.
pub fn enter_for_exec(ns: &Netns) -> Result<(), Error> {
    let op = "enter network namespace for exec";
    enter_netns_fd(ns.as_fd()).map_err(|e| ns_err(op, &e))?;
    // SAFETY: unshare affects only the calling thread (the process, for a
    // single-threaded program about to exec).
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
        return Err(ns_err(op, &io::Error::last_os_error()));
    }
    // Keep mounts made here from propagating back to the host.
    mount(None, Path::new("/"), None, libc::MS_SLAVE | libc::MS_REC).map_err(|e| ns_err(op, &e))?;
    let sys = Path::new("/sys");
    if umount_detach(sys).is_ok() {
        mount(Some(Path::new("sysfs")), sys, Some("sysfs"), 0).map_err(|e| ns_err(op, &e))?;
    }
    Ok(())
}

/// [`enter_for_exec`], then, as `ip netns exec NAME` does, bind-mounts each
/// entry of `/etc/netns/NAME/` over its namesake in `/etc` (inside the new
/// mount namespace only). A failed bind is reported on stderr and skipped,
/// as ip does.
pub fn enter_named_for_exec(ns: &Netns, name: &str) -> Result<(), Error> {
    enter_for_exec(ns)?;
    let dir = Path::new("/etc/netns").join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let from = e.path();
        let to = Path::new("/etc").join(e.file_name());
        if let Err(err) = mount(Some(&from), &to, None, libc::MS_BIND) {
            eprintln!("Bind {} -> {} failed: {err}", from.display(), to.display());
        }
    }
    Ok(())
}
