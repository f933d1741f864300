//! Bridge VLAN views (`PF_BRIDGE` links), their entries, the dump's filter
//! and the owned BridgeVlans.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::bridge_vlan(data));
