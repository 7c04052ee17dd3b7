//! Concentration and inequality measures over non-negative values (DESIGN.md §6), shared by the
//! network metrics, SIS and spillovers.
//!
//! All functions take any slice, never panic, and return 0 for an empty input or a zero total.

/// Which values a measure keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Keep every value, zeros included (used for degrees).
    All,
    /// Drop values ≤ 0 and non-finite ones (used for TVL and link weights in the macro tools).
    Positive,
}

fn kept(values: &[f64], which: Values) -> Vec<f64> {
    match which {
        Values::All => values.iter().copied().filter(|v| v.is_finite()).collect(),
        Values::Positive => values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect(),
    }
}

/// Gini coefficient: `(2 Σ i·x(i) − (n+1) Σ x) / (n Σ x)` over the values sorted ascending,
/// `i` from 1. In [0, 1) for non-negative input.
///
/// ```
/// use dexposure_graph::inequality::{gini, Values};
/// assert_eq!(gini(&[1.0, 1.0, 1.0], Values::All), 0.0);
/// assert!((gini(&[0.0, 0.0, 0.0, 1.0], Values::All) - 0.75).abs() < 1e-12);
/// ```
pub fn gini(values: &[f64], which: Values) -> f64 {
    let mut x = kept(values, which);
    let n = x.len();
    let total: f64 = x.iter().sum();
    if n == 0 || total <= 0.0 {
        return 0.0;
    }
    x.sort_by(f64::total_cmp);
    let weighted: f64 = x.iter().enumerate().map(|(i, v)| (i + 1) as f64 * v).sum();
    (2.0 * weighted - (n as f64 + 1.0) * total) / (n as f64 * total)
}

/// Herfindahl–Hirschman index: Σ share², in (0, 1].
pub fn hhi(values: &[f64], which: Values) -> f64 {
    let x = kept(values, which);
    let total: f64 = x.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    x.iter().map(|v| (v / total).powi(2)).sum()
}

/// Share of the total held by the top `max(1, ⌊fraction·n⌋)` values (fraction 0.1 gives the
/// top-10% concentration).
pub fn top_share(values: &[f64], fraction: f64, which: Values) -> f64 {
    let mut x = kept(values, which);
    let total: f64 = x.iter().sum();
    if x.is_empty() || total <= 0.0 {
        return 0.0;
    }
    x.sort_by(|a, b| b.total_cmp(a));
    let k = ((fraction * x.len() as f64).floor() as usize)
        .max(1)
        .min(x.len());
    x[..k].iter().sum::<f64>() / total
}

/// Share of the total held by the `k` largest values.
pub fn top_k_share(values: &[f64], k: usize, which: Values) -> f64 {
    let mut x = kept(values, which);
    let total: f64 = x.iter().sum();
    if x.is_empty() || total <= 0.0 {
        return 0.0;
    }
    x.sort_by(|a, b| b.total_cmp(a));
    x[..k.min(x.len())].iter().sum::<f64>() / total
}

/// Coefficient of variation σ/μ (population σ); 0 when the mean is 0.
pub fn cv(values: &[f64], which: Values) -> f64 {
    let x = kept(values, which);
    let n = x.len() as f64;
    if x.is_empty() {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / n;
    if mean == 0.0 {
        return 0.0;
    }
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// Shannon entropy (natural log) of the shares `v / Σv`.
pub fn share_entropy(values: &[f64], which: Values) -> f64 {
    let x = kept(values, which);
    let total: f64 = x.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    x.iter()
        .filter(|v| **v > 0.0)
        .map(|v| v / total)
        .map(|p| -p * p.ln())
        .sum()
}

/// Entropy of the distribution of distinct values: `−Σ p(k) ln p(k)` where `p(k)` is the share
/// of items whose value is `k` (the degree entropy of DESIGN.md §6).
pub fn value_entropy(values: &[usize]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    sorted
        .chunk_by(|a, b| a == b)
        .map(|run| run.len() as f64 / n)
        .map(|p| -p * p.ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_values() {
        // shares 0.5, 0.3, 0.2 -> HHI 0.25 + 0.09 + 0.04
        assert!((hhi(&[5.0, 3.0, 2.0], Values::All) - 0.38).abs() < 1e-12);
        // Gini of (1, 2, 3): (2*(1+4+9) - 4*6) / (3*6) = 4/18
        assert!((gini(&[3.0, 1.0, 2.0], Values::All) - 4.0 / 18.0).abs() < 1e-12);
        // zeros dropped for Positive
        assert_eq!(gini(&[0.0, 2.0, 2.0], Values::Positive), 0.0);
        assert!((top_share(&[1.0; 20], 0.1, Values::All) - 0.1).abs() < 1e-12);
        assert_eq!(top_share(&[5.0, 1.0], 0.1, Values::All), 5.0 / 6.0); // at least one value
        assert!((cv(&[1.0, 3.0], Values::All) - 0.5).abs() < 1e-12);
        assert!((value_entropy(&[1, 1, 2, 2]) - std::f64::consts::LN_2).abs() < 1e-12);
        assert_eq!(hhi(&[], Values::All), 0.0);
        assert_eq!(cv(&[0.0, 0.0], Values::All), 0.0);
    }
}
