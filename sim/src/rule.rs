//! Routing rules (`RTM_*RULE` of `AF_INET` and `AF_INET6`): a namespace's
//! default rules, and rules written with `fib_newrule`'s and
//! `fib_delrule`'s rules — the default priority, the list order, `EEXIST`
//! for an identical rule. Lookups do not consult them (route lookups are
//! not simulated). The multicast routing rules are listed, not written.
//!
//! Selectors other than source and destination prefixes, TOS and
//! `suppress_prefixlength` (interfaces, marks, uid and port ranges, IP
//! protocols, realms, tunnel ids, `goto`, `l3mdev`) are refused with
//! `EOPNOTSUPP`; so are actions other than `lookup`, `blackhole`,
//! `unreachable` and `prohibit`.

use std::net::IpAddr;

use nlwire::Errno;
use nlwire::route::rule::{
    FRA_DST, FRA_PRIORITY, FRA_PROTOCOL, FRA_SRC, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE,
};
use nlwire::route::{AF_INET, AF_INET6, AF_UNSPEC, RtMsg};
use nlwire::wire::{Attrs, NLM_F_EXCL, Writer};

use crate::msg::{self, Fail, Req, Res, fixed, u32_attr};
use crate::route::RTPROT_KERNEL;
use crate::world::{Ns, is_dump};

const RTM_NEWRULE: u16 = 32;
const RTM_DELRULE: u16 = 33;
const FR_ACT_TO_TBL: u8 = 1;
const FR_ACT_BLACKHOLE: u8 = 6;
const FR_ACT_PROHIBIT: u8 = 8;
const FIB_RULE_PERMANENT: u32 = 1;
const RT_TABLE_COMPAT: u8 = 252;
/// `RTNLGRP_IPV4_RULE`, `RTNLGRP_IPV6_RULE`.
const GROUP_IPV4_RULE: u32 = 8;
const GROUP_IPV6_RULE: u32 = 19;

/// One rule (`struct fib_rule` with its family's selectors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) family: u8,
    pub(crate) pref: u32,
    pub(crate) table: u32,
    pub(crate) action: u8,
    /// `fib_rule_hdr.flags` (`FIB_RULE_PERMANENT`, `FIB_RULE_INVERT`).
    pub(crate) flags: u32,
    pub(crate) src: Option<(IpAddr, u8)>,
    pub(crate) dst: Option<(IpAddr, u8)>,
    pub(crate) tos: u8,
    pub(crate) proto: u8,
    pub(crate) suppress_prefixlen: i32,
}

impl Rule {
    fn default_rule(family: u8, pref: u32, table: u32) -> Rule {
        Rule {
            family,
            pref,
            table,
            action: FR_ACT_TO_TBL,
            // No rule is `FIB_RULE_PERMANENT` now: even `local` may go.
            flags: 0,
            src: None,
            dst: None,
            tos: 0,
            proto: RTPROT_KERNEL,
            suppress_prefixlen: -1,
        }
    }
}

/// `RTNL_FAMILY_IPMR`, `RTNL_FAMILY_IP6MR`: the multicast routing rules.
const RTNL_FAMILY_IPMR: u8 = 128;
const RTNL_FAMILY_IP6MR: u8 = 129;

impl Rule {
    /// `fib_rule_match` with `fib4_rule_match`, for a flow from `saddr`
    /// to `daddr` with `tos`.
    pub(crate) fn matches_v4(&self, saddr: u32, daddr: u32, tos: u8) -> bool {
        let sel = |s: Option<(IpAddr, u8)>, a: u32| match s {
            Some((IpAddr::V4(p), len)) if len > 0 => {
                (u32::from(p) ^ a) & (u32::MAX << (32 - u32::from(len.min(32)))) == 0
            }
            _ => true,
        };
        let m = sel(self.src, saddr) && sel(self.dst, daddr) && (self.tos == 0 || self.tos == tos);
        // `FIB_RULE_INVERT`.
        m != (self.flags & 2 != 0)
    }

    /// `fib6_rule_match` for a flow from `saddr` to `daddr`, TOS 0.
    pub(crate) fn matches_v6(&self, saddr: u128, daddr: u128) -> bool {
        let sel = |s: Option<(IpAddr, u8)>, a: u128| match s {
            Some((IpAddr::V6(p), len)) if len > 0 => {
                (u128::from(p) ^ a) & (u128::MAX << (128 - u32::from(len.min(128)))) == 0
            }
            _ => true,
        };
        let m = sel(self.src, saddr) && sel(self.dst, daddr) && self.tos == 0;
        m != (self.flags & 2 != 0)
    }
}

/// The default rules of a new namespace, in list order per family.
pub(crate) fn default_rules() -> Vec<Rule> {
    vec![
        Rule::default_rule(AF_INET, 0, 255),
        Rule::default_rule(AF_INET, 32766, 254),
        Rule::default_rule(AF_INET, 32767, 253),
        Rule::default_rule(AF_INET6, 0, 255),
        Rule::default_rule(AF_INET6, 32766, 254),
        Rule::default_rule(RTNL_FAMILY_IPMR, 32767, 253),
        Rule::default_rule(RTNL_FAMILY_IP6MR, 32767, 254),
    ]
}

