//! Persistent tun/tap devices, made and removed the way `ip tuntap add|del`
//! does it (iproute2's `ip/iptuntap.c`): open `/dev/net/tun`, attach to the
//! name with `TUNSETIFF`, set the owner and group, mark the device
//! persistent (`TUNSETPERSIST 1`) and close the descriptor. Deleting
//! attaches again and clears the mark (`TUNSETPERSIST 0`), so the device
//! goes away when the descriptor closes.
//!
//! ```no_run
//! use nlwire_sys::tun::{Mode, TunTap};
//!
//! let name = TunTap::new("tap0", Mode::Tap).owner(1000).vnet_hdr(true).create()?;
//! nlwire_sys::tun::delete(&name, Mode::Tap)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Namespaces
//!
//! The kernel makes the device in the network namespace of the **calling
//! thread**. The `*_in` variants ([`TunTap::create_in`],
//! [`TunTap::delete_in`], [`TunTap::attach_in`], [`delete_in`]) run the
//! same calls on a short-lived thread that joined the given [`Netns`]
//! ([`crate::netns::run_in_netns_fd`]); the calling thread never changes
//! namespace. A descriptor from [`TunTap::attach_in`] keeps working from
//! any thread.
//!
//! # Errors
//!
//! Every function returns an [`io::Error`] whose kind is the system
//! error's (or [`io::ErrorKind::InvalidInput`] for a name refused before
//! anything is opened) and whose payload is a [`TunError`]: which step
//! failed (as `ip` names it: `open`, `ioctl(TUNSETIFF)`, …), for which
//! device, and the errno. [`TunError::of`] reaches it.
//!
//! # When a device goes
//!
//! A device that is not (or no longer) persistent goes when the last copy
//! of its last descriptor closes. The descriptors here are close-on-exec,
//! but a child that another thread forks (`std::process::Command`) holds
//! copies until its `exec`: in such a program a deleted device, or the
//! half-made one of a failed [`TunTap::create`], may still be listed for
//! that moment after the call returns; and for that moment a device just
//! created is attached there, so deleting it is `EBUSY`.
//!
//! The calls block for a few system calls (and a thread's start, for the
//! `*_in` variants); from async code, call them where blocking is allowed.
//! They need `CAP_NET_ADMIN` in the namespace's user namespace.

use std::ffi::CString;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::OpenOptionsExt;

use nlwire::InvalidInput;
use nlwire::input::validate_ifname;

use crate::netns::{Netns, run_in_netns_fd};

/// The clone device every tun/tap descriptor is opened from.
pub const TUN_DEVICE: &str = "/dev/net/tun";

/// `IFF_TUN`: a layer-3 device (IP packets, `ARPHRD_NONE`).
pub const IFF_TUN: u32 = 0x0001;
/// `IFF_TAP`: a layer-2 device (Ethernet frames, `ARPHRD_ETHER`).
pub const IFF_TAP: u32 = 0x0002;
/// `IFF_NAPI`: receive through NAPI (not set by this module).
pub const IFF_NAPI: u32 = 0x0010;
/// `IFF_NAPI_FRAGS`: NAPI with fragments (not set by this module).
pub const IFF_NAPI_FRAGS: u32 = 0x0020;
/// `IFF_NO_CARRIER`: start without carrier (not set by this module).
pub const IFF_NO_CARRIER: u32 = 0x0040;
/// `IFF_MULTI_QUEUE`: a device that several descriptors attach to, one
/// queue each.
pub const IFF_MULTI_QUEUE: u32 = 0x0100;
/// `IFF_PERSIST` (in `tun_flags` only): the device outlives its
/// descriptors.
pub const IFF_PERSIST: u32 = 0x0800;
/// `IFF_NO_PI`: no 4-byte packet information header before each packet.
pub const IFF_NO_PI: u32 = 0x1000;
/// `IFF_NOFILTER`: the same bit as [`IFF_NO_PI`] (a leftover of an old
/// filter feature). `ip tuntap show` prints `filter` when it is clear, so
/// every device with packet information reads `pi … filter`.
pub const IFF_NOFILTER: u32 = 0x1000;
/// `IFF_ONE_QUEUE`: kept for compatibility; the kernel ignores it but
/// remembers it in `tun_flags`.
pub const IFF_ONE_QUEUE: u32 = 0x2000;
/// `IFF_VNET_HDR`: a virtio net header before each packet.
pub const IFF_VNET_HDR: u32 = 0x4000;
/// `IFF_TUN_EXCL`: `TUNSETIFF` fails with `EBUSY` if the name exists (used
/// by [`TunTap::create`], as by `ip tuntap add`).
pub const IFF_TUN_EXCL: u32 = 0x8000;

