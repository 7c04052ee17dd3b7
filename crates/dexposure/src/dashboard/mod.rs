//! The analyst report (DESIGN.md §12): one self-contained HTML file with figures inlined, the
//! same figures as PNG and SVG files, the tables as CSV and Parquet, and `report.json` with the
//! headline numbers.
//!
//! [`ReportBuilder`] says what to compute (the data, the early-warning rule, the cascade rule,
//! optionally a forecast run and a VAR event study); [`ReportBuilder::build`] computes an
//! [`AnalystReport`]; [`AnalystReport::write`] writes the files. Sections:
//!
//! 1. headline numbers of the latest week;
//! 2. the dataset summary and data-quality flags;
//! 3. network metrics over time (density, HHIs, mean SIS, spillover index, total exposure)
//!    with Terra and FTX marked;
//! 4. the most systemically important protocols;
//! 5. the sector spillover heat map;
//! 6. the six standard stress scenarios through each engine;
//! 7. early-warning alerts of the observed measures on a timeline;
//! 8. forecast against realised values, with the persistence forecast, when a forecaster ran;
//! 9. the sector VAR's impulse responses with bootstrap bands, when the event study ran.
//!
//! A section that could not be computed on the data (say, a VAR with fewer than two usable
//! sectors) is left out with its reason in [`AnalystReport::skipped`]; the rest is written.
//!
//! ```no_run
//! use dexposure::dashboard::ReportBuilder;
//! use dexposure::monitor::MonitorData;
//!
//! let series = dexposure::datasets::embedded()?;
//! let metadata = dexposure::datasets::embedded_metadata()?;
//! let weeks = dexposure::model::WeekGraphs::new(&series, Some(&metadata.catalog))?;
//! let data = MonitorData::new(&series, &weeks, Some(&metadata.catalog))?;
//! let label = dexposure::datasets::data_label(None);
//! let report = ReportBuilder::new(data, label, "cargo run --release --example report")
//!     .build(&mut |stage| eprintln!("{stage}"))?;
//! let files = report.write(std::path::Path::new("target/report"))?;
//! println!("{}", files.html.display());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod figures;
mod html;
mod tables;

pub use html::number as format_number;

use std::path::{Path, PathBuf};

use dexposure_econ::{EventStudy as VarEventStudy, EventStudyResults, EventWindow};
use dexposure_graph::{SectorSpillover, SystemicImportance};
use dexposure_model::experiment::DataLabel;
use dexposure_snapshot::{NaiveDate, ProtocolCatalog, QualityReport};
use dexposure_stress::bootstrap::PercentileBootstrap;
use dexposure_stress::{Alert, CascadeAllocation, EarlyWarning, Scenario};
use rayon::prelude::*;
use serde::Serialize;

use crate::monitor::{
    ForecastErrorTable, ForecastThenMeasure, MarketEvent, MeasuredAnchor, MonitorData, WATCHED,
    WarningRule, WeekMeasures, measure_names, standard_engines,
};
use crate::plot::PlotError;
use crate::table::TableError;

/// Why a report could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Measuring, forecasting or stressing failed.
    #[error(transparent)]
    Monitor(#[from] crate::monitor::MonitorError),
    /// A figure could not be drawn.
    #[error("figure {figure}: {source}")]
    Plot {
        /// The figure's file stem.
        figure: String,
        /// Cause.
        source: PlotError,
    },
    /// A table could not be written.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The dataset has no week.
    #[error("the dataset has no week")]
    Empty,
}

impl From<dexposure_graph::GraphError> for ReportError {
    fn from(e: dexposure_graph::GraphError) -> Self {
        ReportError::Monitor(e.into())
    }
}

impl From<dexposure_stress::StressError> for ReportError {
    fn from(e: dexposure_stress::StressError) -> Self {
        ReportError::Monitor(e.into())
    }
}

/// Result of the report tools.
pub type Result<T> = std::result::Result<T, ReportError>;

/// What a report computes.
pub struct ReportBuilder<'a> {
    /// The data.
    pub data: MonitorData<'a>,
    /// What the data is (simulated data is labelled on every figure and table).
    pub label: DataLabel,
    /// The command that makes the report (printed in every caption).
    pub command: String,
    /// The loss cascade's allocation rule (the published rule by default).
    pub allocation: CascadeAllocation,
    /// The early-warning rule applied to the observed measures.
    pub warning: EarlyWarning,
    /// Market events marked on the time axes.
    pub events: Vec<MarketEvent>,
    /// Forecast-then-measure over the forecasters added to it (section 8 when present).
    pub forecast: Option<ForecastThenMeasure<'a>>,
    /// Name of the forecast's checkpoint, for captions.
    pub forecast_source: String,
    /// The sector VAR event study (section 9 when present).
    pub var: Option<VarEventStudy>,
    /// Rows of the systemic-importance table.
    pub top_k: usize,
}

