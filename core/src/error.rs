//! The owned error type shared by every runtime.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::InvalidInput;
use crate::errno::Errno;
use crate::wire::{DecodeError, EncodeError, ExtAck, Policy};

/// An error reported by the kernel for a request: the errno and whatever the
/// extended acknowledgement said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KernelError {
    /// What was asked (`delete link "veth0"`).
    pub op: String,
    /// The errno.
    pub errno: Errno,
    /// The extended-ack message (`NLMSGERR_ATTR_MSG`).
    pub message: Option<String>,
    /// Offset of the offending attribute in the request (`NLMSGERR_ATTR_OFFS`).
    pub offset: Option<u32>,
    /// Type of a missing attribute (`NLMSGERR_ATTR_MISS_TYPE`).
    pub missing_type: Option<u32>,
    /// Offset of the nest missing it (`NLMSGERR_ATTR_MISS_NEST`).
    pub missing_nest: Option<u32>,
    /// Subsystem cookie (`NLMSGERR_ATTR_COOKIE`).
    pub cookie: Option<Vec<u8>>,
    /// Policy of the rejected attribute (`NLMSGERR_ATTR_POLICY`).
    pub policy: Option<Policy>,
}

impl KernelError {
    /// Builds an owned error from an errno and a borrowed extended ack.
    pub fn new(errno: i32, ext: &ExtAck<'_>) -> KernelError {
        KernelError {
            op: String::new(),
            errno: Errno(errno),
            message: ext.message.map(String::from),
            offset: ext.offset,
            missing_type: ext.missing_type,
            missing_nest: ext.missing_nest,
            cookie: ext.cookie.map(<[u8]>::to_vec),
            policy: ext.policy,
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.op.is_empty() {
            write!(f, "{}: ", self.op)?;
        }
        write!(f, "{}", self.errno)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " (attribute at offset {o})")?;
        }
        if let Some(t) = self.missing_type {
            write!(f, " (missing attribute type {t})")?;
        }
        Ok(())
    }
}

impl core::error::Error for KernelError {}

/// Everything that can go wrong with a netlink request, in any runtime.
///
/// Each variant names the operation (`op`) so a message alone says what was
/// asked; [`Error::errno`] gives the errno when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The kernel refused the request (boxed: it carries the whole extended
    /// acknowledgement).
    #[error("{0}")]
    Kernel(Box<KernelError>),
    /// `NLM_F_DUMP_INTR`: the table changed during the dump; the items
    /// already returned may be inconsistent and the dump should be retried.
    #[error("{op}: the dump was interrupted by a concurrent change; retry it")]
    DumpInterrupted {
        /// What was asked.
        op: String,
    },
    /// No reply arrived in time.
    #[error("{op}: no reply from the kernel within {timeout:?}")]
    Timeout {
        /// What was asked.
        op: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The socket receive buffer overran (`ENOBUFS`): replies were lost.
    #[error("{op}: the socket receive buffer overran (ENOBUFS) and replies were lost")]
    Overrun {
        /// What was asked.
        op: String,
    },
    /// A reply was larger than the receive buffer; the buffer has been grown
    /// and the request can be retried.
    #[error("{op}: a {size}-byte reply did not fit the {buffer}-byte receive buffer")]
    Truncated {
        /// What was asked.
        op: String,
        /// The datagram's real size.
        size: usize,
        /// The buffer it was read into.
        buffer: usize,
    },
    /// A reply could not be decoded.
    #[error("{op}: malformed reply: {source}")]
    Decode {
        /// What was asked.
        op: String,
        /// What was wrong with it.
        source: DecodeError,
    },
    /// The request could not be encoded.
    #[error("{op}: {source}")]
    Encode {
        /// What was asked.
        op: String,
        /// Why.
        source: EncodeError,
    },
    /// The input was rejected before anything was sent.
    #[error("{op}: {source}")]
    InvalidInput {
        /// What was asked.
        op: String,
        /// Why.
        source: InvalidInput,
    },
    /// A system call failed.
    #[error("{op}: {errno}")]
    Io {
        /// What was being done (`open netlink socket`).
        op: String,
        /// The errno.
        errno: Errno,
    },
    /// The kernel has no generic netlink family of this name (its module
    /// is not loaded, or the kernel was built without it).
    #[error("generic netlink family {name:?} not found — is the {name} module loaded?")]
    FamilyNotFound {
        /// The family asked for (`"wireguard"`).
        name: String,
    },
    /// A request that should have returned an object returned none.
    #[error("{op}: the kernel acknowledged but sent no reply object")]
    NoReply {
        /// What was asked.
        op: String,
    },
    /// An operation named a link the kernel does not have (`ENODEV` when
    /// it was looked up).
    #[error("{op}: no such link")]
    NoSuchLink {
        /// What was asked, naming the link as the caller did
        /// (`add address 192.0.2.1/24 to "nosuch0"`).
        op: String,
    },
}

