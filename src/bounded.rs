//! A map that forgets its oldest entries: two generations of at most
//! `cap` entries each. When the newer fills, it becomes the older and the
//! older is dropped whole, so an insert never pays for one removal and
//! memory stays bounded (at most `2 × cap` entries, the `cap` inserted
//! last always kept).

use std::collections::hash_map::Entry;
use std::hash::Hash;

pub struct Bounded<K, V> {
    cap: usize,
    new: foldhash::HashMap<K, V>,
    old: foldhash::HashMap<K, V>,
}

impl<K: Hash + Eq, V> Bounded<K, V> {
    pub fn new(cap: usize) -> Bounded<K, V> {
        Bounded {
            cap: cap.max(1),
            new: foldhash::HashMap::default(),
            old: foldhash::HashMap::default(),
        }
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.new.get(k).or_else(|| self.old.get(k))
    }

    /// The entry for `k`, made with `make` when there is none. An entry
    /// of the older generation is changed where it is.
    pub fn get_or_insert_with(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        if self.new.len() >= self.cap && !self.new.contains_key(&k) && !self.old.contains_key(&k) {
            self.make_room();
        }
        match self.new.entry(k) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) if self.old.contains_key(e.key()) => {
                self.old.entry(e.into_key()).or_insert_with(make)
            }
            Entry::Vacant(e) => e.insert(make()),
        }
    }

    /// Set `k` to `v`, whether it was there or not: one lookup (a stale
    /// copy left in the older generation is hidden by this one).
    pub fn insert(&mut self, k: K, v: V) {
        self.make_room();
        self.new.insert(k, v);
    }

    fn make_room(&mut self) {
        if self.new.len() >= self.cap {
            std::mem::swap(&mut self.new, &mut self.old);
            self.new.clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.new.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_forgets_beyond_two_generations() {
        let mut m = Bounded::new(3);
        for i in 0..10u32 {
            m.insert(i, i * 10);
            assert!(m.len() <= 6);
            // The newest three are always there.
            for j in i.saturating_sub(2)..=i {
                assert_eq!(m.get(&j), Some(&(j * 10)));
            }
        }
        assert_eq!(m.get(&0), None);
    }

    #[test]
    fn entries_change_in_either_generation_and_the_newest_value_wins() {
        let mut m = Bounded::new(2);
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("c", 3); // a and b are now the older generation
        *m.get_or_insert_with("a", || 0) += 10;
        assert_eq!(m.get(&"a"), Some(&11));
        *m.get_or_insert_with("c", || 0) += 10;
        assert_eq!(m.get(&"c"), Some(&13));
        *m.get_or_insert_with("e", || 5) += 1; // new: c and e
        assert_eq!(m.get(&"e"), Some(&6));
        m.insert("b", 20); // c and e older; a's generation is gone
        assert_eq!(m.get(&"a"), None);
        assert_eq!(m.get(&"b"), Some(&20));
        m.insert("c", 30); // c now in both: the newer one is read
        assert_eq!(m.get(&"c"), Some(&30));
        assert_eq!(m.len(), 4);
    }
}
