//! Protocol state machines, fed with bytes and the time, free of I/O.
//!
//! * [`exchange`] — sequence numbers, many requests in flight, classification
//!   of every received message into per-request events.
//! * [`mux`] (`alloc`) — the multiplexer the runtimes share: one receive
//!   buffer, per-request inboxes and wakers, so many tasks can use one
//!   socket while a lone dump is still parsed in place.
//! * [`batch`] (`alloc`) — many requests per datagram, one result each.
//! * [`task`] (`alloc`) — what a runtime drives over the multiplexer: an
//!   [`Op`](crate::Op) run to its end, a streamed dump, a batch, each with
//!   its idle deadline. A runtime only moves datagrams and waits.
//! * [`ns_watch`] (`alloc`) — the named-namespace directory watcher, fed
//!   with inotify reads.
//! * [`wg_watch`] (`alloc`) — the WireGuard poll watcher's schedule and its
//!   diff of successive device snapshots.

#[cfg(feature = "alloc")]
pub mod batch;
pub mod exchange;
#[cfg(feature = "alloc")]
pub mod mirror;
#[cfg(feature = "alloc")]
pub mod mux;
#[cfg(feature = "alloc")]
pub mod notes;
#[cfg(feature = "alloc")]
pub mod ns_watch;
#[cfg(feature = "alloc")]
pub mod task;
#[cfg(feature = "alloc")]
pub mod wg_watch;

#[cfg(feature = "alloc")]
pub use batch::BatchRun;
pub use exchange::{
    ArraySlots, Event, EventKind, Exchange, Failure, Feed, RequestId, Slot, SlotStore, StartError,
    Stats,
};
#[cfg(feature = "alloc")]
pub use mux::{Mux, MuxOptions, Next, NextNote};
#[cfg(feature = "alloc")]
pub use notes::Note;
