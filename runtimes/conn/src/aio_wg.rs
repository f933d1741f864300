//! The WireGuard poll watcher on the async runtimes: a [`Stream`] of event
//! batches, one per polling round. Generic over [`Runtime`];
//! `nlwire-tokio` and `nlwire-async-io` name the type.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_core::Stream;
use nlwire::Error;
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions, WgWatcher};

use crate::aio::{Connection, Runtime};

struct State<Rt: Runtime> {
    conn: Connection<Rt>,
    machine: WgWatcher,
    origin: Instant,
}

type Round<Rt> = Pin<Box<dyn Future<Output = (Box<State<Rt>>, Vec<WgEvent>)> + Send>>;

/// Polls WireGuard interfaces and reports what changed (see
/// [`nlwire::machine::wg_watch`]).
///
/// Each item is the batch of events of one round — every interface read
/// once, in name order — and may be empty when nothing changed. The first
/// round runs at once; the next ones start `interval` after the previous
/// round started. A round never fails: an interface that cannot be read is
/// reported as [`WgEvent::InterfaceUnavailable`] and read again next time.
/// The stream never ends.
pub struct WgWatch<Rt: Runtime> {
    state: Option<Box<State<Rt>>>,
    round: Option<Round<Rt>>,
}

impl<Rt: Runtime> std::fmt::Debug for WgWatch<Rt> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WgWatch")
            .field(
                "interfaces",
                &self.state.as_ref().map(|s| s.machine.interfaces()),
            )
            .field("in_round", &self.round.is_some())
            .finish()
    }
}

impl<Rt: Runtime> WgWatch<Rt> {
    /// Watches the interfaces of `opts` through `conn`, a generic netlink
    /// connection ([`Connect::generic`](crate::Connect::generic)). Fails if `opts` names no
    /// interface, an invalid name, or a zero interval.
    pub fn new(conn: Connection<Rt>, opts: WgWatchOptions) -> Result<WgWatch<Rt>, Error> {
        let machine = WgWatcher::new(&opts)?;
        Ok(WgWatch {
            state: Some(Box::new(State {
                conn,
                machine,
                origin: Instant::now(),
            })),
            round: None,
        })
    }

    /// The interfaces, in polling order.
    pub fn interfaces(&self) -> &[String] {
        self.state.as_ref().map_or(&[], |s| s.machine.interfaces())
    }

    /// The events of the next round (waiting for its time first).
    pub async fn next(&mut self) -> Vec<WgEvent> {
        poll_fn(|cx| self.poll_round(cx)).await
    }

    fn poll_round(&mut self, cx: &mut Context<'_>) -> Poll<Vec<WgEvent>> {
        if self.round.is_none() {
            let Some(state) = self.state.take() else {
                // Unreachable: the state is always in one of the two places.
                return Poll::Pending;
            };
            self.round = Some(Box::pin(round(state)));
        }
        let Some(fut) = self.round.as_mut() else {
            return Poll::Pending;
        };
        let (state, events) = std::task::ready!(fut.as_mut().poll(cx));
        self.round = None;
        self.state = Some(state);
        Poll::Ready(events)
    }
}

async fn round<Rt: Runtime>(mut st: Box<State<Rt>>) -> (Box<State<Rt>>, Vec<WgEvent>) {
    // The schedule is the core's (`WgWatcher::delay`); this only sleeps.
    if let Some(d) = st.machine.delay(st.origin.elapsed()) {
        let mut timer = Rt::timer(Instant::now() + d);
        poll_fn(|cx| Rt::poll_timer(&mut timer, cx)).await;
    }
    st.machine.begin_round(st.origin.elapsed());
    let mut events = Vec::new();
    for i in 0..st.machine.interfaces().len() {
        let name = st.machine.interfaces()[i].clone();
        let result = st.conn.get_device(name.as_str()).await;
        st.machine.update(i, result, &mut events);
    }
    (st, events)
}

impl<Rt: Runtime> Unpin for WgWatch<Rt> {}

impl<Rt: Runtime> Stream for WgWatch<Rt> {
    type Item = Vec<WgEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<WgEvent>>> {
        self.get_mut().poll_round(cx).map(Some)
    }
}
