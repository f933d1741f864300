//! `nlw tuntap add|del|show|list`, as iproute2's `ip/iptuntap.c`: the
//! same arguments (with ip's prefix matching and its quirks: a bare word
//! is the name, `dev` is another way to say it), the same messages and
//! exit codes, and `show` reads what ip reads — the links of kind `tun`
//! from a netlink dump, then each one's `tun_flags`, `owner` and `group`
//! from `/sys/class/net`, and with `-d` the processes that hold it open
//! (`/proc/*/fdinfo/*`, `iff:`).
//!
//! The devices are made and removed by `nlwire_sys::tun` (the ioctls of
//! `/dev/net/tun`); with `-n NS` inside `NS`, on a thread that joined it,
//! and `show` reads `NS`'s sysfs on a thread that mounted one
//! (`netns::run_in_netns_with_sysfs`), as `ip -n` sees it.

use std::io::{self, Write};
use std::os::fd::AsFd;

use nlwire::route::GetLinks;
use nlwire_mio::tun::{
    IFF_MULTI_QUEUE, IFF_NO_PI, IFF_NOFILTER, IFF_ONE_QUEUE, IFF_PERSIST, IFF_TAP, IFF_TUN,
    IFF_VNET_HDR, Mode, Step, TUN_DEVICE, TunError, TunTap,
};
use nlwire_mio::{Connection, Netns, netns};

use crate::args::{duparg2, incomplete, invarg};
use crate::print::{Color, Json, Printer};
use crate::{Fail, Opts, as_ip, fail255, matches, netns_path};

/// `ip tuntap help`, naming nlw.
const USAGE: &str = "\
Usage: nlw tuntap { add | del | show | list | lst | help } [ dev PHYS_DEV ]
       [ mode { tun | tap } ] [ user USER ] [ group GROUP ]
       [ one_queue ] [ pi ] [ vnet_hdr ] [ multi_queue ] [ name NAME ]

Where: USER  := { STRING | NUMBER }
       GROUP := { STRING | NUMBER }";

/// `EINVAL`, `ENODEV`, `ERANGE`.
const EINVAL: i32 = 22;
const ENODEV: i32 = 19;
const ERANGE: i32 = 34;

/// `ARPHRD_ETHER` (a tap) and `ARPHRD_NONE` (a tun).
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_NONE: u16 = 0xfffe;

fn usage() -> Fail {
    fail255(USAGE)
}

/// Runs `nlw tuntap ARGS…` (`conn` is in the namespace of `-n`).
pub fn run(
    conn: &mut Connection,
    o: &Opts,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Fail> {
    let Some(cmd) = args.first() else {
        return show(conn, o, out);
    };
    let tail = &args[1..];
    if matches(cmd, "add") {
        add(o, tail)
    } else if matches(cmd, "delete") {
        del(o, tail)
    } else if matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list") {
        show(conn, o, out)
    } else if matches(cmd, "help") {
        Err(usage())
    } else {
        Err(fail255(format!(
            "Command \"{cmd}\" is unknown, try \"nlw tuntap help\"."
        )))
    }
}

/// What `parse_args` leaves in `struct ifreq`, the uid and the gid.
#[derive(Debug, Default)]
struct Args {
    name: String,
    mode: Option<Mode>,
    /// `(uid_t)-1` (`u32::MAX`) is "not given", as in ip.
    uid: Option<u32>,
    gid: Option<u32>,
    pi: bool,
    one_queue: bool,
    vnet_hdr: bool,
    multi_queue: bool,
}

impl Args {
    fn spec(&self, mode: Mode) -> TunTap {
        let mut t = TunTap::new(self.name.clone(), mode)
            .pi(self.pi)
            .one_queue(self.one_queue)
            .vnet_hdr(self.vnet_hdr)
            .multi_queue(self.multi_queue);
        t.owner = self.uid.filter(|&u| u != u32::MAX);
        t.group = self.gid.filter(|&g| g != u32::MAX);
        t
    }
}

