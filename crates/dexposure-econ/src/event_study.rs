//! A VAR event study: the whole analysis of the `var_irf` example as one call, for weekly
//! sector series or an analyst's own series table.
//!
//! [`EventStudy`] holds the choices; [`run`](EventStudy::run) (sector series of a whole
//! sample), [`run_snapshots`](EventStudy::run_snapshots) (builds them first) and
//! [`run_table`](EventStudy::run_table) (a [`SeriesTable`], e.g. from CSV) do, in order:
//!
//! 1. **change points** of the total's growth over the **whole sample** (before the window):
//!    the log growth of the row sum (total TVL for sectors), PELT with the BIC penalty and
//!    segments of at least 4 weeks; only when every total is positive and there are more
//!    than 8 dates, otherwise (or when PELT fails) none are reported;
//! 2. **the event window** (when one is set; the whole sample otherwise);
//! 3. **the transform** (when not set): for sectors log growth ([`Transform::LogDiff`]),
//!    differences for net flow; for a table log growth when every value in the window is
//!    positive, differences otherwise;
//! 4. **series selection**: with log growth, series not positive in every week of the window
//!    are left out; for sectors, the `top` sectors by mean TVL in the window are kept (by
//!    default all, 6 with [`Grouping::Detailed`]; `top` is refused for tables); then series
//!    that are constant after the transform are left out. Fewer than two left is
//!    [`EconError::TooFewSeries`]. Every series left out is listed in
//!    [`EventStudyResults::dropped`] with its [`DropReason`];
//! 5. **lag order**: the table of all four criteria up to `maxlags` (default
//!    [`VarModel::max_estimable_lags`] clamped to `1..=4`); the fitted order is the fixed
//!    `lags` when set, otherwise the criterion's choice but at least 1;
//! 6. **the VAR** (with a constant), its log-likelihood, criteria, companion eigenvalues and
//!    stability, the pairwise Granger F tests, Diebold–Yilmaz connectedness, residual-bootstrap
//!    IRF bands and the FEVD, all at horizon `periods`.
//!
//! The results print (`Display`) as the `var_irf` example's report, and write the example's
//! `irf.csv` ([`irf_csv`](EventStudyResults::irf_csv)) and `fevd.csv`
//! ([`fevd_csv`](EventStudyResults::fevd_csv)).
//!
//! An event window is measured in calendar weeks ([`EventWindow::bounds`]): `pre · 7` days
//! before the event date to `post · 7 + 6` days after it, for daily or weekly tables alike.

use std::fmt::{self, Write as _};

use dexposure_snapshot::{NaiveDate, ProtocolCatalog, SnapshotSeries};

use crate::bootstrap::{BootstrapConfig, IrfBands};
use crate::connectedness::Connectedness;
use crate::error::{EconError, Result};
use crate::irf::{Fevd, IrfKind};
use crate::matrix::{Complex, Matrix};
use crate::pelt::Pelt;
use crate::sector::{EventWindow, Grouping, Measure, SectorConfig, SectorSeries, Transform};
use crate::table::SeriesTable;
use crate::var::{
    GrangerMatrix, InfoCriteria, InfoCriterion, LagOrderResults, VarModel, VarResults,
};

