//! Links created and changed with kind settings (tunnels, GENEVE, VXLAN,
//! bonds, VRFs, macvtaps): accepted exactly when valid, and
//! kind_settings(parse(emit(x))) == x.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::link_kind_request(data));