fn bad() -> Fail {
    Fail::new(Errno::EINVAL)
}

/// `fib_nl_fill_rule` and the family's `fill`.
fn emit_rule(w: &mut Writer<'_>, r: &Rule) {
    // `struct fib_rule_hdr` has `struct rtmsg`'s layout (the core reads
    // and writes it so too); its action sits where a route's type does.
    RtMsg {
        family: r.family,
        dst_len: r.dst.map_or(0, |d| d.1),
        src_len: r.src.map_or(0, |s| s.1),
        tos: r.tos,
        table: if r.table < 256 {
            r.table as u8
        } else {
            RT_TABLE_COMPAT
        },
        kind: r.action,
        flags: r.flags,
        ..Default::default()
    }
    .emit(w);
    w.attr_u32(FRA_TABLE, r.table);
    w.attr_i32(FRA_SUPPRESS_PREFIXLEN, r.suppress_prefixlen);
    w.attr_u8(FRA_PROTOCOL, r.proto);
    if r.pref != 0 {
        w.attr_u32(FRA_PRIORITY, r.pref);
    }
    for (kind, sel) in [(FRA_DST, r.dst), (FRA_SRC, r.src)] {
        match sel {
            Some((IpAddr::V4(a), len)) if len > 0 => w.attr(kind, &a.octets()),
            Some((IpAddr::V6(a), len)) if len > 0 => w.attr(kind, &a.octets()),
            _ => {}
        }
    }
}

/// A rule request: the rule, and whether its priority was given.
struct RuleReq {
    rule: Rule,
    user_priority: bool,
}

impl Ns {
    fn rule_group(family: u8) -> u32 {
        if family == AF_INET6 {
            GROUP_IPV6_RULE
        } else {
            GROUP_IPV4_RULE
        }
    }

    fn note_rule(&mut self, kind: u16, r: &Rule, req: &Req<'_>) {
        let group = Self::rule_group(r.family);
        if !self.listens(group) {
            return;
        }
        let m = msg::message(kind, 0, req.seq, req.port, |w| emit_rule(w, r));
        self.notify(group, m);
    }

    /// `fib_default_rule_pref`: one below the second rule of the family.
    fn default_pref(&self, family: u8) -> u32 {
        self.rules
            .iter()
            .filter(|r| r.family == family)
            .nth(1)
            .map_or(0, |r| r.pref.saturating_sub(1))
    }

    /// `fib_nl2rule` and the family's `configure` checks.
    fn parse_rule(&self, req: &Req<'_>) -> Res<RuleReq> {
        let frh = RtMsg::parse(req.payload)
            .map_err(|_| Fail::msg(Errno::EINVAL, "Invalid msg length"))?;
        if frh.family == RTNL_FAMILY_IPMR || frh.family == RTNL_FAMILY_IP6MR {
            return Err(Fail::unsupported(
                "nlwire-sim: multicast routing rules are not simulated yet",
            ));
        }
        if frh.family != AF_INET && frh.family != AF_INET6 {
            return Err(Fail::msg(Errno(97), "Rule family not supported"));
        }
        let bits = if frh.family == AF_INET { 32 } else { 128 };
        let mut rule = Rule {
            family: frh.family,
            pref: 0,
            table: u32::from(frh.table),
            action: frh.kind,
            flags: frh.flags,
            src: None,
            dst: None,
            tos: frh.tos,
            proto: 0,
            suppress_prefixlen: -1,
        };
        let mut pref = None;
        let (mut src, mut dst) = (None, None);
        for attr in Attrs::new(&req.payload[RtMsg::LEN..]) {
            let attr = attr.map_err(|_| bad())?;
            match attr.kind() {
                FRA_PRIORITY => pref = Some(u32_attr(&attr)?),
                FRA_TABLE => rule.table = u32_attr(&attr)?,
                FRA_PROTOCOL => rule.proto = fixed::<1>(&attr)?[0],
                FRA_SUPPRESS_PREFIXLEN => rule.suppress_prefixlen = u32_attr(&attr)? as i32,
                FRA_SRC => src = Some(attr.payload()),
                FRA_DST => dst = Some(attr.payload()),
                _ => {
                    return Err(Fail::unsupported(
                        "nlwire-sim: rule selectors other than from, to, tos, priority and suppress_prefixlength are not simulated yet",
                    ));
                }
            }
        }
        if !matches!(
            rule.action,
            0 | FR_ACT_TO_TBL | FR_ACT_BLACKHOLE..=FR_ACT_PROHIBIT
        ) {
            return Err(Fail::unsupported(
                "nlwire-sim: rule actions other than lookup, blackhole, unreachable and prohibit are not simulated yet",
            ));
        }
        let addr = |p: Option<&[u8]>, len: u8| -> Res<Option<(IpAddr, u8)>> {
            if len == 0 {
                return Ok(None);
            }
            if u32::from(len) > bits {
                return Err(bad());
            }
            let p = p.ok_or_else(bad)?;
            let a = if bits == 32 {
                IpAddr::from(<[u8; 4]>::try_from(p.get(..4).ok_or_else(bad)?).expect("4"))
            } else {
                IpAddr::from(<[u8; 16]>::try_from(p.get(..16).ok_or_else(bad)?).expect("16"))
            };
            Ok(Some((a, len)))
        };
        rule.src = addr(src, frh.src_len)?;
        rule.dst = addr(dst, frh.dst_len)?;
        let user_priority = pref.is_some();
        rule.pref = pref.unwrap_or(0);
        Ok(RuleReq {
            rule,
            user_priority,
        })
    }

