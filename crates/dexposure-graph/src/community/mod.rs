//! Community detection on the exposure network (DESIGN.md §6):
//!
//! - [`louvain`]: modularity maximisation (resolution 1 by default) on the undirected weighted
//!   view, full two-phase Louvain (local moving in a seeded random order, aggregation, repeated
//!   while modularity improves), with [`modularity`] computed exactly as
//!   `networkx.community.modularity`;
//! - [`infomap`]: the two-level map equation on the directed weighted graph with the flow model
//!   of the `infomap` package's defaults for directed networks (PageRank with teleportation
//!   probability 0.15, *unrecorded* teleportation *to links*), optimised by a greedy core loop in a
//!   seeded order with aggregation and fine-tuning passes, best of several seeded trials; and
//!   [`codelength`], the map equation of any partition.
//!
//! Both heuristics are deterministic for a given seed (a SplitMix64 generator drives every random
//! choice; trials run in parallel but are combined in trial order). Memberships are labelled
//! `0..k` in order of first appearance by node index.

mod louvain;
mod map_equation;

pub use louvain::{LouvainOptions, LouvainResult, louvain, louvain_undirected, modularity};
pub use map_equation::{
    InfomapOptions, InfomapResult, codelength, codelength_directed, infomap, infomap_directed,
};

use rustc_hash::FxHashMap;

use crate::error::{GraphError, Result};
use crate::graph::Csr;
pub(crate) use crate::rng::SplitMix64;

/// Relabels `labels` to `0..k` in order of first appearance; returns the labels and `k`.
pub(crate) fn canonical<I: IntoIterator<Item = usize>>(labels: I) -> (Vec<usize>, usize) {
    let mut map: FxHashMap<usize, usize> = FxHashMap::default();
    let out: Vec<usize> = labels
        .into_iter()
        .map(|l| {
            let next = map.len();
            *map.entry(l).or_insert(next)
        })
        .collect();
    let k = map.len();
    (out, k)
}

/// Checks that `membership` has one entry per row of `csr`.
pub(crate) fn check_membership(rows: usize, membership: &[usize]) -> Result<()> {
    if membership.len() != rows {
        return Err(GraphError::InvalidArgument(format!(
            "membership has {} entries for {} nodes",
            membership.len(),
            rows
        )));
    }
    Ok(())
}

/// Checks that weights are finite and non-negative, columns in range, and (when `symmetric`)
/// that entry `(i, j)` has the weight of `(j, i)` (to a relative 1e-9).
pub(crate) fn check_csr(csr: &Csr, symmetric: bool, what: &str) -> Result<()> {
    let n = csr.rows();
    for i in 0..n {
        for (j, w) in csr.row(i) {
            if !w.is_finite() || w < 0.0 {
                return Err(GraphError::InvalidArgument(format!(
                    "{what}: weight {w} of entry ({i}, {j}) is not finite and non-negative"
                )));
            }
            if j >= n {
                return Err(GraphError::InvalidArgument(format!(
                    "{what}: entry ({i}, {j}) is outside the {n} rows"
                )));
            }
            if symmetric
                && j != i
                && !csr
                    .weight(j, i)
                    .is_some_and(|v| (v - w).abs() <= 1e-9 * v.abs().max(w.abs()))
            {
                return Err(GraphError::InvalidArgument(format!(
                    "{what}: the adjacency is not symmetric at ({i}, {j})"
                )));
            }
        }
    }
    Ok(())
}

/// `x log2 x`, 0 for `x ≤ 0`.
pub(crate) fn plogp(x: f64) -> f64 {
    if x > 0.0 { x * x.log2() } else { 0.0 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut counts = [0usize; 4];
        let mut r = SplitMix64::new(1);
        for _ in 0..4000 {
            counts[r.below(4)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        let mut v: Vec<usize> = (0..10).collect();
        r.shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn canonical_labels() {
        assert_eq!(canonical([5, 5, 2, 9, 2]), (vec![0, 0, 1, 2, 1], 3));
        assert_eq!(canonical(Vec::<usize>::new()), (vec![], 0));
    }
}
