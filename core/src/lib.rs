//! # nlwire — the sans-IO netlink protocol core
//!
//! This crate encodes and decodes Linux netlink frames and drives the request
//! exchange from bytes. It performs no I/O and, on the parse and encode paths,
//! no allocation: views borrow the received datagram, and the [`wire::Writer`]
//! appends into a buffer the caller owns.
//!
//! * [`wire`] — `nlmsghdr`, attributes (TLVs), the message writer, `NLMSG_ERROR`
//!   with extended acknowledgements, `NLMSG_DONE`.
//! * [`route`] — rtnetlink link and route messages: zero-copy views, request
//!   builders and (with `alloc`) owned models.
//! * [`inotify`] — raw inotify event records (for the namespace watcher).
//! * [`machine`] — the request exchange state machine (sequence numbers,
//!   pipelining, ack/dump/error classification) and, with `alloc`, the
//!   multiplexer that the runtime crates share.
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

pub mod errno;
#[doc(hidden)]
pub mod fuzzing;
pub mod genl;
pub mod inotify;
pub mod machine;
pub mod request;
pub mod route;
pub mod wire;

#[cfg(feature = "alloc")]
mod error;
#[cfg(feature = "alloc")]
pub use error::{Error, KernelError};

pub use errno::Errno;
pub use request::Request;
pub use wire::{DecodeError, EncodeError};
