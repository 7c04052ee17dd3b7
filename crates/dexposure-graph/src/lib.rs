//! The exposure graph of a DeXposure week and the metrics computed on it (DESIGN.md §6).
//!
//! ```
//! use dexposure_graph::ExposureGraph;
//! use dexposure_snapshot::SeriesLoader;
//!
//! let json = br#"{"data": {"2022-05-09": {"nodes": [
//!     {"id": "182", "size": 10.0, "composition": {"STETH": 10.0}},
//!     {"id": "2269", "size": 5.0, "composition": {"STETH": 4.0, "USDT": 1.0}},
//!     {"id": "1599", "size": 1.0, "composition": {"WSTETH": 1.0}}],
//!   "links": [{"source": "182", "target": "2269", "size": 2.0, "composition": {"STETH": 2.0}},
//!             {"source": "1599", "target": "182", "size": 1.0, "composition": {"WSTETH": 1.0}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let graph = ExposureGraph::from_snapshot(series.first().ok_or("no week")?, series.symbols(), None)?;
//! assert_eq!((graph.node_count(), graph.edge_count()), (3, 2));
//! assert_eq!(graph.in_degree(0), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `dexposure-graph` depends on `dexposure-snapshot`, petgraph and rayon only: no burn, no
//! plotting, no command-line crates, so that other tools can embed it.

pub mod community;
pub mod curvature;
mod error;
mod graph;
pub mod inequality;
pub mod linkpred;
pub mod network;
pub mod pagerank;
pub use dexposure_rng as rng;
pub mod spillover;
pub mod structure;
pub mod systemic;
pub mod temporal;

pub use error::{GraphError, Result};
pub use graph::{CompositionStats, Csr, ExposureGraph};
pub use network::{MetricOptions, NetworkMetrics};
pub use pagerank::{PageRank, PageRankScores, SelfLoops};
pub use spillover::SectorSpillover;
pub use structure::{StructureMetrics, StructureOptions};
pub use systemic::{SisWeights, SystemicImportance, SystemicScores};
pub use temporal::{MetricTable, OverlapPoint, StructureTable};
