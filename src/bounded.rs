//! A map that forgets its oldest entries: two generations of at most
//! `cap` entries each. When the newer fills, it becomes the older and the
//! older is dropped whole, so an insert never pays for one removal and
//! memory stays bounded (at most `2 × cap` entries, the newest `cap` at
//! least always kept).

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

    /// The entry for `k`, made with `make` when there is none.
    pub fn get_or_insert_with(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.new.contains_key(&k) {
            let v = self.old.remove(&k).unwrap_or_else(make);
            self.make_room();
            return self.new.entry(k).or_insert(v);
        }
        self.new.entry(k).or_insert_with(make)
    }

    /// Set `k` to `v`, whether it was there or not.
    pub fn insert(&mut self, k: K, v: V) {
        if let Some(slot) = self.new.get_mut(&k) {
            *slot = v;
            return;
        }
        self.old.remove(&k);
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
    fn an_old_entry_touched_again_moves_to_the_new_generation() {
        let mut m = Bounded::new(2);
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("c", 3); // a and b are now the older generation
        *m.get_or_insert_with("a", || 0) += 10;
        m.insert("d", 4); // c and a are older now; b is gone
        assert_eq!(m.get(&"a"), Some(&11));
        assert_eq!(m.get(&"b"), None);
        m.insert("c", 30);
        assert_eq!(m.get(&"c"), Some(&30));
        assert_eq!(m.len(), 3);
    }
}