/// Layer 3 or layer 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// A tun device: IP packets, no link-layer header.
    Tun,
    /// A tap device: Ethernet frames.
    Tap,
}

impl Mode {
    /// `IFF_TUN` or `IFF_TAP`.
    pub const fn flag(self) -> u32 {
        match self {
            Mode::Tun => IFF_TUN,
            Mode::Tap => IFF_TAP,
        }
    }

    /// `"tun"` or `"tap"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Tun => "tun",
            Mode::Tap => "tap",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tun/tap device to create, delete or attach to: its name, its mode and
/// `ip tuntap`'s options. Build it with [`TunTap::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TunTap {
    /// The name: 1 to 15 bytes, checked as the kernel does; or empty (or a
    /// pattern with `%d`) to let the kernel pick `tunN`/`tapN`.
    pub name: String,
    /// Tun or tap.
    pub mode: Mode,
    /// `TUNSETOWNER`: the user allowed to attach (besides `CAP_NET_ADMIN`).
    pub owner: Option<u32>,
    /// `TUNSETGROUP`: the group allowed to attach.
    pub group: Option<u32>,
    /// Packet information (clears `IFF_NO_PI`; `ip`'s `pi`). Default off.
    pub pi: bool,
    /// `IFF_VNET_HDR`.
    pub vnet_hdr: bool,
    /// `IFF_MULTI_QUEUE`.
    pub multi_queue: bool,
    /// `IFF_ONE_QUEUE`.
    pub one_queue: bool,
}

/// Which step of a tun/tap operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Checking the name, before anything is opened.
    Name,
    /// Looking the device up by name (before a delete).
    Lookup,
    /// Opening `/dev/net/tun`.
    Open,
    /// `TUNSETIFF`.
    SetIff,
    /// `TUNSETOWNER`.
    SetOwner,
    /// `TUNSETGROUP`.
    SetGroup,
    /// `TUNSETPERSIST`.
    SetPersist,
}

impl Step {
    /// The words `ip tuntap` puts before the system error (`perror`):
    /// `open`, `ioctl(TUNSETIFF)`, …; `None` for the steps ip has not.
    pub const fn ip_label(self) -> Option<&'static str> {
        Some(match self {
            Step::Open => "open",
            Step::SetIff => "ioctl(TUNSETIFF)",
            Step::SetOwner => "ioctl(TUNSETOWNER)",
            Step::SetGroup => "ioctl(TUNSETGROUP)",
            Step::SetPersist => "ioctl(TUNSETPERSIST)",
            Step::Name | Step::Lookup => return None,
        })
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Name => "check the name",
            Step::Lookup => "look up the device",
            Step::Open => "open /dev/net/tun",
            Step::SetIff => "ioctl(TUNSETIFF)",
            Step::SetOwner => "ioctl(TUNSETOWNER)",
            Step::SetGroup => "ioctl(TUNSETGROUP)",
            Step::SetPersist => "ioctl(TUNSETPERSIST)",
        })
    }
}

