//! Louvain modularity maximisation on the undirected weighted view.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{SplitMix64, canonical, check_csr, check_membership};
use crate::error::{GraphError, Result};
use crate::graph::{Csr, ExposureGraph};

/// Parameters of [`louvain`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LouvainOptions {
    /// Resolution γ of the modularity (default 1).
    pub resolution: f64,
    /// Seed of the node orders (default 1).
    pub seed: u64,
    /// Independent runs (in parallel) with seeds drawn from `seed`; the partition of highest
    /// modularity is kept, ties going to the earliest run (default 8: one Louvain run's
    /// modularity varies by several percent with the node order on hub-heavy graphs).
    pub trials: usize,
    /// A level whose modularity gain is at most this ends the algorithm (default 1e-7, the
    /// `threshold` of networkx).
    pub tolerance: f64,
}

impl Default for LouvainOptions {
    fn default() -> Self {
        Self {
            resolution: 1.0,
            seed: 1,
            trials: 8,
            tolerance: 1e-7,
        }
    }
}

/// A Louvain partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LouvainResult {
    /// Community of each node, labelled `0..num_communities` in order of first appearance.
    pub membership: Vec<usize>,
    /// Number of communities (isolated nodes are communities of their own).
    pub num_communities: usize,
    /// Modularity of `membership` ([`modularity`], at the chosen resolution).
    pub modularity: f64,
    /// Aggregation levels of the best trial.
    pub levels: usize,
}

/// Louvain communities of the week's undirected weighted view ([`ExposureGraph::undirected`]:
/// weights of both directions summed, self-loops kept).
///
/// Louvain is a heuristic: it finds a local optimum of the modularity that depends on the node
/// order (seeded here), so it can differ from another implementation's partition, including
/// networkx's `louvain_communities` with the same seed; the tests require at least 97% of
/// networkx's modularity on the fixtures and exact recovery of planted partitions.
///
/// ```
/// use dexposure_graph::Csr;
/// use dexposure_graph::community::{louvain_undirected, LouvainOptions};
/// // two triangles joined by one weak edge
/// let mut entries = Vec::new();
/// for (a, b, w) in [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0), (2, 3, 0.1)] {
///     entries.push((a, b, w));
///     entries.push((b, a, w));
/// }
/// let result = louvain_undirected(&Csr::from_entries(6, entries), &LouvainOptions::default())?;
/// assert_eq!(result.membership, vec![0, 0, 0, 1, 1, 1]);
/// # Ok::<(), dexposure_graph::GraphError>(())
/// ```
pub fn louvain(graph: &ExposureGraph, options: &LouvainOptions) -> Result<LouvainResult> {
    louvain_undirected(&graph.undirected(), options)
}

/// [`louvain`] on a symmetric adjacency (finite non-negative weights; a diagonal entry is a
/// self-loop counted once in the total weight and twice in its node's degree, as networkx does).
pub fn louvain_undirected(adjacency: &Csr, options: &LouvainOptions) -> Result<LouvainResult> {
    if !(options.resolution.is_finite() && options.resolution >= 0.0) {
        return Err(GraphError::InvalidArgument(format!(
            "Louvain resolution must be finite and non-negative, got {}",
            options.resolution
        )));
    }
    if options.trials == 0 {
        return Err(GraphError::InvalidArgument(
            "Louvain needs at least one trial".into(),
        ));
    }
    if !(options.tolerance.is_finite() && options.tolerance >= 0.0) {
        return Err(GraphError::InvalidArgument(format!(
            "Louvain tolerance must be finite and non-negative, got {}",
            options.tolerance
        )));
    }
    check_csr(adjacency, true, "Louvain")?;
    let level0 = Level::from_csr(adjacency);
    let mut master = SplitMix64::new(options.seed);
    let seeds: Vec<u64> = (0..options.trials).map(|_| master.next_u64()).collect();
    let runs: Vec<(Vec<usize>, usize)> = seeds
        .par_iter()
        .map(|&s| run(&level0, options, s))
        .collect();
    let mut best: Option<LouvainResult> = None;
    for (membership, levels) in runs {
        let q = modularity(adjacency, &membership, options.resolution)?;
        if best.as_ref().is_none_or(|b| q > b.modularity) {
            let (membership, k) = canonical(membership);
            best = Some(LouvainResult {
                membership,
                num_communities: k,
                modularity: q,
                levels,
            });
        }
    }
    best.ok_or_else(|| GraphError::InvalidArgument("Louvain needs at least one trial".into()))
}

