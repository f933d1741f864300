//! Linux errno values as carried in netlink error messages.

use core::fmt;

/// A Linux errno (positive), as reported by the kernel in `NLMSG_ERROR` or by
/// a failed system call.
///
/// `Display` shows the symbolic name and the description, e.g.
/// `ENODEV (No such device)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

impl Errno {
    /// `EPERM`: Operation not permitted.
    pub const EPERM: Errno = Errno(1);
    /// `ENOENT`: No such file or directory.
    pub const ENOENT: Errno = Errno(2);
    /// `ESRCH`: No such process.
    pub const ESRCH: Errno = Errno(3);
    /// `EINTR`: Interrupted system call.
    pub const EINTR: Errno = Errno(4);
    /// `EIO`: Input/output error.
    pub const EIO: Errno = Errno(5);
    /// `ENXIO`: No such device or address.
    pub const ENXIO: Errno = Errno(6);
    /// `E2BIG`: Argument list too long.
    pub const E2BIG: Errno = Errno(7);
    /// `EBADF`: Bad file descriptor.
    pub const EBADF: Errno = Errno(9);
    /// `ECHILD`: No child processes.
    pub const ECHILD: Errno = Errno(10);
    /// `EAGAIN`: Resource temporarily unavailable.
    pub const EAGAIN: Errno = Errno(11);
    /// `ENOMEM`: Cannot allocate memory.
    pub const ENOMEM: Errno = Errno(12);
    /// `EACCES`: Permission denied.
    pub const EACCES: Errno = Errno(13);
    /// `EFAULT`: Bad address.
    pub const EFAULT: Errno = Errno(14);
    /// `EBUSY`: Device or resource busy.
    pub const EBUSY: Errno = Errno(16);
    /// `EEXIST`: File exists.
    pub const EEXIST: Errno = Errno(17);
    /// `EXDEV`: Invalid cross-device link.
    pub const EXDEV: Errno = Errno(18);
    /// `ENODEV`: No such device.
    pub const ENODEV: Errno = Errno(19);
    /// `ENOTDIR`: Not a directory.
    pub const ENOTDIR: Errno = Errno(20);
    /// `EISDIR`: Is a directory.
    pub const EISDIR: Errno = Errno(21);
    /// `EINVAL`: Invalid argument.
    pub const EINVAL: Errno = Errno(22);
    /// `ENFILE`: Too many open files in system.
    pub const ENFILE: Errno = Errno(23);
    /// `EMFILE`: Too many open files.
    pub const EMFILE: Errno = Errno(24);
    /// `ENOSPC`: No space left on device.
    pub const ENOSPC: Errno = Errno(28);
    /// `ESPIPE`: Illegal seek.
    pub const ESPIPE: Errno = Errno(29);
    /// `EROFS`: Read-only file system.
    pub const EROFS: Errno = Errno(30);
    /// `EMLINK`: Too many links.
    pub const EMLINK: Errno = Errno(31);
    /// `EPIPE`: Broken pipe.
    pub const EPIPE: Errno = Errno(32);
    /// `EDOM`: Numerical argument out of domain.
    pub const EDOM: Errno = Errno(33);
    /// `ERANGE`: Numerical result out of range.
    pub const ERANGE: Errno = Errno(34);
    /// `EDEADLK`: Resource deadlock avoided.
    pub const EDEADLK: Errno = Errno(35);
    /// `ENAMETOOLONG`: File name too long.
    pub const ENAMETOOLONG: Errno = Errno(36);
    /// `ENOLCK`: No locks available.
    pub const ENOLCK: Errno = Errno(37);
    /// `ENOSYS`: Function not implemented.
    pub const ENOSYS: Errno = Errno(38);
    /// `ENOTEMPTY`: Directory not empty.
    pub const ENOTEMPTY: Errno = Errno(39);
    /// `ELOOP`: Too many levels of symbolic links.
    pub const ELOOP: Errno = Errno(40);
    /// `ENOMSG`: No message of desired type.
    pub const ENOMSG: Errno = Errno(42);
    /// `ENODATA`: No data available.
    pub const ENODATA: Errno = Errno(61);
    /// `ETIME`: Timer expired.
    pub const ETIME: Errno = Errno(62);
    /// `ENOLINK`: Link has been severed.
    pub const ENOLINK: Errno = Errno(67);
    /// `EPROTO`: Protocol error.
    pub const EPROTO: Errno = Errno(71);
    /// `EBADMSG`: Bad message.
    pub const EBADMSG: Errno = Errno(74);
    /// `EOVERFLOW`: Value too large for defined data type.
    pub const EOVERFLOW: Errno = Errno(75);
    /// `ENOTUNIQ`: Name not unique on network.
    pub const ENOTUNIQ: Errno = Errno(76);
    /// `ENOTSOCK`: Socket operation on non-socket.
    pub const ENOTSOCK: Errno = Errno(88);
    /// `EDESTADDRREQ`: Destination address required.
    pub const EDESTADDRREQ: Errno = Errno(89);
    /// `EMSGSIZE`: Message too long.
    pub const EMSGSIZE: Errno = Errno(90);
    /// `EPROTOTYPE`: Protocol wrong type for socket.
    pub const EPROTOTYPE: Errno = Errno(91);
    /// `ENOPROTOOPT`: Protocol not available.
    pub const ENOPROTOOPT: Errno = Errno(92);
    /// `EPROTONOSUPPORT`: Protocol not supported.
    pub const EPROTONOSUPPORT: Errno = Errno(93);
    /// `EOPNOTSUPP`: Operation not supported.
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// `EAFNOSUPPORT`: Address family not supported by protocol.
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// `EADDRINUSE`: Address already in use.
    pub const EADDRINUSE: Errno = Errno(98);
    /// `EADDRNOTAVAIL`: Cannot assign requested address.
    pub const EADDRNOTAVAIL: Errno = Errno(99);
    /// `ENETDOWN`: Network is down.
    pub const ENETDOWN: Errno = Errno(100);
    /// `ENETUNREACH`: Network is unreachable.
    pub const ENETUNREACH: Errno = Errno(101);
    /// `ENOBUFS`: No buffer space available.
    pub const ENOBUFS: Errno = Errno(105);
    /// `EISCONN`: Transport endpoint is already connected.
    pub const EISCONN: Errno = Errno(106);
    /// `ENOTCONN`: Transport endpoint is not connected.
    pub const ENOTCONN: Errno = Errno(107);
    /// `ETIMEDOUT`: Connection timed out.
    pub const ETIMEDOUT: Errno = Errno(110);
    /// `ECONNREFUSED`: Connection refused.
    pub const ECONNREFUSED: Errno = Errno(111);
    /// `EHOSTUNREACH`: No route to host.
    pub const EHOSTUNREACH: Errno = Errno(113);
    /// `EALREADY`: Operation already in progress.
    pub const EALREADY: Errno = Errno(114);
    /// `EINPROGRESS`: Operation now in progress.
    pub const EINPROGRESS: Errno = Errno(115);
    /// `ESTALE`: Stale file handle.
    pub const ESTALE: Errno = Errno(116);
    /// `EREMOTEIO`: Remote I/O error.
    pub const EREMOTEIO: Errno = Errno(121);
    /// `EDQUOT`: Disk quota exceeded.
    pub const EDQUOT: Errno = Errno(122);
    /// `ECANCELED`: Operation canceled.
    pub const ECANCELED: Errno = Errno(125);
    /// `ENOKEY`: Required key not available.
    pub const ENOKEY: Errno = Errno(126);
    /// `ERFKILL`: Operation not possible due to RF-kill.
    pub const ERFKILL: Errno = Errno(132);