/// The choices of a VAR event study (see the [module docs](self) for what runs).
///
/// Defaults ([`new`](Self::new), [`whole_sample`](Self::whole_sample)): TVL, broad sectors,
/// the transform chosen from the data, all sectors, lag order by AIC (at least 1) up to the
/// default `maxlags`, horizon 10, 1,000 bootstrap replications, 95 % bands, seed 42.
///
/// ```
/// use dexposure_econ::{EventStudy, EventWindow, Matrix, SeriesTable, Transform};
/// use dexposure_snapshot::NaiveDate;
///
/// // three positive weekly series over 60 weeks, the third constant
/// let start: NaiveDate = "2022-01-03".parse()?;
/// let dates: Vec<NaiveDate> = (0..60).map(|t| start + chrono::Days::new(7 * t)).collect();
/// let (mut a, mut b) = (100.0_f64, 50.0_f64);
/// let mut rows = Vec::new();
/// for t in 0..60 {
///     let e = ((t as f64) * 12.9898).sin() * 43758.5453 % 1.0;
///     let u = ((t as f64) * 78.233).sin() * 12345.678 % 1.0;
///     (a, b) = (a * (1.0 + 0.05 * e), b * (1.0 + 0.02 * u + 0.01 * e));
///     rows.push(vec![a, b, 7.0]);
/// }
/// let names = vec!["a".to_string(), "b".into(), "flat".into()];
/// let table = SeriesTable::new("inline", dates, names, Matrix::from_rows(&rows)?)?;
///
/// let study = EventStudy::new(EventWindow::named("2022-06-06", 20, 20)?).reps(50);
/// let results = study.run_table(&table)?;
/// assert_eq!(results.transform, Transform::LogDiff); // every value is positive
/// assert_eq!(results.names, ["a", "b"]); // "flat" has no growth
/// assert_eq!(results.dropped[0].name, "flat");
/// assert!(results.lags >= 1 && results.lags <= results.maxlags);
/// assert!(results.to_string().contains("Granger causality"));
/// assert!(results.irf_csv().starts_with("kind,response,impulse,h,value,lower,upper\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EventStudy {
    window: Option<EventWindow>,
    measure: Measure,
    grouping: Grouping,
    transform: Option<Transform>,
    top: Option<usize>,
    lags: Option<usize>,
    criterion: InfoCriterion,
    maxlags: Option<usize>,
    /// Horizon, replications, band level and seed of the responses and bands.
    bootstrap: BootstrapConfig,
}

impl EventStudy {
    /// A study of the weeks in `window`, with the defaults.
    pub fn new(window: EventWindow) -> Self {
        Self::whole_sample().window(Some(window))
    }

    /// A study of the whole sample (no event window), with the defaults.
    pub fn whole_sample() -> Self {
        Self {
            window: None,
            measure: Measure::Tvl,
            grouping: Grouping::Broad,
            transform: None,
            top: None,
            lags: None,
            criterion: InfoCriterion::Aic,
            maxlags: None,
            bootstrap: BootstrapConfig::new(10).reps(1000).level(0.95).seed(42),
        }
    }

    /// Sets the event window (`None`: the whole sample).
    pub fn window(mut self, window: Option<EventWindow>) -> Self {
        self.window = window;
        self
    }

    /// Sets the sector measure (default TVL; sector series only).
    pub fn measure(mut self, measure: Measure) -> Self {
        self.measure = measure;
        self
    }

    /// Sets the sector grouping (default broad). It builds the sectors of
    /// [`run_snapshots`](Self::run_snapshots) and decides the default `top` (6 for detailed
    /// categories); [`run`](Self::run) takes the sectors as they were built.
    pub fn grouping(mut self, grouping: Grouping) -> Self {
        self.grouping = grouping;
        self
    }

    /// Sets the transform (`None`, the default: chosen from the data, see the
    /// [module docs](self)).
    pub fn transform(mut self, transform: Option<Transform>) -> Self {
        self.transform = transform;
        self
    }

    /// Keeps only the `top` sectors by mean TVL in the window (`None`, the default: all, or 6
    /// with detailed grouping). Sector series only: [`run_table`](Self::run_table) refuses it.
    pub fn top(mut self, top: Option<usize>) -> Self {
        self.top = top;
        self
    }

    /// Fixes the lag order (`None`, the default: chosen by the criterion, at least 1).
    pub fn lags(mut self, lags: Option<usize>) -> Self {
        self.lags = lags;
        self
    }

