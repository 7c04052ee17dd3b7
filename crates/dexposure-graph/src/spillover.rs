//! Sector spillovers (DESIGN.md §6): how much exposure crosses from one broad sector to another.
//!
//! `S[i][j]` is the sum of the merged weights of the edges from a node of sector `i` to a node
//! of sector `j`, over the seven [`BroadCategory::ALL`] values in that order (`Unknown` last).
//! The matrix keeps its diagonal (within-sector exposure); the *spillover* quantities use only
//! the off-diagonal cells:
//!
//! - spillover total = `Σ_{i≠j} S[i][j]`;
//! - spillover index = HHI of the off-diagonal cells, `Σ_{i≠j} (S[i][j] / total)²` (0 when the
//!   total is 0);
//! - cross-sector ratio = spillover total / total edge weight `Σ_{i,j} S[i][j]` (0 when the graph
//!   carries no weight).
//!
//! A self-loop joins a node to itself, so it is within-sector: it adds to the diagonal and to
//! the ratio's denominator, never to the spillover total.
//!
//! ```
//! use dexposure_graph::{ExposureGraph, SectorSpillover};
//! use dexposure_snapshot::{BroadCategory, ProtocolCatalog, SeriesLoader};
//!
//! let json = br#"{"data": {"2024-01-01": {"nodes": [
//!     {"id": "1", "size": 1.0, "composition": {}}, {"id": "2", "size": 1.0, "composition": {}}],
//!   "links": [{"source": "1", "target": "2", "size": 3.0, "composition": {}},
//!             {"source": "1", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
//! let catalog = ProtocolCatalog::from_id_to_info_str(
//!     r#"{"1": {"name": "A", "category": "Asset Management"},
//!         "2": {"name": "B", "category": "Trading & Exchanges"}}"#, "id_to_info.json")?;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let week = series.first().ok_or("no week")?;
//! let graph = ExposureGraph::from_snapshot(week, series.symbols(), Some(&catalog))?;
//! let s = SectorSpillover::from_graph(&graph);
//! assert_eq!(s.matrix[0][1], 3.0); // Asset Management → Trading & Exchanges
//! assert_eq!(s.matrix[0][0], 1.0); // the self-loop stays within its sector
//! assert_eq!((s.total, s.index, s.ratio), (3.0, 1.0, 0.75));
//! assert_eq!(s.labels[6], BroadCategory::Unknown);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use dexposure_snapshot::BroadCategory;
use serde::{Deserialize, Serialize};

use crate::graph::ExposureGraph;
use crate::inequality::{Values, hhi};

/// Number of sectors K (the six broad sectors and `Unknown`).
pub const SECTORS: usize = BroadCategory::ALL.len();

/// The K×K sector exposure matrix and its spillover summaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectorSpillover {
    /// Row/column labels: [`BroadCategory::ALL`] (serialised as display names).
    pub labels: [BroadCategory; SECTORS],
    /// `matrix[i][j]`: merged weight from sector `labels[i]` to sector `labels[j]`, diagonal
    /// included.
    pub matrix: [[f64; SECTORS]; SECTORS],
    /// Spillover total: sum of the off-diagonal cells.
    pub total: f64,
    /// Spillover index: HHI of the off-diagonal cells (0 when the total is 0).
    pub index: f64,
    /// Cross-sector exposure ratio: spillover total / all edge weight (0 when there is none).
    pub ratio: f64,
    /// All edge weight: sum of every cell, diagonal (self-loops included) too.
    pub total_weight: f64,
}

impl SectorSpillover {
    /// The sector matrix of a graph, using its node categories (see the
    /// [module documentation](self)).
    pub fn from_graph(graph: &ExposureGraph) -> Self {
        let sector: Vec<usize> = graph.categories().iter().map(|&c| position(c)).collect();
        let mut matrix = [[0.0; SECTORS]; SECTORS];
        let out = graph.out_csr();
        for (i, &si) in sector.iter().enumerate() {
            let Some(row) = matrix.get_mut(si) else {
                continue;
            };
            for (j, w) in out.row(i) {
                if let Some(cell) = sector.get(j).and_then(|&sj| row.get_mut(sj)) {
                    *cell += w;
                }
            }
        }
        Self::from_matrix(matrix)
    }