/// `check_ifname` (ip's own test, before the kernel's): 1 to 15 bytes,
/// no `/` and no C `isspace` byte.
fn ifname_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 16
        && !s
            .bytes()
            .any(|b| matches!(b, b'/' | b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

/// `parse_args`; `ids` is whether `user` and `group` are words (`add`).
fn parse(args: &[String], ids: bool) -> Result<Args, Fail> {
    let mut a = Args::default();
    let mut i = 0;
    let next = |i: &mut usize| -> Result<&str, Fail> {
        *i += 1;
        args.get(*i).map(String::as_str).ok_or_else(incomplete)
    };
    while i < args.len() {
        let w = args[i].as_str();
        if matches(w, "mode") {
            let v = next(&mut i)?;
            let m = if matches(v, "tun") {
                Mode::Tun
            } else if matches(v, "tap") {
                Mode::Tap
            } else {
                return Err(fail255(format!("Unknown tunnel mode \"{v}\"")));
            };
            if a.mode.is_some_and(|had| had != m) {
                return Err(fail255("You managed to ask for more than one tunnel mode."));
            }
            a.mode = Some(m);
        } else if ids && matches(w, "user") {
            let v = next(&mut i)?;
            a.uid = Some(match strtol(v, 10) {
                Some(n) => n as u32,
                _ => db_id("/etc/passwd", v)
                    .ok_or_else(|| fail255(format!("invalid user \"{v}\"")))?,
            });
        } else if ids && matches(w, "group") {
            let v = next(&mut i)?;
            a.gid = Some(match strtol(v, 10) {
                Some(n) => n as u32,
                _ => db_id("/etc/group", v)
                    .ok_or_else(|| fail255(format!("invalid group \"{v}\"")))?,
            });
        } else if matches(w, "pi") {
            a.pi = true;
        } else if matches(w, "one_queue") {
            a.one_queue = true;
        } else if matches(w, "vnet_hdr") {
            a.vnet_hdr = true;
        } else if matches(w, "multi_queue") {
            a.multi_queue = true;
        } else if matches(w, "dev") {
            // The same buffer as the name: `dev` sets it, unchecked for
            // a duplicate.
            let v = next(&mut i)?;
            if !ifname_ok(v) {
                return Err(invarg("\"dev\" not a valid ifname", v));
            }
            a.name = v.to_string();
        } else {
            let v = if matches(w, "name") {
                next(&mut i)?
            } else if matches(w, "help") {
                return Err(usage());
            } else {
                w
            };
            if !a.name.is_empty() {
                return Err(duparg2("name", v));
            }
            if !ifname_ok(v) {
                return Err(invarg("\"name\" not a valid ifname", v));
            }
            a.name = v.to_string();
        }
        i += 1;
    }
    Ok(a)
}

/// The mode, or ip's complaint (exit 1).
fn mode_of(a: &Args) -> Result<Mode, Fail> {
    a.mode
        .ok_or_else(|| Fail("You failed to specify a tunnel mode".into(), 1))
}

/// The namespace `-n` names, opened.
fn target(o: &Opts) -> Result<Option<Netns>, Fail> {
    o.netns
        .as_ref()
        .map(|ns| {
            Netns::from_path(netns_path(ns))
                .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255))
        })
        .transpose()
}

/// `strerror(errno)`.
fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.strip_suffix(&format!(" (os error {errno})")) {
        Some(d) => d.to_string(),
        None => s,
    }
}

/// A failed ioctl as ip's `perror` words it (exit 1). A name ip lets
/// through but the kernel refuses (`a:b`, `..`) is refused by nlwire
/// before the call, with the kernel's answer.
fn ioctl_fail(e: &io::Error) -> Fail {
    let t = TunError::of(e);
    let errno = match t.map(|t| (t.step(), t.raw_os_error())) {
        Some((Step::Name, _)) => Some(("ioctl(TUNSETIFF)", EINVAL)),
        Some((step, Some(n))) => step.ip_label().map(|l| (l, n)),
        _ => None,
    };
    match errno {
        Some((label, n)) => Fail(format!("{label}: {}", strerror(n)), 1),
        None => Fail(format!("Error: {e}"), 1),
    }
}

