//! Systemic importance of protocols: strengths, Tail5 and the systemic importance score (SIS)
//! of DESIGN.md §6.
//!
//! ```text
//! SIS(p) = w₁ · PR(p) / max PR  +  w₂ · Tail5(p)  +  w₃ · ln(1 + TVL(p)) / max ln(1 + TVL)
//! ```
//!
//! - `PR` is weighted PageRank ([`PageRank`], networkx-identical);
//! - `Tail5(p)` is the share of `p`'s 5 largest outgoing merged weights in its total outgoing
//!   weight (0 when `p` has no outgoing weight); a self-loop is one of `p`'s outgoing edges, as
//!   in networkx's `G.out_edges(p)`;
//! - `TVL(p)` is the node size; a negative or non-finite size counts as 0 (so `ln(1 + TVL) ≥ 0`);
//! - a term whose maximum over the nodes is 0 (no PageRank mass, every TVL 0) is 0 for every
//!   node, never NaN;
//! - the weights ([`SisWeights`], default 1/3 each) are divided by their sum before use, so that
//!   every SIS lies in [0, 1] whatever weights are given; with the default weights nothing
//!   changes (their sum is exactly 1).
//!
//! ```
//! use dexposure_graph::{ExposureGraph, SystemicImportance};
//! use dexposure_snapshot::SeriesLoader;
//!
//! let json = br#"{"data": {"2024-01-01": {"nodes": [
//!     {"id": "1", "size": 100.0, "composition": {}}, {"id": "2", "size": 5.0, "composition": {}},
//!     {"id": "3", "size": 1.0, "composition": {}}],
//!   "links": [{"source": "1", "target": "2", "size": 3.0, "composition": {}},
//!             {"source": "3", "target": "2", "size": 1.0, "composition": {}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let graph = ExposureGraph::from_snapshot(series.first().ok_or("no week")?, series.symbols(), None)?;
//! let scores = SystemicImportance::default().run(&graph)?;
//! assert_eq!(scores.tail5, vec![1.0, 0.0, 1.0]);
//! assert!(scores.sis.iter().all(|s| (0.0..=1.0).contains(s)));
//! assert_eq!(scores.top_k(1), vec![0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::graph::ExposureGraph;
use crate::inequality::{Values, top_k_share};
use crate::pagerank::PageRank;

/// Number of largest outgoing weights in Tail5.
pub const TAIL_EDGES: usize = 5;

/// Merged incoming weight of every node, by node index.
pub fn in_strengths(graph: &ExposureGraph) -> Vec<f64> {
    (0..graph.node_count())
        .map(|i| graph.in_strength(i))
        .collect()
}

/// Merged outgoing weight of every node, by node index.
pub fn out_strengths(graph: &ExposureGraph) -> Vec<f64> {
    (0..graph.node_count())
        .map(|i| graph.out_strength(i))
        .collect()
}

/// Share of each node's `k` largest outgoing merged weights in its outgoing weight (0 for a
/// node without outgoing weight), by node index. Values lie in [0, 1]: the share is capped at 1,
/// which a node with at most `k` outgoing edges could otherwise exceed by a rounding error (the
/// two sums add the same weights in different orders).
pub fn tail_shares(graph: &ExposureGraph, k: usize) -> Vec<f64> {
    (0..graph.node_count())
        .map(|i| top_k_share(graph.out_csr().weights(i), k, Values::All).min(1.0))
        .collect()
}

/// Tail5 of every node: [`tail_shares`] with `k` = [`TAIL_EDGES`].
pub fn tail5(graph: &ExposureGraph) -> Vec<f64> {
    tail_shares(graph, TAIL_EDGES)
}

/// Weights of the three SIS terms; [`Default`] is 1/3 each (DESIGN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SisWeights {
    /// Weight of the normalised PageRank term.
    pub pagerank: f64,
    /// Weight of the Tail5 term.
    pub tail: f64,
    /// Weight of the normalised log-TVL term.
    pub tvl: f64,
}

impl Default for SisWeights {
    fn default() -> Self {
        Self {
            pagerank: 1.0 / 3.0,
            tail: 1.0 / 3.0,
            tvl: 1.0 / 3.0,
        }
    }
}

impl SisWeights {
    /// The weights divided by their sum, after checking that each is finite and non-negative and
    /// that the sum is positive ([`GraphError::InvalidArgument`] otherwise).
    pub fn normalised(&self) -> Result<Self> {
        let all = [self.pagerank, self.tail, self.tvl];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(GraphError::InvalidArgument(format!(
                "SIS weights must be finite and non-negative, got {self:?}"
            )));
        }
        let sum = self.pagerank + self.tail + self.tvl;
        if !(sum > 0.0 && sum.is_finite()) {
            return Err(GraphError::InvalidArgument(format!(
                "SIS weights must have a positive finite sum, got {self:?}"
            )));
        }
        Ok(Self {
            pagerank: self.pagerank / sum,
            tail: self.tail / sum,
            tvl: self.tvl / sum,
        })
    }
}

/// Configuration of the systemic importance score: term weights and the PageRank used.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemicImportance {
    /// Weights of the three terms (normalised to sum 1 before use).
    pub weights: SisWeights,
    /// PageRank configuration (networkx defaults).
    pub pagerank: PageRank,
}