impl<'a> ReportBuilder<'a> {
    /// A report of `data`: published cascade rule, 26-week z-scores at |z| > 2, Terra and FTX
    /// marked, no forecast, and a VAR of broad-sector TVL growth 26 weeks either side of Terra
    /// with 500 bootstrap replications.
    pub fn new(data: MonitorData<'a>, label: DataLabel, command: impl Into<String>) -> Self {
        Self {
            data,
            label,
            command: command.into(),
            allocation: CascadeAllocation::Published,
            warning: EarlyWarning::default(),
            events: vec![MarketEvent::terra(), MarketEvent::ftx()],
            forecast: None,
            forecast_source: String::new(),
            var: Some(VarEventStudy::new(EventWindow::terra(26, 26)).reps(500)),
            top_k: 10,
        }
    }

    /// Adds a forecast-then-measure run; `source` names its checkpoint in captions.
    pub fn with_forecast(
        mut self,
        run: ForecastThenMeasure<'a>,
        source: impl Into<String>,
    ) -> Self {
        self.forecast = Some(run);
        self.forecast_source = source.into();
        self
    }

    /// The stages [`ReportBuilder::build`] reports progress for: four, plus one per forecast
    /// anchor, plus one for the VAR.
    pub fn stages(&self) -> usize {
        4 + self.forecast.as_ref().map_or(0, |f| f.jobs().len()) + usize::from(self.var.is_some())
    }

    /// Computes every section; `progress` is called once per stage with what is being done.
    pub fn build(&self, progress: &mut dyn FnMut(&str)) -> Result<AnalystReport> {
        let series = self.data.series;
        let snapshots = series.snapshots();
        let latest_week = snapshots.last().ok_or(ReportError::Empty)?;
        let catalog = self.data.catalog;

        progress("dataset summary and data quality");
        let quality = QualityReport::new(series, catalog);

        progress("network measures of every week");
        let weekly: Vec<WeekMeasures> = (0..snapshots.len())
            .into_par_iter()
            .map(|t| WeekMeasures::of(self.data.weeks.graph(t), &snapshots[t]))
            .collect::<std::result::Result<_, _>>()?;

        progress("systemic importance, spillovers and stress of the latest week");
        let graph = self.data.weeks.graph(snapshots.len() - 1);
        let scores = SystemicImportance::default().run(graph)?;
        let top_sis = scores
            .top_k(self.top_k)
            .into_iter()
            .map(|i| SisRow {
                id: graph.name(i).to_owned(),
                name: catalog
                    .and_then(|c| c.name(graph.name(i)))
                    .unwrap_or("-")
                    .to_owned(),
                sector: graph.categories()[i].name().to_owned(),
                sis: scores.sis[i],
                pagerank: scores.pagerank[i],
                tail5: scores.tail5[i],
                tvl_term: scores.tvl_term[i],
                tvl_usd: graph.tvl()[i],
            })
            .collect();
        let spillover = SectorSpillover::from_graph(graph);
        let engines = standard_engines(self.allocation);
        let mut stress = Vec::new();
        for scenario in Scenario::standard() {
            let shock = scenario.apply(graph, catalog)?.shock;
            for engine in &engines {
                let r = engine.run(graph, &shock)?;
                stress.push(StressRow {
                    scenario: scenario.name.clone(),
                    engine: r.engine.clone(),
                    loss_pct_tvl: r.loss_pct_tvl,
                    loss_usd: r.total_loss_usd,
                    affected: r.affected,
                    distressed: r.distressed,
                    rounds: r.rounds,
                });
            }
        }

        progress("early-warning alerts");
        let names = measure_names();
        let mut alerts = Vec::new();
        for (measure, rule) in WATCHED {
            let Some(k) = names.iter().position(|n| *n == measure) else {
                continue;
            };
            let values: Vec<(NaiveDate, f64)> =
                weekly.iter().map(|m| (m.date, m.values[k])).collect();
            for alert in rule.alerts(&self.warning, measure, &values)? {
                alerts.push(RuleAlert { rule, alert });
            }
        }

        let mut skipped = Vec::new();
        let forecast = match &self.forecast {
            Some(run) => {
                let mut anchors = Vec::new();
                for job in run.jobs() {
                    progress(&format!(
                        "forecast from week {}",
                        self.data.weeks.dates()[job.t]
                    ));
                    anchors.push(run.measure(job)?);
                }
                if anchors.is_empty() {
                    skipped.push((
                        "forecast".to_owned(),
                        "the forecaster has no anchor in this series".to_owned(),
                    ));
                    None
                } else {
                    let errors =
                        ForecastErrorTable::from_anchors(&anchors, &PercentileBootstrap::default());
                    Some(ForecastSection {
                        source: self.forecast_source.clone(),
                        part: format!("{:?}", run.part).to_lowercase(),
                        links: run.links.name().to_owned(),
                        anchors,
                        errors,
                    })
                }
            }
            None => None,
        };

        let var = match &self.var {
            Some(study) => {
                progress("sector VAR around the event");
                let empty = ProtocolCatalog::new();
                let run = study.run_snapshots(series, catalog.unwrap_or(&empty));
                match run {
                    Ok(results) => Some(results),
                    Err(e) => {
                        skipped.push(("var".to_owned(), e.to_string()));
                        None
                    }
                }
            }
            None => None,
        };

        let mut report = AnalystReport {
            label: self.label.clone(),
            command: self.command.clone(),
            allocation: self.allocation.describe().to_owned(),
            warning: self.warning,
            events: self.events.clone(),
            latest: latest_week.date,
            quality,
            weekly,
            top_sis,
            spillover,
            stress,
            alerts,
            forecast,
            var,
            skipped,
            headline: Vec::new(),
        };
        report.headline = report.headline_numbers();
        Ok(report)
    }
}

