//! Routing rules (`RTM_GETRULE`): a namespace's default rules, as the
//! kernel makes them; and the objects a namespace starts without
//! (neighbour entries, nexthop objects), whose dumps are empty.

use nlwire::Errno;
use nlwire::route::rule::{FRA_PRIORITY, FRA_PROTOCOL, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE};
use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, RtMsg};
use nlwire::wire::Writer;

use crate::msg::{self, Fail, Req, Res};
use crate::route::RTPROT_KERNEL;
use crate::world::{Ns, is_dump};

const RTM_NEWRULE: u16 = 32;
const FR_ACT_TO_TBL: u8 = 1;

/// The default rules of a new namespace: (family, priority, table).
const DEFAULT_RULES: &[(u8, u32, u32)] = &[
    (AF_INET, 0, 255),
    (AF_INET, 32766, 254),
    (AF_INET, 32767, 253),
    (AF_INET6, 0, 255),
    (AF_INET6, 32766, 254),
];

fn emit_rule(w: &mut Writer<'_>, family: u8, priority: u32, table: u32) {
    // `struct fib_rule_hdr` has `struct rtmsg`'s layout (the core reads
    // and writes it so too); its action sits where a route's type does.
    RtMsg {
        family,
        table: table as u8,
        kind: FR_ACT_TO_TBL,
        ..Default::default()
    }
    .emit(w);
    w.attr_u32(FRA_TABLE, table);
    w.attr_i32(FRA_SUPPRESS_PREFIXLEN, -1);
    w.attr_u8(FRA_PROTOCOL, RTPROT_KERNEL);
    if priority != 0 {
        w.attr_u32(FRA_PRIORITY, priority);
    }
}

impl Ns {
    pub(crate) fn get_rule(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return Err(Fail::new(Errno(95)));
        }
        let family = req.payload.first().copied().unwrap_or(AF_UNSPEC);
        // Newer kernels end the rules' dump in the pass that lists the
        // last rule.
        let mut out = msg::DumpOut::new(req);
        if self.rel.rules_done_coalesced {
            out = out.coalesce_done();
        }
        for &(f, prio, table) in DEFAULT_RULES {
            if family == AF_UNSPEC || family == f {
                out.item(RTM_NEWRULE, |w| emit_rule(w, f, prio, table));
            }
        }
        Ok(out.finish())
    }

    /// A dump of objects no namespace of the simulator has yet
    /// (neighbour entries: no traffic flows; nexthop objects: none made).
    pub(crate) fn empty_dump(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return Err(Fail::unsupported(
                "nlwire-sim: neighbours and nexthop objects are not simulated yet",
            ));
        }
        Ok(msg::DumpOut::new(req).finish())
    }
}