    /// Sets the criterion that chooses the lag order (default AIC).
    pub fn criterion(mut self, criterion: InfoCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Sets the largest lag order of the selection table (`None`, the default:
    /// [`VarModel::max_estimable_lags`] clamped to `1..=4`).
    pub fn maxlags(mut self, maxlags: Option<usize>) -> Self {
        self.maxlags = maxlags;
        self
    }

    /// Sets the IRF / FEVD / connectedness horizon (default 10).
    pub fn periods(mut self, periods: usize) -> Self {
        self.bootstrap.periods = periods;
        self
    }

    /// Sets the number of bootstrap replications (default 1,000).
    pub fn reps(mut self, reps: usize) -> Self {
        self.bootstrap = self.bootstrap.reps(reps);
        self
    }

    /// Sets the coverage of the IRF bands, in (0, 1) (default 0.95).
    pub fn level(mut self, level: f64) -> Self {
        self.bootstrap = self.bootstrap.level(level);
        self
    }

    /// Sets the bootstrap seed (default 42).
    pub fn seed(mut self, seed: u64) -> Self {
        self.bootstrap = self.bootstrap.seed(seed);
        self
    }

    /// The sector options [`run_snapshots`](Self::run_snapshots) uses: this grouping, the
    /// other options at their defaults.
    pub fn sector_config(&self) -> SectorConfig {
        SectorConfig {
            grouping: self.grouping,
            ..SectorConfig::default()
        }
    }

    /// The `top` in force: the one set, else 6 with detailed grouping.
    fn top_sectors(&self) -> Option<usize> {
        self.top
            .or((self.grouping == Grouping::Detailed).then_some(6))
    }

    /// Builds the sector series of `series` ([`sector_config`](Self::sector_config)) and runs
    /// the study on them.
    pub fn run_snapshots(
        &self,
        series: &SnapshotSeries,
        catalog: &ProtocolCatalog,
    ) -> Result<EventStudyResults> {
        let sectors = SectorSeries::from_series(series, catalog, &self.sector_config())?;
        self.run(&sectors)
    }

    /// Runs the study on the sector series of a whole sample (change points are computed on
    /// all of it, the VAR on the window).
    pub fn run(&self, sectors: &SectorSeries) -> Result<EventStudyResults> {
        let measure = self.measure;
        let totals: Vec<f64> = (0..sectors.tvl.nrows())
            .map(|t| sectors.tvl.row(t).iter().sum())
            .collect();
        let change_points = change_points(&sectors.dates, &totals);
        let window = match &self.window {
            Some(w) => sectors.window(w)?,
            None => sectors.clone(),
        };
        let transform = self.transform.unwrap_or(if measure == Measure::NetFlow {
            Transform::Diff
        } else {
            Transform::LogDiff
        });
        let mut keep: Vec<usize> = match transform {
            Transform::LogDiff => window.positive_sectors(measure),
            _ => (0..window.sectors.len()).collect(),
        };
        let mut dropped = left_out(&window.sectors, &keep, DropReason::NotPositive);
        if let Some(n) = self.top_sectors() {
            let mean_tvl = |j: usize| window.tvl.column(j).iter().sum::<f64>();
            keep.sort_by(|&a, &b| mean_tvl(b).total_cmp(&mean_tvl(a)));
            dropped.extend(keep.iter().skip(n).map(|&j| Dropped {
                name: window.sectors[j].clone(),
                reason: DropReason::NotInTop(n),
            }));
            keep.truncate(n);
            keep.sort_unstable();
        }
        let window = window.select(&keep)?;
        let (dates, values) = window.transformed(measure, transform)?;
        self.fit(Prepared {
            data: StudyData::Sectors(measure),
            transform,
            change_points,
            dates,
            names: window.sectors,
            values,
            dropped,
        })
    }

    /// Runs the study on an analyst's own series (e.g. [`SeriesTable::from_csv`]): the window
    /// when one is set, else the whole table; the measure and grouping do not apply, and a
    /// `top` is an [`EconError::InvalidArgument`].
    pub fn run_table(&self, table: &SeriesTable) -> Result<EventStudyResults> {
        if let Some(n) = self.top {
            return Err(EconError::InvalidArgument(format!(
                "top {n} ranks sector series by TVL; choose the columns of a table instead"
            )));
        }
        let totals: Vec<f64> = (0..table.values.nrows())
            .map(|t| table.values.row(t).iter().sum())
            .collect();
        let change_points = change_points(&table.dates, &totals);
        let window = match &self.window {
            Some(w) => table.window(w)?,
            None => table.clone(),
        };
        let positive = |j: usize| window.values.column(j).iter().all(|&v| v > 0.0);
        let all = 0..window.names.len();
        let transform = self.transform.unwrap_or(if all.clone().all(positive) {
            Transform::LogDiff
        } else {
            Transform::Diff
        });
        let keep: Vec<usize> = match transform {
            Transform::LogDiff => all.filter(|&j| positive(j)).collect(),
            _ => all.collect(),
        };
        let dropped = left_out(&window.names, &keep, DropReason::NotPositive);
        let names: Vec<String> = keep.iter().map(|&j| window.names[j].clone()).collect();
        let levels = window.values.select_columns(&keep)?;
        let (dates, values) = transform.apply(&window.dates, &levels, |j| names[j].clone())?;
        self.fit(Prepared {
            data: StudyData::Table(table.source.clone()),
            transform,
            change_points,
            dates,
            names,
            values,
            dropped,
        })
    }

    /// Steps 4 (constant series) to 6 of the module docs.
    fn fit(&self, p: Prepared) -> Result<EventStudyResults> {
        let Prepared {
            data,
            transform,
            change_points,
            dates,
            names,
            values,
            mut dropped,
        } = p;
        let moving: Vec<usize> = (0..values.ncols())
            .filter(|&j| {
                let c = values.column(j);
                c.iter().any(|&v| v != c[0])
            })
            .collect();
        dropped.extend(left_out(&names, &moving, DropReason::Constant));
        let names: Vec<String> = moving.iter().map(|&j| names[j].clone()).collect();
        if names.len() < 2 {
            return Err(EconError::TooFewSeries {
                what: data.what(),
                usable: names,
                dropped,
            });
        }
        let model = VarModel::new(values.select_columns(&moving)?)?.with_names(names.clone())?;
        let maxlags = self
            .maxlags
            .unwrap_or_else(|| model.max_estimable_lags().clamp(1, 4));
        let lag_order = model.select_order(Some(maxlags))?;
        let (lags, lag_choice) = match self.lags {
            Some(p) => (p, LagChoice::Fixed),
            None => (
                lag_order.selected(self.criterion).max(1),
                LagChoice::Criterion(self.criterion),
            ),
        };
        let var = model.fit(lags)?;
        let periods = self.bootstrap.periods;
        Ok(EventStudyResults {
            window: self.window,
            transform,
            change_points,
            dates,
            names,
            dropped,
            maxlags,
            lag_order,
            lags,
            lag_choice,
            llf: var.llf()?,
            info_criteria: var.info_criteria()?,
            eigenvalues: var.eigenvalues()?,
            stable: var.is_stable()?,
            granger: var.granger_matrix()?,
            connectedness: var.connectedness(periods)?,
            bands: var.irf_bands(&self.bootstrap)?,
            fevd: var.fevd(periods)?,
            periods,
            var,
            data,
        })
    }
}

/// The data of a study after steps 1–4, before the constant check.
struct Prepared {
    data: StudyData,
    transform: Transform,
    change_points: Option<Vec<NaiveDate>>,
    dates: Vec<NaiveDate>,
    names: Vec<String>,
    values: Matrix,
    dropped: Vec<Dropped>,
}

/// The names at positions not in `kept`, with `reason`.
fn left_out(names: &[String], kept: &[usize], reason: DropReason) -> Vec<Dropped> {
    (0..names.len())
        .filter(|j| !kept.contains(j))
        .map(|j| Dropped {
            name: names[j].clone(),
            reason,
        })
        .collect()
}

/// PELT change points of the log growth of `totals` (step 1 of the module docs).
fn change_points(dates: &[NaiveDate], totals: &[f64]) -> Option<Vec<NaiveDate>> {
    if totals.len() <= 8 || !totals.iter().all(|&v| v > 0.0) {
        return None;
    }
    let growth: Vec<f64> = totals.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let cp = Pelt::new(Pelt::bic_penalty(growth.len()))
        .min_size(4)
        .fit(&growth)
        .ok()?;
    Some(cp.changepoints.iter().map(|&i| dates[i + 1]).collect())
}

/// What an event study modelled.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StudyData {
    /// Sector series of this measure.
    Sectors(Measure),
    /// A [`SeriesTable`] from this source (its [`source`](SeriesTable::source)).
    Table(String),
}

impl StudyData {
    /// The measure's name, or the table's source.
    pub fn what(&self) -> String {
        match self {
            StudyData::Sectors(m) => m.name().to_string(),
            StudyData::Table(source) => source.clone(),
        }
    }
}

/// Why a series was left out of the VAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// Not strictly positive in every week of the window, so it has no log growth.
    NotPositive,
    /// Not among the `n` sectors with the largest mean TVL in the window.
    NotInTop(usize),
    /// Constant after the transform: it does not move in the window.
    Constant,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::NotPositive => f.write_str("not positive in every week, no log growth"),
            DropReason::NotInTop(n) => write!(f, "not among the top {n} by mean TVL"),
            DropReason::Constant => f.write_str("constant in the window"),
        }
    }
}