/// Modularity of a partition of an undirected weighted graph, as
/// `networkx.community.modularity(G, communities, weight="weight", resolution=γ)`:
///
/// ```text
/// Q = Σ_c [ L_c / m − γ (d_c / 2m)² ]
/// ```
///
/// with `m` the total edge weight (a self-loop once), `L_c` the weight of the edges inside `c`
/// (self-loops once) and `d_c` the sum of the weighted degrees of `c`'s nodes (a self-loop
/// twice). `adjacency` must be symmetric; labels of `membership` are arbitrary. Returns 0 for a
/// graph of zero total weight (networkx divides by zero there).
pub fn modularity(adjacency: &Csr, membership: &[usize], resolution: f64) -> Result<f64> {
    check_membership(adjacency.rows(), membership)?;
    check_csr(adjacency, true, "modularity")?;
    let (labels, k) = canonical(membership.iter().copied());
    let mut inside = vec![0.0f64; k];
    let mut degree = vec![0.0f64; k];
    let mut m = 0.0;
    for (i, &ci) in labels.iter().enumerate() {
        for (j, w) in adjacency.row(i) {
            if j == i {
                m += w;
                inside[ci] += w;
                degree[ci] += 2.0 * w;
            } else {
                degree[ci] += w;
                if j > i {
                    m += w;
                    if labels[j] == ci {
                        inside[ci] += w;
                    }
                }
            }
        }
    }
    if m <= 0.0 {
        return Ok(0.0);
    }
    let norm = 1.0 / (4.0 * m * m);
    Ok(inside
        .iter()
        .zip(&degree)
        .map(|(&l, &d)| l / m - resolution * d * d * norm)
        .sum())
}

/// One level of the Louvain hierarchy: a symmetric weighted graph without diagonal, plus
/// self-loop weights and degrees.
struct Level {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    loops: Vec<f64>,
    degree: Vec<f64>,
}

impl Level {
    fn n(&self) -> usize {
        self.loops.len()
    }

    fn from_csr(csr: &Csr) -> Self {
        let n = csr.rows();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let (mut targets, mut weights) = (Vec::new(), Vec::new());
        let mut loops = vec![0.0; n];
        let mut degree = vec![0.0; n];
        for i in 0..n {
            for (j, w) in csr.row(i) {
                if j == i {
                    loops[i] += w;
                    degree[i] += 2.0 * w;
                } else {
                    targets.push(j as u32);
                    weights.push(w);
                    degree[i] += w;
                }
            }
            offsets.push(targets.len());
        }
        Self {
            offsets,
            targets,
            weights,
            loops,
            degree,
        }
    }

    /// The graph of communities (`comm` labelled `0..k`). A community's self-loop weight is
    /// its members' self-loops plus every internal edge once (the symmetric rows hold each
    /// twice, hence `w / 2`), so `from_csr` gives it the sum of its members' degrees.
    fn aggregate(&self, comm: &[usize], k: usize) -> Self {
        let mut entries: Vec<(u32, u32, f64)> = Vec::with_capacity(self.targets.len() + self.n());
        for u in 0..self.n() {
            let cu = comm[u] as u32;
            entries.push((cu, cu, self.loops[u]));
            for e in self.offsets[u]..self.offsets[u + 1] {
                let cv = comm[self.targets[e] as usize] as u32;
                let w = if cv == cu {
                    self.weights[e] / 2.0
                } else {
                    self.weights[e]
                };
                entries.push((cu, cv, w));
            }
        }
        Self::from_csr(&Csr::from_entries(k, entries))
    }

    /// Modularity of the singleton partition of this level (= that of the leaf partition it
    /// stands for).
    fn singleton_modularity(&self, m: f64, resolution: f64) -> f64 {
        let norm = 1.0 / (4.0 * m * m);
        self.loops
            .iter()
            .zip(&self.degree)
            .map(|(&l, &d)| l / m - resolution * d * d * norm)
            .sum()
    }

