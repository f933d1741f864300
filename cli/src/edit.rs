//! The commands that change things, in `ip`'s own syntax: each object's
//! module parses its own (`link::modify`, `address::modify`, …); this one
//! holds what they share and sends the result alone or in a batch.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::AsRawFd;

use nlwire::request::Request;
use nlwire::route::{GetLink, Link, NetnsRef};
use nlwire_mio::Connection;

use crate::Fail;

/// What a parsed command does.
pub enum Cmd<'a> {
    /// One request answered by an acknowledgement.
    Req(Box<dyn Request + 'a>),
}

/// Name → index resolution and namespace descriptors for one command.
pub struct Ctx {
    cache: HashMap<String, u32>,
    /// Namespace files opened for `netns NS`, kept open until sent.
    pub files: Vec<File>,
    /// Whether the cache must be refreshed before the next lookup.
    pub stale: bool,
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx {
            cache: HashMap::new(),
            files: Vec::new(),
            stale: true,
        }
    }

    /// The index of link `name`.
    pub fn index(&mut self, conn: &mut Connection, name: &str) -> Result<u32, Fail> {
        nlwire::route::validate_ifname(name)
            .map_err(|e| Fail(format!("Error: argument \"{name}\" is wrong: {e}"), 1))?;
        if self.stale {
            self.cache.clear();
            self.stale = false;
            for l in conn.links() {
                match l {
                    Ok(l) => {
                        let l: Link = l;
                        self.cache.insert(l.name, l.index);
                    }
                    // The links changed while they were listed: a name in
                    // the listing may be stale. Forget it; each name is
                    // then looked up alone, as ip does.
                    Err(nlwire::Error::DumpInterrupted { .. }) => self.cache.clear(),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if let Some(&i) = self.cache.get(name) {
            return Ok(i);
        }
        match conn.get(GetLink::by_name(name).expect("validated")) {
            Ok(l) => {
                self.cache.insert(l.name, l.index);
                Ok(l.index)
            }
            Err(e) if e.errno() == Some(nlwire::Errno::ENODEV) => {
                Err(Fail(format!("Cannot find device \"{name}\""), 1))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn netns(&mut self, ns: &str) -> Result<NetnsRef, Fail> {
        if let Ok(pid) = ns.parse::<u32>() {
            return Ok(NetnsRef::Pid(pid));
        }
        let path = if ns.contains('/') {
            ns.to_string()
        } else {
            format!("/var/run/netns/{ns}")
        };
        let f = File::open(&path)
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 1))?;
        let fd = f.as_raw_fd();
        self.files.push(f);
        Ok(NetnsRef::Fd(fd))
    }
}

/// Parses a command that changes something (`link add|set|del`, `address
/// add|change|replace|del`, `route add|…|del`, `neigh add|…|del`, `rule
/// add|del`), each in its object's module, as ip's parser for it does.
pub fn parse<'a>(
    object: &str,
    cmd: &str,
    args: &'a [String],
    conn: &mut Connection,
    ctx: &mut Ctx,
    family: Option<u8>,
) -> Result<Cmd<'a>, Fail> {
    match (object, cmd) {
        ("link", c @ ("add" | "set" | "change" | "replace" | "del" | "delete")) => {
            let c = match c {
                "del" => "delete",
                "change" => "set",
                c => c,
            };
            Ok(Cmd::Req(crate::link::modify(c, args, conn, ctx)?))
        }
        ("address", c @ ("add" | "del" | "delete" | "replace" | "change")) => {
            let c = if c == "del" { "delete" } else { c };
            Ok(Cmd::Req(Box::new(crate::address::modify(
                c, args, conn, ctx, family,
            )?)))
        }
        (
            "route",
            c @ ("add" | "replace" | "append" | "prepend" | "del" | "delete" | "change" | "test"),
        ) => {
            let c = if c == "del" { "delete" } else { c };
            Ok(Cmd::Req(crate::route::modify(c, args, conn, ctx, family)?))
        }
        ("nexthop", c @ ("add" | "replace" | "delete")) => Ok(Cmd::Req(crate::nexthop::modify(
            c, args, conn, ctx, family,
        )?)),
        ("neigh", c @ ("add" | "replace" | "change" | "del" | "delete")) => {
            let c = if c == "del" { "delete" } else { c };
            Ok(Cmd::Req(crate::neigh::modify(c, args, conn, ctx, family)?))
        }
        ("rule", c @ ("add" | "del" | "delete")) => {
            Ok(Cmd::Req(Box::new(crate::rule::modify(c, args, family)?)))
        }
        (o, c) => Err(Fail(
            format!("Command \"{o} {c}\" is not supported by nlw (yet); ip has it."),
            255,
        )),
    }
}

/// A request encoded at parse time, for requests that borrow data parsed
/// from the command line (a MAC address, next hops).
pub(crate) struct Encoded {
    payload: Vec<u8>,
    kind: u16,
    flags: u16,
    what: String,
}

impl Encoded {
    pub(crate) fn of<R: Request>(r: &R) -> Result<Encoded, Fail> {
        let what = nlwire::request::Describe(r).to_string();
        let mut payload = vec![0u8; 256];
        loop {
            let mut w = nlwire::wire::Writer::new(&mut payload);
            r.emit_payload(&mut w);
            match w.finish() {
                Ok(n) => {
                    payload.truncate(n);
                    break;
                }
                Err(nlwire::wire::EncodeError::BufferTooSmall { needed, .. }) => {
                    payload.resize(needed, 0)
                }
                Err(e) => return Err(Fail(format!("Error: {what}: {e}"), 1)),
            }
        }
        Ok(Encoded {
            payload,
            kind: r.message_type(),
            flags: r.flags(),
            what,
        })
    }
}

impl Request for Encoded {
    fn message_type(&self) -> u16 {
        self.kind
    }
    fn flags(&self) -> u16 {
        self.flags
    }
    fn emit_payload(&self, w: &mut nlwire::wire::Writer<'_>) {
        w.put(&self.payload)
    }
    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

/// Runs a parsed command alone.
pub fn execute(conn: &mut Connection, cmd: Cmd<'_>) -> Result<(), Fail> {
    match cmd {
        Cmd::Req(r) => Ok(conn.request(&*r)?),
    }
}
