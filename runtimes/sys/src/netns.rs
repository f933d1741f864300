//! Network-namespace entry on dedicated threads.
//!
//! A netlink socket stays bound to the namespace it was created in, so to
//! talk to another namespace nlwire creates the socket on a short-lived
//! thread that has joined it. `setns` is never called on a thread the
//! caller (or an async executor) keeps using.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;

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