impl Error {
    /// The errno, for kernel and system-call errors (and `ENOBUFS` for an
    /// overrun, `ETIMEDOUT` for a timeout).
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Kernel(k) => Some(k.errno),
            Error::Io { errno, .. } => Some(*errno),
            Error::Overrun { .. } => Some(Errno::ENOBUFS),
            Error::Timeout { .. } => Some(Errno::ETIMEDOUT),
            Error::FamilyNotFound { .. } => Some(Errno::ENOENT),
            Error::NoSuchLink { .. } => Some(Errno::ENODEV),
            _ => None,
        }
    }

    /// The kernel's extended-ack message, if it sent one.
    pub fn ext_ack_message(&self) -> Option<&str> {
        match self {
            Error::Kernel(k) => k.message.as_deref(),
            _ => None,
        }
    }

    /// Fills in the operation description where it is still empty.
    pub fn with_op(mut self, op: impl fmt::Display) -> Error {
        let Some(slot) = self.op_mut() else {
            return self;
        };
        if slot.is_empty() {
            use fmt::Write;
            let _ = write!(slot, "{op}");
        }
        self
    }

    /// Replaces the operation description (an op that knows better what
    /// the caller asked than the request it sent: `add address
    /// 192.0.2.1/24 to "veth0"` rather than `… on link index 3`).
    pub fn replace_op(mut self, op: impl fmt::Display) -> Error {
        if let Some(slot) = self.op_mut() {
            use fmt::Write;
            slot.clear();
            let _ = write!(slot, "{op}");
        }
        self
    }

    fn op_mut(&mut self) -> Option<&mut String> {
        Some(match self {
            Error::Kernel(k) => &mut k.op,
            Error::DumpInterrupted { op }
            | Error::Timeout { op, .. }
            | Error::Overrun { op }
            | Error::Truncated { op, .. }
            | Error::Decode { op, .. }
            | Error::Encode { op, .. }
            | Error::InvalidInput { op, .. }
            | Error::Io { op, .. }
            | Error::NoReply { op }
            | Error::NoSuchLink { op } => op,
            Error::FamilyNotFound { .. } => return None,
        })
    }
}

/// Bad input met where no operation was named yet: `?` on a builder works
/// in a function returning `nlwire::Error`. Name it with
/// [`Error::with_op`].
impl From<InvalidInput> for Error {
    fn from(source: InvalidInput) -> Self {
        Error::InvalidInput {
            op: String::new(),
            source,
        }
    }
}

impl From<KernelError> for Error {
    fn from(k: KernelError) -> Self {
        Error::Kernel(Box::new(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn kernel_error_message_names_everything() {
        let ext = ExtAck {
            message: Some("Unknown device type"),
            offset: Some(40),
            ..Default::default()
        };
        let e = Error::from(KernelError::new(95, &ext)).with_op("create link \"x\"");
        assert_eq!(
            e.to_string(),
            "create link \"x\": EOPNOTSUPP (Operation not supported): Unknown device type (attribute at offset 40)"
        );
        assert_eq!(e.errno(), Some(Errno::EOPNOTSUPP));
        assert_eq!(e.ext_ack_message(), Some("Unknown device type"));
    }
}
