//! Weighted PageRank, identical to `networkx.pagerank` (DESIGN.md §6).
//!
//! [`PageRank::run`] reproduces networkx 3.x's `pagerank` (its SciPy power iteration) on the
//! DiGraph whose edge weights are the merged (summed) link sizes, self-loops kept — the graph
//! [`ExposureGraph::out_csr`] holds:
//!
//! 1. start from the uniform vector `x = 1/N`;
//! 2. normalise each row of the weight matrix by the node's out-strength (networkx's
//!    `stochastic_graph`); a node whose out-strength is 0 is *dangling*;
//! 3. iterate `x ← α (x·W + (Σ_dangling x) · 1/N) + (1 − α) · 1/N`;
//! 4. stop as soon as the L1 change `Σ |x_new − x|` is below `N · tolerance` and return `x_new`;
//!    fail with [`GraphError::NoConvergence`] after `max_iterations` iterations (networkx raises
//!    `PowerIterationFailedConvergence`).
//!
//! The sums are taken in the same order as numpy/SciPy (row sums: first value plus numpy's
//! pairwise sum of the rest; `x·W`: sources in ascending order; L1 change: numpy's pairwise
//! sum), so the result equals networkx's to the last bit or so, not merely to the tolerance.
//!
//! **Self-loops.** networkx keeps them, and so does [`SelfLoops::Keep`] (the default). With
//! [`SelfLoops::Exclude`] they are left out of the out-strengths and of the transition matrix, as
//! if removed from the graph, so a node whose only out-link is a self-loop becomes dangling
//! instead of trapping the mass that reaches it (useful for SIS).
//!
//! **Zero-weight edges.** networkx computes the out-strength `s` of each node and scales its row
//! by `1/s` only where `s ≠ 0`; nodes with `s = 0` are dangling. So a node whose out-edges all
//! weigh 0 is dangling exactly like a node without out-edges — its mass is spread uniformly over
//! all nodes — and a zero-weight edge beside positive ones carries nothing. This module does the
//! same.
//!
//! ```
//! use dexposure_graph::{ExposureGraph, PageRank};
//! use dexposure_snapshot::SeriesLoader;
//!
//! let json = br#"{"data": {"2024-01-01": {"nodes": [
//!     {"id": "1", "size": 1.0, "composition": {}}, {"id": "2", "size": 1.0, "composition": {}}],
//!   "links": [{"source": "1", "target": "2", "size": 3.0, "composition": {}}]}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let graph = ExposureGraph::from_snapshot(series.first().ok_or("no week")?, series.symbols(), None)?;
//! let pr = PageRank::default().run(&graph)?;
//! assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! assert!(pr[1] > pr[0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::graph::ExposureGraph;

/// What PageRank does with a self-loop (a protocol holding its own token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfLoops {
    /// Keep them, as networkx does: a self-loop returns the node's mass to itself, so a node
    /// whose only out-link is a self-loop traps the mass that reaches it.
    #[default]
    Keep,
    /// Leave them out (networkx on the graph after `remove_edges_from(selfloop_edges(G))`): a
    /// node whose only out-link is a self-loop is dangling and spreads its mass uniformly.
    Exclude,
}

/// Configuration of weighted PageRank; [`Default`] is networkx's defaults
/// (`alpha = 0.85`, `tol = 1e-6`, `max_iter = 100`, self-loops kept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageRank {
    /// Damping factor α, in [0, 1].
    pub alpha: f64,
    /// Convergence tolerance per node: iteration stops when the L1 change is below
    /// `N · tolerance`. Finite and > 0.
    pub tolerance: f64,
    /// Most power iterations run before giving up with [`GraphError::NoConvergence`].
    pub max_iterations: usize,
    /// Self-loops kept (networkx, the default) or left out.
    #[serde(default)]
    pub self_loops: SelfLoops,
}

impl Default for PageRank {
    fn default() -> Self {
        Self {
            alpha: 0.85,
            tolerance: 1e-6,
            max_iterations: 100,
            self_loops: SelfLoops::Keep,
        }
    }
}

/// PageRank scores with the number of power iterations that produced them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PageRankScores {
    /// Score of each node, by node index; sums to 1 (empty for an empty graph).
    pub scores: Vec<f64>,
    /// Power iterations run (0 for an empty graph).
    pub iterations: usize,
}

