//! Flushes as ip does them: dump, keep what the selectors select, and send
//! each kept message back as a delete (ip copies the message the kernel
//! sent), many per datagram, in rounds until nothing is left.

use std::io::Write;

use nlwire::request::{FromMessage, Request};
use nlwire::{Batch, BatchOptions, Errno};
use nlwire_mio::Connection;

use crate::Fail;

/// A dumped message sent back as a delete.
struct Delete {
    kind: u16,
    payload: Vec<u8>,
}

impl Request for Delete {
    fn message_type(&self) -> u16 {
        self.kind
    }
    fn emit_payload(&self, w: &mut nlwire::wire::Writer<'_>) {
        w.put(&self.payload)
    }
    fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "flush (message type {})", self.kind)
    }
}

/// One round: dumps with `req`, decodes each message as `T`, and deletes
/// (message type `del`) those `keep` accepts. A delete answered with one of
/// `gone` counts as done: the object went meanwhile (a primary address
/// takes its secondaries with it). Returns how many were selected.
pub fn round<T: FromMessage, R: Request>(
    conn: &mut Connection,
    req: R,
    del: u16,
    mut keep: impl FnMut(&T) -> bool,
    gone: &[Errno],
) -> Result<usize, Fail> {
    let mut doomed = Vec::new();
    let mut bad = None;
    let listed = conn.dump_messages(req, |m| match T::from_message(&m) {
        Ok(t) if keep(&t) => doomed.push(Delete {
            kind: del,
            payload: m.payload().to_vec(),
        }),
        Ok(_) => {}
        Err(e) => bad = bad.take().or(Some(e)),
    });
    match listed {
        // As ip: warn, delete what was listed; the next round finds what
        // the listing missed.
        Err(nlwire::Error::DumpInterrupted { .. }) => crate::warn_interrupted(),
        r => r?,
    }
    if let Some(e) = bad {
        return Err(Fail(format!("Error: a malformed message: {e}"), 2));
    }
    if doomed.is_empty() {
        return Ok(0);
    }
    let mut batch = Batch::new().options(BatchOptions::default().stop_on_error(false));
    for d in &doomed {
        batch.push(d)?;
    }
    let outcome = conn.batch(&batch)?;
    for (_, e) in outcome.failures() {
        if !e.errno().is_some_and(|n| gone.contains(&n)) {
            let Fail(msg, _) = Fail::from(e.clone());
            return Err(Fail(format!("Failed to send flush request: {msg}"), 2));
        }
    }
    Ok(doomed.len())
}

/// ip's flush loop: rounds until one finds nothing (at most `max`), with
/// `-s`'s report of each (`noun`: what ip calls the objects).
pub fn rounds(
    out: &mut impl Write,
    stats: u8,
    max: usize,
    noun: &str,
    mut one: impl FnMut(usize) -> Result<usize, Fail>,
) -> Result<(), Fail> {
    for round in 0..max {
        let n = one(round)?;
        if n == 0 {
            if stats > 0 {
                if round == 0 {
                    writeln!(out, "Nothing to flush.")?;
                } else {
                    writeln!(
                        out,
                        "*** Flush is complete after {round} round{} ***",
                        if round > 1 { "s" } else { "" }
                    )?;
                }
            }
            return Ok(());
        }
        if stats > 0 {
            writeln!(out, "\n*** Round {}, deleting {n} {noun} ***", round + 1)?;
        }
    }
    Err(Fail(
        format!("*** Flush remains incomplete after {max} rounds. ***"),
        1,
    ))
}
