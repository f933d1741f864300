//! `nlw netns …`, as iproute2's `ip/ipnetns.c`: the same persist directory
//! (`/var/run/netns`), the same shared bind mounts, the same ids.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;

use nlwire::route::{GetNsId, SetNsId};
use nlwire_mio::{Connection, DEFAULT_NETNS_DIR, NetnsDir, NsEvent, NsWatch, netns};

use crate::print::Printer;
use crate::{Fail, Opts, matches, netns_path};

fn fail(e: nlwire::Error) -> Fail {
    Fail(format!("Error: {e}"), 1)
}

/// ip's `invalid_name`.
fn invalid_name(n: &str) -> bool {
    n.is_empty() || n.len() > 255 || n.contains('/') || n == "." || n == ".."
}

/// A connection in the namespace `-n` names (or ours), for the ids.
fn connect(o: &Opts) -> Result<Connection, Fail> {
    match &o.netns {
        None => Ok(Connection::new()?),
        Some(ns) => Connection::new_in_netns(netns_path(ns))
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255)),
    }
}

/// The id the connection's namespace gives the named one, if any.
fn nsid_of(conn: &mut Connection, name: &str) -> Option<i32> {
    let f = std::fs::File::open(format!("{DEFAULT_NETNS_DIR}/{name}")).ok()?;
    conn.get(GetNsId::Fd(f.as_raw_fd())).ok()?.nsid
}

/// Runs `nlw netns CMD ARGS…`.
pub fn run(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let dir = NetnsDir::default();
    if let Some(n) = args.get(1)
        && invalid_name(n)
    {
        return Err(Fail(format!("Invalid netns name \"{n}\""), 255));
    }
    let cmd = args.first().map(String::as_str).unwrap_or("list");
    let tail = args.get(1..).unwrap_or(&[]);
    let name = |what: &str| {
        tail.first()
            .map(String::as_str)
            .ok_or_else(|| Fail(format!("No netns name specified{what}"), 1))
    };
    let m = |w: &str| matches(cmd, w);
    if m("list") || m("show") || m("lst") {
        // In the directory's own order, as ip reads it.
        let mut conn = connect(o)?;
        let mut p = Printer::for_opts(&mut *out, o)?;
        if let Ok(rd) = std::fs::read_dir(DEFAULT_NETNS_DIR) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                p.open_object(None)?;
                p.str("name", "{}", &n)?;
                if let Some(id) = nsid_of(&mut conn, &n) {
                    p.num("id", " (id: {})", id)?;
                }
                p.end_record()?;
                p.close_object()?;
            }
        }
        p.finish()?;
        Ok(())
    } else if m("list-id") {
        Err(Fail(
            "Error: \"netns list-id\" is not supported by nlw (yet).".into(),
            255,
        ))
    } else if m("help") {
        Err(crate::usage_err(""))
    } else if m("add") {
        dir.create(name("")?).map_err(fail)?;
        Ok(())
    } else if m("set") {
        let n = name("")?;
        let v = tail
            .get(1)
            .ok_or_else(|| Fail("No nsid specified".into(), 1))?;
        let nsid = match v.as_str() {
            "auto" => None,
            v => match v.parse::<i64>() {
                Ok(x) if x < 0 => {
                    return Err(crate::args::invarg("\"netnsid\" value should be >= 0", v));
                }
                Ok(x) if x <= i32::MAX as i64 => Some(x as u32),
                _ => return Err(crate::args::invarg("Invalid \"netnsid\" value", v)),
            },
        };
        let f = std::fs::File::open(format!("{DEFAULT_NETNS_DIR}/{n}"))
            .map_err(|e| Fail(format!("Cannot open network namespace \"{n}\": {e}"), 1))?;
        let mut conn = connect(o)?;
        conn.request(SetNsId {
            fd: f.as_raw_fd(),
            nsid,
        })?;
        Ok(())
    } else if m("delete") {
        dir.remove(name("")?).map_err(fail)?;
        Ok(())
    } else if m("identify") {
        let pid = match tail {
            [] => "self",
            [p] if p.bytes().all(|b| b.is_ascii_digit()) => p.as_str(),
            [p] => return Err(Fail(format!("Specified string '{p}' is not a pid"), 1)),
            _ => return Err(Fail("extra arguments specified".into(), 1)),
        };
        let target = std::fs::metadata(format!("/proc/{pid}/ns/net"))
            .map_err(|e| Fail(format!("Cannot open network namespace: {e}"), 1))?;
        let mut found = String::new();
        if let Ok(rd) = std::fs::read_dir(DEFAULT_NETNS_DIR) {
            for e in rd.flatten() {
                if let Ok(md) = std::fs::metadata(e.path())
                    && (md.dev(), md.ino()) == (target.dev(), target.ino())
                {
                    found = e.file_name().to_string_lossy().into_owned();
                }
            }
        }
        writeln!(out, "{found}")?;
        Ok(())
    } else if m("pids") {
        let n = name("")?;
        if tail.len() > 1 {
            return Err(Fail("extra arguments specified".into(), 1));
        }
        let ns = std::fs::metadata(format!("{DEFAULT_NETNS_DIR}/{n}"))
            .map_err(|e| Fail(format!("Cannot open network namespace: {e}"), 1))?;
        let rd = std::fs::read_dir("/proc")
            .map_err(|e| Fail(format!("Open of /proc failed: {e}"), 1))?;
        for e in rd.flatten() {
            let pid = e.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Ok(md) = std::fs::metadata(format!("/proc/{pid}/ns/net"))
                && (md.dev(), md.ino()) == (ns.dev(), ns.ino())
            {
                writeln!(out, "{pid}")?;
            }
        }
        Ok(())
    } else if m("exec") {
        let n = name("")?;
        let prog = tail
            .get(1)
            .ok_or_else(|| Fail("No command specified".into(), 1))?;
        let ns = dir
            .open(n)
            .map_err(|e| Fail(format!("Cannot open network namespace \"{n}\": {e}"), 1))?;
        out.flush()?;
        // nlw is single-threaded here, and about to exec.
        netns::enter_named_for_exec(&ns, n).map_err(fail)?;
        let e = std::process::Command::new(prog).args(&tail[2..]).exec();
        Err(Fail(format!("exec of \"{prog}\" failed: {e}"), 1))
    } else if m("monitor") || cmd == "watch" {
        let w = NsWatch::new(dir.path(), Default::default()).map_err(fail)?;
        for ev in w {
            match ev.map_err(fail)? {
                NsEvent::Created { name } => writeln!(out, "add {name}")?,
                NsEvent::Deleted { name } => writeln!(out, "delete {name}")?,
                _ => {}
            }
            out.flush()?;
        }
        Ok(())
    } else if m("attach") {
        Err(Fail(
            "Error: \"netns attach\" is not supported by nlw (yet).".into(),
            255,
        ))
    } else {
        Err(Fail(
            format!("Command \"{cmd}\" is unknown, try \"nlw netns help\"."),
            255,
        ))
    }
}