fn add(o: &Opts, args: &[String]) -> Result<(), Fail> {
    let a = parse(args, true)?;
    let spec = a.spec(mode_of(&a)?);
    let r = match target(o)? {
        None => spec.create(),
        Some(ns) => spec.create_in(&ns),
    };
    r.map(drop).map_err(|e| ioctl_fail(&e))
}

fn del(o: &Opts, args: &[String]) -> Result<(), Fail> {
    let a = parse(args, false)?;
    let spec = a.spec(mode_of(&a)?);
    if spec.name.is_empty() {
        // ip attaches a new device of the kernel's naming and drops it.
        return Ok(());
    }
    let r = match target(o)? {
        None => spec.delete(),
        Some(ns) => spec.delete_in(&ns),
    };
    match r {
        // ip makes the missing device and drops it again: nothing seen.
        Err(e)
            if TunError::of(&e)
                .is_some_and(|t| t.step() == Step::Lookup && t.raw_os_error() == Some(ENODEV)) =>
        {
            Ok(())
        }
        r => r.map_err(|e| ioctl_fail(&e)),
    }
}

/// C's `strtol(s, &end, base)` when it reads all of `s` (leading
/// whitespace and a sign allowed; base 0 reads `0x…` and `0…` too);
/// saturates as strtol does.
fn strtol(s: &str, base: u32) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (base, digits) = match base {
        0 if t.len() > 2
            && (t.starts_with("0x") || t.starts_with("0X"))
            && t.as_bytes()[2].is_ascii_hexdigit() =>
        {
            (16, &t[2..])
        }
        0 if t.starts_with('0') => (8, t),
        0 => (10, t),
        b => (b, t),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.chars() {
        v = v * i128::from(base) + i128::from(c.to_digit(base)?);
        v = v.min(i128::from(i64::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// `getpwnam`/`getgrnam` over the files database: the id of `name` in a
/// `name:x:id:…` file.
fn db_id(path: &str, name: &str) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        if f.next()? != name {
            return None;
        }
        let _ = f.next()?;
        f.next()?.parse().ok()
    })
}

/// What `read_prop` found of one device: its three properties, or none
/// (the device is then left out), and the messages it wrote to stderr.
struct Props {
    values: Option<(i64, i64, i64)>,
    errors: String,
}

/// ip's `read_prop`: `/sys/class/net/DEV/PROP` as a C `long` (base 0).
fn read_prop(dev: &str, prop: &str, errors: &mut String) -> Option<i64> {
    let fname = format!("/sys/class/net/{dev}/{prop}");
    let text = match std::fs::read(&fname) {
        Ok(t) => t,
        Err(e) => {
            let n = e.raw_os_error().unwrap_or(0);
            errors.push_str(&format!("fopen {fname}: {}\n", strerror(n)));
            return None;
        }
    };
    // fgets: the first line, at most 79 bytes.
    let line = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(&line[..line.len().min(79)]).into_owned();
    if text.is_empty() {
        errors.push_str(&format!(
            "property \"{prop}\" in file {fname} is currently unknown\nFailed to parse {fname}\n"
        ));
        return None;
    }
    match strtol(&line, 0) {
        Some(v) if v != i64::MAX && v != i64::MIN => Some(v),
        Some(_) => {
            errors.push_str(&format!(
                "strtol {fname}: {}Failed to parse {fname}\n",
                strerror(ERANGE)
            ));
            None
        }
        None => {
            errors.push_str(&format!(
                "value \"{line}\" in file {fname} is not a number\nFailed to parse {fname}\n"
            ));
            None
        }
    }
}

/// The properties of each device, read from `/sys/class/net` of the
/// namespace the calling thread sees in its `/sys`.
fn read_all(names: Vec<String>) -> Vec<(String, Props)> {
    names
        .into_iter()
        .map(|n| {
            let mut errors = String::new();
            let values = (|| {
                let flags = read_prop(&n, "tun_flags", &mut errors)?;
                let owner = read_prop(&n, "owner", &mut errors)?;
                let group = read_prop(&n, "group", &mut errors)?;
                Some((flags, owner, group))
            })();
            (n, Props { values, errors })
        })
        .collect()
}

fn show(conn: &mut Connection, o: &Opts, out: &mut impl Write) -> Result<(), Fail> {
    let mut names = Vec::new();
    for l in as_ip(conn.dump(GetLinks::new())) {
        let l = l.map_err(|e| {
            let Fail(msg, _) = crate::dump_failed(e);
            Fail(msg, 1)
        })?;
        if matches!(l.link_type, ARPHRD_NONE | ARPHRD_ETHER)
            && !l.name.is_empty()
            && l.kind.as_deref() == Some("tun")
        {
            names.push(l.name);
        }
    }
    let devices = match target(o)? {
        None => read_all(names),
        Some(ns) => netns::run_in_netns_with_sysfs(ns.as_fd(), move || read_all(names))
            .map_err(|e| Fail(format!("Cannot open network namespace: {e}"), 255))?,
    };
    let mut p = Printer::for_opts(out, o)?;
    for (name, props) in devices {
        eprint!("{}", props.errors);
        let Some((flags, owner, group)) = props.values else {
            continue;
        };
        p.open_object(None)?;
        p.str_c(Some(Color::Ifname), "ifname", "{}:", &name)?;
        print_flags(&mut p, flags)?;
        if owner != -1 {
            p.num("user", " user {}", owner)?;
        }
        if group != -1 {
            p.num("group", " group {}", group)?;
        }
        if p.details > 0 {
            p.nl()?;
            p.text("\tAttached to processes:")?;
            show_processes(&mut p, &name)?;
        }
        p.close_object()?;
        p.end_record()?;
    }
    p.finish()?;
    Ok(())
}

/// An element of the JSON array open (`print_*(PRINT_ANY, NULL, …)`).
fn elem<W: Write>(p: &mut Printer<W>, fmt: &str, v: &str) -> io::Result<()> {
    if p.is_json() {
        p.json(Json::Str, None, v)
    } else {
        p.text_fmt(fmt, v)
    }
}

/// `print_flags`.
fn print_flags<W: Write>(p: &mut Printer<W>, flags: i64) -> io::Result<()> {
    let f = flags as u64;
    p.open_array("flags")?;
    let has = |bit: u32| f & u64::from(bit) != 0;
    for (on, word) in [
        (has(IFF_TUN), "tun"),
        (has(IFF_TAP), "tap"),
        (!has(IFF_NO_PI), "pi"),
        (has(IFF_ONE_QUEUE), "one_queue"),
        (has(IFF_MULTI_QUEUE), "multi_queue"),
        (has(IFF_VNET_HDR), "vnet_hdr"),
        (has(IFF_PERSIST), "persist"),
        // The same bit as IFF_NO_PI.
        (!has(IFF_NOFILTER), "filter"),
    ] {
        if on {
            elem(p, " {}", word)?;
        }
    }
    let known = IFF_TUN
        | IFF_TAP
        | IFF_NO_PI
        | IFF_ONE_QUEUE
        | IFF_MULTI_QUEUE
        | IFF_VNET_HDR
        | IFF_PERSIST
        | IFF_NOFILTER;
    let rest = f & !u64::from(known);
    if rest != 0 {
        elem(p, " {}", &format!("{rest:#x}"))?;
    }
    p.close_array()
}

/// `show_processes`: every other process's descriptor of `/dev/net/tun`
/// attached to a device of this name (in any namespace: fdinfo says only
/// the name), in `/proc`'s order.
fn show_processes<W: Write>(p: &mut Printer<W>, name: &str) -> io::Result<()> {
    let me = std::process::id();
    let mut fds = Vec::new();
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for pe in procs.flatten() {
            let pn = pe.file_name();
            let Some(pid) = leading_number(&pn.to_string_lossy()) else {
                continue;
            };
            let Ok(rd) = std::fs::read_dir(pe.path().join("fd")) else {
                continue;
            };
            for fe in rd.flatten() {
                if let Some(fd) = leading_number(&fe.file_name().to_string_lossy()) {
                    fds.push((pid, fd, fe.path()));
                }
            }
        }
    }
    if fds.is_empty() {
        // glob found nothing: ip prints no array.
        return Ok(());
    }
    p.open_array("processes")?;
    for (pid, fd, path) in fds {
        if pid == me {
            continue;
        }
        let target = match std::fs::read_link(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("readlink: {}", strerror(e.raw_os_error().unwrap_or(0)));
                continue;
            }
        };
        if target.as_os_str() != TUN_DEVICE {
            continue;
        }
        let info = match std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("fopen: {}", strerror(e.raw_os_error().unwrap_or(0)));
                continue;
            }
        };
        for line in info.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key == "iff" && value.split_whitespace().next() == Some(name) {
                p.open_object(None)?;
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"));
                let comm = match &comm {
                    Ok(c) => c.split('\n').next().unwrap_or(""),
                    Err(_) => "<NULL>",
                };
                p.str("name", "{}", comm)?;
                p.num("pid", "({})", pid)?;
                p.close_object()?;
            }
        }
    }
    p.close_array()
}

