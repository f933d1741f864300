//! One mirrored table: its objects in a dense vector, found by key through
//! an open-addressing hash index (`alloc` has no hash map).
//!
//! Why not a `BTreeMap`: a mirror is filled from a listing, a million
//! routes in a row, and a B-tree filled in key order keeps its nodes about
//! half full (twice the memory of the objects) and compares keys twenty
//! times per insertion. Here a listed object is pushed onto a vector, and
//! the index is built after the listing in one pass (one hash of each
//! key, about one and a half probes of an index of `u64`s, independent of
//! each other so that the processor overlaps them), so loading a table
//! costs little more than collecting a listing into a `Vec`. Keys are not
//! stored: a row computes its own ([`Row`]), and the index keeps 32 bits
//! of its hash, so a probe reads a row only when those bits match. A
//! removal swaps the last object into the hole.
//! Iteration is in no particular order (insertion order, disturbed by
//! removals).
//!
//! The hash is FxHash's multiply-rotate with a final mix: fast on the
//! fixed-size keys used here. It is not keyed, so a party who could make
//! the kernel hold chosen objects could make probes longer; such a party
//! already has `CAP_NET_ADMIN` over the namespace watched.

use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

/// An index slot: the key hash's upper 32 bits (its home position is
/// their low bits), then the object's position. Empty: all ones.
const EMPTY: u64 = u64::MAX;

/// FxHash's mixing step over words, with a final avalanche (the index
/// uses the upper bits).
#[derive(Default)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ (rest.len() as u64) << 59);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // murmur3's fmix64.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// The upper 32 bits of `k`'s hash.
#[inline]
fn hash32<K: Hash>(k: &K) -> u32 {
    let mut h = Fx::default();
    k.hash(&mut h);
    (h.finish() >> 32) as u32
}

/// What a table holds: an object that knows its key.
pub(crate) trait Row {
    /// Its identity.
    type Key: Hash + Eq;
    /// Its key, computed.
    fn key(&self) -> Self::Key;
}

/// Objects of one kind by key.
#[derive(Debug, Clone)]
pub(crate) struct Table<V> {
    vals: Vec<V>,
    /// Power-of-two length (or empty), at most half full.
    slots: Vec<u64>,
    /// `vals[..indexed]` are in `slots`; the rest were pushed by
    /// [`Table::push`] and are indexed by [`Table::settle`].
    indexed: usize,
    /// The hashes of the rows pushed, taken while each row was in the
    /// cache (so that settling reads no row but those whose hash bits
    /// match another's).
    pending: Vec<u32>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            vals: Vec::new(),
            slots: Vec::new(),
            indexed: 0,
            pending: Vec::new(),
        }
    }
}

impl<V: Row> Table<V> {
    /// How many objects it holds (settled: one per key).
    pub(crate) fn len(&self) -> usize {
        self.vals.len()
    }

