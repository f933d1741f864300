//! The WireGuard operations every runtime runs: read a device, configure
//! one. Both are [`FamilyOp`]s: run them through
//! [`WithFamily`](crate::genl::WithFamily) (the runtimes'
//! `execute_genl` does, with the connection's family cache).

use alloc::string::ToString;

use super::{Device, DeviceAssembler, DeviceConfig, GetDevice, SetDevice, SetDeviceMessage};
use crate::error::Error;
use crate::fold::Reply;
use crate::fold::{self, Fold};
use crate::genl::FamilyOp;
use crate::op::{Op, OpStep};
use crate::request::Describe;
use crate::{InvalidInput, LinkRef};

pub use crate::op::DUMP_RETRIES;

fn invalid(op: impl core::fmt::Display, source: InvalidInput) -> Error {
    Error::InvalidInput {
        op: op.to_string(),
        source,
    }
}

/// Reads one WireGuard device; see [`get_device`].
#[derive(Debug)]
pub struct GetDeviceOp<'n> {
    link: LinkRef<'n>,
    req: Option<GetDevice<'n>>,
    asm: DeviceAssembler,
    error: Option<Error>,
    result: Option<Result<Device, Error>>,
    retries: u8,
}

/// Reads the WireGuard device `link` (by name or index): every message of
/// the dump is reassembled into one [`Device`]. A dump interrupted by a
/// concurrent change is retried up to [`DUMP_RETRIES`] times.
pub fn get_device<'n>(link: impl Into<LinkRef<'n>>) -> Result<GetDeviceOp<'n>, Error> {
    let link = link.into();
    let link = link
        .check()
        .map_err(|e| invalid(format_args!("get WireGuard device of {link}"), e))?;
    Ok(GetDeviceOp {
        link,
        req: None,
        asm: DeviceAssembler::new(),
        error: None,
        result: None,
        retries: 0,
    })
}

impl FamilyOp for GetDeviceOp<'_> {
    fn family_name(&self) -> &str {
        super::WG_GENL_NAME
    }
    fn start(&mut self, id: u16) {
        // `link` was checked by `get_device`.
        self.req = GetDevice::new(id, self.link).ok();
        self.asm = DeviceAssembler::new();
        self.error = None;
        self.result = None;
    }
}

impl Op for GetDeviceOp<'_> {
    type Output = Device;

    fn step(&mut self) -> OpStep<'_, Device> {
        if let Some(r) = self.result.take() {
            return OpStep::Done(r);
        }
        match &self.req {
            Some(r) => OpStep::Send(r),
            None => OpStep::Done(Err(invalid(
                format_args!("get WireGuard device of {}", self.link),
                InvalidInput::FamilyUnresolved,
            ))),
        }
    }

    fn reply(&mut self, reply: Reply<'_>) -> bool {
        let Some(req) = &self.req else {
            return true;
        };
        if let Reply::Item(m) = &reply {
            if self.error.is_none()
                && let Err(source) = self.asm.push_message(m)
            {
                self.error = Some(Error::Decode {
                    op: Describe(req).to_string(),
                    source,
                });
            }
            return false;
        }
        match fold::ack(req, reply) {
            Fold::Finish(Ok(())) => {
                let asm = core::mem::take(&mut self.asm);
                self.result = Some(match self.error.take() {
                    Some(e) => Err(e),
                    None => asm.finish().ok_or_else(|| Error::NoReply {
                        op: Describe(req).to_string(),
                    }),
                });
                true
            }
            Fold::Finish(Err(Error::DumpInterrupted { .. })) if self.retries < DUMP_RETRIES => {
                // The peer list changed under the dump: read it again.
                self.retries += 1;
                self.asm = DeviceAssembler::new();
                self.error = None;
                true
            }
            Fold::Finish(Err(e)) => {
                self.result = Some(Err(e));
                true
            }
            _ => false,
        }
    }
}

/// Configures one WireGuard device; see [`set_device`].
#[derive(Debug)]
pub struct SetDeviceOp<'c> {
    link: LinkRef<'c>,
    config: &'c DeviceConfig,
    max_len: usize,
    split: Option<SetDevice<'c>>,
    current: Option<SetDeviceMessage<'c>>,
    result: Option<Result<(), Error>>,
    sent: usize,
}

/// Applies `config` to the WireGuard device `link`, in as many messages as
/// it needs (see [`SetDevice`]); each is acknowledged before the next is
/// sent, and the first refusal ends the operation.
pub fn set_device<'c>(
    link: impl Into<LinkRef<'c>>,
    config: &'c DeviceConfig,
) -> Result<SetDeviceOp<'c>, Error> {
    let link = link.into();
    let what = || alloc::format!("configure WireGuard device of {link}");
    let link = link.check().map_err(|e| invalid(what(), e))?;
    config.check().map_err(|e| invalid(what(), e))?;
    Ok(SetDeviceOp {
        link,
        config,
        max_len: SetDevice::DEFAULT_MAX_LEN,
        split: None,
        current: None,
        result: None,
        sent: 0,
    })
}

impl SetDeviceOp<'_> {
    /// Sets the upper bound of one message's length (see
    /// [`SetDevice::max_len`]).
    pub fn max_len(mut self, len: usize) -> Self {
        self.max_len = len;
        self
    }

    /// Messages acknowledged so far.
    pub fn messages_sent(&self) -> usize {
        self.sent
    }
}

impl FamilyOp for SetDeviceOp<'_> {
    fn family_name(&self) -> &str {
        super::WG_GENL_NAME
    }
    fn start(&mut self, id: u16) {
        // Link and config were checked by `set_device`.
        self.split = SetDevice::new(id, self.link, self.config)
            .ok()
            .map(|s| s.max_len(self.max_len));
        self.current = self.split.as_mut().and_then(Iterator::next);
        self.result = None;
        self.sent = 0;
    }
}

impl Op for SetDeviceOp<'_> {
    type Output = ();

    fn step(&mut self) -> OpStep<'_, ()> {
        if let Some(r) = self.result.take() {
            return OpStep::Done(r);
        }
        match (&self.current, &self.split) {
            (Some(m), _) => OpStep::Send(m),
            (None, Some(_)) => OpStep::Done(Ok(())),
            (None, None) => OpStep::Done(Err(invalid(
                format_args!("configure WireGuard device of {}", self.link),
                InvalidInput::FamilyUnresolved,
            ))),
        }
    }

    fn reply(&mut self, reply: Reply<'_>) -> bool {
        let Some(m) = &self.current else {
            return true;
        };
        match fold::ack(m, reply) {
            Fold::Finish(Ok(())) => {
                self.sent += 1;
                self.current = self.split.as_mut().and_then(Iterator::next);
                true
            }
            Fold::Finish(Err(e)) => {
                self.current = None;
                self.result = Some(Err(e));
                true
            }
            _ => false,
        }
    }
}
