//! Faults the real kernel produces only by chance, injected on purpose:
//! each is scripted on one socket ([`Faults::inject`]) and happens at a
//! known point, so a test can show the library's answer to it.

use std::sync::Arc;

use crate::{Datagram, SocketShared};

/// A fault to inject on a socket of the simulated kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The socket's receive buffer overruns: the next `dropped`
    /// notifications for it (at least one) are lost as they come, and the
    /// receive after a loss fails with `ENOBUFS` — as the kernel reports a
    /// multicast overrun.
    Overrun {
        /// How many notifications are lost.
        dropped: usize,
    },
    /// The next dump's datagram number `chunk` (0 for the first; the last
    /// if the dump has fewer) and every one after it carry
    /// `NLM_F_DUMP_INTR`, as when the table changes under a dump.
    DumpInterrupted {
        /// The first datagram flagged.
        chunk: usize,
    },
    /// Request number `nth` from now (0: the next one; each message of a
    /// batch counts) fails with `errno`, changing nothing. An `errno` that
    /// is not positive is taken as `EINVAL`.
    Errno {
        /// Which request.
        nth: u64,
        /// The error (`ENOMEM`, `EBUSY`, …).
        errno: i32,
    },
    /// The next datagram the socket receives does not fit the buffer it
    /// is read into: the receive reports a size larger than the buffer and
    /// the datagram is lost, as with `MSG_TRUNC`.
    Truncate,
    /// The replies to the next request are held back until the request
    /// after it has been answered, then delivered: replies out of request
    /// order.
    Delay,
}

/// Faults drawn at random, from a seed: the same seed gives the same
/// faults at the same points of the same exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chaos {
    /// Seeds the draws.
    pub seed: u64,
    /// Per thousand notifications, how many are lost to an overrun (each
    /// reported by `ENOBUFS`).
    pub overrun_per_mille: u32,
    /// Per thousand dumps, how many are interrupted (`NLM_F_DUMP_INTR`
    /// from a random datagram on).
    pub dump_intr_per_mille: u32,
}

impl Chaos {
    fn draw(state: &mut u64) -> u64 {
        // xorshift64*
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The random state of a socket's [`Chaos`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChaosState {
    chaos: Chaos,
    rng: u64,
}

impl ChaosState {
    fn hit(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && Chaos::draw(&mut self.rng) % 1000 < u64::from(per_mille)
    }

    /// Whether the next notification is lost.
    pub(crate) fn overrun(&mut self) -> bool {
        let p = self.chaos.overrun_per_mille;
        self.hit(p)
    }

    /// The datagram of a dump of `chunks` from which it is interrupted.
    pub(crate) fn dump_intr(&mut self, chunks: usize) -> Option<usize> {
        let p = self.chaos.dump_intr_per_mille;
        self.hit(p)
            .then(|| (Chaos::draw(&mut self.rng) % chunks.max(1) as u64) as usize)
    }
}

/// A socket's pending faults (in its inbox, under the inbox's lock).
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    /// Notifications still to drop for an overrun.
    pub(crate) drop_notes: usize,
    /// `ENOBUFS` waits to be reported.
    pub(crate) overrun: bool,
    pub(crate) dump_intr: Option<usize>,
    /// Requests handled so far, and the failures planned (absolute
    /// request numbers).
    pub(crate) requests: u64,
    pub(crate) errnos: Vec<(u64, i32)>,
    pub(crate) truncate: bool,
    pub(crate) delay: bool,
    /// Replies held back by [`Fault::Delay`] (`Some` while holding).
    pub(crate) held: Option<Vec<Datagram>>,
    pub(crate) chaos: Option<ChaosState>,
}

/// Injects faults into one socket of the simulated kernel; get it with
/// [`Socket::faults`](crate::Socket::faults) before the socket goes into
/// a connection.
#[derive(Debug, Clone)]
pub struct Faults {
    pub(crate) shared: Arc<SocketShared>,
}

impl Faults {
    /// Plans `fault`. Faults of different kinds combine; a second fault
    /// of a kind replaces the first (but for [`Fault::Errno`], of which
    /// any number may be planned).
    pub fn inject(&self, fault: Fault) {
        let mut ib = self.shared.inbox();
        let st = &mut ib.faults;
        match fault {
            Fault::Overrun { dropped } => st.drop_notes = dropped.max(1),
            Fault::DumpInterrupted { chunk } => st.dump_intr = Some(chunk),
            Fault::Errno { nth, errno } => {
                let at = st.requests + nth;
                st.errnos.push((at, if errno > 0 { errno } else { 22 }));
            }
            Fault::Truncate => st.truncate = true,
            Fault::Delay => st.delay = true,
        }
    }

    /// From now on, draws overruns and interrupted dumps at random, from
    /// `chaos.seed` (replacing an earlier chaos).
    pub fn chaos(&self, chaos: Chaos) {
        self.shared.inbox().faults.chaos = Some(ChaosState {
            chaos,
            rng: chaos.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        });
    }
}