/// Per-node components of the SIS and the score itself, all by node index.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemicScores {
    /// Protocol id string of each node.
    pub protocols: Vec<String>,
    /// The normalised weights used (sum 1).
    pub weights: SisWeights,
    /// Merged incoming weight.
    pub in_strength: Vec<f64>,
    /// Merged outgoing weight.
    pub out_strength: Vec<f64>,
    /// Weighted PageRank.
    pub pagerank: Vec<f64>,
    /// `PR / max PR` (0 when max PR is 0).
    pub pagerank_term: Vec<f64>,
    /// Tail5: share of the 5 largest outgoing weights in the outgoing weight.
    pub tail5: Vec<f64>,
    /// `ln(1 + TVL) / max ln(1 + TVL)` (0 when every TVL is 0).
    pub tvl_term: Vec<f64>,
    /// Systemic importance score, in [0, 1].
    pub sis: Vec<f64>,
}

impl SystemicScores {
    /// Indices of the `k` nodes with the highest SIS (fewer if the graph is smaller), highest
    /// first; equal scores are ordered by node index.
    pub fn top_k(&self, k: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.sis.len()).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (
                self.sis.get(a).copied().unwrap_or(0.0),
                self.sis.get(b).copied().unwrap_or(0.0),
            );
            sb.total_cmp(&sa).then(a.cmp(&b))
        });
        order.truncate(k);
        order
    }
}

impl SystemicImportance {
    /// Computes PageRank with [`SystemicImportance::pagerank`], then the scores.
    ///
    /// Errors: invalid weights or PageRank configuration ([`GraphError::InvalidArgument`]),
    /// PageRank not converging ([`GraphError::NoConvergence`]).
    pub fn run(&self, graph: &ExposureGraph) -> Result<SystemicScores> {
        let weights = self.weights.normalised()?;
        let pagerank = self.pagerank.run(graph)?;
        self.scores(graph, weights, pagerank)
    }

    /// The scores from an already computed PageRank vector (one value per node, by index).
    ///
    /// Errors: invalid weights, or a `pagerank` whose length is not the node count
    /// ([`GraphError::InvalidArgument`]).
    pub fn with_pagerank(&self, graph: &ExposureGraph, pagerank: &[f64]) -> Result<SystemicScores> {
        let weights = self.weights.normalised()?;
        if pagerank.len() != graph.node_count() {
            return Err(GraphError::InvalidArgument(format!(
                "PageRank vector has {} values for {} nodes",
                pagerank.len(),
                graph.node_count()
            )));
        }
        self.scores(graph, weights, pagerank.to_vec())
    }

    fn scores(
        &self,
        graph: &ExposureGraph,
        weights: SisWeights,
        pagerank: Vec<f64>,
    ) -> Result<SystemicScores> {
        let n = graph.node_count();
        let pagerank_term = normalise_by_max(&pagerank);
        let log_tvl: Vec<f64> = graph
            .tvl()
            .iter()
            .map(|&t| {
                if t.is_finite() && t > 0.0 {
                    t.ln_1p()
                } else {
                    0.0
                }
            })
            .collect();
        let tvl_term = normalise_by_max(&log_tvl);
        let tail5 = tail5(graph);
        let sis = (0..n)
            .map(|i| {
                let term = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
                let s = weights.pagerank * term(&pagerank_term)
                    + weights.tail * term(&tail5)
                    + weights.tvl * term(&tvl_term);
                s.clamp(0.0, 1.0)
            })
            .collect();
        Ok(SystemicScores {
            protocols: (0..n).map(|i| graph.name(i).to_owned()).collect(),
            weights,
            in_strength: in_strengths(graph),
            out_strength: out_strengths(graph),
            pagerank,
            pagerank_term,
            tail5,
            tvl_term,
            sis,
        })
    }
}

/// `v / max v` with non-finite or negative values mapped to 0; all zeros when the maximum is not
/// positive.
fn normalise_by_max(values: &[f64]) -> Vec<f64> {
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let max = values.iter().copied().map(clean).fold(0.0, f64::max);
    values
        .iter()
        .map(|&v| if max > 0.0 { clean(v) / max } else { 0.0 })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_validated_and_normalised() {
        let w = SisWeights {
            pagerank: 2.0,
            tail: 1.0,
            tvl: 1.0,
        };
        let n = w.normalised().unwrap();
        assert_eq!((n.pagerank, n.tail, n.tvl), (0.5, 0.25, 0.25));
        assert_eq!(
            SisWeights::default().normalised().unwrap(),
            SisWeights::default()
        );
        for bad in [
            SisWeights {
                pagerank: -1.0,
                ..SisWeights::default()
            },
            SisWeights {
                tail: f64::NAN,
                ..SisWeights::default()
            },
            SisWeights {
                pagerank: 0.0,
                tail: 0.0,
                tvl: 0.0,
            },
            SisWeights {
                pagerank: f64::MAX,
                tail: f64::MAX,
                tvl: 0.0,
            },
        ] {
            assert!(bad.normalised().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn normalise_by_max_handles_zeros() {
        assert_eq!(normalise_by_max(&[0.0, 0.0]), vec![0.0, 0.0]);
        assert_eq!(
            normalise_by_max(&[1.0, 4.0, f64::NAN]),
            vec![0.25, 1.0, 0.0]
        );
        assert!(normalise_by_max(&[]).is_empty());
    }

    #[test]
    fn top_k_breaks_ties_by_index() {
        let s = SystemicScores {
            sis: vec![0.5, 0.9, 0.5, 0.1],
            ..SystemicScores::default()
        };
        assert_eq!(s.top_k(3), vec![1, 0, 2]);
        assert_eq!(s.top_k(10), vec![1, 0, 2, 3]);
        assert!(s.top_k(0).is_empty());
    }
}
