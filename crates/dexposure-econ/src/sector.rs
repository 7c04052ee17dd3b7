//! Weekly sector-level series from a [`SnapshotSeries`]: TVL, inflow, outflow and net flow per
//! sector, transformations (differences, log-differences) and event windows around the Terra
//! and FTX collapses.
//!
//! Definitions, for week `t` and sector `S` (a protocol's sector comes from the
//! [`ProtocolCatalog`]; ids missing from it are `Unknown`):
//!
//! * **TVL**: `Σ node.size` over the week's nodes in `S`;
//! * **outflow**: `Σ link.size` over the week's (cleaned) links `u → v` with `u ∈ S`,
//!   `v ∉ S` — value `S` places in other sectors;
//! * **inflow**: `Σ link.size` over links `u → v` with `v ∈ S`, `u ∉ S`;
//! * **net flow**: inflow − outflow.
//!
//! By default links inside one sector (self-loops included) are **excluded** from inflow and
//! outflow: they move exposure within the sector, and counting them on both sides would add
//! the same amount to inflow and outflow without changing the net flow.
//! [`IntraSector::Include`] counts them on both sides instead.
//!
//! Sectors are the six broad DeXposure sectors in [`BroadCategory::ALL`] order (plus
//! `Unknown` on request), or the detailed DefiLlama categories found in the data (sorted by
//! name).
//!
//! ```
//! use dexposure_econ::{EventWindow, SectorConfig, SectorSeries, Measure};
//! use dexposure_snapshot::{ProtocolCatalog, SeriesLoader};
//!
//! let json = br#"{"data": {
//!   "2022-05-02": {"nodes": [{"id": "1", "size": 10.0, "composition": {}}, {"id": "2", "size": 4.0, "composition": {}}],
//!                  "links": [{"source": "1", "target": "2", "size": 3.0, "composition": {}}]},
//!   "2022-05-09": {"nodes": [{"id": "1", "size": 8.0, "composition": {}}, {"id": "2", "size": 5.0, "composition": {}}],
//!                  "links": [{"source": "1", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let catalog = ProtocolCatalog::from_id_to_info_str(
//!     r#"{"1": {"name": "A", "category": "Asset Management"},
//!         "2": {"name": "B", "category": "Trading & Exchanges"}}"#, "id_to_info.json")?;
//! let s = SectorSeries::from_series(&series, &catalog, &SectorConfig::default())?;
//! assert_eq!(s.sectors.len(), 6);
//! assert_eq!(s.tvl.row(1)[..2], [8.0, 5.0]);
//! assert_eq!((s.outflow[(0, 0)], s.inflow[(0, 1)]), (3.0, 3.0));
//! assert_eq!(s.outflow[(1, 0)], 0.0); // the self-loop is intra-sector
//! let w = s.window(&EventWindow::terra(1, 0))?;
//! assert_eq!(w.dates.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::Days;
use dexposure_snapshot::{BroadCategory, NaiveDate, ProtocolCatalog, SnapshotSeries};

use crate::error::{EconError, Result};
use crate::matrix::Matrix;

/// Start of the Terra/LUNA collapse (week of 2022-05-09).
pub const TERRA_DATE: (i32, u32, u32) = (2022, 5, 9);
/// Start of the FTX collapse (week of 2022-11-07).
pub const FTX_DATE: (i32, u32, u32) = (2022, 11, 7);

/// How sectors are defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// The six broad DeXposure sectors.
    #[default]
    Broad,
    /// The detailed DefiLlama categories present in the data.
    Detailed,
}

/// What to do with links whose endpoints are in the same sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntraSector {
    /// Leave them out of inflow and outflow (default).
    #[default]
    Exclude,
    /// Count them as both an outflow and an inflow of the sector.
    Include,
}

/// Options of [`SectorSeries::from_series`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectorConfig {
    /// Sector definition (default broad).
    pub grouping: Grouping,
    /// Treatment of intra-sector links (default excluded).
    pub intra_sector: IntraSector,
    /// Keep an `Unknown` sector for protocols without a (recognised) category (default no).
    pub include_unknown: bool,
}

/// One of the four weekly sector measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Total value locked.
    Tvl,
    /// Value received from other sectors.
    Inflow,
    /// Value placed in other sectors.
    Outflow,
    /// Inflow − outflow.
    NetFlow,
}