/// One protocol of the systemic-importance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SisRow {
    /// Protocol id.
    pub id: String,
    /// Name from the catalog ("-" when it has none).
    pub name: String,
    /// Broad sector.
    pub sector: String,
    /// Systemic-importance score.
    pub sis: f64,
    /// Weighted PageRank.
    pub pagerank: f64,
    /// Tail-5 share term.
    pub tail5: f64,
    /// TVL term.
    pub tvl_term: f64,
    /// TVL in USD.
    pub tvl_usd: f64,
}

/// One stress scenario through one engine on the latest week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressRow {
    /// Scenario name.
    pub scenario: String,
    /// Engine name.
    pub engine: String,
    /// Loss in % of total TVL.
    pub loss_pct_tvl: f64,
    /// Loss in USD.
    pub loss_usd: f64,
    /// Nodes with a loss.
    pub affected: usize,
    /// Distressed nodes.
    pub distressed: usize,
    /// Rounds until the engine stopped.
    pub rounds: usize,
}

/// An alert with the rule that raised it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleAlert {
    /// The rule.
    pub rule: WarningRule,
    /// The alert.
    #[serde(flatten)]
    pub alert: Alert,
}

/// The forecast section: every anchor measured and the error table.
#[derive(Debug, Serialize)]
pub struct ForecastSection {
    /// Checkpoint of the forecaster(s).
    pub source: String,
    /// The split part the anchors come from.
    pub part: String,
    /// How Ĝ's links were chosen.
    pub links: String,
    /// Every anchor, measured.
    pub anchors: Vec<MeasuredAnchor>,
    /// Errors of model and persistence.
    pub errors: ForecastErrorTable,
}

/// A headline number: shown in the report's cards and written to `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Key (`data-headline` attribute in the HTML).
    pub key: String,
    /// What it is.
    pub label: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Decimals shown.
    pub decimals: usize,
    /// Unit shown after the value.
    pub unit: String,
}

/// A computed report.
#[derive(Debug, Serialize)]
pub struct AnalystReport {
    /// What the data is.
    pub label: DataLabel,
    /// The command that made it.
    pub command: String,
    /// The loss cascade's rule.
    pub allocation: String,
    /// The early-warning rule.
    pub warning: EarlyWarning,
    /// Market events marked.
    pub events: Vec<MarketEvent>,
    /// Latest week.
    pub latest: NaiveDate,
    /// Dataset summary and per-week quality.
    #[serde(skip)]
    pub quality: QualityReport,
    /// Measures of every week.
    #[serde(skip)]
    pub weekly: Vec<WeekMeasures>,
    /// Most systemically important protocols of the latest week.
    pub top_sis: Vec<SisRow>,
    /// Sector spillovers of the latest week.
    #[serde(skip)]
    pub spillover: SectorSpillover,
    /// Stress scenarios × engines on the latest week.
    pub stress: Vec<StressRow>,
    /// Alerts of the observed measures.
    pub alerts: Vec<RuleAlert>,
    /// Forecast against realised values.
    #[serde(skip)]
    pub forecast: Option<ForecastSection>,
    /// The sector VAR event study.
    #[serde(skip)]
    pub var: Option<EventStudyResults>,
    /// Sections left out, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Headline numbers.
    pub headline: Vec<Headline>,
}

