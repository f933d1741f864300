//! `nlw wg show|watch`: WireGuard over generic netlink, printed the way
//! `wg show` prints it.

use std::fmt::{self, Display};
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nlwire::genl::wireguard::{AllowedIp, Device, Peer, SecretKey};
use nlwire_mio::{Connection, ConnectionOptions, WgEvent, WgWatch, WgWatchOptions};

use crate::print::{Json, Printer};
use crate::{Fail, Opts, netns_path, usage_err};

fn fail(e: nlwire::Error) -> Fail {
    Fail(format!("Error: {e}"), 1)
}

fn connect(o: &Opts, opts: ConnectionOptions) -> Result<Connection, Fail> {
    match &o.netns {
        None => Connection::with_options(opts).map_err(fail),
        Some(ns) => Connection::new_in_netns_with_options(netns_path(ns), opts)
            .map_err(|e| Fail(format!("Cannot open network namespace \"{ns}\": {e}"), 255)),
    }
}

/// The names of the WireGuard links, by index order.
fn wireguard_links(o: &Opts) -> Result<Vec<String>, Fail> {
    let mut route = connect(o, ConnectionOptions::default())?;
    let mut names = Vec::new();
    for l in route
        .collect(nlwire::route::GetLinks::new())
        .map_err(fail)?
    {
        if l.kind.as_deref() == Some("wireguard") {
            names.push(l.name);
        }
    }
    Ok(names)
}

/// Runs `nlw wg CMD ARGS…`.
pub fn run(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let cmd = args.first().map(String::as_str).unwrap_or("show");
    let tail = args.get(1..).unwrap_or(&[]);
    match cmd {
        "show" | "showconf" | "list" => show(o, tail, out),
        "watch" | "monitor" => watch(o, tail, out),
        other => Err(usage_err(format!(
            "Command \"{other}\" is unknown, try \"nlw wg show\" or \"nlw wg watch\"."
        ))),
    }
}

#[derive(Default)]
struct ShowArgs {
    target: Option<String>,
    dump: bool,
    names_only: bool,
    show_keys: bool,
}

fn show_args(args: &[String]) -> Result<ShowArgs, Fail> {
    let mut a = ShowArgs::default();
    for w in args {
        match w.as_str() {
            "--show-keys" | "show-keys" => a.show_keys = true,
            "dump" => a.dump = true,
            "interfaces" => a.names_only = true,
            "all" if a.target.is_none() => {}
            name if a.target.is_none() && !name.starts_with('-') => {
                a.target = Some(name.to_string())
            }
            other => return Err(usage_err(format!("Argument \"{other}\" is unexpected"))),
        }
    }
    Ok(a)
}

fn show(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let a = show_args(args)?;
    let names = match &a.target {
        Some(n) => vec![n.clone()],
        None => wireguard_links(o)?,
    };
    if a.names_only {
        writeln!(out, "{}", names.join(" "))?;
        return Ok(());
    }
    let mut conn = connect(o, ConnectionOptions::generic())?;
    let mut devices = Vec::with_capacity(names.len());
    for n in &names {
        let d = conn.get_device(n.as_str()).map_err(|e| match &e {
            nlwire::Error::Kernel(k) if k.errno == nlwire::Errno::ENODEV => {
                Fail(format!("Unable to access interface {n}: No such device"), 1)
            }
            nlwire::Error::Kernel(k) if k.errno == nlwire::Errno::EOPNOTSUPP => Fail(
                format!("Unable to access interface {n}: not a WireGuard interface"),
                1,
            ),
            _ => fail(e),
        })?;
        devices.push(d);
    }
    if o.json {
        let mut j = Printer::for_opts(&mut *out, o)?;
        for d in &devices {
            device_json(&mut j, d, a.show_keys)?;
        }
        j.finish()?;
    } else if a.dump {
        for d in &devices {
            dump(out, d, a.target.is_none(), a.show_keys)?;
        }
    } else {
        for (i, d) in devices.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            pretty(out, d, a.show_keys, now())?;
        }
    }
    Ok(())
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// A secret key as `wg` shows it: `(hidden)` unless asked.
struct Secret<'a>(&'a SecretKey, bool);