/// What went wrong, carried inside the [`io::Error`] every function here
/// returns: the operation, the device, the step and the cause.
#[derive(Debug)]
pub struct TunError {
    op: &'static str,
    mode: Mode,
    name: String,
    step: Step,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Os(io::Error),
    Input(InvalidInput),
}

impl TunError {
    /// The [`TunError`] inside an error returned by this module.
    pub fn of(e: &io::Error) -> Option<&TunError> {
        e.get_ref()?.downcast_ref()
    }

    /// The step that failed.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The device's name as given (empty: the kernel was to pick one).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The errno of a failed system call (`None` for a refused name).
    pub fn raw_os_error(&self) -> Option<i32> {
        match &self.cause {
            Cause::Os(e) => e.raw_os_error(),
            Cause::Input(_) => None,
        }
    }

    /// Why the name was refused, for [`Step::Name`].
    pub fn invalid_input(&self) -> Option<InvalidInput> {
        match &self.cause {
            Cause::Input(i) => Some(*i),
            Cause::Os(_) => None,
        }
    }
}

impl fmt::Display for TunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.op, self.mode)?;
        if self.name.is_empty() {
            f.write_str("(name chosen by the kernel)")?;
        } else {
            write!(f, "{:?}", self.name)?;
        }
        match &self.cause {
            Cause::Input(i) => write!(f, ": {i}"),
            Cause::Os(e) => {
                write!(f, ": {}: {e}", self.step)?;
                match (self.step, e.raw_os_error()) {
                    (Step::Open, Some(libc::ENOENT | libc::ENODEV | libc::ENXIO)) => {
                        f.write_str(" (is the tun module loaded?)")
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for TunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Os(e) => Some(e),
            Cause::Input(i) => Some(i),
        }
    }
}

/// One operation on one device: the steps, each failing with an error
/// that names the operation, the device and the step.
struct Ctx<'a> {
    op: &'static str,
    spec: &'a TunTap,
}

impl Ctx<'_> {
    fn fail(&self, step: Step, cause: Cause) -> io::Error {
        let kind = match &cause {
            Cause::Os(e) => e.kind(),
            Cause::Input(_) => io::ErrorKind::InvalidInput,
        };
        io::Error::new(
            kind,
            TunError {
                op: self.op,
                mode: self.spec.mode,
                name: self.spec.name.clone(),
                step,
                cause,
            },
        )
    }

    fn os(&self, step: Step) -> io::Error {
        self.fail(step, Cause::Os(io::Error::last_os_error()))
    }

    /// The name checked, as the bytes of `ifr_name`.
    fn name(&self, allow_empty: bool) -> io::Result<[libc::c_char; libc::IFNAMSIZ]> {
        let name = &self.spec.name;
        if !(allow_empty && name.is_empty()) {
            validate_ifname(name).map_err(|e| self.fail(Step::Name, Cause::Input(e)))?;
        }
        let mut out = [0 as libc::c_char; libc::IFNAMSIZ];
        for (o, b) in out.iter_mut().zip(name.bytes()) {
            *o = b as libc::c_char;
        }
        Ok(out)
    }

    fn open(&self) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(TUN_DEVICE)
            .map_err(|e| self.fail(Step::Open, Cause::Os(e)))
    }

    /// `TUNSETIFF` with `flags`; returns the device's name as the kernel
    /// wrote it back.
    fn set_iff(
        &self,
        tun: &File,
        name: [libc::c_char; libc::IFNAMSIZ],
        flags: u32,
    ) -> io::Result<String> {
        // SAFETY: `ifreq` is plain old data (arrays of integers, a union of
        // integers, arrays and a raw pointer); all-zero bytes are a valid
        // value of it.
        let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
        ifr.ifr_name = name;
        ifr.ifr_ifru.ifru_flags = flags as u16 as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes one `struct ifreq`, which
        // `ifr` is, alive and exclusively borrowed across the call; the
        // descriptor is open (`tun` is borrowed).
        let r = unsafe {
            libc::ioctl(
                tun.as_raw_fd(),
                libc::TUNSETIFF,
                &mut ifr as *mut libc::ifreq,
            )
        };
        if r < 0 {
            return Err(self.os(Step::SetIff));
        }
        let bytes: Vec<u8> = ifr
            .ifr_name
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// An ioctl whose argument is a plain integer value.
    fn set_value(
        &self,
        tun: &File,
        step: Step,
        req: libc::Ioctl,
        v: libc::c_ulong,
    ) -> io::Result<()> {
        // SAFETY: TUNSETOWNER, TUNSETGROUP and TUNSETPERSIST take their
        // argument by value and touch no memory of ours; the descriptor is
        // open (`tun` is borrowed).
        let r = unsafe { libc::ioctl(tun.as_raw_fd(), req, v) };
        if r < 0 {
            return Err(self.os(step));
        }
        Ok(())
    }

    /// `ENODEV` unless a device of this name exists in the calling
    /// thread's namespace.
    fn must_exist(&self) -> io::Result<()> {
        let c = CString::new(self.spec.name.as_bytes())
            .map_err(|_| self.fail(Step::Name, Cause::Input(InvalidInput::NameCharacter('\0'))))?;
        // SAFETY: `c` is a NUL-terminated string that outlives the call;
        // if_nametoindex only reads it.
        let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
        if index == 0 {
            return Err(self.os(Step::Lookup));
        }
        Ok(())
    }
}

