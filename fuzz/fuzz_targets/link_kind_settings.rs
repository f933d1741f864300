//! The settings of link kinds (tunnels, GENEVE, VXLAN, bonds, VRFs): the
//! bytes as each kind's IFLA_INFO_DATA and as link messages.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nlwire::fuzzing::link_kind_settings(data));
