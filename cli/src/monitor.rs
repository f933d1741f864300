//! `ip monitor`: the kernel's notifications as they come, each printed as
//! `ip monitor` prints it (iproute2's `ipmonitor.c`): objects as their
//! `show` prints them, `Deleted ` before what went away, `[LINK]`-style
//! labels with `label` or `all`, timestamps with `-t`/`-ts`.
//!
//! Like ip, the text is written even with `-j` (ip opens no JSON context in
//! `monitor`), and an overrun is reported on stderr in ip's words; nlw then
//! reads the link names again, since link events may have been lost.

use std::collections::HashMap;
use std::io::Write;

use nlwire::route::Link;
use nlwire::route::events::{Change, Event, Group, Groups, Notice};
use nlwire::route::{AF_INET, AF_INET6};
use nlwire_mio::Connection;

use crate::link::LinkCtx;
use crate::print::Printer;
use crate::route::RouteFilter;
use crate::{Fail, Opts, fail255, matches};

/// What `monitor` was asked to show.
#[derive(Debug, Default)]
struct Ask {
    link: bool,
    address: bool,
    route: bool,
    neigh: bool,
    rule: bool,
    nexthop: bool,
    /// `label`, or `all`: each event headed `[LINK]`, `[ADDR]`, ….
    label: bool,
    /// `dev DEV`: its index.
    dev: Option<u32>,
}

const USAGE: &str = "Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]
                  [ dev DEVICE ]
OBJECTS :=  address | link | mroute | maddress | acaddress | neigh |
            netconf | nexthop | nsid | prefix | route | rule | stats
FILE := file FILENAME";

