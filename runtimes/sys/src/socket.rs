//! The netlink socket.

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// `NETLINK_ROUTE`: rtnetlink.
pub const NETLINK_ROUTE: i32 = libc::NETLINK_ROUTE;
/// `NETLINK_GENERIC`: generic netlink.
pub const NETLINK_GENERIC: i32 = libc::NETLINK_GENERIC;

const NETLINK_CAP_ACK: libc::c_int = 10;
const NETLINK_EXT_ACK: libc::c_int = 11;
const NETLINK_GET_STRICT_CHK: libc::c_int = 12;

/// How a [`NetlinkSocket`] is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketOptions {
    /// Netlink protocol (`NETLINK_ROUTE`, `NETLINK_GENERIC`, …).
    pub protocol: i32,
    /// `NETLINK_EXT_ACK`: the kernel explains errors in text. Default on.
    pub ext_ack: bool,
    /// `NETLINK_CAP_ACK`: error replies echo only the request header, not
    /// its payload. Default on (smaller error datagrams).
    pub cap_ack: bool,
    /// `NETLINK_GET_STRICT_CHK`: the kernel validates GET requests strictly
    /// and honours dump filters (link and family for addresses, table for
    /// routes, …), so a filtered dump crosses the socket smaller. Default
    /// on, as `ip` does. A kernel older than 4.20 lacks the option; it is
    /// then left off without an error, and the dump requests still filter
    /// their replies on the client side ([`nlwire::Request::accepts`]).
    pub strict_check: bool,
    /// `SO_RCVBUF` in bytes. With `CAP_NET_ADMIN`, `SO_RCVBUFFORCE` is used so
    /// the value may exceed `net.core.rmem_max`. Default: 4 MiB, so that
    /// many pipelined requests cannot overrun it.
    pub recv_buffer: Option<usize>,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            protocol: NETLINK_ROUTE,
            ext_ack: true,
            cap_ack: true,
            strict_check: true,
            recv_buffer: Some(4 * 1024 * 1024),
        }
    }
}

/// A non-blocking, close-on-exec netlink socket bound to a kernel-assigned
/// port id.
#[derive(Debug)]
pub struct NetlinkSocket {
    fd: OwnedFd,
    port: u32,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn set_int_opt(fd: RawFd, level: libc::c_int, name: libc::c_int, v: libc::c_int) -> io::Result<()> {
    // SAFETY: `v` lives across the call and its size is passed; the kernel
    // only reads `optlen` bytes from it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

impl NetlinkSocket {
    /// Opens a socket in the calling thread's network namespace.
    pub fn open(opts: &SocketOptions) -> io::Result<NetlinkSocket> {
        // SAFETY: plain syscall with constant arguments; the result is checked.
        let raw = cvt(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                opts.protocol,
            )
        })?;
        // SAFETY: `raw` is a freshly created descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let r = fd.as_raw_fd();
        if opts.ext_ack {
            set_int_opt(r, libc::SOL_NETLINK, NETLINK_EXT_ACK, 1)?;
        }
        if opts.cap_ack {
            set_int_opt(r, libc::SOL_NETLINK, NETLINK_CAP_ACK, 1)?;
        }
        if opts.strict_check && opts.protocol == NETLINK_ROUTE {
            match set_int_opt(r, libc::SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1) {
                // Before Linux 4.20: no strict checking; clients filter.
                Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
                other => other?,
            }
        }
        if let Some(size) = opts.recv_buffer {
            let v = size.min(i32::MAX as usize / 2) as libc::c_int;
            if set_int_opt(r, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, v).is_err() {
                set_int_opt(r, libc::SOL_SOCKET, libc::SO_RCVBUF, v)?;
            }
        }
        // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        let len = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: `addr` is a valid sockaddr_nl of `len` bytes.
        cvt(unsafe { libc::bind(r, (&addr as *const libc::sockaddr_nl).cast(), len) })?;
        let mut out_len = len;
        // SAFETY: `addr` has room for `out_len` bytes; the kernel writes at most that.
        cvt(unsafe {
            libc::getsockname(
                r,
                (&mut addr as *mut libc::sockaddr_nl).cast(),
                &mut out_len,
            )
        })?;
        Ok(NetlinkSocket {
            fd,
            port: addr.nl_pid,
        })
    }

