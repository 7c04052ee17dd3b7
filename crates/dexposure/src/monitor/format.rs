//! Number formatting shared by the monitor tables.

use dexposure_stress::bootstrap::Interval;

/// A number for a Markdown cell: 4 significant decimals in [1e-3, 1e5), scientific otherwise,
/// "—" when absent or not finite.
pub(crate) fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let a = v.abs();
            if a == 0.0 || (1e-3..1e5).contains(&a) {
                format!("{v:.4}")
            } else {
                format!("{v:.3e}")
            }
        }
        _ => "—".to_owned(),
    }
}

/// "value [low, high]".
pub(crate) fn with_interval(value: f64, interval: Option<Interval>) -> String {
    match interval {
        Some(i) => format!(
            "{} [{}, {}]",
            num(Some(value)),
            num(Some(i.low)),
            num(Some(i.high))
        ),
        None => num(Some(value)),
    }
}

/// A CSV cell: shortest round-trip representation, empty when absent or not finite.
pub(crate) fn cell(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:?}"),
        _ => String::new(),
    }
}

/// "mean ± sd" over seeds (sample standard deviation; "mean" alone for one value).
pub(crate) fn mean_sd(values: &[f64]) -> String {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return num(Some(mean));
    }
    let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    // Rounding noise of equal values is not spread.
    let sd = if sd <= 1e-12 * mean.abs() { 0.0 } else { sd };
    format!("{} ± {}", num(Some(mean)), num(Some(sd)))
}

/// The horizons with at least two distinct seeds among `keys` (horizon, seed), ascending, with
/// their number of seeds.
pub(crate) fn multi_seed_horizons(keys: impl Iterator<Item = (usize, u64)>) -> Vec<(usize, usize)> {
    let mut keys: Vec<(usize, u64)> = keys.collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (h, _) in keys {
        match out.last_mut() {
            Some((last, n)) if *last == h => *n += 1,
            _ => out.push((h, 1)),
        }
    }
    out.retain(|&(_, n)| n >= 2);
    out
}
