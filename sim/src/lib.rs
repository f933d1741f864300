//! # nlwire-sim — a Linux kernel in the test process
//!
//! A simulated kernel that keeps network state in memory and speaks the
//! kernel's rtnetlink bytes. It plugs in under the same `Connection` as the
//! real kernel, on every runtime, through the connection's transport seam
//! ([`nlwire_conn::Transport`]): no root, no namespaces, no network system
//! calls — a plain unprivileged `cargo test`.
//!
//! ```
//! use nlwire::ops;
//! use nlwire_sim::Kernel;
//!
//! let kernel = Kernel::new();
//! let mut conn = nlwire_mio::Connection::from_transport(
//!     kernel.socket(kernel.init_ns())?,
//!     nlwire_conn::ConnectionOptions::default(),
//! )?;
//! conn.execute(ops::create_veth("veth0", "veth1")?)?;
//! conn.execute(ops::set_link_up("veth0")?)?;
//! let names: Vec<String> = conn.links().map(|l| l.map(|l| l.name)).collect::<Result<_, _>>()?;
//! assert_eq!(names, ["lo", "veth1", "veth0"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What it simulates
//!
//! Measured against the real kernel by the differential test
//! (`tests/tests/sim_differential.rs`); the differences that remain are
//! listed in `sim/DIFFERENCES.md`.
//!
//! * **Namespaces**, each with its `lo`; a socket is opened in one, and
//!   [`Kernel::netns_fd`] gives the descriptor that names one in requests
//!   (`NetnsRef::Fd`), as an open `/var/run/netns/NAME` does.
//! * **Links across namespaces**: a veth made with its peer in another
//!   namespace, a link moved into another (renamed in the same request:
//!   under its old name first when that is free there, as the kernel
//!   does), carrier following the peer across, the pair removed together
//!   (also with a namespace).
//! * **Links**: `lo`, veth pairs, bridges and their ports. Interface
//!   indexes are allocated as the kernel allocates them (a veth's peer
//!   first), names as the kernel names them (`veth0`, `bridge0` when none
//!   is given). Renames (refused while up before 6.2), MTU within the
//!   kind's limits, a bridge's MTU and link-layer address following its
//!   ports until set, up/down, carrier and operstate following a veth's
//!   peer and a bridge's ports, masters.
//! * **IPv4 addresses** with the kernel's automatic routes: the local
//!   route, the prefix route and the subnet broadcast route while the
//!   link is up, primaries and secondaries, lifetimes (the clock stands
//!   still).
//! * **IPv6 addresses** with addrconf's routes: the prefix route while
//!   the link is up (shared by the addresses of one prefix), the local
//!   route once duplicate address detection is over (at once on a ready
//!   link: no packet flows, so no duplicate answers), `nodad`,
//!   `noprefixroute`, metrics, replace and delete as `inet6_addr_modify`
//!   and `inet6_addr_del` do them, `lo`'s `::1`; a link's addresses go
//!   when it goes down or below the IPv6 MTU. A link makes its
//!   link-local address (`eui64`, of its link-layer address) and
//!   `fe80::/64` when it becomes ready, as a namespace's links do
//!   (`ip link set … addrgenmode none` stops it); one address can be
//!   asked for (`RTM_GETADDR` without a dump).
//! * **IPv4 routes** in any table: unicast through a device or a
//!   gateway (checked as the kernel checks it), blackhole, unreachable,
//!   prohibit; `NLM_F_CREATE`/`EXCL`/`REPLACE`/`APPEND` as the kernel's
//!   FIB applies them; routes removed with their link or address.
//! * **IPv6 routes** in any table: through a device or a gateway
//!   (`ip6_route_add`'s checks, through the rules), blackhole,
//!   unreachable, prohibit, throw and local; the insert rules of
//!   `fib6_add_rt2node`, the tree walk's dump order, and the routes
//!   addrconf makes (`local ::1` when `lo` comes up, `ff00::/8` when a
//!   link is ready); a link's IPv6 routes go when it goes down or below
//!   the IPv6 MTU.
//! * **Neighbour entries** as an administrator writes them (permanent,
//!   noarp, stale; IPv4 and IPv6), with the kernel's flushes on down,
//!   carrier loss, a new link-layer address and a link losing IPv4 or
//!   IPv6.
//! * **Rules**: the default rules of every family, and IPv4 and IPv6
//!   rules written (priority, from, to, TOS, table, the reject actions);
//!   they steer the gateway checks of route writes as in the kernel.
//! * **Replies as the kernel sends them**: a datagram per reply;
//!   acknowledgements with the request's header (`NETLINK_CAP_ACK`) and
//!   the kernel's extended-ack texts for the common failures; dumps in the
//!   kernel's datagrams — one pass when the dump starts and one after each
//!   receive, the first of a socket's first dump `NLMSG_GOODSIZE`, the
//!   next as large as the reader's largest buffer (at most 32 KiB less the
//!   skb overhead), `NLMSG_DONE` in a pass of its own (with the last rule
//!   for rules), one dump at a time per socket (`EBUSY`). A route's dump
//!   datagrams are the kernel's byte for byte (checked by the
//!   differential test).
//! * **Multicast notifications** to every socket of the namespace that
//!   joined the group (links, IPv4 and IPv6 addresses and routes,
//!   neighbours, rules), dropped with `ENOBUFS` when the socket's receive
//!   buffer is full ([`Socket::set_recv_buffer`]), as the kernel drops
//!   them.
//!
//! A request the simulator does not model (nexthop objects, another link
//! kind, generic netlink, IPv6 address lifetimes) is refused with
//! `EOPNOTSUPP` and an extended-ack text that starts with `nlwire-sim:` —
//! never answered wrongly.
//!
//! Where kernel releases differ in what it models, [`Kernel::with_release`]
//! picks the behaviour (the default is the newest).
//!
//! ## Faults
//!
//! [`Socket::faults`] hands out a [`Faults`] handle that injects, on that
//! socket and at a chosen point, what the real kernel does only by
//! chance ([`Fault`]): a multicast overrun (lost notifications, then
//! `ENOBUFS`), `NLM_F_DUMP_INTR` on a dump, an errno on the Nth request, a
//! datagram larger than the receive buffer, replies held back behind the
//! next request's. [`Faults::chaos`] draws overruns and interrupted
//! dumps at random from a seed instead. `sim/tests/faults.rs` shows the
//! library's answer to each.
//!
//! ## An example
//!
//! `sim/examples/agent.rs` is a small agent (veth pairs for pods, rebuilt
//! when deleted, a failed setup undone) whose unit tests run on the
//! simulator in a plain `cargo test`.

