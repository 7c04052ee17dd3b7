//! Forecasting DeXposure exposure networks h weeks ahead with a graph-tabular transformer in
//! Burn, with leak-free forecast graphs and the baselines it must beat (DESIGN.md §9).

pub mod baselines;
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
pub use history::{ForecastSplit, SplitPart, WeekGraphs};
pub use pairs::{AnchorPairs, CandidateConfig, NodeTargets};
pub mod backend;
pub mod checkpoint;
pub mod forecast;
pub mod model;
pub mod train;

pub use backend::BackendKind;
pub use checkpoint::{Checkpoint, CheckpointMeta, TrainingData};
pub use forecast::{Calibration, ForecastGraph, ModelOutputs, TrainedForecaster};
pub use model::{ForecasterConfig, GraphTabularTransformer};
pub use train::{EpochRecord, LossWeights, TrainConfig, Trainer, TrainingState};
