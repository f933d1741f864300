//! Bridge VLAN requests (add/delete, ranges, flags) and the dump:
//! parse(emit(x)) == x, out-of-range VLANs refused.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::bridge_vlan_request(data));
