//! Running an operation on a generic netlink family known by name.

use alloc::collections::BTreeMap;
use alloc::string::String;

use super::ctrl::{self, Family, ResolveFamily};
use crate::Errno;
use crate::error::Error;
use crate::fold::Reply;
use crate::op::{Op, OpStep};

/// An operation on a generic netlink family that needs the family's id
/// before its first request (every request's `nlmsg_type` is the id).
/// [`WithFamily`] supplies it.
pub trait FamilyOp: Op {
    /// The family's name (`"wireguard"`).
    fn family_name(&self) -> &str;
    /// (Re)starts the operation for family id `id`: the next
    /// [`Op::step`] returns its first request. Called once, or again if
    /// the id turned out to be stale.
    fn start(&mut self, id: u16);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Resolve,
    Body,
}

/// Runs a [`FamilyOp`], resolving its family's id first when no id is
/// known.
///
/// With a cached id the body starts at once. If its first request fails
/// with `ENOENT` — the kernel's answer for a family id it does not know,
/// e.g. after the module was reloaded and got a new id — the family is
/// resolved again and the body restarted, once. A family the kernel does
/// not have at all ends in [`Error::FamilyNotFound`].
///
/// After the run, [`FamilyCache::settle`] updates a connection's cache
/// from what this op learned.
#[derive(Debug)]
pub struct WithFamily<B> {
    body: B,
    resolver: ResolveFamily,
    phase: Phase,
    /// The id the body runs with.
    id: Option<u16>,
    /// The family resolved during this run (for the cache).
    resolved: Option<Family>,
    /// The id was found stale or the family absent.
    lost: bool,
    /// The body's id came from a lookup made in this run.
    fresh: bool,
    retried: bool,
    ended_in_body: u32,
}

impl<B: FamilyOp> WithFamily<B> {
    /// Wraps `body`; `cached` is the family id a cache already knows.
    pub fn new(mut body: B, cached: Option<u16>) -> Result<WithFamily<B>, Error> {
        let resolver = ctrl::resolve(body.family_name())?;
        let phase = match cached {
            Some(id) => {
                body.start(id);
                Phase::Body
            }
            None => Phase::Resolve,
        };
        Ok(WithFamily {
            body,
            resolver,
            phase,
            id: cached,
            resolved: None,
            lost: false,
            fresh: false,
            retried: false,
            ended_in_body: 0,
        })
    }

    /// The family id the body ran with, if one was found.
    pub fn family_id(&self) -> Option<u16> {
        self.id
    }

    /// The wrapped operation.
    pub fn into_inner(self) -> B {
        self.body
    }
}

impl<B: FamilyOp> Op for WithFamily<B> {
    type Output = B::Output;

    fn step(&mut self) -> OpStep<'_, B::Output> {
        if self.phase == Phase::Resolve {
            match self.resolver.take_result() {
                None => return OpStep::Send(self.resolver.request()),
                Some(Err(e)) => {
                    self.id = None;
                    self.lost = true;
                    return OpStep::Done(Err(e));
                }
                Some(Ok(f)) => {
                    self.id = Some(f.id);
                    self.body.start(f.id);
                    self.resolved = Some(f);
                    self.fresh = true;
                    self.ended_in_body = 0;
                    self.phase = Phase::Body;
                }
            }
        }
        self.body.step()
    }

    fn reply(&mut self, reply: Reply<'_>) -> bool {
        if self.phase == Phase::Resolve {
            return self.resolver.reply(reply);
        }
        if let Reply::Failed(e) = &reply
            && e.errno() == Some(Errno::ENOENT)
            && !self.fresh
            && !self.retried
            && self.ended_in_body == 0
        {
            // The cached id is stale: look the family up again.
            self.retried = true;
            self.lost = true;
            self.id = None;
            self.phase = Phase::Resolve;
            return true;
        }
        let ended = self.body.reply(reply);
        if ended {
            self.ended_in_body += 1;
        }
        ended
    }
}

/// The generic netlink families a connection has resolved, by name.
#[derive(Debug, Default, Clone)]
pub struct FamilyCache {
    families: BTreeMap<String, Family>,
}

impl FamilyCache {
    /// An empty cache.
    pub fn new() -> FamilyCache {
        FamilyCache::default()
    }

