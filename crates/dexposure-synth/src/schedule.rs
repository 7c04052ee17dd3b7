//! Piecewise-linear paths over calendar time, used for every time-varying knob of the model.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A value that moves linearly between dated anchors and stays flat before the first and after
/// the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// `(date, value)` anchors in increasing date order.
    pub anchors: Vec<(NaiveDate, f64)>,
}

impl Schedule {
    /// A schedule through `anchors` given as `("YYYY-MM-DD", value)`; anchors that do not parse
    /// are a programming error in a preset, reported by [`Schedule::validate`].
    pub fn new(anchors: &[(&str, f64)]) -> Self {
        Self {
            anchors: anchors
                .iter()
                .filter_map(|(d, v)| d.parse().ok().map(|d| (d, *v)))
                .collect(),
        }
    }

    /// A constant schedule.
    pub fn constant(value: f64) -> Self {
        Self {
            anchors: vec![(NaiveDate::MIN, value)],
        }
    }

    /// Checks that there is at least one anchor, dates increase and values are finite.
    pub fn validate(&self, name: &str) -> Result<(), String> {
        if self.anchors.is_empty() {
            return Err(format!("schedule {name} has no anchor"));
        }
        if self.anchors.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(format!("schedule {name}: anchor dates must increase"));
        }
        if self.anchors.iter().any(|(_, v)| !v.is_finite()) {
            return Err(format!("schedule {name}: values must be finite"));
        }
        Ok(())
    }

    /// The value on `date`.
    pub fn at(&self, date: NaiveDate) -> f64 {
        let Some(first) = self.anchors.first() else {
            return 0.0;
        };
        if date <= first.0 {
            return first.1;
        }
        for pair in self.anchors.windows(2) {
            let ((d0, v0), (d1, v1)) = (pair[0], pair[1]);
            if date <= d1 {
                let span = (d1 - d0).num_days() as f64;
                let t = (date - d0).num_days() as f64 / span;
                return v0 + t * (v1 - v0);
            }
        }
        self.anchors.last().map_or(0.0, |a| a.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_clamps() {
        let s = Schedule::new(&[("2020-01-01", 0.0), ("2020-01-11", 10.0)]);
        assert!(s.validate("s").is_ok());
        let d = |x: &str| x.parse::<NaiveDate>().expect("date");
        assert_eq!(s.at(d("2019-06-01")), 0.0);
        assert_eq!(s.at(d("2020-01-06")), 5.0);
        assert_eq!(s.at(d("2021-01-01")), 10.0);
        assert!(
            Schedule::new(&[("2020-01-02", 0.0), ("2020-01-01", 1.0)])
                .validate("x")
                .is_err()
        );
        assert!(Schedule { anchors: vec![] }.validate("x").is_err());
    }
}