impl Measure {
    /// Lower-case name: `tvl`, `inflow`, `outflow`, `netflow`.
    pub const fn name(self) -> &'static str {
        match self {
            Measure::Tvl => "tvl",
            Measure::Inflow => "inflow",
            Measure::Outflow => "outflow",
            Measure::NetFlow => "netflow",
        }
    }

    /// The measure called `name` (as [`name`](Self::name), case-insensitive).
    pub fn from_name(name: &str) -> Option<Measure> {
        [
            Measure::Tvl,
            Measure::Inflow,
            Measure::Outflow,
            Measure::NetFlow,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::str::FromStr for Measure {
    type Err = EconError;

    /// As [`Measure::from_name`], with an error naming the accepted values.
    fn from_str(s: &str) -> Result<Self> {
        Measure::from_name(s).ok_or_else(|| {
            EconError::InvalidArgument(format!(
                "measure {s:?}: expected tvl, inflow, outflow or netflow"
            ))
        })
    }
}

/// How a measure is transformed before modelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transform {
    /// Levels.
    Level,
    /// First differences `x_t − x_{t−1}`.
    Diff,
    /// Log-differences `ln x_t − ln x_{t−1}` (weekly log growth; values must be positive).
    #[default]
    LogDiff,
}

impl Transform {
    /// Lower-case name: `level`, `diff`, `logdiff`.
    pub const fn name(self) -> &'static str {
        match self {
            Transform::Level => "level",
            Transform::Diff => "diff",
            Transform::LogDiff => "logdiff",
        }
    }

    /// The transform called `name` (as [`name`](Self::name), case-insensitive).
    pub fn from_name(name: &str) -> Option<Transform> {
        [Transform::Level, Transform::Diff, Transform::LogDiff]
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Applies the transform to the columns of `m` (rows = dates in time order): the dates of
    /// the rows kept (the first is lost to differencing) and the transformed matrix.
    /// `label(j)` names column `j` in a [`EconError::NonPositive`] error.
    pub(crate) fn apply(
        self,
        dates: &[NaiveDate],
        m: &Matrix,
        label: impl Fn(usize) -> String,
    ) -> Result<(Vec<NaiveDate>, Matrix)> {
        if self == Transform::Level {
            return Ok((dates.to_vec(), m.clone()));
        }
        let (w, s) = m.shape();
        if w < 2 {
            return Err(EconError::Shape(format!(
                "{w} week(s); differencing needs 2"
            )));
        }
        let mut out = Matrix::zeros(w - 1, s);
        for t in 1..w {
            for j in 0..s {
                let (a, b) = (m[(t - 1, j)], m[(t, j)]);
                out[(t - 1, j)] = match self {
                    Transform::Diff | Transform::Level => b - a,
                    Transform::LogDiff => {
                        for (v, d) in [(a, t - 1), (b, t)] {
                            if v <= 0.0 || !v.is_finite() {
                                return Err(EconError::NonPositive {
                                    name: label(j),
                                    date: dates[d].to_string(),
                                    value: v,
                                });
                            }
                        }
                        b.ln() - a.ln()
                    }
                };
            }
        }
        Ok((dates[1..].to_vec(), out))
    }
}

impl std::str::FromStr for Transform {
    type Err = EconError;

    /// As [`Transform::from_name`], with an error naming the accepted values.
    fn from_str(s: &str) -> Result<Self> {
        Transform::from_name(s).ok_or_else(|| {
            EconError::InvalidArgument(format!("transform {s:?}: expected level, diff or logdiff"))
        })
    }
}

/// Weeks around an event: `pre` weeks before the event week and `post` weeks after it (the
/// event week itself is included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWindow {
    /// Event date (the week it falls in is the first post-event week).
    pub event: NaiveDate,
    /// Weeks before the event.
    pub pre: usize,
    /// Weeks after the event week.
    pub post: usize,
}

impl EventWindow {
    /// A window of `pre` weeks before and `post` weeks after `event`.
    pub fn new(event: NaiveDate, pre: usize, post: usize) -> Self {
        Self { event, pre, post }
    }