impl TunTap {
    /// A device named `name` in `mode`, with `ip tuntap add`'s defaults: no
    /// packet information, no owner or group, one queue.
    pub fn new(name: impl Into<String>, mode: Mode) -> TunTap {
        TunTap {
            name: name.into(),
            mode,
            owner: None,
            group: None,
            pi: false,
            vnet_hdr: false,
            multi_queue: false,
            one_queue: false,
        }
    }

    /// Sets [`owner`](Self::owner).
    pub fn owner(mut self, uid: u32) -> TunTap {
        self.owner = Some(uid);
        self
    }

    /// Sets [`group`](Self::group).
    pub fn group(mut self, gid: u32) -> TunTap {
        self.group = Some(gid);
        self
    }

    /// Sets [`pi`](Self::pi).
    pub fn pi(mut self, on: bool) -> TunTap {
        self.pi = on;
        self
    }

    /// Sets [`vnet_hdr`](Self::vnet_hdr).
    pub fn vnet_hdr(mut self, on: bool) -> TunTap {
        self.vnet_hdr = on;
        self
    }

    /// Sets [`multi_queue`](Self::multi_queue).
    pub fn multi_queue(mut self, on: bool) -> TunTap {
        self.multi_queue = on;
        self
    }

    /// Sets [`one_queue`](Self::one_queue).
    pub fn one_queue(mut self, on: bool) -> TunTap {
        self.one_queue = on;
        self
    }

    /// The `TUNSETIFF` flags these settings ask for (without
    /// [`IFF_TUN_EXCL`]).
    pub fn flags(&self) -> u32 {
        let mut f = self.mode.flag();
        if !self.pi {
            f |= IFF_NO_PI;
        }
        if self.one_queue {
            f |= IFF_ONE_QUEUE;
        }
        if self.vnet_hdr {
            f |= IFF_VNET_HDR;
        }
        if self.multi_queue {
            f |= IFF_MULTI_QUEUE;
        }
        f
    }