impl Display for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 {
            Display::fmt(&self.0.to_base64(), f)
        } else {
            f.write_str("(hidden)")
        }
    }
}

/// `wg`'s `pretty_time`: "1 day, 2 hours, 5 seconds".
pub struct PrettyTime(pub u64);

impl Display for PrettyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [
            (365 * 24 * 3600, "year"),
            (24 * 3600, "day"),
            (3600, "hour"),
            (60, "minute"),
            (1, "second"),
        ];
        let mut left = self.0;
        let mut first = true;
        for (size, name) in units {
            let n = left / size;
            left %= size;
            if n == 0 {
                continue;
            }
            let sep = if first { "" } else { ", " };
            let s = if n == 1 { "" } else { "s" };
            write!(f, "{sep}{n} {name}{s}")?;
            first = false;
        }
        Ok(())
    }
}

/// `wg`'s `bytes`: "812 B", "1.20 KiB", …
pub struct Bytes(pub u64);

impl Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        const K: u64 = 1024;
        if b < K {
            return write!(f, "{b} B");
        }
        let (div, unit) = if b < K * K {
            (K, "KiB")
        } else if b < K * K * K {
            (K * K, "MiB")
        } else if b < K * K * K * K {
            (K * K * K, "GiB")
        } else {
            (K * K * K * K, "TiB")
        };
        write!(f, "{:.2} {unit}", b as f64 / div as f64)
    }
}

fn allowed_list(ips: &[AllowedIp], sep: &str) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// `wg show IF`.
fn pretty(out: &mut impl Write, d: &Device, show_keys: bool, now: Duration) -> Result<(), Fail> {
    writeln!(out, "interface: {}", d.ifname)?;
    if let Some(k) = &d.public_key {
        writeln!(out, "  public key: {k}")?;
    }
    if let Some(k) = &d.private_key {
        writeln!(out, "  private key: {}", Secret(k, show_keys))?;
    }
    if d.listen_port != 0 {
        writeln!(out, "  listening port: {}", d.listen_port)?;
    }
    if d.fwmark != 0 {
        writeln!(out, "  fwmark: {:#x}", d.fwmark)?;
    }
    // Like `wg`: most recent handshake first.
    let mut peers: Vec<&Peer> = d.peers.iter().collect();
    peers.sort_by_key(|p| std::cmp::Reverse(p.last_handshake));
    for p in peers {
        writeln!(out)?;
        writeln!(out, "peer: {}", p.public_key)?;
        if let Some(k) = &p.preshared_key {
            writeln!(out, "  preshared key: {}", Secret(k, show_keys))?;
        }
        if let Some(ep) = &p.endpoint {
            writeln!(out, "  endpoint: {ep}")?;
        }
        if p.allowed_ips.is_empty() {
            writeln!(out, "  allowed ips: (none)")?;
        } else {
            writeln!(out, "  allowed ips: {}", allowed_list(&p.allowed_ips, ", "))?;
        }
        if let Some(at) = p.last_handshake {
            let (now, at) = (now.as_secs(), at.as_secs());
            match now.checked_sub(at) {
                Some(0) => writeln!(out, "  latest handshake: Now")?,
                Some(ago) => writeln!(out, "  latest handshake: {} ago", PrettyTime(ago))?,
                None => writeln!(
                    out,
                    "  latest handshake: (System clock wound backward; connection problems may ensue.)"
                )?,
            }
        }
        if p.rx_bytes != 0 || p.tx_bytes != 0 {
            writeln!(
                out,
                "  transfer: {} received, {} sent",
                Bytes(p.rx_bytes),
                Bytes(p.tx_bytes)
            )?;
        }
        if p.persistent_keepalive != 0 {
            writeln!(
                out,
                "  persistent keepalive: every {}",
                PrettyTime(p.persistent_keepalive.into())
            )?;
        }
    }
    Ok(())
}