/// The files a report wrote.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    /// `report.html`.
    pub html: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// Figures, PNG and SVG.
    pub figures: Vec<PathBuf>,
    /// Tables, CSV (and Parquet with the `parquet` feature).
    pub tables: Vec<PathBuf>,
}

impl AnalystReport {
    /// Value of measure `name` in week `t`.
    fn measure(&self, t: usize, name: &str) -> f64 {
        self.weekly[t].get(name).unwrap_or(f64::NAN)
    }

    fn headline_numbers(&self) -> Vec<Headline> {
        let last = self.weekly.len() - 1;
        let h = |key: &str, label: &str, value: f64, decimals: usize, unit: &str| Headline {
            key: key.into(),
            label: label.into(),
            value,
            decimals,
            unit: unit.into(),
        };
        let mut out = vec![
            h(
                "weeks",
                "weeks in the dataset",
                self.weekly.len() as f64,
                0,
                "",
            ),
            h(
                "nodes",
                "protocols (latest week)",
                self.measure(last, "nodes"),
                0,
                "",
            ),
            h(
                "links",
                "exposure links (latest week)",
                self.measure(last, "links"),
                0,
                "",
            ),
            h(
                "total_tvl_bn",
                "total TVL",
                self.measure(last, "total_tvl") / 1e9,
                2,
                "bn USD",
            ),
            h(
                "total_exposure_bn",
                "total exposure",
                self.measure(last, "total_exposure") / 1e9,
                2,
                "bn USD",
            ),
            h("density", "density", self.measure(last, "density"), 5, ""),
            h(
                "mean_sis",
                "mean systemic-importance score",
                self.measure(last, "mean_sis"),
                4,
                "",
            ),
            h(
                "spillover_index",
                "sector spillover index",
                self.measure(last, "spillover_index"),
                4,
                "",
            ),
        ];
        if let Some(worst) = self
            .stress
            .iter()
            .filter(|r| r.engine.starts_with("loss_cascade"))
            .max_by(|a, b| a.loss_pct_tvl.total_cmp(&b.loss_pct_tvl))
        {
            out.push(h(
                "worst_cascade_loss_pct",
                &format!("worst cascade loss ({})", worst.scenario),
                worst.loss_pct_tvl,
                2,
                "% of TVL",
            ));
        }
        out.push(h(
            "alerts",
            "early-warning alerts",
            self.alerts.len() as f64,
            0,
            "",
        ));
        if let Some(f) = &self.forecast
            && let Some(row) = f.errors.rows.iter().find(|r| r.measure == "mean_sis")
        {
            out.push(h(
                "forecast_mean_sis_mae",
                "mean SIS MAE, model",
                row.model.mae,
                5,
                "",
            ));
            out.push(h(
                "persistence_mean_sis_mae",
                "mean SIS MAE, persistence",
                row.persistence.mae,
                5,
                "",
            ));
        }
        if let Some(var) = &self.var {
            out.push(h(
                "var_connectedness_pct",
                "VAR total connectedness",
                var.connectedness.total,
                1,
                "%",
            ));
        }
        out
    }

    /// Writes `report.html`, `report.json`, `figures/*.png|svg` and `tables/*.csv|parquet`
    /// under `dir` (created when missing).
    pub fn write(&self, dir: &Path) -> Result<ReportFiles> {
        let mkdir = |p: &Path| {
            std::fs::create_dir_all(p).map_err(|source| ReportError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let figure_dir = dir.join("figures");
        let table_dir = dir.join("tables");
        mkdir(dir)?;
        mkdir(&figure_dir)?;
        mkdir(&table_dir)?;
        let mut files = ReportFiles {
            html: dir.join("report.html"),
            json: dir.join("report.json"),
            figures: Vec::new(),
            tables: Vec::new(),
        };
        let figures = figures::draw_all(self, &figure_dir)?;
        for f in &figures {
            files.figures.push(f.files.png_path.clone());
            files.figures.push(f.files.svg_path.clone());
        }
        let tables = tables::all(self)?;
        for t in &tables {
            files.tables.extend(t.write(&table_dir)?);
        }
        let page = html::page(self, &figures, &tables, &files, dir);
        let write = |path: &Path, text: &str| {
            std::fs::write(path, text).map_err(|source| ReportError::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        write(&files.html, &page)?;
        let json = serde_json::to_string_pretty(self).map_err(|e| ReportError::Io {
            path: files.json.clone(),
            source: e.into(),
        })?;
        write(&files.json, &json)?;
        Ok(files)
    }
}