/// The number a `/proc` entry name starts with, when it starts with a
/// digit (`[0-9]*`, read as `%d`).
fn leading_number(s: &str) -> Option<u32> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn strtol_reads_as_c_does() {
        assert_eq!(strtol("0x1802", 0), Some(0x1802));
        assert_eq!(strtol("-1", 0), Some(-1));
        assert_eq!(strtol("010", 0), Some(8));
        assert_eq!(strtol("0", 0), Some(0));
        assert_eq!(strtol(" 12", 10), Some(12));
        assert_eq!(strtol("+7", 10), Some(7));
        assert_eq!(strtol("99999999999999999999", 10), Some(i64::MAX));
        assert_eq!(strtol("-99999999999999999999", 10), Some(i64::MIN));
        for bad in ["", "x", "12x", "-", "0x", "1 "] {
            assert_eq!(strtol(bad, 10), None, "{bad:?}");
        }
        assert_eq!(99999999999i64 as u32, 1215752191);
    }

    #[test]
    fn arguments_parse_as_ips() {
        let a = parse(
            &words("mode tap pi vnet_hdr one_queue multi_queue name t0"),
            true,
        )
        .unwrap();
        assert_eq!(a.mode, Some(Mode::Tap));
        assert!(a.pi && a.vnet_hdr && a.one_queue && a.multi_queue);
        assert_eq!(a.name, "t0");
        // A bare word is the name; `dev` sets it too.
        assert_eq!(parse(&words("t1 m tu"), true).unwrap().name, "t1");
        assert_eq!(parse(&words("dev a dev b"), true).unwrap().name, "b");
        let Fail(msg, code) = parse(&words("dev a name b"), true).unwrap_err();
        assert_eq!(
            (msg.as_str(), code),
            (
                "Error: either \"name\" is duplicate, or \"b\" is garbage.",
                255
            )
        );
        // Without ids (`del`), `user` is a name.
        assert_eq!(parse(&words("user"), false).unwrap().name, "user");
        assert_eq!(parse(&words("user -1"), true).unwrap().uid, Some(u32::MAX));
        let Fail(msg, code) = parse(&words("mode"), true).unwrap_err();
        assert_eq!(
            (msg.as_str(), code),
            ("Command line is not complete. Try option \"help\"", 255)
        );
        assert!(ifname_ok("abcdefghijklmno"));
        assert!(!ifname_ok("abcdefghijklmnop"));
        assert!(!ifname_ok("a\x0bb"));
        assert!(ifname_ok("a:b"));
    }
}
