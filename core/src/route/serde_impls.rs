//! `serde::Serialize` for the model parts that are not plain data
//! (feature `serde`): link-layer addresses as `ip` prints them, operational
//! states by name, kept raw attributes as `[type, [bytes…]]` pairs.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::{HwAddr, IfName, OperState, RawAttrs};

impl Serialize for HwAddr {
    /// `"aa:bb:cc:dd:ee:ff"`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for OperState {
    /// `"UP"`, `"DOWN"`, … as `ip` prints it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for IfName {
    /// As a string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for RawAttrs {
    /// `[[type, [bytes…]], …]`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for a in self.iter() {
            seq.serialize_element(&(a.kind(), a.payload()))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use crate::request::{FromMessage, Request};
    use crate::route::{Route, RouteRequest};
    use crate::wire::{Messages, Writer};

    #[test]
    fn routes_serialize_to_json() {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        RouteRequest::add("198.51.100.0".parse().unwrap(), 24)
            .unwrap()
            .gateway("192.0.2.1".parse().unwrap())
            .unwrap()
            .emit(&mut w, 1, 0);
        let n = w.finish().unwrap();
        let r = Route::from_message(&Messages::new(&buf[..n]).next().unwrap().unwrap()).unwrap();
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["dst"], "198.51.100.0");
        assert_eq!(j["gateway"], "192.0.2.1");
        assert_eq!(j["dst_len"], 24);
        assert_eq!(j["table"], 254);
    }
}