/// `wg show IF dump`: tab-separated, one line for the device and one per
/// peer (private keys as `(hidden)` unless `--show-keys`).
fn dump(out: &mut impl Write, d: &Device, with_name: bool, show_keys: bool) -> Result<(), Fail> {
    let prefix = if with_name {
        format!("{}\t", d.ifname)
    } else {
        String::new()
    };
    let none = || "(none)".to_string();
    writeln!(
        out,
        "{prefix}{}\t{}\t{}\t{}",
        d.private_key
            .as_ref()
            .map_or_else(none, |k| Secret(k, show_keys).to_string()),
        d.public_key.map_or_else(none, |k| k.to_string()),
        d.listen_port,
        if d.fwmark == 0 {
            "off".to_string()
        } else {
            format!("{:#x}", d.fwmark)
        }
    )?;
    for p in &d.peers {
        writeln!(
            out,
            "{prefix}{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            p.public_key,
            p.preshared_key
                .as_ref()
                .map_or_else(none, |k| Secret(k, show_keys).to_string()),
            p.endpoint.map_or_else(none, |e| e.to_string()),
            if p.allowed_ips.is_empty() {
                none()
            } else {
                allowed_list(&p.allowed_ips, ",")
            },
            p.last_handshake.map_or(0, |t| t.as_secs()),
            p.rx_bytes,
            p.tx_bytes,
            if p.persistent_keepalive == 0 {
                "off".to_string()
            } else {
                p.persistent_keepalive.to_string()
            }
        )?;
    }
    Ok(())
}

fn device_json<W: Write>(j: &mut Printer<W>, d: &Device, show_keys: bool) -> Result<(), Fail> {
    let s = Some;
    j.open_object(None)?;
    j.json(Json::Str, s("ifname"), &d.ifname)?;
    j.json(Json::Num, s("ifindex"), d.ifindex)?;
    match d.public_key {
        Some(k) => j.json(Json::Str, s("public_key"), k)?,
        None => j.null("public_key", "")?,
    }
    if show_keys && let Some(k) = &d.private_key {
        j.json(Json::Str, s("private_key"), k.to_base64())?;
    }
    j.json(Json::Num, s("listen_port"), d.listen_port)?;
    j.json(Json::Num, s("fwmark"), d.fwmark)?;
    j.open_array("peers")?;
    for p in &d.peers {
        j.open_object(None)?;
        j.json(Json::Str, s("public_key"), p.public_key)?;
        if show_keys && let Some(k) = &p.preshared_key {
            j.json(Json::Str, s("preshared_key"), k.to_base64())?;
        }
        j.bool("has_preshared_key", "", p.preshared_key.is_some())?;
        match p.endpoint {
            Some(e) => j.json(Json::Str, s("endpoint"), e)?,
            None => j.null("endpoint", "")?,
        }
        j.open_array("allowed_ips")?;
        for ip in &p.allowed_ips {
            j.json(Json::Str, None, ip)?;
        }
        j.close_array()?;
        match p.last_handshake {
            Some(t) => j.json(Json::Num, s("latest_handshake"), t.as_secs())?,
            None => j.null("latest_handshake", "")?,
        }
        j.json(Json::Num, s("rx_bytes"), p.rx_bytes)?;
        j.json(Json::Num, s("tx_bytes"), p.tx_bytes)?;
        j.json(Json::Num, s("persistent_keepalive"), p.persistent_keepalive)?;
        j.json(Json::Num, s("protocol_version"), p.protocol_version)?;
        j.close_object()?;
    }
    j.close_array()?;
    j.close_object()?;
    Ok(())
}

fn endpoint_text(e: &Option<std::net::SocketAddr>) -> String {
    e.map_or_else(|| "(none)".to_string(), |e| e.to_string())
}