/// A series left out of the VAR, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Series (sector) name.
    pub name: String,
    /// Why.
    pub reason: DropReason,
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.reason)
    }
}

/// How the fitted lag order was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagChoice {
    /// Fixed by [`EventStudy::lags`].
    Fixed,
    /// The criterion's choice in the lag-order table, at least 1.
    Criterion(InfoCriterion),
}

impl fmt::Display for LagChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LagChoice::Fixed => f.write_str("fixed"),
            LagChoice::Criterion(ic) => write!(f, "{ic}, at least 1"),
        }
    }
}

/// Everything an [`EventStudy`] computed. `Display` prints the `var_irf` report (each line
/// ends in a newline).
#[derive(Debug, Clone)]
pub struct EventStudyResults {
    /// What was modelled.
    pub data: StudyData,
    /// The event window (`None`: the whole sample).
    pub window: Option<EventWindow>,
    /// The transform applied.
    pub transform: Transform,
    /// Change points of the total's growth over the whole sample (the date each new segment
    /// starts); `None` when not computable (a non-positive total, 8 dates or fewer, PELT
    /// failed).
    pub change_points: Option<Vec<NaiveDate>>,
    /// Dates of the transformed observations given to the VAR (the first `lags` of them are
    /// its presample).
    pub dates: Vec<NaiveDate>,
    /// Names of the series in the VAR, in order.
    pub names: Vec<String>,
    /// Series left out, and why.
    pub dropped: Vec<Dropped>,
    /// Largest lag order of the selection table.
    pub maxlags: usize,
    /// The lag-order table (orders `0..=maxlags`).
    pub lag_order: LagOrderResults,
    /// The fitted lag order.
    pub lags: usize,
    /// How it was chosen.
    pub lag_choice: LagChoice,
    /// The fitted VAR.
    pub var: VarResults,
    /// Its log-likelihood.
    pub llf: f64,
    /// Its information criteria.
    pub info_criteria: InfoCriteria,
    /// Eigenvalues of its companion matrix.
    pub eigenvalues: Vec<Complex>,
    /// Whether every eigenvalue is inside the unit circle.
    pub stable: bool,
    /// Pairwise Granger F tests.
    pub granger: GrangerMatrix,
    /// Diebold–Yilmaz connectedness at horizon `periods`.
    pub connectedness: Connectedness,
    /// Impulse responses for horizons `0..=periods` with residual-bootstrap bands (its
    /// `config` has the replications, level and seed).
    pub bands: IrfBands,
    /// Forecast-error variance decomposition up to `periods`.
    pub fevd: Fevd,
    /// The IRF / FEVD / connectedness horizon.
    pub periods: usize,
}