    /// Creates the persistent device in the calling thread's network
    /// namespace, as `ip tuntap add` does, and returns its name (the
    /// kernel's pick when [`name`](Self::name) was empty or a pattern).
    ///
    /// An existing name (of any kind) is `EBUSY` (`IFF_TUN_EXCL`). A
    /// name the kernel would refuse is [`io::ErrorKind::InvalidInput`]
    /// and nothing is opened. If setting the owner, group or persistence
    /// fails, the half-made device goes away with the descriptor.
    pub fn create(&self) -> io::Result<String> {
        let cx = Ctx {
            op: "create",
            spec: self,
        };
        let name = cx.name(true)?;
        let tun = cx.open()?;
        let made = cx.set_iff(&tun, name, self.flags() | IFF_TUN_EXCL)?;
        if let Some(uid) = self.owner {
            cx.set_value(
                &tun,
                Step::SetOwner,
                libc::TUNSETOWNER,
                libc::c_ulong::from(uid),
            )?;
        }
        if let Some(gid) = self.group {
            cx.set_value(
                &tun,
                Step::SetGroup,
                libc::TUNSETGROUP,
                libc::c_ulong::from(gid),
            )?;
        }
        cx.set_value(&tun, Step::SetPersist, libc::TUNSETPERSIST, 1)?;
        Ok(made)
    }

    /// [`create`](Self::create) inside `ns`, on a short-lived thread that
    /// joined it.
    pub fn create_in(&self, ns: &Netns) -> io::Result<String> {
        let me = self.clone();
        run_in_netns_fd(ns.as_fd(), move || me.create())?
    }

    /// Deletes the persistent device as `ip tuntap del` does: attaches to
    /// it with exactly these settings' flags and clears its persistence,
    /// so it goes when the descriptor closes. The kernel insists that the
    /// mode and [`multi_queue`](Self::multi_queue) match the device
    /// (`EINVAL` otherwise); [`delete`] finds the latter by itself.
    ///
    /// A name that no device has is `ENODEV` at [`Step::Lookup`] (where
    /// `ip tuntap del` would briefly make and drop a device, and succeed).
    /// A device that a process still has open is `EBUSY` (single queue)
    /// or is left to that process, no longer persistent (multi-queue).
    pub fn delete(&self) -> io::Result<()> {
        let cx = Ctx {
            op: "delete",
            spec: self,
        };
        let name = cx.name(false)?;
        cx.must_exist()?;
        let tun = cx.open()?;
        cx.set_iff(&tun, name, self.flags())?;
        cx.set_value(&tun, Step::SetPersist, libc::TUNSETPERSIST, 0)
    }

    /// [`delete`](Self::delete) inside `ns`, on a short-lived thread that
    /// joined it.
    pub fn delete_in(&self, ns: &Netns) -> io::Result<()> {
        let me = self.clone();
        run_in_netns_fd(ns.as_fd(), move || me.delete())?
    }

    /// Attaches a descriptor to the device (`TUNSETIFF` with these flags,
    /// not exclusive) and returns it: read and write packets through it.
    /// A device that does not exist is made, and lives as long as the
    /// descriptor unless made persistent; the persistence of an existing
    /// one is left as it is. `owner` and `group` are not applied.
    ///
    /// A single-queue device takes one descriptor at a time (`EBUSY` at
    /// [`Step::SetIff`] otherwise). Mind that a child forked while some
    /// descriptor of the device was open holds a copy until it execs: in a
    /// program whose other threads spawn processes, an attach right after
    /// [`create`](Self::create) or after dropping another descriptor can
    /// briefly find the device busy.
    pub fn attach(&self) -> io::Result<File> {
        let cx = Ctx {
            op: "attach to",
            spec: self,
        };
        let name = cx.name(true)?;
        let tun = cx.open()?;
        cx.set_iff(&tun, name, self.flags())?;
        Ok(tun)
    }

    /// [`attach`](Self::attach) inside `ns`, on a short-lived thread that
    /// joined it; the descriptor then works from any thread.
    pub fn attach_in(&self, ns: &Netns) -> io::Result<File> {
        let me = self.clone();
        run_in_netns_fd(ns.as_fd(), move || me.attach())?
    }
}

