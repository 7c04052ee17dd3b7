//! The series as the model sees it: one [`ExposureGraph`] per week plus the first-seen indices
//! that history features need, and the train / validation / test split of DESIGN.md §9.
//!
//! Everything here is indexed by week position. A fact about week `t` is computed from weeks
//! `0..=t` only, so dropping the weeks after `t` from the input never changes it.

use std::ops::Range;

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{NaiveDate, ProtocolCatalog, ProtocolId, SnapshotSeries, SymbolTable};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// The weekly graphs of a series with the lookups that history features need.
#[derive(Debug, Clone)]
pub struct WeekGraphs {
    dates: Vec<NaiveDate>,
    graphs: Vec<ExposureGraph>,
    symbols: SymbolTable,
    first_seen: FxHashMap<ProtocolId, usize>,
    first_linked: FxHashMap<(ProtocolId, ProtocolId), usize>,
}

impl WeekGraphs {
    /// Builds the graph of every week (in parallel). `catalog` gives categories (Unknown
    /// without one).
    pub fn new(series: &SnapshotSeries, catalog: Option<&ProtocolCatalog>) -> Result<Self> {
        let graphs = series
            .snapshots()
            .par_iter()
            .map(|week| ExposureGraph::from_snapshot(week, series.symbols(), catalog))
            .collect::<Result<Vec<_>, _>>()?;
        let mut first_seen = FxHashMap::default();
        let mut first_linked = FxHashMap::default();
        for (t, g) in graphs.iter().enumerate() {
            for i in 0..g.node_count() {
                first_seen.entry(g.protocol(i)).or_insert(t);
                for &j in g.out_csr().neighbours(i) {
                    let key = undirected_key(g.protocol(i), g.protocol(j as usize));
                    first_linked.entry(key).or_insert(t);
                }
            }
        }
        Ok(Self {
            dates: series.dates().collect(),
            graphs,
            symbols: series.symbols().clone(),
            first_seen,
            first_linked,
        })
    }

    /// Number of weeks.
    pub fn len(&self) -> usize {
        self.graphs.len()
    }

    /// True for an empty series.
    pub fn is_empty(&self) -> bool {
        self.graphs.is_empty()
    }

    /// Week dates, ascending.
    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// The graph of week `t`.
    pub fn graph(&self, t: usize) -> &ExposureGraph {
        &self.graphs[t]
    }

    /// The symbol table of the series (protocol id strings).
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// Position of the week dated `date`, or an error naming the series' range.
    pub fn position(&self, date: NaiveDate) -> Result<usize> {
        self.dates.binary_search(&date).map_err(|_| {
            ModelError::Date(match (self.dates.first(), self.dates.last()) {
                (Some(a), Some(b)) => {
                    format!("{date} is not a week of the series ({a} … {b}, Mondays)")
                }
                _ => format!("{date}: the series is empty"),
            })
        })
    }

    /// True when `id` was a node in some week `<= t`.
    pub fn seen_by(&self, id: ProtocolId, t: usize) -> Option<usize> {
        self.first_seen.get(&id).copied().filter(|&s| s <= t)
    }

    /// True when u and v were linked (either direction) in some week `<= t`.
    pub fn linked_by(&self, u: ProtocolId, v: ProtocolId, t: usize) -> bool {
        self.first_linked
            .get(&undirected_key(u, v))
            .is_some_and(|&s| s <= t)
    }
}

/// Checks anchors for horizon `h`: h ≥ 1, at least one anchor (`what` names the caller in the
/// message), and week t + h present for each.
pub(crate) fn check_anchors(
    weeks: &WeekGraphs,
    anchors: &[usize],
    h: usize,
    what: &str,
) -> Result<()> {
    if h == 0 {
        return Err(ModelError::InvalidArgument(
            "horizon must be at least 1 week".into(),
        ));
    }
    if anchors.is_empty() {
        return Err(ModelError::InvalidArgument(format!(
            "{what} needs at least one anchor week"
        )));
    }
    if let Some(&t) = anchors
        .iter()
        .find(|&&t| t.checked_add(h).is_none_or(|end| end >= weeks.len()))
    {
        return Err(ModelError::NotEnoughWeeks(format!(
            "anchor {t} + horizon {h} is past the last week ({} weeks)",
            weeks.len()
        )));
    }
    Ok(())
}

fn undirected_key(u: ProtocolId, v: ProtocolId) -> (ProtocolId, ProtocolId) {
    if u.index() <= v.index() {
        (u, v)
    } else {
        (v, u)
    }
}

