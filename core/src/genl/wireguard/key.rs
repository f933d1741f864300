//! WireGuard keys: 32 bytes, written as 44 characters of base64.

use core::fmt;
use core::str::FromStr;

/// Length of a WireGuard key (`WG_KEY_LEN`).
pub const WG_KEY_LEN: usize = 32;
/// Length of a key in base64 (with one `=` of padding).
pub const WG_KEY_BASE64_LEN: usize = 44;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A key that cannot be decoded from base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 44 characters.
    #[error("a WireGuard key is 44 base64 characters, not {0}")]
    Length(usize),
    /// A character outside the base64 alphabet, or misplaced padding.
    #[error("a WireGuard key is base64; found {0:?} at position {1}")]
    Character(char, usize),
    /// The last character has bits that a 32-byte key cannot have.
    #[error("not a canonical base64 encoding of a 32-byte key")]
    NotCanonical,
}

fn encode(bytes: &[u8; WG_KEY_LEN]) -> [u8; WG_KEY_BASE64_LEN] {
    let mut out = [b'='; WG_KEY_BASE64_LEN];
    let mut o = 0;
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let n = chunk.len() + 1; // characters carrying data
        for i in 0..n {
            out[o + i] = ALPHABET[((v >> (18 - 6 * i)) & 63) as usize];
        }
        o += 4;
    }
    out
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

fn decode(s: &str) -> Result<[u8; WG_KEY_LEN], KeyError> {
    let b = s.as_bytes();
    if b.len() != WG_KEY_BASE64_LEN {
        return Err(KeyError::Length(s.chars().count()));
    }
    let bad = |i: usize| KeyError::Character(s[i..].chars().next().unwrap_or('?'), i);
    if b[43] != b'=' {
        return Err(bad(43));
    }
    let mut out = [0u8; WG_KEY_LEN];
    let mut o = 0;
    for (ci, chunk) in b[..43].chunks(4).enumerate() {
        let mut v = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            v |= value(c).ok_or_else(|| bad(ci * 4 + i))? << (18 - 6 * i);
        }
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        let n = chunk.len() - 1;
        out[o..o + n].copy_from_slice(&bytes[..n]);
        if n < 3 && bytes[n] != 0 {
            return Err(KeyError::NotCanonical);
        }
        o += n;
    }
    Ok(out)
}

/// The base64 text of a key, on the stack; see [`Key::to_base64`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Base64([u8; WG_KEY_BASE64_LEN]);

impl Base64 {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only alphabet characters and '=' are ever written.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A public WireGuard key. `Display` and `Debug` show its base64 form;
/// keys order by their bytes (the order of the watcher's events).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Key(pub [u8; WG_KEY_LEN]);

impl Key {
    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; WG_KEY_LEN] {
        &self.0
    }

    /// Decodes a key from 44 base64 characters, as `wg` prints them.
    pub fn from_base64(s: &str) -> Result<Key, KeyError> {
        decode(s).map(Key)
    }

    /// The key in base64.
    pub fn to_base64(&self) -> Base64 {
        Base64(encode(&self.0))
    }

    /// Whether every byte is zero (the kernel's "no key").
    pub fn is_zero(&self) -> bool {
        self.0 == [0; WG_KEY_LEN]
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_base64(), f)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.to_base64())
    }
}

impl FromStr for Key {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Key, KeyError> {
        Key::from_base64(s)
    }
}

/// A private or preshared key. It has no `Display`, and `Debug` prints
/// `SecretKey(<redacted>)`, so it never reaches a log by accident; read it
/// with [`SecretKey::expose`] or [`SecretKey::to_base64`]. Comparison
/// takes the same time wherever the keys differ, and the bytes are
/// overwritten when the key is dropped.
#[derive(Clone, Default)]
pub struct SecretKey([u8; WG_KEY_LEN]);

impl SecretKey {
    /// Wraps key bytes.
    pub fn new(bytes: [u8; WG_KEY_LEN]) -> SecretKey {
        SecretKey(bytes)
    }

    /// Decodes a key from base64 (`wg genkey` output).
    pub fn from_base64(s: &str) -> Result<SecretKey, KeyError> {
        decode(s).map(SecretKey)
    }

    /// The key's bytes.
    pub fn expose(&self) -> &[u8; WG_KEY_LEN] {
        &self.0
    }

    /// The key in base64.
    pub fn to_base64(&self) -> Base64 {
        Base64(encode(&self.0))
    }

    /// Whether every byte is zero (the kernel's "no key": a zero preshared
    /// key removes it).
    pub fn is_zero(&self) -> bool {
        self.0.iter().fold(0u8, |acc, b| acc | b) == 0
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &SecretKey) -> bool {
        let diff = self
            .0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        core::hint::black_box(diff) == 0
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl FromStr for SecretKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<SecretKey, KeyError> {
        SecretKey::from_base64(s)
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0 = [0; WG_KEY_LEN];
        core::hint::black_box(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn base64_round_trips_known_vectors() {
        // `wg` prints the all-zero key like this.
        assert_eq!(
            Key([0; 32]).to_string(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        );
        let mut b = [0u8; 32];
        for (i, x) in b.iter_mut().enumerate() {
            *x = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let k = Key(b);
        let s = k.to_string();
        assert_eq!(s.len(), 44);
        assert_eq!(Key::from_base64(&s), Ok(k));
        assert_eq!(
            Key([0xff; 32]).to_string(),
            "//////////////////////////////////////////8="
        );
        for i in 0..=255u8 {
            let k = Key([i; 32]);
            assert_eq!(k.to_string().parse::<Key>(), Ok(k));
        }
    }

    #[test]
    fn bad_base64_is_rejected_with_the_reason() {
        assert_eq!(Key::from_base64("abc"), Err(KeyError::Length(3)));
        let good = Key([7; 32]).to_string();
        let mut s = good.clone();
        s.replace_range(5..6, "*");
        assert_eq!(Key::from_base64(&s), Err(KeyError::Character('*', 5)));
        let mut s = good.clone();
        s.replace_range(43..44, "A");
        assert!(matches!(
            Key::from_base64(&s),
            Err(KeyError::Character('A', 43))
        ));
        // "…8=" is canonical for 0xff…; "…9=" sets bits past the key.
        assert_eq!(
            Key::from_base64("//////////////////////////////////////////9="),
            Err(KeyError::NotCanonical)
        );
    }

    #[test]
    fn secret_keys_never_show_in_debug() {
        let k = SecretKey::new([0x42; 32]);
        let d = format!("{k:?}");
        assert_eq!(d, "SecretKey(<redacted>)");
        assert!(!d.contains(&Key([0x42; 32]).to_string()));
        assert_eq!(k.to_base64().as_str(), Key([0x42; 32]).to_string());
        assert_eq!(k, SecretKey::new([0x42; 32]));
        assert_ne!(k, SecretKey::new([0x43; 32]));
        assert!(SecretKey::default().is_zero());
        assert!(!k.is_zero());
    }
}