    /// Opens a socket inside the network namespace at `path` (for example
    /// `/var/run/netns/NAME` or `/proc/PID/ns/net`). The socket is created
    /// on a short-lived thread that joined the namespace; it stays bound to
    /// that namespace and can be used from any thread.
    pub fn open_in_netns(
        path: impl AsRef<std::path::Path>,
        opts: &SocketOptions,
    ) -> io::Result<NetlinkSocket> {
        let ns = std::fs::File::open(path.as_ref())?;
        Self::open_in_netns_fd(ns.as_fd(), opts)
    }

    /// Like [`NetlinkSocket::open_in_netns`], with an open namespace file.
    pub fn open_in_netns_fd(ns: BorrowedFd<'_>, opts: &SocketOptions) -> io::Result<NetlinkSocket> {
        let opts = *opts;
        crate::netns::run_in_netns_fd(ns, move || NetlinkSocket::open(&opts))?
    }

    /// The port id the kernel assigned.
    pub fn port(&self) -> u32 {
        self.port
    }

    /// Sends one datagram to the kernel.
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        loop {
            // SAFETY: `buf` is valid for `buf.len()` bytes and `addr` for its size.
            let r = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    buf.as_ptr().cast(),
                    buf.len(),
                    0,
                    (&addr as *const libc::sockaddr_nl).cast(),
                    mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Receives one datagram into `buf` and returns its **real** size,
    /// which exceeds `buf.len()` when the datagram was truncated
    /// (`MSG_TRUNC`). `WouldBlock` when nothing is queued; `ENOBUFS` (raw
    /// OS error) after a receive-queue overrun.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
            let r = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_TRUNC,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Like [`NetlinkSocket::recv`], and also returns the multicast group
    /// the datagram was sent to (the `nl_groups` of its source address):
    /// 0 for a reply to this socket, the group's number for a
    /// notification.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, u32)> {
        loop {
            // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
            let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
            let mut len = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes; `addr`
            // has room for `len` bytes and the kernel writes at most that.
            let r = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_TRUNC,
                    (&mut addr as *mut libc::sockaddr_nl).cast(),
                    &mut len,
                )
            };
            if r >= 0 {
                return Ok((r as usize, addr.nl_groups));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Leaves multicast group `group` (`NETLINK_DROP_MEMBERSHIP`).
    pub fn drop_membership(&self, group: u32) -> io::Result<()> {
        set_int_opt(
            self.fd.as_raw_fd(),
            libc::SOL_NETLINK,
            libc::NETLINK_DROP_MEMBERSHIP,
            group as libc::c_int,
        )
    }

    /// Joins multicast group `group` (`NETLINK_ADD_MEMBERSHIP`).
    pub fn add_membership(&self, group: u32) -> io::Result<()> {
        set_int_opt(
            self.fd.as_raw_fd(),
            libc::SOL_NETLINK,
            libc::NETLINK_ADD_MEMBERSHIP,
            group as libc::c_int,
        )
    }
}

impl AsFd for NetlinkSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for NetlinkSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_and_gets_a_port() {
        let s = NetlinkSocket::open(&SocketOptions::default()).unwrap();
        assert_ne!(s.port(), 0);
        let t = NetlinkSocket::open(&SocketOptions::default()).unwrap();
        assert_ne!(s.port(), t.port());
    }

    #[test]
    fn recv_on_empty_socket_would_block() {
        let s = NetlinkSocket::open(&SocketOptions::default()).unwrap();
        let mut b = [0u8; 64];
        assert_eq!(
            s.recv(&mut b).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    }
}