    /// Summaries of a given sector matrix (rows and columns in [`BroadCategory::ALL`] order).
    pub fn from_matrix(matrix: [[f64; SECTORS]; SECTORS]) -> Self {
        let off_diagonal: Vec<f64> = off_diagonal(&matrix).collect();
        let total: f64 = off_diagonal.iter().sum();
        let total_weight: f64 = matrix.iter().flatten().sum();
        Self {
            labels: BroadCategory::ALL,
            matrix,
            total,
            index: if total > 0.0 {
                hhi(&off_diagonal, Values::All)
            } else {
                0.0
            },
            ratio: if total_weight > 0.0 {
                total / total_weight
            } else {
                0.0
            },
            total_weight,
        }
    }

    /// Each off-diagonal cell's share of the spillover total (diagonal cells 0; all 0 when the
    /// total is 0). The shares sum to 1 when the total is positive.
    pub fn shares(&self) -> [[f64; SECTORS]; SECTORS] {
        let mut shares = [[0.0; SECTORS]; SECTORS];
        if self.total > 0.0 {
            for (i, (row, out)) in self.matrix.iter().zip(shares.iter_mut()).enumerate() {
                for (j, (&v, s)) in row.iter().zip(out.iter_mut()).enumerate() {
                    if i != j {
                        *s = v / self.total;
                    }
                }
            }
        }
        shares
    }

    /// The weight from sector `from` to sector `to`.
    pub fn get(&self, from: BroadCategory, to: BroadCategory) -> f64 {
        self.matrix
            .get(position(from))
            .and_then(|row| row.get(position(to)))
            .copied()
            .unwrap_or(0.0)
    }
}

/// Off-diagonal cells, row by row.
fn off_diagonal(matrix: &[[f64; SECTORS]; SECTORS]) -> impl Iterator<Item = f64> + '_ {
    matrix.iter().enumerate().flat_map(|(i, row)| {
        row.iter()
            .enumerate()
            .filter(move |&(j, _)| j != i)
            .map(|(_, &v)| v)
    })
}

/// Index of a category in [`BroadCategory::ALL`].
fn position(c: BroadCategory) -> usize {
    BroadCategory::ALL
        .iter()
        .position(|&x| x == c)
        .unwrap_or(SECTORS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_matrix_has_zero_summaries() {
        let s = SectorSpillover::from_matrix([[0.0; SECTORS]; SECTORS]);
        assert_eq!(
            (s.total, s.index, s.ratio, s.total_weight),
            (0.0, 0.0, 0.0, 0.0)
        );
        assert_eq!(s.shares(), [[0.0; SECTORS]; SECTORS]);
    }

    #[test]
    fn diagonal_only_is_no_spillover() {
        let mut m = [[0.0; SECTORS]; SECTORS];
        m[2][2] = 5.0;
        let s = SectorSpillover::from_matrix(m);
        assert_eq!(
            (s.total, s.index, s.ratio, s.total_weight),
            (0.0, 0.0, 0.0, 5.0)
        );
    }

    #[test]
    fn hand_checked() {
        let mut m = [[0.0; SECTORS]; SECTORS];
        m[0][1] = 3.0;
        m[1][0] = 1.0;
        m[1][1] = 4.0;
        let s = SectorSpillover::from_matrix(m);
        assert_eq!(s.total, 4.0);
        assert!((s.index - (0.75f64.powi(2) + 0.25f64.powi(2))).abs() < 1e-15);
        assert_eq!(s.ratio, 0.5);
        assert_eq!(s.shares()[0][1], 0.75);
        assert_eq!(
            s.get(
                BroadCategory::TradingExchanges,
                BroadCategory::AssetManagement
            ),
            1.0
        );
        assert_eq!(position(BroadCategory::Unknown), SECTORS - 1);
    }
}