    /// The raw (positive) errno value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The symbolic name (`"ENODEV"`), when known.
    pub fn name(self) -> Option<&'static str> {
        Self::info(self.0).map(|(n, _)| n)
    }

    /// The C library's description (`"No such device"`), when known.
    pub fn description(self) -> Option<&'static str> {
        Self::info(self.0).map(|(_, d)| d)
    }

    fn info(v: i32) -> Option<(&'static str, &'static str)> {
        match v {
            1 => Some(("EPERM", "Operation not permitted")),
            2 => Some(("ENOENT", "No such file or directory")),
            3 => Some(("ESRCH", "No such process")),
            4 => Some(("EINTR", "Interrupted system call")),
            5 => Some(("EIO", "Input/output error")),
            6 => Some(("ENXIO", "No such device or address")),
            7 => Some(("E2BIG", "Argument list too long")),
            9 => Some(("EBADF", "Bad file descriptor")),
            10 => Some(("ECHILD", "No child processes")),
            11 => Some(("EAGAIN", "Resource temporarily unavailable")),
            12 => Some(("ENOMEM", "Cannot allocate memory")),
            13 => Some(("EACCES", "Permission denied")),
            14 => Some(("EFAULT", "Bad address")),
            16 => Some(("EBUSY", "Device or resource busy")),
            17 => Some(("EEXIST", "File exists")),
            18 => Some(("EXDEV", "Invalid cross-device link")),
            19 => Some(("ENODEV", "No such device")),
            20 => Some(("ENOTDIR", "Not a directory")),
            21 => Some(("EISDIR", "Is a directory")),
            22 => Some(("EINVAL", "Invalid argument")),
            23 => Some(("ENFILE", "Too many open files in system")),
            24 => Some(("EMFILE", "Too many open files")),
            28 => Some(("ENOSPC", "No space left on device")),
            29 => Some(("ESPIPE", "Illegal seek")),
            30 => Some(("EROFS", "Read-only file system")),
            31 => Some(("EMLINK", "Too many links")),
            32 => Some(("EPIPE", "Broken pipe")),
            33 => Some(("EDOM", "Numerical argument out of domain")),
            34 => Some(("ERANGE", "Numerical result out of range")),
            35 => Some(("EDEADLK", "Resource deadlock avoided")),
            36 => Some(("ENAMETOOLONG", "File name too long")),
            37 => Some(("ENOLCK", "No locks available")),
            38 => Some(("ENOSYS", "Function not implemented")),
            39 => Some(("ENOTEMPTY", "Directory not empty")),
            40 => Some(("ELOOP", "Too many levels of symbolic links")),
            42 => Some(("ENOMSG", "No message of desired type")),
            61 => Some(("ENODATA", "No data available")),
            62 => Some(("ETIME", "Timer expired")),
            67 => Some(("ENOLINK", "Link has been severed")),
            71 => Some(("EPROTO", "Protocol error")),
            74 => Some(("EBADMSG", "Bad message")),
            75 => Some(("EOVERFLOW", "Value too large for defined data type")),
            76 => Some(("ENOTUNIQ", "Name not unique on network")),
            88 => Some(("ENOTSOCK", "Socket operation on non-socket")),
            89 => Some(("EDESTADDRREQ", "Destination address required")),
            90 => Some(("EMSGSIZE", "Message too long")),
            91 => Some(("EPROTOTYPE", "Protocol wrong type for socket")),
            92 => Some(("ENOPROTOOPT", "Protocol not available")),
            93 => Some(("EPROTONOSUPPORT", "Protocol not supported")),
            95 => Some(("EOPNOTSUPP", "Operation not supported")),
            97 => Some(("EAFNOSUPPORT", "Address family not supported by protocol")),
            98 => Some(("EADDRINUSE", "Address already in use")),
            99 => Some(("EADDRNOTAVAIL", "Cannot assign requested address")),
            100 => Some(("ENETDOWN", "Network is down")),
            101 => Some(("ENETUNREACH", "Network is unreachable")),
            105 => Some(("ENOBUFS", "No buffer space available")),
            106 => Some(("EISCONN", "Transport endpoint is already connected")),
            107 => Some(("ENOTCONN", "Transport endpoint is not connected")),
            110 => Some(("ETIMEDOUT", "Connection timed out")),
            111 => Some(("ECONNREFUSED", "Connection refused")),
            113 => Some(("EHOSTUNREACH", "No route to host")),
            114 => Some(("EALREADY", "Operation already in progress")),
            115 => Some(("EINPROGRESS", "Operation now in progress")),
            116 => Some(("ESTALE", "Stale file handle")),
            121 => Some(("EREMOTEIO", "Remote I/O error")),
            122 => Some(("EDQUOT", "Disk quota exceeded")),
            125 => Some(("ECANCELED", "Operation canceled")),
            126 => Some(("ENOKEY", "Required key not available")),
            132 => Some(("ERFKILL", "Operation not possible due to RF-kill")),
            _ => None,
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Self::info(self.0) {
            Some((n, d)) => write!(f, "{n} ({d})"),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "Errno({n})"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn names_and_display() {
        assert_eq!(Errno::ENODEV.raw(), 19);
        assert_eq!(Errno(19).name(), Some("ENODEV"));
        assert_eq!(Errno(19).to_string(), "ENODEV (No such device)");
        assert_eq!(Errno(4000).to_string(), "errno 4000");
        assert_eq!(std::format!("{:?}", Errno::EINVAL), "Errno(EINVAL)");
    }
}