/// Which part of the split a week belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitPart {
    /// Weeks the model is fitted on.
    Train,
    /// Weeks for early stopping, τ and calibration.
    Validation,
    /// Hold-out weeks, looked at once per configuration.
    Test,
}

impl std::fmt::Display for SplitPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Train => "train",
            Self::Validation => "validation",
            Self::Test => "test",
        })
    }
}

impl std::str::FromStr for SplitPart {
    type Err = ModelError;

    /// `train`, `validation` or `test`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "train" => Ok(Self::Train),
            "validation" => Ok(Self::Validation),
            "test" => Ok(Self::Test),
            other => Err(ModelError::InvalidArgument(format!(
                "unknown split part {other:?}: expected train, validation or test"
            ))),
        }
    }
}

/// The train / validation / test split of DESIGN.md §9, in week positions.
///
/// - When the series has at least `h + 1` weeks dated 2025-01-01 or later and enough before
///   them, test = those weeks, validation = the 24 weeks before, train = the rest (the
///   full-scale rule).
/// - Otherwise the split is proportional: test = the last max(⌈0.12 n⌉, h + 1) weeks,
///   validation = the max(⌈0.085 n⌉, h + 1) weeks before (0.12 and 0.085 are the full series'
///   shares), train = the rest.
///
/// Pairs (t, t + h) are built within each part: both weeks must lie inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSplit {
    /// Train weeks.
    pub train: Range<usize>,
    /// Validation weeks.
    pub validation: Range<usize>,
    /// Test weeks.
    pub test: Range<usize>,
}

/// First test date of the full-scale split.
pub const TEST_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"), // ok: evaluated at compile time on a literal date
};

/// Validation weeks of the full-scale split.
pub const VALIDATION_WEEKS: usize = 24;

impl ForecastSplit {
    /// The split of a series with these `dates` for horizon `h`; an error when a part would
    /// have no anchor.
    pub fn for_dates(dates: &[NaiveDate], h: usize) -> Result<Self> {
        if h == 0 {
            return Err(ModelError::InvalidArgument(
                "horizon must be at least 1 week".into(),
            ));
        }
        let n = dates.len();
        let test_start = dates.partition_point(|d| *d < TEST_FROM);
        let split = if n - test_start > h && test_start >= VALIDATION_WEEKS + 2 * (h + 1) {
            let val_start = test_start - VALIDATION_WEEKS;
            Self {
                train: 0..val_start,
                validation: val_start..test_start,
                test: test_start..n,
            }
        } else {
            let test = ((0.12 * n as f64).ceil() as usize).max(h + 1);
            let val = ((0.085 * n as f64).ceil() as usize).max(h + 1);
            let train = n.saturating_sub(test + val);
            Self {
                train: 0..train,
                validation: train..train + val,
                test: (train + val).min(n)..n,
            }
        };
        if split.train.len() <= h || split.validation.len() <= h || split.test.len() <= h {
            return Err(ModelError::NotEnoughWeeks(format!(
                "{n} weeks cannot serve horizon {h}: each of train, validation and test needs at least {} weeks (split would be {} / {} / {})",
                h + 1,
                split.train.len(),
                split.validation.len(),
                split.test.len()
            )));
        }
        Ok(split)
    }

    /// The weeks of `part`.
    pub fn range(&self, part: SplitPart) -> Range<usize> {
        match part {
            SplitPart::Train => self.train.clone(),
            SplitPart::Validation => self.validation.clone(),
            SplitPart::Test => self.test.clone(),
        }
    }

    /// Anchor weeks t of `part` whose target week t + h lies in the same part.
    pub fn anchors(&self, part: SplitPart, h: usize) -> Vec<usize> {
        let r = self.range(part);
        (r.start..r.end.saturating_sub(h)).collect()
    }
}

/// Rolling expanding folds for walk-forward evaluation (DESIGN.md §9): fold k trains on the
/// first `min_train + k · step` weeks, validates on the `validation` weeks after them and tests
/// on the `test` weeks after those (max(`step`, h + 1) when `None`, so that with h < step the
/// test windows tile the series without overlap). Folds are made while the test window fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkForward {
    /// Train weeks of the first fold.
    pub min_train: usize,
    /// Validation weeks of every fold.
    pub validation: usize,
    /// Test weeks of every fold (max(step, h + 1) when `None`).
    pub test: Option<usize>,
    /// Weeks the train part grows by from one fold to the next.
    pub step: usize,
}