    /// Local moving: returns the community of each node (labelled `0..k`), `k`, and whether any
    /// node moved.
    fn local_moving(
        &self,
        m2: f64,
        resolution: f64,
        rng: &mut SplitMix64,
    ) -> (Vec<usize>, usize, bool) {
        let n = self.n();
        let mut comm: Vec<usize> = (0..n).collect();
        let mut total = self.degree.clone();
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let mut to_comm = vec![0.0f64; n];
        let mut seen = vec![false; n];
        let mut touched: Vec<usize> = Vec::new();
        let mut any = false;
        const MAX_PASSES: usize = 1000;
        for _ in 0..MAX_PASSES {
            let mut moves = 0usize;
            for &u in &order {
                let ku = self.degree[u];
                let cu = comm[u];
                for e in self.offsets[u]..self.offsets[u + 1] {
                    let c = comm[self.targets[e] as usize];
                    if !seen[c] {
                        seen[c] = true;
                        touched.push(c);
                    }
                    to_comm[c] += self.weights[e];
                }
                total[cu] -= ku;
                let scale = resolution * ku / m2;
                let mut best = cu;
                let mut best_gain = to_comm[cu] - total[cu] * scale;
                for &c in &touched {
                    let gain = to_comm[c] - total[c] * scale;
                    if gain > best_gain {
                        best_gain = gain;
                        best = c;
                    }
                }
                total[best] += ku;
                if best != cu {
                    comm[u] = best;
                    moves += 1;
                }
                for &c in &touched {
                    to_comm[c] = 0.0;
                    seen[c] = false;
                }
                touched.clear();
            }
            if moves == 0 {
                break;
            }
            any = true;
        }
        let (labels, k) = canonical(comm);
        (labels, k, any)
    }
}

/// One seeded Louvain run: the leaf membership and the number of levels.
fn run(level0: &Level, options: &LouvainOptions, seed: u64) -> (Vec<usize>, usize) {
    let n = level0.n();
    let mut membership: Vec<usize> = (0..n).collect();
    let m2: f64 = level0.degree.iter().sum();
    if m2 <= 0.0 || n == 0 {
        return (membership, 0);
    }
    let m = m2 / 2.0;
    let mut rng = SplitMix64::new(seed);
    let mut quality = level0.singleton_modularity(m, options.resolution);
    let mut owned: Option<Level> = None;
    let mut levels = 0;
    loop {
        let level = owned.as_ref().unwrap_or(level0);
        let (comm, k, moved) = level.local_moving(m2, options.resolution, &mut rng);
        if !moved {
            break;
        }
        levels += 1;
        for c in membership.iter_mut() {
            *c = comm[*c];
        }
        let next = level.aggregate(&comm, k);
        let q = next.singleton_modularity(m, options.resolution);
        if q - quality <= options.tolerance || k == 1 {
            break;
        }
        quality = q;
        owned = Some(next);
    }
    (membership, levels)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn undirected(n: usize, edges: &[(u32, u32, f64)]) -> Csr {
        let mut entries = Vec::new();
        for &(a, b, w) in edges {
            entries.push((a, b, w));
            if a != b {
                entries.push((b, a, w));
            }
        }
        Csr::from_entries(n, entries)
    }

    #[test]
    fn modularity_by_hand() {
        // two disjoint edges, each its own community: Q = 2 · (1/2 − (2/4)²) = 0.5
        let g = undirected(4, &[(0, 1, 1.0), (2, 3, 1.0)]);
        assert!((modularity(&g, &[0, 0, 1, 1], 1.0).unwrap() - 0.5).abs() < 1e-15);
        assert!((modularity(&g, &[0, 0, 0, 0], 1.0).unwrap()).abs() < 1e-15);
        assert!(modularity(&g, &[0, 0, 1], 1.0).is_err());
        // self-loop: m = 1 + 2 = 3, degrees 2·2 + 1 = 5 and 1: one community → 1 − 1 = 0
        let g = undirected(2, &[(0, 0, 2.0), (0, 1, 1.0)]);
        assert!((modularity(&g, &[0, 0], 1.0).unwrap()).abs() < 1e-15);
        // split: (2/3 − (5/6)²) + (0 − (1/6)²)
        let q = 2.0 / 3.0 - 25.0 / 36.0 - 1.0 / 36.0;
        assert!((modularity(&g, &[0, 1], 1.0).unwrap() - q).abs() < 1e-15);
    }

    #[test]
    fn empty_and_edgeless_graphs() {
        let r =
            louvain_undirected(&Csr::from_entries(0, vec![]), &LouvainOptions::default()).unwrap();
        assert_eq!((r.membership.len(), r.num_communities), (0, 0));
        let r =
            louvain_undirected(&Csr::from_entries(3, vec![]), &LouvainOptions::default()).unwrap();
        assert_eq!(r.membership, vec![0, 1, 2]);
        assert_eq!(r.modularity, 0.0);
    }
}