impl EventStudyResults {
    /// The responses as CSV: `kind,response,impulse,h,value,lower,upper`, one line per kind
    /// (`irf`, `oirf`, `girf`), horizon, response and impulse; names in double quotes.
    pub fn irf_csv(&self) -> String {
        let mut csv = String::from("kind,response,impulse,h,value,lower,upper\n");
        let names = &self.names;
        for kind in [
            IrfKind::Plain,
            IrfKind::Orthogonalised,
            IrfKind::Generalised,
        ] {
            let point = self.bands.point.matrices(kind, false);
            let band = self.bands.band(kind);
            for (h, m) in point.iter().enumerate() {
                for (i, response) in names.iter().enumerate() {
                    for (j, impulse) in names.iter().enumerate() {
                        let _ = writeln!(
                            csv,
                            "{},{response:?},{impulse:?},{h},{},{},{}",
                            kind.name(),
                            m[(i, j)],
                            band.lower[h][(i, j)],
                            band.upper[h][(i, j)]
                        );
                    }
                }
            }
        }
        csv
    }

    /// The FEVD as CSV: `variable,h,shock,share`, horizons `1..=periods`; names in double
    /// quotes.
    pub fn fevd_csv(&self) -> String {
        let mut csv = String::from("variable,h,shock,share\n");
        for (variable, d) in self.names.iter().zip(&self.fevd.decomp) {
            for h in 0..self.fevd.periods {
                for (j, shock) in self.names.iter().enumerate() {
                    let _ = writeln!(csv, "{variable:?},{},{shock:?},{}", h + 1, d[(h, j)]);
                }
            }
        }
        csv
    }

