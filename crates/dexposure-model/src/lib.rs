//! Forecasting DeXposure exposure networks h weeks ahead with a graph-tabular transformer in
//! Burn (CPU through `flex` or `ndarray`, GPU through `wgpu`), with leak-free forecast graphs
//! and the baselines it must beat (DESIGN.md §9).
//!
//! ```
//! use dexposure_model::{BackendKind, FeatureSet, ForecasterConfig, TrainConfig, Trainer, WeekGraphs};
//! use dexposure_snapshot::SeriesLoader;
//!
//! // Twelve weeks of a three-protocol network in the DeXposure format.
//! let mut weeks = Vec::new();
//! for k in 0..12u64 {
//!     let date = dexposure_snapshot::NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")? + chrono::Days::new(7 * k);
//!     let flip = if k % 2 == 0 { r#""source": "a", "target": "b""# } else { r#""source": "b", "target": "a""# };
//!     weeks.push(format!(
//!         r#""{date}": {{"nodes": [{{"id": "a", "size": {}, "composition": {{"X": 1.0}}}},
//!                                  {{"id": "b", "size": 5.0, "composition": {{"Y": 5.0}}}},
//!                                  {{"id": "c", "size": 2.0, "composition": {{}}}}],
//!                       "links": [{{{flip}, "size": 1.0, "composition": {{}}}},
//!                                 {{"source": "c", "target": "a", "size": 2.0, "composition": {{}}}}]}}"#,
//!         10.0 + k as f64
//!     ));
//! }
//! let json = format!(r#"{{"data": {{{}}}}}"#, weeks.join(","));
//! let series = SeriesLoader::new().load_bytes(json.as_bytes(), "inline.json")?;
//! let weeks = WeekGraphs::new(&series, None)?;
//!
//! let device = BackendKind::default_cpu()?.device()?;
//! let trainer = Trainer::new(&weeks, 1, device.clone())?;
//! let small = ForecasterConfig::new(0, 0).with_d_model(8).with_heads(2).with_layers(1);
//! let state = trainer.init(FeatureSet::default(), &small, TrainConfig { epochs: 2, ..TrainConfig::new(1) })?;
//! let state = trainer.fit(state, 2)?;
//!
//! // The forecast graph of the last week, from that week alone.
//! let forecast = state.forecaster(&device).forecast(&weeks, weeks.len() - 1)?;
//! assert_eq!(forecast.graph.node_count(), 3);
//! assert_eq!(forecast.target, series.last().ok_or("week")?.date + chrono::Days::new(7));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Pieces
//! - [`WeekGraphs`]: the series as per-week [`ExposureGraph`](dexposure_graph::ExposureGraph)s;
//!   [`ForecastSplit`]: train / validation / test weeks (2025 for test at full scale).
//! - [`FeatureSet`]: node features (7 + 7 categories + 3 history) and 10 pair features, from
//!   weeks `<= t` only; [`FeatureScaling`]: their z-scoring, fitted on training weeks.
//! - [`model`]: the graph-tabular transformer ([`ForecasterConfig`] → [`GraphTabularTransformer`]).
//! - [`Trainer`]: the manual training loop ([`TrainConfig`]); [`Checkpoint`]: save, load, resume.
//! - [`TrainedForecaster::forecast`]: the leak-free forecast graph Ĝ_{t+h} ([`ForecastGraph`]).
//! - [`Forecaster`]: what every row of the results table implements; [`baselines`] (heuristics,
//!   pair-feature logistic regression); [`evaluate`] (protocols (a)–(e) of §9, [`evaluate::ResultsTable`]);
//!   [`experiment`] (all rows for trained checkpoints).
//! - The link-prediction baselines of the DeXposure paper, on the same pairs and loss:
//!   [`roland`] (recurrent, memory per protocol), [`gcn`], [`gat`] and [`node2vec`] (static per
//!   week, trained by [`gnn::StaticGnnTrainer`]); [`benchmark`] runs every row at every horizon
//!   and seed, resumably.
//!
//! # Backends
//! One model definition runs on every burn backend compiled in ([`BackendKind`]): cargo
//! features `flex` (default; burn's pure-Rust CPU backend), `ndarray` and `wgpu`. Weights are
//! initialised from our own seeded generator, so every backend starts from the same numbers, and
//! a checkpoint written on one loads on the others.

pub mod baselines;
pub mod benchmark;
mod error;
pub mod evaluate;
pub mod experiment;
pub mod features;
pub mod forecaster;
pub mod history;
pub mod pairs;

pub use error::{ModelError, Result};
pub use features::{FeatureScaling, FeatureSet, Normalizer};
pub use forecaster::{Forecaster, PairForecast};
pub use history::{ForecastSplit, SplitPart, WalkForward, WeekGraphs};
pub use pairs::{AnchorPairs, CandidateConfig, NodeTargets};
pub mod backend;
pub mod checkpoint;
pub mod forecast;
pub mod gat;
pub mod gcn;
pub mod gnn;
pub mod model;
pub mod node2vec;
pub mod roland;
#[cfg(test)]
mod test_series;
pub mod train;

pub use backend::BackendKind;
/// The burn device type models run on (re-exported so users need no direct burn dependency).
pub use burn::prelude::Device;
pub use checkpoint::{Checkpoint, CheckpointFiles, CheckpointMeta, TrainingData};
pub use forecast::{Calibration, ForecastGraph, LinkRule, ModelOutputs, TrainedForecaster};
pub use gat::GatConfig;
pub use gcn::GcnConfig;
pub use gnn::{StaticGnnForecaster, StaticGnnTrainer};
pub use model::{ForecasterConfig, GraphTabularTransformer};
pub use node2vec::Node2VecConfig;
pub use roland::{RolandConfig, RolandForecaster, RolandTrainer};
pub use train::{EpochRecord, LossWeights, TrainConfig, Trainer, TrainingState};
