//! What is measured on every graph, observed or forecast: [`WeekMeasures`].

use dexposure_graph::{ExposureGraph, NetworkMetrics, SectorSpillover, SystemicImportance};
use dexposure_snapshot::{NaiveDate, ProtocolId, Snapshot};
use serde::Serialize;

use super::error::Result;

/// Measures added to [`NetworkMetrics`]: the mean systemic-importance score and the sector
/// spillover total and index (DESIGN.md §6).
pub const EXTRA_MEASURES: [&str; 3] = ["mean_sis", "spillover_total", "spillover_index"];

/// How many of the most systemically important protocols are compared between graphs.
pub const TOP_SIS: usize = 10;

/// The names of [`WeekMeasures::values`], in order: every numeric column of [`NetworkMetrics`]
/// (harmonic closeness, off by default, left out), then [`EXTRA_MEASURES`]. The edge HHI is
/// `link_weight_hhi`; the total exposure is `total_exposure`.
pub fn measure_names() -> Vec<&'static str> {
    NetworkMetrics::COLUMNS
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "date" | "avg_harmonic_closeness"))
        .chain(EXTRA_MEASURES)
        .collect()
}

/// The measures of one graph: the week's [`NetworkMetrics`], mean SIS, spillover total and
/// index, and the ten protocols of highest SIS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekMeasures {
    /// Week the graph stands for (for a forecast: the target week).
    pub date: NaiveDate,
    /// Values aligned with [`measure_names`].
    pub values: Vec<f64>,
    /// The [`TOP_SIS`] protocols of highest SIS, highest first.
    pub top_sis: Vec<ProtocolId>,
}

impl WeekMeasures {
    /// Measures `graph`, built from `week`.
    pub fn of(graph: &ExposureGraph, week: &Snapshot) -> Result<Self> {
        let metrics = NetworkMetrics::compute(graph, week)?;
        let scores = SystemicImportance::default().run(graph)?;
        let spillover = SectorSpillover::from_graph(graph);
        let record = serde_json::to_value(&metrics).unwrap_or_default();
        let mean_sis = if scores.sis.is_empty() {
            0.0
        } else {
            scores.sis.iter().sum::<f64>() / scores.sis.len() as f64
        };
        let extra = [mean_sis, spillover.total, spillover.index];
        let names = measure_names();
        let base = names.len() - extra.len();
        let values = names[..base]
            .iter()
            .map(|name| record.get(*name).and_then(|v| v.as_f64()).unwrap_or(0.0))
            .chain(extra)
            .collect();
        Ok(Self {
            date: week.date,
            values,
            top_sis: scores
                .top_k(TOP_SIS)
                .into_iter()
                .map(|i| graph.protocol(i))
                .collect(),
        })
    }

    /// The value of measure `name`, if it is one of [`measure_names`].
    pub fn get(&self, name: &str) -> Option<f64> {
        let k = measure_names().iter().position(|n| *n == name)?;
        self.values.get(k).copied()
    }

    /// Jaccard overlap |A ∩ B| / |A ∪ B| of the top-SIS sets of two graphs (1 when both empty).
    pub fn top_sis_overlap(&self, other: &WeekMeasures) -> f64 {
        let inter = self
            .top_sis
            .iter()
            .filter(|p| other.top_sis.contains(p))
            .count();
        let union = self.top_sis.len() + other.top_sis.len() - inter;
        if union == 0 {
            1.0
        } else {
            inter as f64 / union as f64
        }
    }
}
