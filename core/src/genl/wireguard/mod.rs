//! WireGuard over generic netlink (`/usr/include/linux/wireguard.h`).
//!
//! * [`GetDevice`] asks for one interface; the reply is a dump whose
//!   messages ([`DeviceMessage`], zero-copy) may split the peers and a
//!   peer's allowed IPs; [`DeviceAssembler`] (`alloc`) rebuilds one
//!   [`Device`].
//! * [`DeviceConfig`] (`alloc`) describes a change; [`SetDevice`] splits it
//!   into as many `WG_CMD_SET_DEVICE` messages as the kernel needs.
//! * [`get_device`] and [`set_device`] are the operations every runtime
//!   runs (through [`crate::genl::WithFamily`], which resolves the
//!   `"wireguard"` family id).
//! * Private and preshared keys are [`SecretKey`]s: `Debug` prints them as
//!   redacted.
//!
//! The family has no multicast group: a monitor polls `GET_DEVICE` and
//! diffs, which the `machine::wg_watch` module does.

#[cfg(feature = "alloc")]
mod config;
mod device;
mod key;
#[cfg(feature = "alloc")]
mod ops;

#[cfg(feature = "alloc")]
pub use config::{ConfigAssembler, DeviceConfig, PeerConfig, SetDevice, SetDeviceMessage};
pub use device::{
    AllowedIp, AllowedIps, DeviceMessage, GetDevice, PeerMessage, Peers, parse_endpoint,
};
#[cfg(feature = "alloc")]
pub use device::{Device, DeviceAssembler, Peer};
pub use key::{Base64, Key, KeyError, SecretKey, WG_KEY_BASE64_LEN, WG_KEY_LEN};
#[cfg(feature = "alloc")]
pub use ops::{DUMP_RETRIES, GetDeviceOp, SetDeviceOp, get_device, set_device};

/// The family name (`WG_GENL_NAME`).
pub const WG_GENL_NAME: &str = "wireguard";
/// The family's interface version (`WG_GENL_VERSION`).
pub const WG_GENL_VERSION: u8 = 1;

/// `WG_CMD_GET_DEVICE`.
pub const WG_CMD_GET_DEVICE: u8 = 0;
/// `WG_CMD_SET_DEVICE`.
pub const WG_CMD_SET_DEVICE: u8 = 1;

/// `WGDEVICE_F_REPLACE_PEERS`.
pub const WGDEVICE_F_REPLACE_PEERS: u32 = 1 << 0;

/// `WGDEVICE_A_IFINDEX` (u32).
pub const WGDEVICE_A_IFINDEX: u16 = 1;
/// `WGDEVICE_A_IFNAME` (string).
pub const WGDEVICE_A_IFNAME: u16 = 2;
/// `WGDEVICE_A_PRIVATE_KEY` (32 bytes).
pub const WGDEVICE_A_PRIVATE_KEY: u16 = 3;
/// `WGDEVICE_A_PUBLIC_KEY` (32 bytes).
pub const WGDEVICE_A_PUBLIC_KEY: u16 = 4;
/// `WGDEVICE_A_FLAGS` (u32).
pub const WGDEVICE_A_FLAGS: u16 = 5;
/// `WGDEVICE_A_LISTEN_PORT` (u16).
pub const WGDEVICE_A_LISTEN_PORT: u16 = 6;
/// `WGDEVICE_A_FWMARK` (u32).
pub const WGDEVICE_A_FWMARK: u16 = 7;
/// `WGDEVICE_A_PEERS` (nest of peer nests).
pub const WGDEVICE_A_PEERS: u16 = 8;

/// `WGPEER_F_REMOVE_ME`.
pub const WGPEER_F_REMOVE_ME: u32 = 1 << 0;
/// `WGPEER_F_REPLACE_ALLOWEDIPS`.
pub const WGPEER_F_REPLACE_ALLOWEDIPS: u32 = 1 << 1;
/// `WGPEER_F_UPDATE_ONLY`.
pub const WGPEER_F_UPDATE_ONLY: u32 = 1 << 2;

/// `WGPEER_A_PUBLIC_KEY` (32 bytes).
pub const WGPEER_A_PUBLIC_KEY: u16 = 1;
/// `WGPEER_A_PRESHARED_KEY` (32 bytes).
pub const WGPEER_A_PRESHARED_KEY: u16 = 2;
/// `WGPEER_A_FLAGS` (u32).
pub const WGPEER_A_FLAGS: u16 = 3;
/// `WGPEER_A_ENDPOINT` (`struct sockaddr_in` or `sockaddr_in6`).
pub const WGPEER_A_ENDPOINT: u16 = 4;
/// `WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL` (u16 seconds).
pub const WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL: u16 = 5;
/// `WGPEER_A_LAST_HANDSHAKE_TIME` (`struct __kernel_timespec`).
pub const WGPEER_A_LAST_HANDSHAKE_TIME: u16 = 6;
/// `WGPEER_A_RX_BYTES` (u64).
pub const WGPEER_A_RX_BYTES: u16 = 7;
/// `WGPEER_A_TX_BYTES` (u64).
pub const WGPEER_A_TX_BYTES: u16 = 8;
/// `WGPEER_A_ALLOWEDIPS` (nest of allowed-IP nests).
pub const WGPEER_A_ALLOWEDIPS: u16 = 9;
/// `WGPEER_A_PROTOCOL_VERSION` (u32).
pub const WGPEER_A_PROTOCOL_VERSION: u16 = 10;

/// `WGALLOWEDIP_A_FAMILY` (u16 `AF_INET`/`AF_INET6`).
pub const WGALLOWEDIP_A_FAMILY: u16 = 1;
/// `WGALLOWEDIP_A_IPADDR` (4 or 16 bytes).
pub const WGALLOWEDIP_A_IPADDR: u16 = 2;
/// `WGALLOWEDIP_A_CIDR_MASK` (u8).
pub const WGALLOWEDIP_A_CIDR_MASK: u16 = 3;

#[cfg(all(test, feature = "alloc"))]
mod tests;
