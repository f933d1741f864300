//! Link counters: `struct rtnl_link_stats64` (`IFLA_STATS64`) and its
//! 32-bit ancestor `struct rtnl_link_stats` (`IFLA_STATS`).

use crate::wire::DecodeError;

/// `IFLA_STATS`: the 32-bit counters.
pub const IFLA_STATS: u16 = 7;
/// `IFLA_STATS64`: the 64-bit counters.
pub const IFLA_STATS64: u16 = 23;
/// `IFLA_CARRIER_CHANGES`: how often the carrier went on or off.
pub const IFLA_CARRIER_CHANGES: u16 = 35;
/// `IFLA_PROTINFO`: the family's own link data (an IPv6 link dump's).
pub const IFLA_PROTINFO: u16 = 12;
/// `IFLA_INET6_STATS`, in `IFLA_PROTINFO`: the IPv6 MIB counters (`u64`
/// each, `IPSTATS_MIB_*` order).
pub const IFLA_INET6_STATS: u16 = 3;

macro_rules! stats {
    ($($(#[$doc:meta])* $field:ident),+ $(,)?) => {
        /// A link's counters, in the kernel's order (`rtnl_link_stats64`).
        /// A field the kernel did not send (an older, shorter struct) is 0.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[non_exhaustive]
        pub struct LinkStats {
            $($(#[$doc])* pub $field: u64,)+
        }

        impl LinkStats {
            /// The number of counters this version knows.
            pub const FIELDS: usize = [$(stringify!($field)),+].len();

            /// Decodes counters of `width` bytes each (8 for
            /// `IFLA_STATS64`, 4 for `IFLA_STATS`), native-endian. A payload
            /// that is not a whole number of counters, or holds fewer than
            /// the first ten, is an error; counters past the known ones are
            /// ignored.
            fn decode(b: &[u8], width: usize, kind: u16) -> Result<LinkStats, DecodeError> {
                if b.len() % width != 0 || b.len() < 10 * width {
                    return Err(DecodeError::AttrSize {
                        what: "link statistics",
                        kind,
                        len: b.len(),
                        expected: Self::FIELDS * width,
                    });
                }
                let mut it = b.chunks_exact(width).map(|c| {
                    let mut v = [0u8; 8];
                    if width == 8 {
                        v.copy_from_slice(c);
                        u64::from_ne_bytes(v)
                    } else {
                        u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                    }
                });
                Ok(LinkStats {
                    $($field: it.next().unwrap_or(0),)+
                })
            }
        }
    };
}

stats! {
    /// Packets received.
    rx_packets,
    /// Packets sent.
    tx_packets,
    /// Bytes received.
    rx_bytes,
    /// Bytes sent.
    tx_bytes,
    /// Bad packets received.
    rx_errors,
    /// Packets that could not be sent.
    tx_errors,
    /// Received packets dropped.
    rx_dropped,
    /// Packets dropped on the way out.
    tx_dropped,
    /// Multicast packets received.
    multicast,
    /// Collisions.
    collisions,
    /// Received with a bad length.
    rx_length_errors,
    /// Receiver ring overruns.
    rx_over_errors,
    /// Received with a bad CRC.
    rx_crc_errors,
    /// Frame alignment errors.
    rx_frame_errors,
    /// Receiver FIFO overruns.
    rx_fifo_errors,
    /// Missed by the receiver.
    rx_missed_errors,
    /// Transmissions aborted.
    tx_aborted_errors,
    /// Carrier errors.
    tx_carrier_errors,
    /// Transmitter FIFO errors.
    tx_fifo_errors,
    /// Heartbeat errors.
    tx_heartbeat_errors,
    /// Window errors.
    tx_window_errors,
    /// Compressed packets received.
    rx_compressed,
    /// Compressed packets sent.
    tx_compressed,
    /// Dropped for want of a handler.
    rx_nohandler,
    /// Dropped as addressed to another host.
    rx_otherhost_dropped,
}

impl LinkStats {
    /// Decodes an `IFLA_STATS64` payload.
    pub fn parse64(b: &[u8]) -> Result<LinkStats, DecodeError> {
        Self::decode(b, 8, IFLA_STATS64)
    }

    /// Decodes an `IFLA_STATS` payload (32-bit counters).
    pub fn parse32(b: &[u8]) -> Result<LinkStats, DecodeError> {
        Self::decode(b, 4, IFLA_STATS)
    }

    /// The link counters an IPv6 link dump gives (`IFLA_INET6_STATS`), as
    /// `ip` maps them: packets and octets in and out, discards as errors,
    /// multicast in, checksum errors as frame errors.
    pub fn from_inet6_mib(b: &[u8]) -> LinkStats {
        let mib = |i: usize| {
            b.get(i * 8..i * 8 + 8).map_or(0, |c| {
                u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
            })
        };
        LinkStats {
            rx_packets: mib(1),
            rx_bytes: mib(2),
            tx_packets: mib(5),
            tx_bytes: mib(6),
            rx_errors: mib(13),
            tx_errors: mib(14),
            multicast: mib(23),
            rx_frame_errors: mib(31),
            ..LinkStats::default()
        }
    }

    /// The counters among a link's attributes: `IFLA_STATS64`, else
    /// `IFLA_STATS`, else an IPv6 dump's MIB counters (`IFLA_PROTINFO`).
    /// The bool is whether they count as complete 64-bit counters, as
    /// `ip` tells `"stats64"` from `"stats"`.
    pub fn from_attrs<'a>(
        mut find: impl FnMut(u16) -> Option<&'a [u8]>,
    ) -> Option<Result<(LinkStats, bool), DecodeError>> {
        if let Some(b) = find(IFLA_STATS64) {
            return Some(Self::parse64(b).map(|s| (s, b.len() == Self::FIELDS * 8)));
        }
        if let Some(b) = find(IFLA_STATS) {
            return Some(Self::parse32(b).map(|s| (s, false)));
        }
        let info = find(IFLA_PROTINFO)?;
        let mut stats = LinkStats::default();
        for a in crate::wire::Attrs::new(info) {
            match a {
                Ok(a) if a.kind() == IFLA_INET6_STATS => stats = Self::from_inet6_mib(a.payload()),
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok((stats, true)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_width_and_refuses_torn_payloads() {
        let mut b = [0u8; 200];
        for (i, c) in b.chunks_exact_mut(8).enumerate() {
            c.copy_from_slice(&(i as u64 + 1).to_ne_bytes());
        }
        let s = LinkStats::parse64(&b).unwrap();
        assert_eq!(
            (s.rx_packets, s.tx_bytes, s.rx_otherhost_dropped),
            (1, 4, 25)
        );
        // An older kernel's 23 counters: the rest are 0.
        let s = LinkStats::parse64(&b[..184]).unwrap();
        assert_eq!((s.tx_compressed, s.rx_nohandler), (23, 0));
        assert!(LinkStats::parse64(&b[..13]).is_err());
        assert!(LinkStats::parse64(&b[..72]).is_err());
        let mut b32 = [0u8; 92];
        b32[8..12].copy_from_slice(&7u32.to_ne_bytes());
        assert_eq!(LinkStats::parse32(&b32).unwrap().rx_bytes, 7);
        assert_eq!(LinkStats::FIELDS, 25);
        let got = LinkStats::from_attrs(|k| (k == IFLA_STATS64).then_some(&b[..]))
            .unwrap()
            .unwrap();
        assert!(got.1);
        // The IPv6 MIB (linux/snmp.h order): InReceives 1, InOctets 2,
        // OutRequests 5, OutOctets 6, InDiscards 13, OutDiscards 14,
        // InMcastPkts 23, InCsumErrors 31.
        let mut mib = [0u8; 37 * 8];
        for (i, c) in mib.chunks_exact_mut(8).enumerate() {
            c.copy_from_slice(&(i as u64 * 10).to_ne_bytes());
        }
        let m = LinkStats::from_inet6_mib(&mib);
        assert_eq!(
            [
                m.rx_packets,
                m.rx_bytes,
                m.tx_packets,
                m.tx_bytes,
                m.rx_errors,
                m.tx_errors
            ],
            [10, 20, 50, 60, 130, 140]
        );
        assert_eq!(
            (m.multicast, m.rx_frame_errors, m.rx_dropped),
            (230, 310, 0)
        );
    }
}
