//! Protocol state machines, fed with bytes, free of I/O.
//!
//! * [`exchange`] — sequence numbers, many requests in flight, classification
//!   of every received message into per-request events.
//! * [`mux`] (`alloc`) — the multiplexer the runtimes share: one receive
//!   buffer, per-request inboxes and wakers, so many tasks can use one
//!   socket while a lone dump is still parsed in place.
//! * [`fold`] (`alloc`) — how the replies of an ack request, a GET and a
//!   typed dump fold into results; every runtime uses these.
//! * [`ops`] (`alloc`) — multi-step operations ("add an address to the link
//!   named X": look the link up, then act), run by every runtime's
//!   `execute`.
//! * [`batch`] (`alloc`) — many requests per datagram, one result each.
//! * [`ns_watch`] (`alloc`) — the named-namespace directory watcher, fed
//!   with inotify reads.
//! * [`wg_watch`] (`alloc`) — the WireGuard poll watcher's diff of
//!   successive device snapshots.

#[cfg(feature = "alloc")]
pub mod batch;
pub mod exchange;
#[cfg(feature = "alloc")]
pub mod fold;
#[cfg(feature = "alloc")]
pub mod mux;
#[cfg(feature = "alloc")]
pub mod ns_watch;
#[cfg(feature = "alloc")]
pub mod ops;
#[cfg(feature = "alloc")]
pub mod wg_watch;

#[cfg(feature = "alloc")]
pub use batch::{Batch, BatchOptions, BatchOutcome, BatchResult, BatchRun};
pub use exchange::{
    ArraySlots, Event, EventKind, Exchange, Failure, Feed, RequestId, Slot, SlotStore, StartError,
    Stats,
};
#[cfg(feature = "alloc")]
pub use fold::Fold;
#[cfg(feature = "alloc")]
pub use mux::{Mux, MuxOptions, Next, Reply};
#[cfg(feature = "alloc")]
pub use ops::{Op, OpStep};

use crate::wire::{DecodeError, Message};

/// A type that can be built from one reply message — the item type of a
/// typed dump.
pub trait FromMessage: Sized {
    /// Decodes the item. A message of the wrong type is
    /// [`DecodeError::UnexpectedType`].
    fn from_message(msg: &Message<'_>) -> Result<Self, DecodeError>;
}