    /// The cached family `name`.
    pub fn get(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// The cached id of family `name`.
    pub fn id(&self, name: &str) -> Option<u16> {
        self.get(name).map(|f| f.id)
    }

    /// Remembers `family`.
    pub fn insert(&mut self, family: Family) {
        self.families.insert(family.name.clone(), family);
    }

    /// Forgets family `name`.
    pub fn remove(&mut self, name: &str) {
        self.families.remove(name);
    }

    /// Updates the cache from a finished [`WithFamily`] run: a family it
    /// resolved is remembered; one it found stale or absent is forgotten.
    pub fn settle<B: FamilyOp>(&mut self, op: &mut WithFamily<B>) {
        match op.resolved.take() {
            Some(f) => self.insert(f),
            None if op.lost => self.remove(op.body.family_name()),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelError;
    use crate::request::RawRequest;
    use crate::wire::Messages;
    use alloc::vec::Vec;

    /// A body sending two requests of the family, recording the ids it
    /// was started with.
    #[derive(Debug, Default)]
    struct Body {
        starts: Vec<u16>,
        req: Option<RawRequest<'static>>,
        sent: u32,
        result: Option<Result<u32, Error>>,
    }

    impl FamilyOp for Body {
        fn family_name(&self) -> &str {
            "wireguard"
        }
        fn start(&mut self, id: u16) {
            self.starts.push(id);
            self.sent = 0;
            self.result = None;
            self.req = Some(RawRequest {
                message_type: id,
                flags: 0,
                dump: false,
                payload: &[0, 1, 0, 0],
            });
        }
    }

    impl Op for Body {
        type Output = u32;
        fn step(&mut self) -> OpStep<'_, u32> {
            if let Some(r) = self.result.take() {
                return OpStep::Done(r);
            }
            if self.sent == 2 {
                return OpStep::Done(Ok(self.sent));
            }
            OpStep::Send(self.req.as_ref().unwrap())
        }
        fn reply(&mut self, reply: Reply<'_>) -> bool {
            match reply {
                Reply::Ack => self.sent += 1,
                Reply::Failed(e) => self.result = Some(Err(e)),
                _ => return false,
            }
            true
        }
    }

    fn enoent() -> Error {
        Error::from(KernelError::new(2, &Default::default()))
    }

    fn family_item(buf: &mut [u8], id: u16) -> crate::wire::Message<'_> {
        let n = super::super::ctrl::tests_support::family_reply(buf, id, "wireguard", &[]);
        Messages::new(&buf[..n]).next().unwrap().unwrap()
    }

    /// A cache that already resolved "wireguard" to `id`.
    fn cache_knowing(id: u16) -> FamilyCache {
        let mut buf = [0u8; 512];
        let mut cache = FamilyCache::new();
        cache.insert(
            <Family as crate::request::FromMessage>::from_message(&family_item(&mut buf, id))
                .unwrap(),
        );
        cache
    }

    fn send_kind(op: &mut WithFamily<Body>) -> u16 {
        match op.step() {
            OpStep::Send(r) => r.message_type(),
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn resolves_then_runs_and_caches() {
        let mut cache = FamilyCache::new();
        let mut op = WithFamily::new(Body::default(), cache.id("wireguard")).unwrap();
        assert_eq!(send_kind(&mut op), super::super::GENL_ID_CTRL);
        let mut buf = [0u8; 512];
        assert!(!op.reply(Reply::Item(family_item(&mut buf, 0x21))));
        assert!(op.reply(Reply::Ack));
        assert_eq!(send_kind(&mut op), 0x21);
        assert!(op.reply(Reply::Ack));
        assert_eq!(send_kind(&mut op), 0x21);
        assert!(op.reply(Reply::Ack));
        assert!(matches!(op.step(), OpStep::Done(Ok(2))));
        cache.settle(&mut op);
        assert_eq!(cache.id("wireguard"), Some(0x21));

        // Next run: no lookup.
        let mut op = WithFamily::new(Body::default(), cache.id("wireguard")).unwrap();
        assert_eq!(send_kind(&mut op), 0x21);
    }

    #[test]
    fn stale_id_is_resolved_again_once() {
        let mut cache = cache_knowing(0x21);
        let mut op = WithFamily::new(Body::default(), cache.id("wireguard")).unwrap();
        assert_eq!(send_kind(&mut op), 0x21);
        assert!(op.reply(Reply::Failed(enoent())));
        // Re-resolution.
        assert_eq!(send_kind(&mut op), super::super::GENL_ID_CTRL);
        let mut buf2 = [0u8; 512];
        assert!(!op.reply(Reply::Item(family_item(&mut buf2, 0x30))));
        assert!(op.reply(Reply::Ack));
        assert_eq!(send_kind(&mut op), 0x30);
        // A second ENOENT on a freshly resolved id is the body's error.
        assert!(op.reply(Reply::Failed(enoent())));
        assert!(matches!(op.step(), OpStep::Done(Err(e)) if e.errno() == Some(Errno::ENOENT)));
        assert_eq!(op.body.starts, [0x21, 0x30]);
        cache.settle(&mut op);
        assert_eq!(cache.id("wireguard"), Some(0x30));
    }

    #[test]
    fn absent_family_is_a_clear_error_and_forgotten() {
        let mut cache = cache_knowing(0x21);
        let mut op = WithFamily::new(Body::default(), cache.id("wireguard")).unwrap();
        send_kind(&mut op);
        assert!(op.reply(Reply::Failed(enoent())));
        send_kind(&mut op);
        assert!(op.reply(Reply::Failed(enoent())));
        match op.step() {
            OpStep::Done(Err(Error::FamilyNotFound { name })) => assert_eq!(name, "wireguard"),
            s => panic!("{s:?}"),
        }
        cache.settle(&mut op);
        assert_eq!(cache.id("wireguard"), None);
    }

    #[test]
    fn enoent_after_the_first_request_is_not_retried() {
        let mut op = WithFamily::new(Body::default(), Some(0x21)).unwrap();
        send_kind(&mut op);
        assert!(op.reply(Reply::Ack));
        send_kind(&mut op);
        assert!(op.reply(Reply::Failed(enoent())));
        assert!(matches!(op.step(), OpStep::Done(Err(_))));
        assert_eq!(op.body.starts, [0x21]);
    }
}