impl Default for WalkForward {
    fn default() -> Self {
        Self {
            min_train: 104,
            validation: VALIDATION_WEEKS,
            test: None,
            step: 8,
        }
    }
}

impl WalkForward {
    /// The folds of a series of `weeks` weeks for horizon `h`, oldest first; an error when
    /// not even one fold fits or a part would have no anchor.
    pub fn folds(&self, weeks: usize, h: usize) -> Result<Vec<ForecastSplit>> {
        if h == 0 || self.step == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "walk-forward folds need a horizon and a step of at least 1 week (h = {h}, step = {})",
                self.step
            )));
        }
        let test = self.test.unwrap_or(self.step.max(h + 1));
        if self.min_train <= h || self.validation <= h || test <= h {
            return Err(ModelError::InvalidArgument(format!(
                "every part of a fold needs more than h = {h} weeks (train {}, validation {}, test {test})",
                self.min_train, self.validation
            )));
        }
        let folds: Vec<ForecastSplit> = (0..)
            .map(|k| self.min_train + k * self.step)
            .take_while(|&train| train + self.validation + test <= weeks)
            .map(|train| ForecastSplit {
                train: 0..train,
                validation: train..train + self.validation,
                test: train + self.validation..train + self.validation + test,
            })
            .collect();
        if folds.is_empty() {
            return Err(ModelError::NotEnoughWeeks(format!(
                "{weeks} weeks hold no walk-forward fold of {} + {} + {test} weeks",
                self.min_train, self.validation
            )));
        }
        Ok(folds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mondays(from: NaiveDate, n: usize) -> Vec<NaiveDate> {
        (0..n)
            .map(|k| from + chrono::Days::new(7 * k as u64))
            .collect()
    }

    #[test]
    fn full_scale_split_uses_2025_for_test() {
        let from = NaiveDate::from_ymd_opt(2020, 3, 23).expect("date");
        let dates = mondays(from, 283);
        let s = ForecastSplit::for_dates(&dates, 12).expect("split");
        assert_eq!(
            dates[s.test.start],
            NaiveDate::from_ymd_opt(2025, 1, 6).expect("date")
        );
        assert_eq!(s.validation.len(), 24);
        assert_eq!(s.test.end, 283);
        assert_eq!(s.anchors(SplitPart::Test, 12).len(), s.test.len() - 12);
    }

    #[test]
    fn short_series_split_is_proportional() {
        let from = NaiveDate::from_ymd_opt(2021, 11, 1).expect("date");
        let dates = mondays(from, 61);
        let s = ForecastSplit::for_dates(&dates, 1).expect("split");
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (47, 6, 8)
        );
        let s = ForecastSplit::for_dates(&dates, 12).expect("split");
        assert_eq!((s.validation.len(), s.test.len()), (13, 13));
        assert!(ForecastSplit::for_dates(&dates[..20], 12).is_err());
    }

    #[test]
    fn split_parts_parse_and_print() {
        for part in [SplitPart::Train, SplitPart::Validation, SplitPart::Test] {
            assert_eq!(part.to_string().parse::<SplitPart>().expect("part"), part);
        }
        let err = "valid".parse::<SplitPart>().expect_err("unknown part");
        assert!(err.to_string().contains("\"valid\""), "{err}");
    }

    #[test]
    fn walk_forward_folds_expand_and_tile_the_series() {
        let folds = WalkForward::default().folds(283, 1).expect("folds");
        // 104 + 24 + 8 weeks for the first fold, then 8 more per fold up to 283 weeks.
        assert_eq!(folds.len(), (283 - 136) / 8 + 1);
        assert_eq!(folds[0].train, 0..104);
        assert_eq!(folds[0].validation, 104..128);
        assert_eq!(folds[0].test, 128..136);
        for pair in folds.windows(2) {
            assert_eq!(pair[1].train.end, pair[0].train.end + 8);
            assert_eq!(pair[1].test.start, pair[0].test.end);
        }
        assert!(folds.last().expect("a fold").test.end <= 283);
        // At h = 12 the test window is 13 weeks, so windows overlap.
        let long = WalkForward::default().folds(283, 12).expect("folds");
        assert_eq!(long[0].test, 128..141);
        assert_eq!(long[0].anchors(SplitPart::Test, 12), vec![128]);
        assert!(WalkForward::default().folds(135, 1).is_err());
        assert!(WalkForward::default().folds(283, 0).is_err());
        let tiny = WalkForward {
            validation: 4,
            ..WalkForward::default()
        };
        assert!(tiny.folds(283, 4).is_err());
    }
}