/// One line for a watcher event.
pub fn event_line(e: &WgEvent) -> String {
    let ips = |v: &[AllowedIp]| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            allowed_list(v, ",")
        }
    };
    match e {
        WgEvent::PeerAdded { interface, peer } => format!(
            "{interface} peer-added {} endpoint {} allowed-ips {}",
            peer.public_key,
            endpoint_text(&peer.endpoint),
            ips(&peer.allowed_ips)
        ),
        WgEvent::PeerRemoved { interface, peer } => {
            format!("{interface} peer-removed {}", peer.public_key)
        }
        WgEvent::PeerEndpointChanged {
            interface,
            public_key,
            from,
            to,
        } => format!(
            "{interface} endpoint-changed {public_key} {} -> {}",
            endpoint_text(from),
            endpoint_text(to)
        ),
        WgEvent::PeerAllowedIpsChanged {
            interface,
            public_key,
            previous,
            current,
        } => format!(
            "{interface} allowed-ips-changed {public_key} {} -> {}",
            ips(previous),
            ips(current)
        ),
        WgEvent::PeerHandshakeRefreshed {
            interface,
            public_key,
            at,
        } => format!("{interface} handshake {public_key} {}", at.as_secs()),
        WgEvent::InterfaceUnavailable { interface, error } => {
            format!("{interface} unavailable {error}")
        }
        other => format!("{} {other:?}", other.interface()),
    }
}

