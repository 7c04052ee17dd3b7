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