    /// A plot title for the responses of `kind`, e.g. "Orthogonalised IRF, 6 weekly tvl
    /// growth around 2022-05-09".
    pub fn irf_title(&self, kind: IrfKind) -> String {
        let what = match kind {
            IrfKind::Plain => "IRF",
            IrfKind::Orthogonalised => "Orthogonalised IRF",
            IrfKind::Generalised => "Generalised IRF",
        };
        let k = self.names.len();
        let subject = match &self.data {
            StudyData::Sectors(m) => format!("{k} weekly {} growth", m.name()),
            StudyData::Table(source) => format!("{k} series of {source}"),
        };
        match self.window {
            Some(w) => format!("{what}, {subject} around {}", w.event),
            None => format!("{what}, {subject}"),
        }
    }
}

impl fmt::Display for EventStudyResults {
    /// The change points, the sample, the lag-order table, the VAR, its stability, the Granger
    /// matrix and the connectedness table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cp) = &self.change_points {
            let what = match self.data {
                StudyData::Sectors(_) => "total TVL growth",
                StudyData::Table(_) => "the growth of the row sum",
            };
            let dates: Vec<String> = cp.iter().map(ToString::to_string).collect();
            writeln!(
                f,
                "change points in {what} (PELT, BIC penalty): {}",
                if dates.is_empty() {
                    "none".into()
                } else {
                    dates.join(", ")
                }
            )?;
        }
        let event = self
            .window
            .map_or("whole sample".into(), |w| format!("event {}", w.event));
        let first = self.dates.first().map_or("-".into(), |d| d.to_string());
        let last = self.dates.last().map_or("-".into(), |d| d.to_string());
        let (n, transform, names) = (self.dates.len(), self.transform, self.names.join(", "));
        match &self.data {
            StudyData::Sectors(m) => writeln!(
                f,
                "{event} | weeks {first} .. {last} ({n} observations of {} {transform:?}) | \
                 sectors: {names}",
                m.name()
            )?,
            StudyData::Table(source) => writeln!(
                f,
                "{source}: {event} | dates {first} .. {last} ({n} observations, \
                 {transform:?}) | series: {names}"
            )?,
        }
        writeln!(
            f,
            "\nlag order selection (maxlags {}, * = minimum):\n{}",
            self.maxlags, self.lag_order
        )?;
        writeln!(
            f,
            "VAR({}) [{}], nobs {}, llf {:.3}, AIC {:.4}",
            self.lags,
            self.lag_choice,
            self.var.nobs(),
            self.llf,
            self.info_criteria.aic
        )?;
        let moduli: Vec<String> = self
            .eigenvalues
            .iter()
            .map(|z| format!("{:.3}", z.modulus()))
            .collect();
        writeln!(
            f,
            "stable: {} (companion eigenvalue moduli: {})",
            self.stable,
            moduli.join(" ")
        )?;
        writeln!(
            f,
            "\nGranger causality p-values (F test), row = caused, column = causing:\n{}",
            self.granger
        )?;
        write!(
            f,
            "Diebold–Yilmaz connectedness, horizon {} (percent):\n{}",
            self.periods, self.connectedness
        )
    }
}
