//! Early-warning rules: hand-computed series and properties.

#![allow(clippy::unwrap_used)]

use dexposure_snapshot::NaiveDate;
use dexposure_stress::{EarlyWarning, StressError};
use proptest::prelude::*;

fn series(values: &[f64]) -> Vec<(NaiveDate, f64)> {
    let start: NaiveDate = "2024-01-01".parse().unwrap();
    start.iter_weeks().zip(values.iter().copied()).collect()
}

#[test]
fn defaults() {
    let ew = EarlyWarning::default();
    assert_eq!(ew.window, 26);
    assert_eq!(ew.threshold, 2.0);
}

#[test]
fn flat_series_with_one_spike_gives_one_alert() {
    // Window 4 over 1, 3, 1, 3: μ = 2, population σ = 1; spike 10 gives z = 8.
    let s = series(&[1.0, 3.0, 1.0, 3.0, 10.0, 1.0, 3.0, 1.0, 3.0, 1.0]);
    let ew = EarlyWarning::new(4, 2.0).unwrap();
    let alerts = ew.zscore_alerts("tvl", &s).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].date, s[4].0);
    assert_eq!(alerts[0].metric, "tvl");
    assert_eq!(alerts[0].value, 10.0);
    assert!((alerts[0].z - 8.0).abs() < 1e-12);
    // Serialisable.
    let json = serde_json::to_string(&alerts).unwrap();
    assert!(json.contains("\"metric\":\"tvl\""));
}

#[test]
fn negative_spike_alerts_too() {
    let s = series(&[1.0, 3.0, 1.0, 3.0, -6.0]);
    let alerts = EarlyWarning::new(4, 2.0)
        .unwrap()
        .zscore_alerts("x", &s)
        .unwrap();
    assert_eq!(alerts.len(), 1);
    assert!((alerts[0].z + 8.0).abs() < 1e-12);
}

#[test]
fn constant_series_gives_none() {
    let s = series(&[0.1; 60]);
    let ew = EarlyWarning::default();
    assert!(ew.zscore_alerts("c", &s).unwrap().is_empty());
    assert!(ew.delta_alerts("c", &s).unwrap().is_empty());
    // σ = 0 before a spike: skipped, no alert.
    let mut v = vec![5.0; 30];
    v.push(100.0);
    assert!(ew.zscore_alerts("c", &series(&v)).unwrap().is_empty());
}

#[test]
fn window_longer_than_series_gives_none() {
    let s = series(&[1.0, 3.0, 1.0, 3.0, 100.0]);
    let ew = EarlyWarning::new(5, 2.0).unwrap();
    assert!(ew.zscore_alerts("x", &s).unwrap().is_empty());
    assert!(ew.delta_alerts("x", &s).unwrap().is_empty());
    assert!(
        EarlyWarning::default()
            .zscore_alerts("x", &s)
            .unwrap()
            .is_empty()
    );
    assert!(ew.zscore_alerts("x", &[]).unwrap().is_empty());
}

#[test]
fn delta_hhi_rule() {
    // Δ = +.01, −.01, +.01, −.01, then +.05: population σ of the window = .01, z = 5.
    let s = series(&[0.10, 0.11, 0.10, 0.11, 0.10, 0.15, 0.16]);
    let ew = EarlyWarning::new(4, 2.0).unwrap();
    let alerts = ew.delta_alerts("hhi", &s).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].date, s[5].0);
    assert!((alerts[0].value - 0.05).abs() < 1e-12);
    assert!((alerts[0].z - 5.0).abs() < 1e-9);
    // One-sided: a large fall raises nothing.
    let s = series(&[0.10, 0.11, 0.10, 0.11, 0.10, 0.05]);
    assert!(ew.delta_alerts("hhi", &s).unwrap().is_empty());
}

#[test]
fn invalid_inputs() {
    assert!(matches!(
        EarlyWarning::new(0, 2.0),
        Err(StressError::InvalidParameter(_))
    ));
    assert!(EarlyWarning::new(3, f64::NAN).is_err());
    assert!(EarlyWarning::new(3, -1.0).is_err());
    let s = series(&[1.0, f64::NAN, 2.0]);
    assert!(
        EarlyWarning::new(1, 2.0)
            .unwrap()
            .zscore_alerts("x", &s)
            .is_err()
    );
    assert!(
        EarlyWarning::new(1, 2.0)
            .unwrap()
            .delta_alerts("x", &s)
            .is_err()
    );
}

fn population(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let v = values.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

proptest! {
    #[test]
    fn alerts_are_finite_and_above_threshold(
        values in prop::collection::vec(-1e3f64..1e3, 0..60),
        window in 1usize..10,
        threshold in 0.0f64..3.0,
    ) {
        let s = series(&values);
        let ew = EarlyWarning::new(window, threshold).unwrap();
        for a in ew.zscore_alerts("x", &s).unwrap() {
            prop_assert!(a.z.is_finite() && a.value.is_finite());
            prop_assert!(a.z.abs() > threshold);
            let t = s.iter().position(|(d, _)| *d == a.date).unwrap();
            prop_assert!(t >= window);
            let (m, sd) = population(&values[t - window..t]);
            prop_assert!(((values[t] - m) / sd - a.z).abs() <= 1e-6 * a.z.abs().max(1.0));
        }
        for a in ew.delta_alerts("x", &s).unwrap() {
            prop_assert!(a.z.is_finite() && a.value.is_finite());
            prop_assert!(a.z > threshold);
            prop_assert!(a.value > 0.0);
        }
    }
}

#[test]
fn forecast_alerts_compare_the_forecast_with_the_observed_window() {
    // Window 4 over the last four observed points 1, 3, 1, 3 (μ = 2, σ = 1); the earlier 100 is
    // outside the window.
    let s = series(&[100.0, 1.0, 3.0, 1.0, 3.0]);
    let ew = EarlyWarning::new(4, 2.0).unwrap();
    let alert = ew.forecast_zscore_alert("tvl", &s, 5.5).unwrap().unwrap();
    assert_eq!((alert.date, alert.value, alert.z), (s[4].0, 5.5, 3.5));
    assert_eq!(ew.forecast_zscore_alert("tvl", &s, 3.9).unwrap(), None); // z = 1.9
    let low = ew.forecast_zscore_alert("tvl", &s, -1.5).unwrap().unwrap();
    assert_eq!(low.z, -3.5);
    assert_eq!(ew.forecast_zscore_alert("tvl", &s[..3], 9.0).unwrap(), None); // too short
    // ΔHHI: observed changes 1, −1, 1, −1 (σ = 1); a forecast 3 above the last value gives
    // Δ/σ = 3, a fall none.
    let h = series(&[5.0, 6.0, 5.0, 6.0, 5.0]);
    let rise = ew.forecast_delta_alert("hhi", &h, 8.0).unwrap().unwrap();
    assert_eq!((rise.date, rise.value, rise.z), (h[4].0, 3.0, 3.0));
    assert_eq!(ew.forecast_delta_alert("hhi", &h, 2.0).unwrap(), None);
    assert_eq!(ew.forecast_delta_alert("hhi", &h[..4], 9.0).unwrap(), None);
    // A flat window (σ = 0) raises nothing; a non-finite observed value is an error.
    let flat = series(&[2.0; 5]);
    assert_eq!(ew.forecast_zscore_alert("x", &flat, 9.0).unwrap(), None);
    assert!(
        ew.forecast_zscore_alert("x", &series(&[1.0, f64::NAN, 1.0, 2.0]), 9.0)
            .is_err()
    );
}