    /// Its objects, in no particular order.
    pub(crate) fn values(&self) -> core::slice::Iter<'_, V> {
        self.vals.iter()
    }

    /// Its objects, taken.
    pub(crate) fn into_values(self) -> alloc::vec::IntoIter<V> {
        self.vals.into_iter()
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The index slot holding `k`, or the empty slot where it would go.
    #[inline]
    fn find(&self, k: &V::Key, h: u32) -> (usize, bool) {
        self.find_with(h, |v| v.key() == *k)
    }

    /// The index slot of hash bits `h` whose row `is` the one sought, or
    /// the empty slot where it would go.
    #[inline]
    fn find_with(&self, h: u32, is: impl Fn(&V) -> bool) -> (usize, bool) {
        let mask = self.mask();
        let mut pos = h as usize & mask;
        loop {
            let s = self.slots[pos];
            if s == EMPTY {
                return (pos, false);
            }
            if (s >> 32) as u32 == h && is(&self.vals[s as u32 as usize]) {
                return (pos, true);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// The object of key `k`. The table must be settled (see
    /// [`Table::push`]).
    pub(crate) fn get(&self, k: &V::Key) -> Option<&V> {
        debug_assert_eq!(self.indexed, self.vals.len(), "an unsettled table read");
        if self.slots.is_empty() {
            return None;
        }
        match self.find(k, hash32(k)) {
            (pos, true) => Some(&self.vals[self.slots[pos] as u32 as usize]),
            _ => None,
        }
    }

    /// Appends `v` without looking for its key (a listing's next object):
    /// the index is built by [`Table::settle`]. Of objects pushed under
    /// one key, the last stays.
    pub(crate) fn push(&mut self, v: V) {
        self.pending.push(hash32(&v.key()));
        self.vals.push(v);
    }

    /// Indexes what [`Table::push`] appended.
    pub(crate) fn settle(&mut self) {
        let (start, n) = (self.indexed, self.vals.len());
        if start == n {
            return;
        }
        assert!(n < u32::MAX as usize, "a mirrored table of 2³² objects");
        while n * 2 > self.slots.len() {
            self.grow();
        }
        // Rows whose key an earlier row holds: the later object moves
        // into the earlier row, and the row goes.
        let mut dead: Vec<usize> = Vec::new();
        let pending = core::mem::take(&mut self.pending);
        debug_assert_eq!(pending.len(), n - start);
        for (i, &h) in (start..n).zip(&pending) {
            // Rows of equal hash bits compare their keys (rarely).
            let found = self.find_with(h, |v| v.key() == self.vals[i].key());
            match found {
                (pos, true) => {
                    self.vals.swap(i, self.slots[pos] as u32 as usize);
                    dead.push(i);
                }
                (pos, false) => self.slots[pos] = u64::from(h) << 32 | i as u64,
            }
        }
        if !dead.is_empty() {
            let mut i = 0;
            self.vals.retain(|_| {
                i += 1;
                dead.binary_search(&(i - 1)).is_err()
            });
            // Rows after a removed one moved up.
            for s in self.slots.iter_mut().filter(|s| **s != EMPTY) {
                let i = *s as u32 as usize;
                if i > dead[0] {
                    let before = dead.partition_point(|&d| d < i);
                    *s = (*s & !0xffff_ffff) | (i - before) as u64;
                }
            }
        }
        self.indexed = self.vals.len();
    }

    /// Puts `v` in the table; gives back the object of its key it
    /// replaced.
    pub(crate) fn insert(&mut self, v: V) -> Option<V> {
        self.settle();
        if (self.vals.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let k = v.key();
        let h = hash32(&k);
        match self.find(&k, h) {
            (pos, true) => {
                let i = self.slots[pos] as u32 as usize;
                Some(core::mem::replace(&mut self.vals[i], v))
            }
            (pos, false) => {
                let i = self.vals.len();
                assert!(i < u32::MAX as usize, "a mirrored table of 2³² objects");
                self.slots[pos] = u64::from(h) << 32 | i as u64;
                self.vals.push(v);
                self.indexed += 1;
                None
            }
        }
    }

    /// Takes out the object of key `k`.
    pub(crate) fn remove(&mut self, k: &V::Key) -> Option<V> {
        self.settle();
        if self.slots.is_empty() {
            return None;
        }
        let (pos, true) = self.find(k, hash32(k)) else {
            return None;
        };
        let i = self.slots[pos] as u32 as usize;
        self.unslot(pos);
        // The last object moves into the hole: re-point its slot.
        let last = self.vals.len() - 1;
        if i != last {
            let lk = self.vals[last].key();
            let (p, found) = self.find(&lk, hash32(&lk));
            debug_assert!(found);
            if found {
                self.slots[p] = (self.slots[p] & !0xffff_ffff) | i as u64;
            }
        }
        self.indexed -= 1;
        Some(self.vals.swap_remove(i))
    }

    /// Empties slot `pos`, shifting back the slots after it that probed
    /// past it (linear probing's deletion, no tombstones).
    fn unslot(&mut self, pos: usize) {
        let mask = self.mask();
        let mut hole = pos;
        let mut j = (pos + 1) & mask;
        loop {
            let s = self.slots[j];
            if s == EMPTY {
                break;
            }
            let home = (s >> 32) as usize & mask;
            // `s` may fill the hole if the hole lies between its home and
            // where it sits now.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = s;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.slots[hole] = EMPTY;
    }

    /// Doubles the index (at least 16 slots) and places every slot
    /// again, by the hash bits it holds (no row is read).
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(16);
        let old = core::mem::replace(&mut self.slots, alloc::vec![EMPTY; n]);
        let mask = n - 1;
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            let mut pos = (s >> 32) as usize & mask;
            while self.slots[pos] != EMPTY {
                pos = (pos + 1) & mask;
            }
            self.slots[pos] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    /// A tiny generator, so that the test needs no dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    /// A row: key, value.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Kv(u64, u64);
    impl Row for Kv {
        type Key = u64;
        fn key(&self) -> u64 {
            self.0
        }
    }

    /// Random inserts, pushes, replacements and removals agree with a
    /// `BTreeMap`, on small key spaces (long probe runs, many shifts,
    /// many pushes of one key before a settle) and large ones.
    #[test]
    fn agrees_with_a_btree_map() {
        for (seed, space) in [(1u64, 8u64), (2, 64), (3, 1000), (4, 1 << 40)] {
            let mut rng = Lcg(seed);
            let mut t: Table<Kv> = Table::default();
            let mut m = BTreeMap::new();
            for step in 0..20_000u64 {
                let k = rng.next() % space;
                match rng.next() % 4 {
                    0 | 1 => assert_eq!(
                        t.insert(Kv(k, step)).map(|x| x.1),
                        m.insert(k, step),
                        "insert {k}"
                    ),
                    2 => {
                        t.push(Kv(k, step));
                        m.insert(k, step);
                    }
                    _ => assert_eq!(t.remove(&k).map(|x| x.1), m.remove(&k), "remove {k}"),
                }
                if step % 7 == 0 {
                    t.settle();
                    assert_eq!(t.len(), m.len());
                }
                if step % 997 == 0 {
                    t.settle();
                    for (k, v) in &m {
                        assert_eq!(t.get(k), Some(&Kv(*k, *v)));
                    }
                    let mut mine: alloc::vec::Vec<_> = t.values().map(|x| (x.0, x.1)).collect();
                    mine.sort();
                    let theirs: alloc::vec::Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
                    assert_eq!(mine, theirs);
                }
            }
            t.settle();
            for k in 0..space.min(2000) {
                assert_eq!(t.get(&k).map(|x| x.1), m.get(&k).copied());
            }
        }
    }

    /// Keys that all land in one home slot still work (every probe a
    /// collision, every removal a shift).
    #[test]
    fn colliding_keys() {
        #[derive(PartialEq, Eq)]
        struct Same(u32);
        impl Hash for Same {
            fn hash<H: Hasher>(&self, h: &mut H) {
                h.write_u8(7);
            }
        }
        struct R(u32);
        impl Row for R {
            type Key = Same;
            fn key(&self) -> Same {
                Same(self.0)
            }
        }
        let mut t: Table<R> = Table::default();
        for i in 0..100 {
            assert!(t.insert(R(i)).is_none());
        }
        for i in (0..100).step_by(3) {
            assert_eq!(t.remove(&Same(i)).map(|r| r.0), Some(i));
        }
        for i in 0..100 {
            assert_eq!(t.get(&Same(i)).map(|r| r.0), (i % 3 != 0).then_some(i));
        }
    }
}
