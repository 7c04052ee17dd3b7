//! `dexposure`: measure, forecast and stress-test credit exposure between DeFi protocols.
//!
//! This facade re-exports the workspace's library crates and holds what the example binaries
//! share: the embedded default dataset, plain-text report tables, [`monitor`], where the
//! forecasting model, the graph metrics and the stress engines meet (forecast-then-measure,
//! predictive stress on forecasts, early-warning event studies), and [`dashboard`], the analyst
//! report (one HTML page with [`plot`] figures and [`table`] files in CSV and Parquet).
//!
//! ```
//! let series = dexposure::datasets::embedded()?;
//! let report = dexposure::snapshot::QualityReport::new(&series, None);
//! println!("{}", dexposure::report::summary_table(&report));
//! assert!(series.len() >= 4);
//! # Ok::<(), dexposure::snapshot::SnapshotError>(())
//! ```

pub use dexposure_econ as econ;
pub use dexposure_graph as graph;
pub use dexposure_model as model;
pub use dexposure_snapshot as snapshot;
pub use dexposure_stress as stress;
pub use dexposure_synth as synth;

pub mod dashboard;
pub mod datasets;
pub mod monitor;
pub mod plot;
pub mod report;
pub mod table;