#![forbid(unsafe_code)]

mod addr;
mod addr6;
mod fault;
mod link;
mod msg;
mod neigh;
mod route;
mod route6;
mod rule;
mod world;

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nlwire_sys::event::Bell;

use world::World;

pub use fault::{Chaos, Fault, Faults};

/// A network namespace of a simulated [`Kernel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NsId(u32);

/// A simulated kernel: its namespaces and their network state. Cloning
/// gives another handle to the same kernel.
#[derive(Debug, Clone)]
pub struct Kernel {
    world: Arc<Mutex<World>>,
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl Kernel {
    /// A kernel with its initial namespace (holding `lo`, down), behaving
    /// as the newest kernel the simulator knows ([`Kernel::LATEST`]).
    pub fn new() -> Kernel {
        Kernel::with_release(Kernel::LATEST.0, Kernel::LATEST.1)
    }

    /// The newest kernel release whose behaviour is simulated.
    pub const LATEST: (u32, u32) = (6, 18);

    /// A kernel that behaves as Linux `major.minor` where releases differ
    /// in what the simulator models (before 6.2, renaming an up link is
    /// `EBUSY`). The differential test builds its simulator with the
    /// release of the kernel it compares against.
    pub fn with_release(major: u32, minor: u32) -> Kernel {
        Kernel {
            world: Arc::new(Mutex::new(World::new((major, minor)))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // Requests cannot make the simulator panic (malformed ones get
        // error replies); a panic here is a bug in it, and the world it
        // leaves is used as it is.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The initial namespace.
    pub fn init_ns(&self) -> NsId {
        NsId(0)
    }

    /// Creates a named namespace (as `ip netns add NAME`), with its `lo`.
    /// `AlreadyExists` if the name is taken.
    pub fn add_netns(&self, name: &str) -> io::Result<NsId> {
        self.lock().add_netns(name).map(NsId)
    }

    /// The namespace called `name`.
    pub fn netns(&self, name: &str) -> Option<NsId> {
        self.lock().netns_by_name(name).map(NsId)
    }

    /// Removes a namespace with everything in it: its links (a veth's
    /// peer elsewhere goes with it) and its sockets, whose sends fail with
    /// `ENOENT` from then on, and whose receives too once what was queued
    /// is read. The initial namespace cannot be removed
    /// (`PermissionDenied`).
    pub fn delete_netns(&self, ns: NsId) -> io::Result<()> {
        self.lock().delete_netns(ns.0)
    }

    /// A descriptor that names namespace `ns` in requests, as an open
    /// `/var/run/netns/NAME` does for the kernel: pass
    /// `NetnsRef::Fd(fd.raw())` to move a link there or make a veth's
    /// peer there. It names the namespace while it is open.
    pub fn netns_fd(&self, ns: NsId) -> io::Result<NetnsFd> {
        let fd = Bell::new()?;
        let raw = fd.as_fd().as_raw_fd();
        self.lock().add_fd(raw, ns.0)?;
        Ok(NetnsFd {
            kernel: self.clone(),
            _fd: fd,
            raw,
            ns,
        })
    }

    /// A `NETLINK_ROUTE` socket in namespace `ns`: the transport of a
    /// connection (`Connection::from_transport`).
    pub fn socket(&self, ns: NsId) -> io::Result<Socket> {
        let bell = Bell::new()?;
        let shared = self.lock().add_socket(ns.0, bell)?;
        Ok(Socket {
            kernel: self.clone(),
            shared,
        })
    }
}

/// One datagram waiting on a socket, with the group it was sent to.
type Datagram = (Vec<u8>, u32);

/// A descriptor naming a namespace of a simulated [`Kernel`] in requests
/// (see [`Kernel::netns_fd`]).
#[derive(Debug)]
pub struct NetnsFd {
    kernel: Kernel,
    /// Holds the descriptor number while the handle lives.
    _fd: Bell,
    raw: i32,
    ns: NsId,
}

impl NetnsFd {
    /// The descriptor's number, for `NetnsRef::Fd`.
    pub fn raw(&self) -> i32 {
        self.raw
    }

    /// The namespace it names.
    pub fn ns(&self) -> NsId {
        self.ns
    }
}

impl Drop for NetnsFd {
    fn drop(&mut self) {
        self.kernel.lock().remove_fd(self.raw);
    }
}

/// What the kernel side and the socket side share.
#[derive(Debug)]
pub(crate) struct SocketShared {
    pub(crate) port: u32,
    pub(crate) ns: u32,
    /// Joined groups: bit `g - 1` for group `g`.
    pub(crate) groups: AtomicU64,
    /// Its namespace was removed: receives fail (`ENOENT`) once the queue
    /// is empty, and the bell stays rung so that a waiter finds out.
    pub(crate) dead: AtomicBool,
    inbox: Mutex<Inbox>,
    /// Readable exactly while the inbox has something to receive (both
    /// change under the inbox's lock).
    bell: Bell,
}

/// What waits on a socket: datagrams, the dump in progress, and its
/// planned faults.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    pub(crate) queue: VecDeque<Datagram>,
    /// The dump whose next datagram the next receive makes.
    pub(crate) dump: Option<msg::PendingDump>,
    /// The largest receive buffer seen (`max_recvmsg_len`), capped.
    max_recv: usize,
    pub(crate) faults: fault::FaultState,
    /// The memory the queued datagrams take (`sk_rmem_alloc`, counted in
    /// [`truesize`]).
    rmem: usize,
    /// The receive buffer (`sk_rcvbuf`); `None` for the default.
    rcvbuf: Option<usize>,
    /// `NETLINK_S_CONGESTED`: a notification was dropped for want of
    /// room; none is queued until the queue has been emptied.
    congested: bool,
}

/// The receive buffer of a socket nobody sized: what nlwire's default
/// options give a privileged socket (`SO_RCVBUFFORCE` of 4 MiB, doubled).
const DEFAULT_RCVBUF: usize = 8 << 20;

/// What a queued datagram of `len` bytes costs the receive buffer: its
/// buffer (a power of two, with the shared info) and the `sk_buff`
/// (`SKB_TRUESIZE`).
fn truesize(len: usize) -> usize {
    (len + 320).next_power_of_two() + 256
}

impl Inbox {
    fn readable(&self) -> bool {
        !self.queue.is_empty() || self.faults.overrun
    }

    /// The room of the next dump datagram: `NLMSG_GOODSIZE`, or the
    /// reader's buffer once a receive showed it (at most
    /// `SKB_WITH_OVERHEAD(32768)`).
    pub(crate) fn dump_room(&self) -> usize {
        self.max_recv.max(msg::NLMSG_GOODSIZE)
    }
}

impl SocketShared {
    /// Its namespace is gone.
    pub(crate) fn kill(&self) {
        self.dead.store(true, Ordering::Relaxed);
        self.bell.ring();
    }

    pub(crate) fn new(port: u32, ns: u32, bell: Bell) -> SocketShared {
        SocketShared {
            port,
            ns,
            groups: AtomicU64::new(0),
            dead: AtomicBool::new(false),
            inbox: Mutex::new(Inbox::default()),
            bell,
        }
    }

    pub(crate) fn inbox(&self) -> MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues datagrams for the socket's owner.
    pub(crate) fn deliver_all(&self, inbox: &mut Inbox, datagrams: Vec<Datagram>) {
        if !inbox.readable() && !datagrams.is_empty() {
            self.bell.ring();
        }
        inbox.rmem += datagrams
            .iter()
            .map(|(d, _)| truesize(d.len()))
            .sum::<usize>();
        inbox.queue.extend(datagrams);
    }

    /// Queues a notification, unless an injected overrun drops it.
    pub(crate) fn deliver_note(&self, datagram: Vec<u8>, group: u32) {
        let mut ib = self.inbox();
        let chaos = ib.faults.chaos.as_mut().is_some_and(|c| c.overrun());
        if ib.faults.drop_notes > 0 || chaos {
            ib.faults.drop_notes = ib.faults.drop_notes.saturating_sub(1);
            if !ib.readable() {
                self.bell.ring();
            }
            ib.faults.overrun = true;
            return;
        }
        // `netlink_broadcast_deliver`: no room (or still congested) drops
        // it; the first drop raises `ENOBUFS` (`netlink_overrun`).
        if ib.congested || ib.rmem > ib.rcvbuf.unwrap_or(DEFAULT_RCVBUF) {
            if !ib.congested {
                ib.congested = true;
                if !ib.readable() {
                    self.bell.ring();
                }
                ib.faults.overrun = true;
            }
            return;
        }
        self.deliver_all(&mut ib, vec![(datagram, group)]);
    }

    pub(crate) fn joined(&self, group: u32) -> bool {
        (1..=64).contains(&group) && self.groups.load(Ordering::Relaxed) & (1 << (group - 1)) != 0
    }
}

/// A socket of a simulated [`Kernel`], opened in one of its namespaces:
/// a [`Transport`](nlwire_conn::Transport) for any runtime's connection.
#[derive(Debug)]
pub struct Socket {
    kernel: Kernel,
    shared: Arc<SocketShared>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.kernel.lock().remove_socket(self.shared.port);
    }
}

impl Socket {
    /// Sizes the receive buffer as `SO_RCVBUFFORCE` does: `bytes`,
    /// doubled (the kernel's bookkeeping share). Notifications that find
    /// it full are dropped and the reader gets `ENOBUFS`, as from the
    /// kernel. The default is what nlwire's default options give a
    /// privileged socket (8 MiB). Replies are never dropped (the kernel
    /// drops those too when the buffer is full: see `DIFFERENCES.md`).
    pub fn set_recv_buffer(&self, bytes: usize) {
        // `SOCK_MIN_RCVBUF`.
        self.shared.inbox().rcvbuf = Some(bytes.saturating_mul(2).max(2304));
    }

    /// The handle that injects faults into this socket (keep it before
    /// the socket goes into a connection).
    pub fn faults(&self) -> Faults {
        Faults {
            shared: self.shared.clone(),
        }
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.shared.bell.as_fd()
    }
}

impl nlwire_conn::Transport for Socket {
    fn send(&self, datagram: &[u8]) -> io::Result<()> {
        self.kernel.lock().receive(&self.shared, datagram)
    }

    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv_from(buf).map(|(n, _)| n)
    }

    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, u32)> {
        let mut ib = self.shared.inbox();
        // A pending error comes before the queue, as `sk_err` does.
        if ib.faults.overrun {
            ib.faults.overrun = false;
            if !ib.readable() {
                self.shared.bell.clear();
            }
            return Err(io::Error::from_raw_os_error(nlwire::Errno::ENOBUFS.0));
        }
        let Some((d, group)) = ib.queue.pop_front().inspect(|(d, _)| {
            ib.rmem = ib.rmem.saturating_sub(truesize(d.len()));
        }) else {
            if self.shared.dead.load(Ordering::Relaxed) {
                return Err(io::Error::from_raw_os_error(nlwire::Errno::ENOENT.0));
            }
            return Err(io::ErrorKind::WouldBlock.into());
        };
        // The kernel learns the reader's buffer size from a receive that
        // took a datagram (`max_recvmsg_len`).
        ib.max_recv = ib.max_recv.max(buf.len()).min(msg::DUMP_MAX);
        // A receive runs the dump's next pass (`netlink_recvmsg` calls
        // `netlink_dump`).
        if let Some(mut dump) = ib.dump.take() {
            let room = ib.dump_room();
            let (chunk, finished) = dump.next_chunk(room);
            ib.rmem += truesize(chunk.len());
            ib.queue.push_back((chunk, 0));
            if !finished {
                ib.dump = Some(dump);
            }
        }
        // `netlink_rcv_wake`: an emptied queue ends the congestion.
        if ib.queue.is_empty() {
            ib.congested = false;
        }
        if !ib.readable() && !self.shared.dead.load(Ordering::Relaxed) {
            self.shared.bell.clear();
        }
        // An injected truncation: the datagram is larger than the buffer.
        let size = if std::mem::take(&mut ib.faults.truncate) {
            d.len().max(buf.len() + 1)
        } else {
            d.len()
        };
        drop(ib);
        // As a datagram socket does: what fits is copied, the real size is
        // reported (`MSG_TRUNC`), the rest is lost.
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        Ok((size, group))
    }

    fn join(&self, group: u32) -> io::Result<()> {
        if !(1..=64).contains(&group) {
            return Err(io::Error::from_raw_os_error(nlwire::Errno::EINVAL.0));
        }
        self.shared
            .groups
            .fetch_or(1 << (group - 1), Ordering::Relaxed);
        Ok(())
    }

    fn port(&self) -> u32 {
        self.shared.port
    }
}