impl PageRank {
    /// Checks the configuration: α finite in [0, 1], tolerance finite and > 0.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && (0.0..=1.0).contains(&self.alpha)) {
            return Err(GraphError::InvalidArgument(format!(
                "PageRank alpha must be in [0, 1], got {}",
                self.alpha
            )));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(GraphError::InvalidArgument(format!(
                "PageRank tolerance must be finite and > 0, got {}",
                self.tolerance
            )));
        }
        Ok(())
    }

    /// PageRank of every node, by node index (see the [module documentation](self)).
    ///
    /// Errors: [`GraphError::InvalidArgument`] for a bad configuration or a node whose merged
    /// out-strength overflows to infinity; [`GraphError::NoConvergence`] when the iteration
    /// does not converge within `max_iterations`.
    pub fn run(&self, graph: &ExposureGraph) -> Result<Vec<f64>> {
        self.run_detailed(graph).map(|r| r.scores)
    }

    /// Like [`PageRank::run`], also reporting the number of iterations.
    pub fn run_detailed(&self, graph: &ExposureGraph) -> Result<PageRankScores> {
        self.validate()?;
        let n = graph.node_count();
        if n == 0 {
            return Ok(PageRankScores::default());
        }
        let out = graph.out_csr();
        let inc = graph.in_csr();

        let exclude = self.self_loops == SelfLoops::Exclude;
        // Reciprocal out-strengths, 0 for dangling nodes (scipy: S[S != 0] = 1 / S[S != 0]).
        let mut inverse = Vec::with_capacity(n);
        let mut kept = Vec::new();
        for i in 0..n {
            let s = if exclude {
                kept.clear();
                kept.extend(out.row(i).filter(|&(j, _)| j != i).map(|(_, w)| w));
                reduceat_sum(&kept)
            } else {
                reduceat_sum(out.weights(i))
            };
            if !s.is_finite() {
                return Err(GraphError::InvalidArgument(format!(
                    "node {:?} has a non-finite out-strength ({s}); PageRank needs finite weights",
                    graph.name(i)
                )));
            }
            inverse.push(if s != 0.0 { 1.0 / s } else { 0.0 });
        }
        let dangling: Vec<usize> = (0..n).filter(|&i| inverse[i] == 0.0).collect();

        // Transition coefficients aligned with the in-CSR entries: W[j][i] = inverse[j] · w.
        let mut coefficients = Vec::with_capacity(inc.len());
        for i in 0..n {
            for (j, w) in inc.row(i) {
                // an excluded self-loop carries nothing (adding 0 leaves the sums unchanged)
                let c = if exclude && j == i {
                    0.0
                } else {
                    inverse.get(j).copied().unwrap_or(0.0) * w
                };
                coefficients.push(c);
            }
        }

        let p = 1.0 / n as f64;
        let teleport = (1.0 - self.alpha) * p;
        let threshold = n as f64 * self.tolerance;
        let mut x = vec![p; n];
        let mut next = vec![0.0; n];
        let mut change = vec![0.0; n];
        for iteration in 1..=self.max_iterations {
            let dangling_sum: f64 = dangling.iter().map(|&i| x[i]).fold(0.0, |a, v| a + v);
            let mut k = 0;
            for (i, slot) in next.iter_mut().enumerate() {
                let mut acc = 0.0;
                for &j in inc.neighbours(i) {
                    let c = coefficients.get(k).copied().unwrap_or(0.0);
                    acc += c * x.get(j as usize).copied().unwrap_or(0.0);
                    k += 1;
                }
                *slot = self.alpha * (acc + dangling_sum * p) + teleport;
            }
            for ((d, a), b) in change.iter_mut().zip(&next).zip(&x) {
                *d = (a - b).abs();
            }
            std::mem::swap(&mut x, &mut next);
            if pairwise_sum(&change) < threshold {
                return Ok(PageRankScores {
                    scores: x,
                    iterations: iteration,
                });
            }
        }
        Err(GraphError::NoConvergence {
            algorithm: "PageRank",
            iterations: self.max_iterations,
            tolerance: self.tolerance,
        })
    }
}

/// Sum of one CSR row as `np.add.reduceat` takes it: the first value, plus numpy's pairwise sum
/// of the others.
fn reduceat_sum(values: &[f64]) -> f64 {
    match values.split_first() {
        Some((first, rest)) => first + pairwise_sum(rest),
        None => 0.0,
    }
}

/// numpy's pairwise summation of a contiguous float64 array (what `np.sum` computes).
fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |acc, v| acc + v)
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[whole..] {
            res += v;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        let (left, right) = a.split_at(half);
        pairwise_sum(left) + pairwise_sum(right)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_plain_sum_on_exact_values() {
        for n in [0usize, 1, 7, 8, 9, 16, 127, 128, 129, 300, 1000] {
            let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_eq!(pairwise_sum(&v), (n * n.saturating_sub(1) / 2) as f64);
        }
        assert_eq!(reduceat_sum(&[]), 0.0);
        assert_eq!(reduceat_sum(&[2.0, 3.0]), 5.0);
    }

    #[test]
    fn validation() {
        let bad = [
            PageRank {
                alpha: 1.5,
                ..PageRank::default()
            },
            PageRank {
                alpha: f64::NAN,
                ..PageRank::default()
            },
            PageRank {
                tolerance: 0.0,
                ..PageRank::default()
            },
            PageRank {
                tolerance: f64::INFINITY,
                ..PageRank::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
        assert!(PageRank::default().validate().is_ok());
    }
}