    /// Around the Terra collapse (2022-05-09).
    pub fn terra(pre: usize, post: usize) -> Self {
        Self::new(ymd(TERRA_DATE), pre, post)
    }

    /// Around the FTX collapse (2022-11-07).
    pub fn ftx(pre: usize, post: usize) -> Self {
        Self::new(ymd(FTX_DATE), pre, post)
    }

    /// The window around a named event: `terra`, `ftx` (case-insensitive) or a date
    /// `YYYY-MM-DD`.
    ///
    /// ```
    /// use dexposure_econ::EventWindow;
    ///
    /// assert_eq!(EventWindow::named("FTX", 4, 4)?, EventWindow::ftx(4, 4));
    /// assert_eq!(EventWindow::named("2023-03-13", 2, 1)?.event.to_string(), "2023-03-13");
    /// assert!(EventWindow::named("luna", 2, 1).is_err());
    /// # Ok::<(), dexposure_econ::EconError>(())
    /// ```
    pub fn named(name: &str, pre: usize, post: usize) -> Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "terra" => Ok(Self::terra(pre, post)),
            "ftx" => Ok(Self::ftx(pre, post)),
            other => other
                .parse::<NaiveDate>()
                .map(|d| Self::new(d, pre, post))
                .map_err(|e| {
                    EconError::InvalidArgument(format!(
                        "event {name:?}: expected terra, ftx or a date YYYY-MM-DD ({e})"
                    ))
                }),
        }
    }

    /// First and last date covered.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let days = |w: usize| Days::new(7 * w as u64);
        (
            self.event
                .checked_sub_days(days(self.pre))
                .unwrap_or(NaiveDate::MIN),
            self.event
                .checked_add_days(days(self.post))
                .and_then(|d| d.checked_add_days(Days::new(6)))
                .unwrap_or(NaiveDate::MAX),
        )
    }

    /// The rows of `dates` (sorted, increasing) inside the window, as a range; an error when
    /// the event is outside `dates` or the window holds fewer than two of them.
    pub fn rows(&self, dates: &[NaiveDate]) -> Result<std::ops::Range<usize>> {
        let (first, last) = (dates.first(), dates.last());
        if first.is_none_or(|&d| self.event < d) || last.is_none_or(|&d| self.event > d) {
            return Err(EconError::InvalidArgument(format!(
                "event {} is outside the series ({} .. {})",
                self.event,
                first.map_or("-".into(), |d| d.to_string()),
                last.map_or("-".into(), |d| d.to_string())
            )));
        }
        let (lo, hi) = self.bounds();
        let rows: Vec<usize> = (0..dates.len())
            .filter(|&i| dates[i] >= lo && dates[i] <= hi)
            .collect();
        if rows.len() < 2 {
            return Err(EconError::Shape(format!(
                "window {lo} .. {hi} holds {} week(s)",
                rows.len()
            )));
        }
        Ok(rows[0]..rows[rows.len() - 1] + 1)
    }
}

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Weekly sector measures: one row per week, one column per sector.
#[derive(Debug, Clone, PartialEq)]
pub struct SectorSeries {
    /// Week dates.
    pub dates: Vec<NaiveDate>,
    /// Sector names (broad display names or detailed categories).
    pub sectors: Vec<String>,
    /// TVL, `weeks × sectors`.
    pub tvl: Matrix,
    /// Inflow, `weeks × sectors`.
    pub inflow: Matrix,
    /// Outflow, `weeks × sectors`.
    pub outflow: Matrix,
    /// Net flow, `weeks × sectors`.
    pub net_flow: Matrix,
}

