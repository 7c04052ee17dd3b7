//! Forecast-then-measure: the macroprudential tools applied to leak-free forecasts
//! (DESIGN.md §7, §9), next to the persistence forecast, with the realised week as the judge.
//!
//! - [`WeekMeasures`]: every [`NetworkMetrics`](dexposure_graph::NetworkMetrics) value plus mean
//!   SIS, spillover total and index, and the top-10 SIS protocols, of any graph.
//! - [`ForecastThenMeasure`]: for every test anchor t of each trained forecaster (one per
//!   horizon and seed), Ĝ_t+h (made from weeks ≤ t), G_t and G_t+h are measured and stressed
//!   alike; [`ForecastErrorTable`] (MAE, relative error, correlation, R², squared correlation,
//!   scale ratio, bootstrap intervals) and [`PredictiveStressTable`] (paper Task II: ΔMAE
//!   overall and on the worst 20%, win rates, bootstrap intervals) summarise them.
//! - [`Outlook`]: next week's forecast measured and stressed next to the current week.
//! - [`EarlyWarningStudy`]: alerts from observed and forecast measures around Terra and FTX,
//!   with a forecaster trained only on weeks before each event's lead window.
//!
//! `dexposure-stress` and `dexposure-model` do not know each other; this module composes them.
//!
//! ```no_run
//! use dexposure::monitor::{ForecastErrorTable, ForecastThenMeasure, MonitorData, PredictiveStressTable};
//! use dexposure::stress::bootstrap::PercentileBootstrap;
//!
//! let series = dexposure::datasets::embedded()?;
//! let metadata = dexposure::datasets::embedded_metadata()?;
//! let weeks = dexposure::model::WeekGraphs::new(&series, Some(&metadata.catalog))?;
//! let data = MonitorData::new(&series, &weeks, Some(&metadata.catalog))?;
//! let device = dexposure::model::BackendKind::default_cpu()?.device()?;
//! let mut run = ForecastThenMeasure::new(data);
//! run.add_checkpoint(&dexposure::datasets::embedded_checkpoint(&device)?, &device)?;
//! let anchors = run
//!     .jobs()
//!     .into_iter()
//!     .map(|job| run.measure(job))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let bootstrap = PercentileBootstrap::default();
//! println!("{}", ForecastErrorTable::from_anchors(&anchors, &bootstrap).to_markdown());
//! println!("{}", PredictiveStressTable::from_anchors(&anchors, &bootstrap)?.to_markdown());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod errors;
mod format;
mod measures;
mod outlook;
mod run;
mod stress;
mod warning;

pub use error::{MonitorError, Result};
pub use errors::{ErrorStats, ForecastErrorTable, HEADLINE_MEASURES, MeasureErrors, TopSisOverlap};
pub use measures::{EXTRA_MEASURES, TOP_SIS, WeekMeasures, measure_names};
pub use outlook::{Outlook, OutlookLoss};
pub use run::{
    AnchorJob, ForecastThenMeasure, MeasuredAnchor, MonitorData, ServedForecaster, standard_engines,
};
pub use stress::{PredictiveStressTable, StressCase, StressRow};
pub use warning::{
    EarlyWarningStudy, EventStudy, MarketEvent, StudyTraining, WATCHED, WarningRow, WarningRule,
};
