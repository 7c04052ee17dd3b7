//! [`SnapshotSeries`]: the weeks of one dataset in date order, with their shared symbol table.

use std::path::Path;

use chrono::NaiveDate;

use crate::error::{Result, SnapshotError};
use crate::load::SeriesLoader;
use crate::snapshot::Snapshot;
use crate::symbols::SymbolTable;

/// Weekly snapshots ordered by date (dates unique), and the table their ids and tokens are
/// interned in.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSeries {
    symbols: SymbolTable,
    snapshots: Vec<Snapshot>,
}

impl PartialEq for SnapshotSeries {
    /// Two series are equal when their weeks hold the same records with the same strings,
    /// whatever the order in which strings were interned.
    fn eq(&self, other: &Self) -> bool {
        self.snapshots.len() == other.snapshots.len()
            && self
                .snapshots
                .iter()
                .zip(&other.snapshots)
                .all(|(a, b)| same_week(self, a, other, b))
    }
}

fn same_week(sa: &SnapshotSeries, a: &Snapshot, sb: &SnapshotSeries, b: &Snapshot) -> bool {
    let pa = |id| sa.symbols.protocol(id);
    let pb = |id| sb.symbols.protocol(id);
    let comp = |x: &[crate::TokenAmount], y: &[crate::TokenAmount]| {
        x.len() == y.len()
            && x.iter().zip(y).all(|(u, v)| {
                u.usd == v.usd && sa.symbols.token(u.token) == sb.symbols.token(v.token)
            })
    };
    a.date == b.date
        && a.repairs == b.repairs
        && a.nodes.len() == b.nodes.len()
        && a.links.len() == b.links.len()
        && a.dropped.len() == b.dropped.len()
        && a.nodes.iter().zip(&b.nodes).all(|(x, y)| {
            pa(x.id) == pb(y.id)
                && x.size == y.size
                && comp(a.composition(x.composition), b.composition(y.composition))
        })
        && a.links.iter().zip(&b.links).all(|(x, y)| {
            pa(x.source) == pb(y.source)
                && pa(x.target) == pb(y.target)
                && x.size == y.size
                && comp(a.composition(x.composition), b.composition(y.composition))
        })
        && a.dropped.iter().zip(&b.dropped).all(|(x, y)| {
            x.file_index == y.file_index
                && x.reason == y.reason
                && x.source.map(pa) == y.source.map(pb)
                && x.target.map(pa) == y.target.map(pb)
                && x.size == y.size
                && comp(a.composition(x.composition), b.composition(y.composition))
        })
}

impl SnapshotSeries {
    /// Loads a DeXposure file (plain JSON or gzip, detected from the first bytes) with default
    /// options. See [`SeriesLoader`] for date filters, threads and streaming.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        SeriesLoader::new().load(path)
    }

    /// Assembles a series from snapshots whose handles refer to `symbols`. Snapshots are
    /// sorted by date; a repeated date is an error.
    pub fn new(symbols: SymbolTable, mut snapshots: Vec<Snapshot>) -> Result<Self> {
        snapshots.sort_by_key(|s| s.date);
        if let Some(w) = snapshots.windows(2).find(|w| w[0].date == w[1].date) {
            return Err(SnapshotError::InvalidSeries(format!(
                "date {} appears more than once",
                w[0].date
            )));
        }
        Ok(Self { symbols, snapshots })
    }

    /// The table the snapshots' ids and tokens are interned in.
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// All weeks in date order.
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// Number of weeks.
    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    /// True when the series has no week.
    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }

    /// Weeks in date order.
    pub fn iter(&self) -> std::slice::Iter<'_, Snapshot> {
        self.snapshots.iter()
    }

    /// The dates of all weeks, in order.
    pub fn dates(&self) -> impl ExactSizeIterator<Item = NaiveDate> + '_ {
        self.snapshots.iter().map(|s| s.date)
    }

    /// The first week.
    pub fn first(&self) -> Option<&Snapshot> {
        self.snapshots.first()
    }

    /// The latest week.
    pub fn last(&self) -> Option<&Snapshot> {
        self.snapshots.last()
    }

    /// Position of the week with this date.
    pub fn position(&self, date: NaiveDate) -> Option<usize> {
        self.snapshots.binary_search_by_key(&date, |s| s.date).ok()
    }

    /// The week with this date.
    pub fn get(&self, date: NaiveDate) -> Option<&Snapshot> {
        self.position(date).map(|i| &self.snapshots[i])
    }

    /// The weeks with `from <= date <= to` (either bound optional).
    pub fn range(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> &[Snapshot] {
        let lo = from.map_or(0, |d| self.snapshots.partition_point(|s| s.date < d));
        let hi = to.map_or(self.snapshots.len(), |d| {
            self.snapshots.partition_point(|s| s.date <= d)
        });
        &self.snapshots[lo..hi.max(lo)]
    }

    /// Overlapping windows of `size` consecutive weeks (none if `size` is 0 or larger than the
    /// series).
    pub fn windows(&self, size: usize) -> impl Iterator<Item = &[Snapshot]> {
        let count = if size > 0 && size <= self.snapshots.len() {
            self.snapshots.len() - size + 1
        } else {
            0
        };
        (0..count).map(move |i| &self.snapshots[i..i + size])
    }

    /// Pairs of weeks `h` positions apart, `(t, t+h)`, as used for forecasting horizons.
    /// Positions, not calendar weeks: a gap in the series shifts the pairing.
    pub fn horizon_pairs(&self, h: usize) -> impl Iterator<Item = (&Snapshot, &Snapshot)> {
        let count = if h > 0 {
            self.snapshots.len().saturating_sub(h)
        } else {
            0
        };
        (0..count).map(move |i| (&self.snapshots[i], &self.snapshots[i + h]))
    }

    /// Splits the series into its table and weeks.
    pub fn into_parts(self) -> (SymbolTable, Vec<Snapshot>) {
        (self.symbols, self.snapshots)
    }
}

impl<'a> IntoIterator for &'a SnapshotSeries {
    type Item = &'a Snapshot;
    type IntoIter = std::slice::Iter<'a, Snapshot>;

    fn into_iter(self) -> Self::IntoIter {
        self.snapshots.iter()
    }
}