impl SectorSeries {
    /// Aggregates every week of `series` by sector (see the [module docs](self)).
    pub fn from_series(
        series: &SnapshotSeries,
        catalog: &ProtocolCatalog,
        config: &SectorConfig,
    ) -> Result<Self> {
        if series.is_empty() {
            return Err(EconError::Shape("the snapshot series has no week".into()));
        }
        let symbols = series.symbols();
        let unknown = "Unknown".to_string();
        // sector label of every protocol handle
        let labels: Vec<String> = symbols
            .protocols()
            .map(|(_, id)| match config.grouping {
                Grouping::Broad => catalog.category(id).name().to_string(),
                Grouping::Detailed => catalog
                    .get(id)
                    .and_then(|i| i.detailed_category.clone())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| unknown.clone()),
            })
            .collect();
        let mut sectors: Vec<String> = match config.grouping {
            Grouping::Broad => BroadCategory::ALL[..6]
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            Grouping::Detailed => {
                let mut seen: Vec<String> = Vec::new();
                for week in series {
                    for node in &week.nodes {
                        if let Some(l) = labels.get(node.id.index())
                            && *l != unknown
                            && !seen.contains(l)
                        {
                            seen.push(l.clone());
                        }
                    }
                }
                seen.sort();
                seen
            }
        };
        if config.include_unknown {
            sectors.push(unknown.clone());
        }
        let column: Vec<Option<usize>> = labels
            .iter()
            .map(|l| sectors.iter().position(|s| s == l))
            .collect();
        let col = |id: dexposure_snapshot::ProtocolId| column.get(id.index()).copied().flatten();
        let (w, s) = (series.len(), sectors.len());
        let mut tvl = Matrix::zeros(w, s);
        let mut inflow = Matrix::zeros(w, s);
        let mut outflow = Matrix::zeros(w, s);
        for (t, week) in series.iter().enumerate() {
            for node in &week.nodes {
                if let Some(c) = col(node.id) {
                    tvl[(t, c)] += node.size;
                }
            }
            for link in &week.links {
                let (a, b) = (col(link.source), col(link.target));
                if a == b && config.intra_sector == IntraSector::Exclude {
                    continue;
                }
                if let Some(a) = a {
                    outflow[(t, a)] += link.size;
                }
                if let Some(b) = b {
                    inflow[(t, b)] += link.size;
                }
            }
        }
        let mut net_flow = inflow.clone();
        for (n, o) in net_flow.data_mut().iter_mut().zip(outflow.as_slice()) {
            *n -= o;
        }
        Ok(Self {
            dates: series.dates().collect(),
            sectors,
            tvl,
            inflow,
            outflow,
            net_flow,
        })
    }

    /// The matrix of one measure.
    pub fn measure(&self, m: Measure) -> &Matrix {
        match m {
            Measure::Tvl => &self.tvl,
            Measure::Inflow => &self.inflow,
            Measure::Outflow => &self.outflow,
            Measure::NetFlow => &self.net_flow,
        }
    }

    /// The weeks inside `window`; an error when the event is outside the series or the window
    /// holds fewer than two weeks.
    pub fn window(&self, window: &EventWindow) -> Result<SectorSeries> {
        let std::ops::Range { start: a, end: b } = window.rows(&self.dates)?;
        Ok(SectorSeries {
            dates: self.dates[a..b].to_vec(),
            sectors: self.sectors.clone(),
            tvl: self.tvl.rows_range(a, b),
            inflow: self.inflow.rows_range(a, b),
            outflow: self.outflow.rows_range(a, b),
            net_flow: self.net_flow.rows_range(a, b),
        })
    }

    /// Keeps the sectors listed (by position).
    pub fn select(&self, sectors: &[usize]) -> Result<SectorSeries> {
        Ok(SectorSeries {
            dates: self.dates.clone(),
            sectors: sectors
                .iter()
                .map(|&i| self.sectors.get(i).cloned().unwrap_or_default())
                .collect(),
            tvl: self.tvl.select_columns(sectors)?,
            inflow: self.inflow.select_columns(sectors)?,
            outflow: self.outflow.select_columns(sectors)?,
            net_flow: self.net_flow.select_columns(sectors)?,
        })
    }

    /// Positions of the sectors whose `measure` is strictly positive in every week (those a
    /// log-difference can use).
    pub fn positive_sectors(&self, measure: Measure) -> Vec<usize> {
        let m = self.measure(measure);
        (0..m.ncols())
            .filter(|&j| m.column(j).iter().all(|&v| v > 0.0))
            .collect()
    }

    /// A measure transformed for modelling: the dates of the rows (the first week is lost to
    /// differencing) and the `weeks × sectors` matrix.
    pub fn transformed(
        &self,
        measure: Measure,
        transform: Transform,
    ) -> Result<(Vec<NaiveDate>, Matrix)> {
        transform.apply(&self.dates, self.measure(measure), |j| {
            format!("{} {}", self.sectors[j], measure.name())
        })
    }
}