/// Deletes the persistent tun/tap device `name` of `mode` in the calling
/// thread's network namespace (see [`TunTap::delete`]); a multi-queue
/// device is attached as one (the kernel refuses a single-queue attach to
/// it with `EINVAL`, and the attach is retried with `IFF_MULTI_QUEUE`).
pub fn delete(name: &str, mode: Mode) -> io::Result<()> {
    let spec = TunTap::new(name, mode);
    match spec.delete() {
        Err(e)
            if TunError::of(&e).is_some_and(|t| {
                t.step() == Step::SetIff && t.raw_os_error() == Some(libc::EINVAL)
            }) =>
        {
            spec.multi_queue(true).delete().map_err(|again| {
                // Neither fits: the first error (the mode) says more.
                if TunError::of(&again).is_some_and(|t| t.raw_os_error() == Some(libc::EINVAL)) {
                    e
                } else {
                    again
                }
            })
        }
        r => r,
    }
}

/// [`delete`] inside `ns`, on a short-lived thread that joined it.
pub fn delete_in(ns: &Netns, name: &str, mode: Mode) -> io::Result<()> {
    let name = name.to_owned();
    run_in_netns_fd(ns.as_fd(), move || delete(&name, mode))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_ips() {
        assert_eq!(TunTap::new("t", Mode::Tun).flags(), IFF_TUN | IFF_NO_PI);
        assert_eq!(
            TunTap::new("t", Mode::Tap)
                .pi(true)
                .vnet_hdr(true)
                .multi_queue(true)
                .one_queue(true)
                .flags(),
            IFF_TAP | IFF_VNET_HDR | IFF_MULTI_QUEUE | IFF_ONE_QUEUE
        );
        // The kernel's values (include/uapi/linux/if_tun.h).
        assert_eq!(libc::IFF_TUN as u32, IFF_TUN);
        assert_eq!(libc::IFF_TAP as u32, IFF_TAP);
        assert_eq!(libc::IFF_NO_PI as u32, IFF_NO_PI);
        assert_eq!(libc::IFF_ONE_QUEUE as u32, IFF_ONE_QUEUE);
        assert_eq!(libc::IFF_VNET_HDR as u32, IFF_VNET_HDR);
        assert_eq!(libc::IFF_MULTI_QUEUE as u32, IFF_MULTI_QUEUE);
        assert_eq!(libc::IFF_PERSIST as u32, IFF_PERSIST);
        assert_eq!(libc::IFF_TUN_EXCL as u32, IFF_TUN_EXCL);
        assert_eq!(libc::IFF_NOFILTER as u32, IFF_NOFILTER);
    }

    #[test]
    fn bad_names_are_refused_before_anything_is_opened() {
        for (name, why) in [
            ("abcdefghijklmnop", InvalidInput::NameTooLong { len: 16 }),
            ("a/b", InvalidInput::NameCharacter('/')),
            ("a:b", InvalidInput::NameCharacter(':')),
            ("..", InvalidInput::ReservedName("..")),
        ] {
            let e = TunTap::new(name, Mode::Tap).create().unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{name}");
            let t = TunError::of(&e).expect("a TunError");
            assert_eq!(t.step(), Step::Name);
            assert_eq!(t.invalid_input(), Some(why));
            assert_eq!(t.name(), name);
            assert!(e.to_string().starts_with("create tap "), "{e}");
        }
        let e = delete("", Mode::Tun).unwrap_err();
        assert_eq!(
            TunError::of(&e).and_then(TunError::invalid_input),
            Some(InvalidInput::EmptyName)
        );
        assert_eq!(
            e.to_string(),
            "delete tun (name chosen by the kernel): interface name is empty"
        );
    }

    #[test]
    fn labels_are_ips() {
        assert_eq!(Step::SetIff.ip_label(), Some("ioctl(TUNSETIFF)"));
        assert_eq!(Step::Open.ip_label(), Some("open"));
        assert_eq!(Step::Lookup.ip_label(), None);
    }
}
