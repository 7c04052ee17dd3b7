//! Community and curvature summaries of one week, for the weekly tables: the expensive part of
//! the metric set (seconds per full-scale week, against milliseconds for [`NetworkMetrics`]).
//!
//! ```
//! use dexposure_graph::curvature::CurvatureOptions;
//! use dexposure_graph::{ExposureGraph, StructureMetrics, StructureOptions};
//! use dexposure_snapshot::SeriesLoader;
//! let json = br#"{"data": {"2024-01-01": {"nodes": [
//!     {"id": "1", "size": 1.0, "composition": {}}, {"id": "2", "size": 1.0, "composition": {}},
//!     {"id": "3", "size": 1.0, "composition": {}}],
//!   "links": [{"source": "1", "target": "2", "size": 1.0, "composition": {}},
//!             {"source": "2", "target": "3", "size": 1.0, "composition": {}},
//!             {"source": "3", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let week = series.first().ok_or("no week")?;
//! let graph = ExposureGraph::from_snapshot(week, series.symbols(), None)?;
//! let options = StructureOptions { curvature: Some(CurvatureOptions::default()), ..Default::default() };
//! let m = StructureMetrics::compute(&graph, week.date, &options)?;
//! assert_eq!(m.louvain_communities, 1);
//! assert!(m.mean_curvature.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`NetworkMetrics`]: crate::NetworkMetrics

use dexposure_snapshot::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::community::{InfomapOptions, LouvainOptions, infomap, louvain};
use crate::curvature::{CurvatureOptions, ollivier_ricci};
use crate::error::Result;
use crate::graph::ExposureGraph;
use crate::network::{CsvCell, flat_record};

/// Settings of the algorithms behind [`StructureMetrics`] (seeded: same settings, same rows).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StructureOptions {
    /// Louvain settings.
    pub louvain: LouvainOptions,
    /// Infomap settings.
    pub infomap: InfomapOptions,
    /// Curvature settings; `None` skips curvature (the slowest of the three).
    pub curvature: Option<CurvatureOptions>,
}

flat_record! {
    /// Community structure and curvature of one week (definitions in [`crate::community`] and
    /// [`crate::curvature`]). Serializes as a flat record whose keys are the CSV columns.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct StructureMetrics {
        /// Week date.
        pub date: NaiveDate,
        /// Number of Louvain communities.
        pub louvain_communities: usize,
        /// Modularity of the Louvain partition.
        pub louvain_modularity: f64,
        /// Number of Infomap modules.
        pub infomap_modules: usize,
        /// Two-level codelength of the Infomap partition (bits).
        pub infomap_codelength: f64,
        /// Mean Ollivier–Ricci curvature over the edges (empty without edges or when skipped).
        pub mean_curvature: Option<f64>,
    }
}

impl StructureMetrics {
    /// The summary of one week's graph.
    pub fn compute(
        graph: &ExposureGraph,
        date: NaiveDate,
        options: &StructureOptions,
    ) -> Result<Self> {
        let communities = louvain(graph, &options.louvain)?;
        let modules = infomap(graph, &options.infomap)?;
        let mean_curvature = match &options.curvature {
            Some(curvature) => ollivier_ricci(graph, curvature)?.mean,
            None => None,
        };
        Ok(Self {
            date,
            louvain_communities: communities.num_communities,
            louvain_modularity: communities.modularity,
            infomap_modules: modules.num_modules,
            infomap_codelength: modules.codelength,
            mean_curvature,
        })
    }
}
