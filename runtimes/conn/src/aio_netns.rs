//! Namespaces on the async runtimes: the named-namespace watcher as a
//! [`Stream`], and running an async closure inside a namespace on a
//! dedicated thread. Generic over [`Runtime`]; `nlwire-tokio` and
//! `nlwire-async-io` name the types.

use std::future::Future;
use std::os::fd::AsFd;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use nlwire::Error;
use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};

use nlwire_sys::netns::{Netns, enter_netns_fd};

use crate::aio::Runtime;
use crate::io_error;
use crate::ns_watch::WatchDriver;

/// A watcher of the named namespaces in a directory: a [`Stream`] of
/// [`NsEvent`]s (also [`NsWatch::next`]).
pub struct NsWatch<Rt: Runtime> {
    d: WatchDriver,
    ready: Rt::Readiness,
    failed: bool,
}

impl<Rt: Runtime> std::fmt::Debug for NsWatch<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NsWatch")
            .field("directory", &self.d.directory())
            .finish_non_exhaustive()
    }
}

impl<Rt: Runtime> NsWatch<Rt> {
    /// Watches `dir` (e.g. [`nlwire_sys::netns::DEFAULT_NETNS_DIR`]); the names
    /// already there are not reported (see [`NsWatch::list_and_watch`]).
    /// Must be called inside the runtime's context.
    pub fn new(dir: impl AsRef<Path>, opts: NsWatchOptions) -> Result<NsWatch<Rt>, Error> {
        let d = WatchDriver::new(dir.as_ref(), opts)?;
        let ready = Rt::register(d.as_fd()).map_err(|e| {
            io_error(
                format_args!("register inotify descriptor for {}", d.directory()),
                &e,
            )
        })?;
        Ok(NsWatch {
            d,
            ready,
            failed: false,
        })
    }

    /// The names in `dir` now, and a watcher started before they were
    /// listed: every later change is an event, none is reported twice.
    pub fn list_and_watch(dir: impl AsRef<Path>) -> Result<(Vec<String>, NsWatch<Rt>), Error> {
        let mut w = NsWatch::new(dir, NsWatchOptions::default())?;
        let names = w.d.take_initial();
        Ok((names, w))
    }

    /// The next event. An error ends the watcher.
    pub async fn next(&mut self) -> Result<NsEvent, Error> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<NsEvent, Error>> {
        loop {
            if let Some(e) = self.d.next_event() {
                return Poll::Ready(Ok(e));
            }
            match Rt::poll_readable(&self.ready, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    return Poll::Ready(Err(io_error("wait for inotify events", &e)));
                }
                Poll::Ready(Ok(())) => {
                    self.d.on_readable()?;
                }
            }
        }
    }
}

impl<Rt: Runtime> Unpin for NsWatch<Rt> {}

impl<Rt: Runtime> Stream for NsWatch<Rt> {
    type Item = Result<NsEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        this.poll_event(cx).map(|r| {
            this.failed = r.is_err();
            Some(r)
        })
    }
}

type Panic = Box<dyn std::any::Any + Send>;

struct Shared<T> {
    result: Option<Result<Result<T, Error>, Panic>>,
    waker: Option<Waker>,
}

/// The result of [`run_in`]: resolves when the closure's future has run to
/// completion on its thread.
pub struct RunIn<T> {
    shared: Arc<Mutex<Shared<T>>>,
}

impl<T> std::fmt::Debug for RunIn<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunIn").finish_non_exhaustive()
    }
}

impl<T> Future for RunIn<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        match s.result.take() {
            Some(Ok(r)) => Poll::Ready(r),
            // The closure panicked: the panic continues in the caller.
            Some(Err(p)) => std::panic::resume_unwind(p),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs the async closure `f` inside `ns`: on a new thread that joins the
/// namespace and runs `f()` on its own single-threaded executor of
/// runtime `Rt`. The thread ends when the future completes, so no
/// executor thread of the caller ever changes namespace. Sockets and
/// connections made inside belong to `ns`.
pub fn run_in<Rt, F, Fut, T>(ns: &Netns, f: F) -> RunIn<T>
where
    Rt: Runtime,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Shared {
        result: None,
        waker: None,
    }));
    let finish = {
        let shared = shared.clone();
        move |r: Result<Result<T, Error>, Panic>| {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            s.result = Some(r);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    };
    let fd = match ns.as_fd().try_clone_to_owned() {
        Ok(fd) => fd,
        Err(e) => {
            finish(Ok(Err(io_error("duplicate namespace descriptor", &e))));
            return RunIn { shared };
        }
    };
    let finish2 = finish.clone();
    Rt::prepare_home();
    let spawned = std::thread::Builder::new()
        .name("nlwire-netns-run".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                enter_netns_fd(fd.as_fd())
                    .map_err(|e| io_error("enter network namespace", &e))
                    .and_then(|()| {
                        Rt::block_on(f()).map_err(|e| io_error("start executor in namespace", &e))
                    })
            }));
            finish2(r);
        });
    if let Err(e) = spawned {
        finish(Ok(Err(io_error("spawn namespace thread", &e))));
    }
    RunIn { shared }
}
