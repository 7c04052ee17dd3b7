//! The simulator's random source: xoshiro256** seeded through SplitMix64, with the few
//! distributions the model needs. Owning it (rather than using `rand`) keeps a seed's output
//! byte-identical across platforms and dependency upgrades, which the presets promise.

/// xoshiro256** (Blackman & Vigna 2018) with normal, exponential and Pareto draws.
#[derive(Debug, Clone)]
pub struct SimRng {
    s: [u64; 4],
    spare_normal: Option<f64>,
}

impl SimRng {
    /// A generator whose state is expanded from `seed` with SplitMix64.
    pub fn new(seed: u64) -> Self {
        let mut seeder = dexposure_rng::SplitMix64::new(seed);
        let mut next = || seeder.next_u64();
        Self {
            s: [next(), next(), next(), next()],
            spare_normal: None,
        }
    }

    /// An independent stream for a named purpose (same seed and label → same stream).
    pub fn derive(seed: u64, label: u64) -> Self {
        Self::new(seed ^ label.wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the bias for n ≪ 2^64 is far below anything measurable here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Marsaglia's polar method; the second draw is kept for the next call).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let k = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * k);
                return u * k;
            }
        }
    }

    /// Pareto with minimum 1 and tail index `alpha` (> 0).
    pub fn pareto(&mut self, alpha: f64) -> f64 {
        (1.0 - self.unit()).powf(-1.0 / alpha)
    }

    /// Poisson with mean `lambda` (inversion for small means, a rounded normal above 30).
    pub fn poisson(&mut self, lambda: f64) -> usize {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as usize;
        }
        let limit = (-lambda).exp();
        let mut product = self.unit();
        let mut k = 0;
        while product > limit {
            product *= self.unit();
            k += 1;
        }
        k
    }

    /// An index drawn with probability proportional to `weights` (`None` if they sum to 0).
    pub fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut target = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return Some(i);
            }
            target -= w;
        }
        weights.iter().rposition(|w| *w > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_moments_are_right() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let n = 200_000;
        let mut rng = SimRng::new(1);
        let draws: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        let poisson = (0..n).map(|_| rng.poisson(3.5)).sum::<usize>() as f64 / n as f64;
        assert!((poisson - 3.5).abs() < 0.03, "poisson mean {poisson}");
        let below: Vec<usize> = (0..1000).map(|_| rng.below(7)).collect();
        assert!(below.iter().all(|&x| x < 7));
        assert_eq!(rng.weighted(&[0.0, 0.0]), None);
        assert_eq!(rng.weighted(&[0.0, 2.0]), Some(1));
    }
}