    pub(crate) fn new_rule(&mut self, req: &Req<'_>) -> Res {
        let RuleReq {
            mut rule,
            user_priority,
        } = self.parse_rule(req)?;
        if !user_priority {
            rule.pref = self.default_pref(rule.family);
        }
        // `rule_exists`: the common fields equal, and the family's
        // selectors the request gives (`fib4_rule_compare`).
        if req.flags & NLM_F_EXCL != 0
            && self.rules.iter().any(|r| {
                r.family == rule.family
                    && r.action == rule.action
                    && r.table == rule.table
                    && r.pref == rule.pref
                    && r.suppress_prefixlen == rule.suppress_prefixlen
                    && r.proto == rule.proto
                    && rule.src.is_none_or(|s| r.src == Some(s))
                    && rule.dst.is_none_or(|d| r.dst == Some(d))
                    && (rule.tos == 0 || r.tos == rule.tos)
            })
        {
            return Err(Fail::new(Errno::EEXIST));
        }
        // The family's `configure`.
        if rule.family == AF_INET {
            if rule.tos & 0x03 != 0 {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Invalid dsfield (tos): ECN bits must be 0",
                ));
            }
            if rule.tos & !0x1e != 0 {
                return Err(Fail::msg(Errno::EINVAL, "Invalid tos"));
            }
            if rule.table == 0 && rule.action == FR_ACT_TO_TBL {
                // `fib_empty_table`: the first unused table.
                let id = (1..)
                    .find(|i| !self.tables.contains(i))
                    .expect("a free table");
                self.tables.insert(id);
                rule.table = id;
            }
            self.custom_rules4 = true;
        } else {
            if rule.tos & 0x03 != 0 {
                return Err(Fail::msg(
                    Errno::EINVAL,
                    "Invalid dsfield (tos): ECN bits must be 0",
                ));
            }
            if rule.action == FR_ACT_TO_TBL {
                if rule.table == 0 {
                    return Err(Fail::msg(Errno::EINVAL, "Invalid table"));
                }
                self.routes6.table(rule.table);
            }
            self.custom_rules6 = true;
        }
        // After the last rule of a priority not above its own.
        let at = self
            .rules
            .iter()
            .rposition(|r| r.family == rule.family && r.pref <= rule.pref)
            .map_or_else(
                || {
                    self.rules
                        .iter()
                        .position(|r| r.family == rule.family)
                        .unwrap_or(0)
                },
                |i| i + 1,
            );
        self.note_rule(RTM_NEWRULE, &rule, req);
        self.rules.insert(at, rule);
        Ok(())
    }

    pub(crate) fn del_rule(&mut self, req: &Req<'_>) -> Res {
        let RuleReq {
            rule,
            user_priority,
        } = self.parse_rule(req)?;
        // `rule_find`: every selector given must match.
        let found = self.rules.iter().position(|r| {
            r.family == rule.family
                && (rule.action == 0 || r.action == rule.action)
                && (rule.table == 0 || r.table == rule.table)
                && (!user_priority || r.pref == rule.pref)
                && (rule.suppress_prefixlen == -1
                    || r.suppress_prefixlen == rule.suppress_prefixlen)
                && (rule.proto == 0 || r.proto == rule.proto)
                && rule.src.is_none_or(|s| r.src == Some(s))
                && rule.dst.is_none_or(|d| r.dst == Some(d))
                && (rule.tos == 0 || r.tos == rule.tos)
        });
        let Some(i) = found else {
            return Err(Fail::new(Errno::ENOENT));
        };
        if self.rules[i].flags & FIB_RULE_PERMANENT != 0 {
            return Err(Fail::new(Errno(1))); // EPERM (only a user's flag)
        }
        let gone = self.rules.remove(i);
        self.note_rule(RTM_DELRULE, &gone, req);
        Ok(())
    }

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
        // `net->rules_ops` in the order the families registered.
        for f in [AF_INET, RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR, AF_INET6] {
            if family == AF_UNSPEC || family == f {
                for r in self.rules.iter().filter(|r| r.family == f) {
                    out.item(RTM_NEWRULE, |w| emit_rule(w, r));
                }
            }
        }
        Ok(out.finish())
    }

    /// A dump of objects no namespace of the simulator has yet (nexthop
    /// objects: none made).
    pub(crate) fn empty_dump(&mut self, req: &Req<'_>) -> Res<msg::Reply> {
        if !is_dump(req) {
            return Err(Fail::unsupported(
                "nlwire-sim: nexthop objects are not simulated yet",
            ));
        }
        Ok(msg::DumpOut::new(req).finish())
    }
}