fn watch(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let mut names = Vec::new();
    let mut interval = nlwire_mio::DEFAULT_WG_POLL_INTERVAL;
    let mut count: Option<u64> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--interval" | "interval" => {
                i += 1;
                let v = args
                    .get(i)
                    .ok_or_else(|| usage_err("\"--interval\" needs a number of seconds"))?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| usage_err(format!("Invalid interval \"{v}\"")))?;
                interval = Duration::from_secs_f64(secs);
            }
            "--count" | "count" => {
                i += 1;
                let v = args
                    .get(i)
                    .ok_or_else(|| usage_err("\"--count\" needs a number of rounds"))?;
                count = Some(
                    v.parse()
                        .map_err(|_| usage_err(format!("Invalid count \"{v}\"")))?,
                );
            }
            name => names.push(name.to_string()),
        }
        i += 1;
    }
    let conn = connect(o, ConnectionOptions::generic())?;
    let w =
        WgWatch::new(conn, WgWatchOptions::new(names).interval(interval)).map_err(|e| match e {
            nlwire::Error::InvalidInput { .. } => usage_err(format!("Error: {e}")),
            e => fail(e),
        })?;
    let rounds = w.take(count.map_or(usize::MAX, |c| c as usize));
    for batch in rounds {
        for e in &batch {
            writeln!(out, "{}", event_line(e))?;
        }
        out.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::genl::wireguard::Key;

    #[test]
    fn wg_time_and_size_formats() {
        assert_eq!(PrettyTime(1).to_string(), "1 second");
        assert_eq!(PrettyTime(65).to_string(), "1 minute, 5 seconds");
        assert_eq!(
            PrettyTime(2 * 86400 + 3600 + 2).to_string(),
            "2 days, 1 hour, 2 seconds"
        );
        assert_eq!(PrettyTime(366 * 86400).to_string(), "1 year, 1 day");
        assert_eq!(Bytes(812).to_string(), "812 B");
        assert_eq!(Bytes(1229).to_string(), "1.20 KiB");
        assert_eq!(Bytes(3 * 1024 * 1024).to_string(), "3.00 MiB");
        assert_eq!(Bytes(5 << 40).to_string(), "5.00 TiB");
    }

    fn device() -> Device {
        let ip = |s: &str, c| AllowedIp::new(s.parse().unwrap(), c).unwrap();
        Device {
            ifindex: 4,
            ifname: "wg0".into(),
            private_key: Some(SecretKey::new([1; 32])),
            public_key: Some(Key([2; 32])),
            listen_port: 51820,
            fwmark: 0x20,
            peers: vec![
                Peer {
                    public_key: Key([3; 32]),
                    allowed_ips: vec![],
                    ..Default::default()
                },
                Peer {
                    public_key: Key([4; 32]),
                    preshared_key: Some(SecretKey::new([5; 32])),
                    endpoint: Some("192.0.2.1:51820".parse().unwrap()),
                    allowed_ips: vec![ip("198.51.100.0", 24), ip("2001:db8::", 32)],
                    last_handshake: Some(Duration::from_secs(1000)),
                    rx_bytes: 2048,
                    tx_bytes: 100,
                    persistent_keepalive: 25,
                    protocol_version: 1,
                },
            ],
        }
    }

    #[test]
    fn pretty_matches_wg_show() {
        let mut out = Vec::new();
        pretty(&mut out, &device(), false, Duration::from_secs(1065)).unwrap();
        let k = |b: u8| Key([b; 32]).to_string();
        let expected = format!(
            "interface: wg0
  public key: {}
  private key: (hidden)
  listening port: 51820
  fwmark: 0x20

peer: {}
  preshared key: (hidden)
  endpoint: 192.0.2.1:51820
  allowed ips: 198.51.100.0/24, 2001:db8::/32
  latest handshake: 1 minute, 5 seconds ago
  transfer: 2.00 KiB received, 100 B sent
  persistent keepalive: every 25 seconds

peer: {}
  allowed ips: (none)
",
            k(2),
            k(4),
            k(3)
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut out = Vec::new();
        pretty(&mut out, &device(), true, Duration::from_secs(1000)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!("private key: {}", k(1))));
        assert!(text.contains("latest handshake: Now"));
    }

    #[test]
    fn dump_matches_wg_show_dump() {
        let mut out = Vec::new();
        dump(&mut out, &device(), true, true).unwrap();
        let k = |b: u8| Key([b; 32]).to_string();
        let expected = format!(
            "wg0\t{}\t{}\t51820\t0x20\n\
             wg0\t{}\t(none)\t(none)\t(none)\t0\t0\t0\toff\n\
             wg0\t{}\t{}\t192.0.2.1:51820\t198.51.100.0/24,2001:db8::/32\t1000\t2048\t100\t25\n",
            k(1),
            k(2),
            k(3),
            k(4),
            k(5)
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut out = Vec::new();
        dump(&mut out, &device(), false, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("(hidden)\t"));
        assert!(!text.contains(&k(1)) && !text.contains(&k(5)));
    }

    #[test]
    fn json_hides_secrets_unless_asked() {
        for show in [false, true] {
            let mut j = Printer::with_pretty(Vec::new(), true, false).unwrap();
            device_json(&mut j, &device(), show).unwrap();
            let text = String::from_utf8(j.finish().unwrap()).unwrap();
            assert_eq!(text.contains(&Key([1; 32]).to_string()), show);
            assert_eq!(text.contains(&Key([5; 32]).to_string()), show);
            assert!(text.contains("\"allowed_ips\":[\"198.51.100.0/24\",\"2001:db8::/32\"]"));
            assert!(text.contains("\"latest_handshake\":1000"));
        }
    }

    #[test]
    fn event_lines() {
        let d = device();
        let e = WgEvent::PeerAdded {
            interface: "wg0".into(),
            peer: d.peers[1].clone(),
        };
        assert_eq!(
            event_line(&e),
            format!(
                "wg0 peer-added {} endpoint 192.0.2.1:51820 allowed-ips 198.51.100.0/24,2001:db8::/32",
                Key([4; 32])
            )
        );
        let e = WgEvent::PeerEndpointChanged {
            interface: "wg0".into(),
            public_key: Key([4; 32]),
            from: None,
            to: Some("[2001:db8::1]:5".parse().unwrap()),
        };
        assert!(event_line(&e).ends_with(" (none) -> [2001:db8::1]:5"));
    }
}
