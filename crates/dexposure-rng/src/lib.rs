//! `dexposure-rng`: the seeded random generator the dexposure crates sample with.
//!
//! [`SplitMix64`] is deterministic across platforms and dependency upgrades, so every random
//! choice of the workspace (bootstrap resamples, community detection orders, link-prediction
//! pair draws, simulator seeding) is reproduced exactly by its seed. It lives in its own crate so
//! that crates which need randomness and nothing else of each other (`dexposure-econ`,
//! `dexposure-graph`, `dexposure-synth`) share one generator without a dependency between them.
//!
//! ```
//! use dexposure_rng::SplitMix64;
//!
//! let mut a = SplitMix64::new(42);
//! let mut b = SplitMix64::new(42);
//! assert_eq!(a.next_u64(), b.next_u64());
//! let u = a.unit();
//! assert!((0.0..1.0).contains(&u));
//! let mut items = [1, 2, 3, 4, 5];
//! a.shuffle(&mut items);
//! items.sort_unstable();
//! assert_eq!(items, [1, 2, 3, 4, 5]);
//! ```

/// SplitMix64 (Steele, Lea & Flood 2014): 64-bit state, full period, good enough for sampling.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return (x % n) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn known_stream() {
        // The reference SplitMix64 (Vigna's splitmix64.c) from seed 0.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_stays_below_and_zero_is_zero() {
        let mut r = SplitMix64::new(7);
        assert_eq!(r.below(0), 0);
        assert!((0..1000).all(|_| r.below(3) < 3));
    }
}
