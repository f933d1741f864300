//! # nlwire — the sans-IO netlink protocol core
//!
//! This crate encodes and decodes Linux netlink frames and drives the request
//! exchange from bytes. It performs no I/O and, on the parse and encode paths,
//! no allocation: views borrow the received datagram, and the [`wire::Writer`]
//! appends into a buffer the caller owns.
//!
//! * [`wire`] — `nlmsghdr`, attributes (TLVs), the message writer, `NLMSG_ERROR`
//!   with extended acknowledgements, `NLMSG_DONE`.
//! * [`input`] — [`InvalidInput`] and [`LinkRef`], shared by every family.
//! * [`route`] — rtnetlink links, addresses, routes, neighbours and rules:
//!   zero-copy views, request builders, (with `alloc`) owned models, and
//!   their ops.
//! * [`request`], [`fold`], [`op`] — the contracts every family implements:
//!   a [`Request`] (one message), how replies [fold](fold::Fold) into a
//!   result, and an [`Op`] (several requests in a row).
//! * [`genl`] — generic netlink: the controller and WireGuard.
//! * [`ops`] — everyday operations, run by every runtime's `execute`.
//! * [`inotify`] — raw inotify event records (for the namespace watcher).
//! * [`machine`] — the state machines: the request exchange (sequence
//!   numbers, pipelining, ack/dump/error classification) and, with
//!   `alloc`, the multiplexer, batches, the tasks every runtime drives and
//!   the watchers.
//!
//! The runtime crates (`nlwire-tokio`, `nlwire-async-io`, `nlwire-mio`) move
//! datagrams between a socket and this crate.
//!
//! Feature `alloc` (default) adds the owned models and [`Error`].
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

// The modules read bottom-up: `wire` (frames) ← `input`, `request`,
// `fold`/`op` (the contracts) ← `route` and `genl` (the families and their
// ops) ← `machine` (state machines that drive requests and ops).
pub mod errno;
#[cfg(feature = "alloc")]
pub mod fold;
#[doc(hidden)]
pub mod fuzzing;
pub mod genl;
pub mod inotify;
pub mod input;
pub mod machine;
#[cfg(feature = "alloc")]
pub mod op;
pub mod request;
pub mod route;
pub mod wire;

#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
pub use error::{Error, KernelError};

/// Everyday operations, each a small [`Op`] written once in the core and
/// run by every runtime's `execute` (create a veth pair, add an address to
/// a link by name, replace a route via a gateway, move a link into a
/// namespace, flush a link's addresses, …).
#[cfg(feature = "alloc")]
pub mod ops {
    pub use crate::genl::ctrl::resolve as resolve_family;
    pub use crate::genl::wireguard::{get_device, set_device};
    pub use crate::op::{Ack, Collect, DUMP_RETRIES, Get};
    pub use crate::route::ops::IpVersion;
    pub use crate::route::ops::*;
}

pub use errno::Errno;
#[cfg(feature = "alloc")]
pub use fold::{Fold, Reply};
pub use input::{InvalidInput, LinkRef};
#[cfg(feature = "alloc")]
pub use machine::batch::{Batch, BatchOptions, BatchOutcome, BatchResult};
#[cfg(feature = "alloc")]
pub use op::{Op, OpStep};
pub use request::{FromMessage, Query, Request, View};
pub use wire::{DecodeError, EncodeError};