/// Parses the arguments in ip's order of matching (`do_ipmonitor`).
fn parse(args: &[String], conn: &mut Connection) -> Result<Ask, Fail> {
    let mut a = Ask::default();
    let mut any = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let m = |w| matches(arg, w);
        let unsupported = |what: &str| {
            Err(fail255(format!(
                "Error: monitor {what} is not supported by nlw; ip has it."
            )))
        };
        if m("file") {
            return unsupported("file");
        } else if m("label") {
            a.label = true;
        } else if m("link") {
            (a.link, any) = (true, true);
        } else if m("address") {
            (a.address, any) = (true, true);
        } else if m("maddress") {
            return unsupported("maddress");
        } else if arg == "acaddress" {
            return unsupported("acaddress");
        } else if m("route") {
            (a.route, any) = (true, true);
        } else if m("mroute") {
            return unsupported("mroute");
        } else if m("prefix") {
            return unsupported("prefix");
        } else if m("neigh") {
            (a.neigh, any) = (true, true);
        } else if m("netconf") {
            return unsupported("netconf");
        } else if m("rule") {
            (a.rule, any) = (true, true);
        } else if m("nsid") {
            return unsupported("nsid");
        } else if m("nexthop") {
            (a.nexthop, any) = (true, true);
        } else if arg == "stats" {
            return unsupported("stats");
        } else if arg == "all" {
            a.label = true;
        } else if m("all-nsid") {
            return unsupported("all-nsid");
        } else if m("help") {
            return Err(Fail(USAGE.into(), 255));
        } else if arg == "dev" {
            let Some(d) = it.next() else {
                return Err(Fail(
                    "Command line is not complete. Try option \"help\"".into(),
                    255,
                ));
            };
            let req = nlwire::route::GetLink::by_name(d).map_err(|_| {
                Fail(
                    format!("Error: argument \"{d}\" is wrong: Device does not exist\n"),
                    255,
                )
            })?;
            match conn.get(req) {
                Ok(l) => a.dev = Some(l.index),
                Err(e) if e.errno() == Some(nlwire::Errno::ENODEV) => {
                    return Err(Fail(
                        format!("Error: argument \"{d}\" is wrong: Device does not exist\n"),
                        255,
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            return Err(Fail(
                format!("Argument \"{arg}\" is unknown, try \"ip monitor help\"."),
                255,
            ));
        }
    }
    if !any {
        (a.link, a.address, a.route, a.neigh, a.rule) = (true, true, true, true, true);
        a.nexthop = true;
    }
    Ok(a)
}

/// The groups to join, as ip picks them for the objects and `-4`/`-6`.
fn groups(a: &Ask, family: Option<u8>) -> Groups {
    let v4 = family.is_none_or(|f| f == AF_INET);
    let v6 = family.is_none_or(|f| f == AF_INET6);
    let mut g = Groups::empty();
    let mut add = |on: bool, group: Group| {
        if on {
            g = g.with(group);
        }
    };
    add(a.link, Group::Link);
    add(a.address && v4, Group::Ipv4Address);
    add(a.address && v6, Group::Ipv6Address);
    add(a.route && v4, Group::Ipv4Route);
    add(a.route && v6, Group::Ipv6Route);
    add(a.neigh, Group::Neighbour);
    add(a.rule && v4, Group::Ipv4Rule);
    add(a.rule && v6, Group::Ipv6Rule);
    // Whatever the family (ip joins it so).
    add(a.nexthop, Group::Nexthop);
    g
}

/// ip's link-name cache (`ll_init_map`, kept by `ll_remember_index`).
#[derive(Default)]
struct Names {
    names: HashMap<u32, String>,
    flags: HashMap<u32, u32>,
}

impl Names {
    fn load(&mut self, conn: &mut Connection) -> Result<(), Fail> {
        let links = crate::all_links(conn)?;
        self.names = links.iter().map(|l| (l.index, l.name.clone())).collect();
        self.flags = links.iter().map(|l| (l.index, l.flags)).collect();
        Ok(())
    }

    fn remember(&mut self, change: Change, l: &Link) {
        match change {
            Change::New => {
                self.names.insert(l.index, l.name.clone());
                self.flags.insert(l.index, l.flags);
            }
            Change::Del => {
                self.names.remove(&l.index);
                self.flags.remove(&l.index);
            }
        }
    }

    /// ip's `ll_index_to_name` for a link not in the cache (when link
    /// events are not watched, or it came before them): asked of the
    /// kernel once, and kept.
    fn learn(&mut self, conn: &mut Connection, index: u32) {
        if index == 0 || self.names.contains_key(&index) {
            return;
        }
        let Ok(req) = nlwire::route::GetLink::by_index(index) else {
            return;
        };
        if let Ok(l) = conn.get(req) {
            self.names.insert(l.index, l.name);
            self.flags.insert(l.index, l.flags);
        }
    }

    /// Learns every link `ev` names by index.
    fn learn_all(&mut self, conn: &mut Connection, ev: &Event) {
        match ev {
            Event::Address(_, a) => self.learn(conn, a.index),
            Event::Route(_, r) => {
                for i in r.oif.into_iter().chain(r.iif) {
                    self.learn(conn, i);
                }
                for nh in &r.next_hops {
                    self.learn(conn, nh.oif);
                }
            }
            Event::Neighbour(_, n) => self.learn(conn, n.index),
            Event::Nexthop(_, n) => {
                if let Some(i) = n.oif {
                    self.learn(conn, i);
                }
            }
            Event::Link(_, l) => {
                for i in l.link.into_iter().chain(l.master) {
                    self.learn(conn, i);
                }
            }
            _ => {}
        }
    }

    fn view(&self) -> HashMap<u32, &str> {
        self.names.iter().map(|(&i, n)| (i, n.as_str())).collect()
    }
}

/// `-t`: `Timestamp: Tue Dec  1 21:02:36 2026 217889 usec` on a line of its
/// own; `-ts`: `[2026-12-01T21:02:36.217889] ` before the event (ip's
/// `print_timestamp`, in local time).
fn timestamp(out: &mut impl Write, kind: u8) -> std::io::Result<()> {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let usec = now.subsec_micros();
    let Some(t) = nlwire_mio::time::local_time(now.as_secs() as i64) else {
        return Ok(());
    };
    if kind >= 2 {
        write!(
            out,
            "[{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{usec:06}] ",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        )
    } else {
        // asctime(3): "Tue Dec  1 21:02:36 2026".
        writeln!(
            out,
            "Timestamp: {} {} {:2} {:02}:{:02}:{:02} {} {usec} usec",
            DAYS[t.weekday as usize % 7],
            MONTHS[(t.month as usize + 11) % 12],
            t.day,
            t.hour,
            t.minute,
            t.second,
            t.year
        )
    }
}

/// Runs `nlw monitor ARGS…` until it is killed (or its output is closed).
pub fn run(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let ask = parse(args, conn)?;
    // Subscribe before reading the names: a link that comes meanwhile is
    // then in one or the other.
    conn.subscribe(groups(&ask, o.family))?;
    let mut names = Names::default();
    names.load(conn)?;
    let text = Opts {
        json: false,
        pretty: false,
        ..o.clone()
    };
    let mut p = Printer::for_opts(&mut *out, &text)?;
    p.headed = true;
    let route_filter = RouteFilter::monitor(ask.dev);
    loop {
        let ev = match conn.next_event() {
            Ok(Notice::Event(e)) => e,
            Ok(Notice::Overrun) => {
                // ip's words for the error it gets, and it goes on; nlw
                // also reads the link names again.
                eprintln!("netlink receive error No buffer space available (105)");
                names.load(conn)?;
                continue;
            }
            Ok(_) => continue,
            Err(e @ nlwire::Error::Decode { .. }) => {
                eprintln!("{e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Event::Link(c, l) = &ev {
            names.remember(*c, l);
        }
        if !shown(&ask, o, &ev) {
            continue;
        }
        names.learn_all(conn, &ev);
        if o.timestamp > 0 {
            p.flush()?;
            timestamp(p.writer(), o.timestamp)?;
        }
        let view = names.view();
        match &ev {
            Event::Link(c, l) => {
                label(&mut p, &ask, "[LINK]")?;
                let mut cx = LinkCtx::from_maps(view, names.flags.clone());
                cx.show_queue = false;
                crate::link::print_link(&mut p, conn, &mut cx, l, false, false, *c == Change::Del)?;
            }
            Event::Address(c, a) => {
                label(&mut p, &ask, "[ADDR]")?;
                let dev = crate::if_name(&view, a.index);
                crate::address::print_addr(&mut p, a, &dev, *c == Change::Del)?;
            }
            Event::Route(c, r) => {
                label(&mut p, &ask, "[ROUTE]")?;
                crate::route::print_route(
                    &mut p,
                    r,
                    &view,
                    &route_filter,
                    o.details > 0,
                    *c == Change::Del,
                    &Default::default(),
                )?;
            }
            Event::Neighbour(c, n) => {
                label(&mut p, &ask, "[NEIGH]")?;
                crate::neigh::print_neigh(&mut p, n, &view, ask.dev.is_some(), *c == Change::Del)?;
            }
            Event::Rule(c, r) => {
                label(&mut p, &ask, "[RULE]")?;
                crate::rule::print_rule(&mut p, r, *c == Change::Del)?;
            }
            Event::Nexthop(c, n) => {
                label(&mut p, &ask, "[NEXTHOP]")?;
                crate::nexthop::print_nexthop(&mut p, n, &view, *c == Change::Del)?;
            }
            _ => continue,
        }
        p.flush()?;
    }
}

fn label<W: Write>(p: &mut Printer<W>, ask: &Ask, l: &str) -> std::io::Result<()> {
    if ask.label { p.text(l) } else { Ok(()) }
}

/// Whether ip prints the event: its object was asked for and `dev`,
/// `-4`/`-6` and ip's own rules (no cloned routes) let it through.
fn shown(ask: &Ask, o: &Opts, ev: &Event) -> bool {
    let dev_ok = |i: u32| ask.dev.is_none_or(|d| d == i);
    let fam_ok = |f: u8| o.family.is_none_or(|x| x == f);
    match ev {
        Event::Link(_, l) => ask.link && dev_ok(l.index),
        Event::Address(_, a) => ask.address && dev_ok(a.index) && fam_ok(a.family),
        Event::Route(_, r) => {
            // The filter also leaves out cloned routes, as ip does.
            ask.route && RouteFilter::monitor(ask.dev).keeps(r, None)
        }
        Event::Neighbour(_, n) => ask.neigh && dev_ok(n.index) && fam_ok(n.family),
        Event::Rule(_, _) => ask.rule,
        // Neither `dev` nor the family filters nexthops in ip.
        Event::Nexthop(_, _) => ask.nexthop,
        _ => false,
    }
}
