//! The transport seam: a connection over something that is not a netlink
//! socket — here a scripted "kernel" on a Unix datagram pair that answers
//! each request as it is sent — runs the same code as over the kernel.
//! This is where an in-process simulated kernel plugs in. No privileges
//! needed.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixDatagram;
use std::time::Instant;

use nlwire::machine::exchange::test_frames::{done, error};
use nlwire::route::{GetLink, GetLinks, IfInfoMsg, LinkRequest, RTM_GETLINK, RTM_NEWLINK};
use nlwire::wire::{Header, Messages, NLM_F_MULTI, Writer};
use nlwire::{Errno, Error};
use nlwire_conn::blocking::{Connection, Wait};
use nlwire_conn::{Connect, ConnectionOptions, Transport};

const PORT: u32 = 4242;

/// Answers like a kernel with two links, `lo` (1) and `sim0` (7).
#[derive(Debug)]
struct Scripted {
    ours: UnixDatagram,
    theirs: UnixDatagram,
}

impl Scripted {
    fn new() -> Scripted {
        let (ours, theirs) = UnixDatagram::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        Scripted { ours, theirs }
    }

    fn link(seq: u32, flags: u16, index: u32, name: &str) -> Vec<u8> {
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_message(RTM_NEWLINK, flags, seq, PORT);
        IfInfoMsg {
            index,
            ..Default::default()
        }
        .emit(&mut w);
        w.attr_str(3, name); // IFLA_IFNAME
        w.end_message(m);
        let n = w.finish().unwrap();
        buf[..n].to_vec()
    }

    fn with_port(mut frame: Vec<u8>) -> Vec<u8> {
        frame[12..16].copy_from_slice(&PORT.to_ne_bytes());
        frame
    }
}

impl AsFd for Scripted {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ours.as_fd()
    }
}

impl Transport for Scripted {
    fn send(&self, datagram: &[u8]) -> io::Result<()> {
        for m in Messages::new(datagram) {
            let m = m.map_err(|_| io::Error::from_raw_os_error(Errno::EINVAL.0))?;
            let Header { seq, kind, .. } = m.header();
            let reply: Vec<u8> = match kind {
                // A dump: both links in one datagram, then the end.
                RTM_GETLINK if m.flags() & nlwire::wire::NLM_F_DUMP != 0 => [
                    Self::link(seq, NLM_F_MULTI, 1, "lo"),
                    Self::link(seq, NLM_F_MULTI, 7, "sim0"),
                    Self::with_port(done(seq, 0)),
                ]
                .concat(),
                // A GET by name: the link, then the acknowledgement.
                RTM_GETLINK => [
                    Self::link(seq, 0, 7, "sim0"),
                    Self::with_port(error(seq, 0, None)),
                ]
                .concat(),
                // Anything else: no such device.
                _ => Self::with_port(error(seq, Errno::ENODEV.0, Some("scripted"))),
            };
            self.theirs.send(&reply)?;
        }
        Ok(())
    }

    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.ours.recv(buf)
    }

    fn port(&self) -> u32 {
        PORT
    }
}

/// `poll(2)`, as the test runtime of `nlwire-tests` does.
#[derive(Debug)]
struct PollWait;

impl Wait for PollWait {
    type Registration = OwnedFd;
    fn register(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
        fd.try_clone_to_owned()
    }
    fn wait(fd: &mut OwnedFd, deadline: Option<Instant>) -> io::Result<()> {
        nlwire_sys::poll::wait_readable(fd.as_fd(), deadline).map(drop)
    }
}

fn conn() -> Connection<PollWait> {
    Connection::from_transport(Scripted::new(), ConnectionOptions::default()).unwrap()
}

#[test]
fn get_dump_and_error_through_a_scripted_transport() {
    let mut c = conn();
    assert_eq!(c.port(), PORT);
    let l = c.get(GetLink::by_name("sim0").unwrap()).unwrap();
    assert_eq!((l.index, l.name.as_str()), (7, "sim0"));
    let names: Vec<String> = c.links().map(|l| l.unwrap().name).collect();
    assert_eq!(names, ["lo", "sim0"]);
    let mut views = 0;
    c.dump_with(GetLinks::new(), |v| views += v.header.index)
        .unwrap();
    assert_eq!(views, 8);
    let e = c.request(LinkRequest::delete("sim0").unwrap()).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::ENODEV));
    assert_eq!(
        e.to_string(),
        "delete link \"sim0\": ENODEV (No such device): scripted"
    );
    assert!(matches!(e, Error::Kernel(_)));
    assert_eq!(c.stats().unmatched, 0);
}
