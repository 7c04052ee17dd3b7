//! Ollivier–Ricci curvature of the exposure network's edges (DESIGN.md §6), with an exact
//! Wasserstein-1 distance between neighbourhood measures.
//!
//! # Definition implemented
//!
//! The curvature is computed on the **undirected simple view** of the week: the graph of
//! [`ExposureGraph::undirected`] (node `x` and `y` adjacent when a link joins them in either
//! direction, weight `w(x, y)` = sum of the merged sizes of both directions) with its self-loops
//! dropped. For every node `x` with neighbours `N(x)` the measure is
//!
//! ```text
//! m_x(x) = α,    m_x(z) = (1 − α) · w(x, z) / Σ_{z' ∈ N(x)} w(x, z')   for z ∈ N(x)
//! ```
//!
//! ([`NeighbourMeasure::Weighted`], the default; when all of `x`'s weights are zero the
//! `(1 − α)` is spread uniformly), or `m_x(z) = (1 − α) / |N(x)|` with
//! [`NeighbourMeasure::Uniform`]. The ground distance `d` is the **hop-count** shortest-path
//! distance of the simple view (breadth-first search; weights play no part in it), and for every
//! edge `{x, y}`
//!
//! ```text
//! κ(x, y) = 1 − W1(m_x, m_y) / d(x, y) = 1 − W1(m_x, m_y)        (d(x, y) = 1)
//! ```
//!
//! with `W1` the exact optimal-transport cost (no entropic regularisation, no sampling). Hence
//! `κ ∈ [−2, 1]`. `α` defaults to 0.5 ([`CurvatureOptions::alpha`]). The result lists one value
//! per undirected edge (`source < target`), their mean, and each node's mean over its edges.
//!
//! # Relation to `GraphRicciCurvature`
//!
//! DeXposure-FM used `OllivierRicci(G, alpha=0.5, method="OTD")` of the `GraphRicciCurvature`
//! package. That package puts `α` on `x` and spreads `1 − α` over the neighbours with weights
//! `exp(−d(x, z)²)`, where `d` is the *weighted* shortest-path distance (edge attribute
//! `"weight"`, 1 when absent), and solves the transport exactly; self-loops are removed first.
//! For a directed graph it transports `x`'s predecessors to `y`'s successors along directed
//! shortest paths (which fails when some pair is unreachable). With USD exposures as weights,
//! `exp(−d²)` underflows to zero and distances are sums of dollars, which is meaningless; on an
//! unweighted undirected graph the package's measure is uniform and its distances are hop
//! counts, which is exactly [`NeighbourMeasure::Uniform`] here. The default,
//! [`NeighbourMeasure::Weighted`], keeps the hop-count geometry but lets exposure sizes shape
//! the neighbourhood measure (Ollivier's random-walk measure, as in Lin–Lu–Yau and in
//! Sandhu et al.'s weighted networks).
//!
//! # Exact W1 and complexity
//!
//! The two supports are `N[x] = {x} ∪ N(x)` and `N[y]`; because `x` and `y` are adjacent, every
//! distance between them is 1, 2 or 3 (or 0 on a shared node). Per edge:
//!
//! 1. the mass the two measures share on a node is left in place (optimal for any metric), so the
//!    remaining supports — sources `S` and sinks `T`, the side with the cheaper neighbourhood
//!    scan being the sources — are disjoint;
//! 2. each source gets a signature: its neighbours in `T` (distance 1) and its neighbours that
//!    have neighbours in `T` ("middle nodes": distance 2 to those); each distinct neighbour of
//!    the sources is scanned once (a hub is matched against `T` by binary search), so this costs
//!    `O(vol S + Σ_{c ∈ N(S)} min(deg c, |T| log deg c))`. Sources with equal signatures are
//!    merged (their distance rows are equal) — all leaves of a hub become one class;
//! 3. when `classes × |T|` is at most 4 Mi entries, the distance matrix is built, sinks with
//!    identical distance columns and sources with identical rows are merged, and a side with a
//!    single class gives W1 in closed form; otherwise sinks with identical in-signatures are
//!    merged;
//! 4. the reduced problem is an uncapacitated min-cost flow, either on the dense class matrix
//!    (distance-1 and -2 arcs) or on a sparse three-layer network (source → sink, cost 1;
//!    source → middle node → sink, 1 + 1, a middle node with a single source or sink class being
//!    replaced by cost-2 arcs), whichever is estimated cheaper. Both carry a hub
//!    (source → hub → sink, 1 + 2) standing for the path through the edge itself; the cheapest
//!    path between a source and a sink in either network is exactly their graph distance, so
//!    the min-cost flow is W1. It is solved by a primal network simplex (the scheme of LEMON,
//!    used by POT's `ot.emd2`: strongly feasible spanning tree, block-search pricing) started
//!    from the all-through-the-hub flow; costs and potentials are exact integers.
//!
//! Edges are processed in parallel (rayon); the cost is dominated by edges between hubs, whose
//! classes and networks grow with the number of distinct neighbourhoods rather than with the
//! hubs' degrees.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};
use std::hash::Hasher;

use crate::error::{GraphError, Result};
use crate::graph::{Csr, ExposureGraph};

/// How a node spreads the `1 − α` of its measure over its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NeighbourMeasure {
    /// Proportionally to the undirected edge weights (uniformly when they are all zero).
    #[default]
    Weighted,
    /// Uniformly (the `GraphRicciCurvature` measure on an unweighted graph).
    Uniform,
}

/// Parameters of [`ollivier_ricci`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvatureOptions {
    /// Mass kept on the node itself, in `[0, 1]` (default 0.5).
    pub alpha: f64,
    /// How the rest is spread over the neighbours (default [`NeighbourMeasure::Weighted`]).
    pub measure: NeighbourMeasure,
}

impl Default for CurvatureOptions {
    fn default() -> Self {
        Self {
            alpha: 0.5,
            measure: NeighbourMeasure::Weighted,
        }
    }
}

/// Curvature of one undirected edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeCurvature {
    /// Smaller node index of the edge.
    pub source: usize,
    /// Larger node index of the edge.
    pub target: usize,
    /// `κ = 1 − W1(m_source, m_target)`, in `[−2, 1]`.
    pub curvature: f64,
}

/// Ollivier–Ricci curvature of every edge of a week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvatureResult {
    /// Options used.
    pub options: CurvatureOptions,
    /// One entry per undirected edge of the simple view, by `(source, target)` ascending.
    pub edges: Vec<EdgeCurvature>,
    /// Mean curvature over the edges (`None` without edges).
    pub mean: Option<f64>,
    /// Per node, the mean curvature of its edges (`None` for nodes without any).
    pub node_mean: Vec<Option<f64>>,
}

/// Ollivier–Ricci curvature of the week's undirected simple view (see the module docs for the
/// exact definition).
///
/// ```
/// use dexposure_graph::ExposureGraph;
/// use dexposure_graph::curvature::{ollivier_ricci, CurvatureOptions};
/// use dexposure_snapshot::SeriesLoader;
/// // a triangle: every edge has κ = 1 − W1 = 1 − 0.25 (α = 0.5, equal weights)
/// let json = br#"{"data": {"2024-01-01": {"nodes": [
///     {"id": "1", "size": 1.0, "composition": {}}, {"id": "2", "size": 1.0, "composition": {}},
///     {"id": "3", "size": 1.0, "composition": {}}],
///   "links": [{"source": "1", "target": "2", "size": 1.0, "composition": {}},
///             {"source": "2", "target": "3", "size": 1.0, "composition": {}},
///             {"source": "3", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
/// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
/// let graph = ExposureGraph::from_snapshot(series.first().ok_or("no week")?, series.symbols(), None)?;
/// let result = ollivier_ricci(&graph, &CurvatureOptions::default())?;
/// assert_eq!(result.edges.len(), 3);
/// assert!((result.mean.ok_or("no edge")? - 0.75).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ollivier_ricci(
    graph: &ExposureGraph,
    options: &CurvatureOptions,
) -> Result<CurvatureResult> {
    ollivier_ricci_undirected(&graph.undirected(), options)
}

/// [`ollivier_ricci`] on a given undirected adjacency: `adjacency` must be symmetric (entry
/// `(i, j)` present with the same weight as `(j, i)`, to a relative 1e-9), with finite
/// non-negative weights; its diagonal (self-loops) is ignored.
pub fn ollivier_ricci_undirected(
    adjacency: &Csr,
    options: &CurvatureOptions,
) -> Result<CurvatureResult> {
    if !(options.alpha.is_finite() && (0.0..=1.0).contains(&options.alpha)) {
        return Err(GraphError::InvalidArgument(format!(
            "curvature alpha must lie in [0, 1], got {}",
            options.alpha
        )));
    }
    let graph = SimpleGraph::new(adjacency, options)?;
    let edges: Vec<(u32, u32)> = (0..graph.n)
        .flat_map(|x| {
            graph
                .neighbours(x)
                .iter()
                .filter(move |&&y| (y as usize) > x)
                .map(move |&y| (x as u32, y))
        })
        .collect();
    let w1: Vec<f64> = edges
        .par_iter()
        .with_min_len(16)
        .map_init(
            || Scratch::new(graph.n, Tuning::default()),
            |scratch, &(x, y)| scratch.edge_w1(&graph, x as usize, y as usize),
        )
        .collect::<Result<_>>()?;
    let mut sums = vec![(0.0f64, 0usize); graph.n];
    let edges: Vec<EdgeCurvature> = edges
        .iter()
        .zip(&w1)
        .map(|(&(x, y), &w)| {
            let curvature = 1.0 - w;
            for v in [x as usize, y as usize] {
                sums[v].0 += curvature;
                sums[v].1 += 1;
            }
            EdgeCurvature {
                source: x as usize,
                target: y as usize,
                curvature,
            }
        })
        .collect();
    let mean = (!edges.is_empty())
        .then(|| edges.iter().map(|e| e.curvature).sum::<f64>() / edges.len() as f64);
    Ok(CurvatureResult {
        options: *options,
        edges,
        mean,
        node_mean: sums
            .into_iter()
            .map(|(s, k)| (k > 0).then(|| s / k as f64))
            .collect(),
    })
}

/// Exact optimal-transport cost `min Σ_ij cost[i][j] · f_ij` over plans `f ≥ 0` with row sums
/// `supply` and column sums `demand` (the `ot.emd2` value), by the network simplex used for the
/// curvature. `cost` is row-major, `supply.len() × demand.len()`, with non-negative integer
/// entries. Supplies and demands must be finite, non-negative and have equal totals (relative
/// tolerance 1e-9).
///
/// ```
/// use dexposure_graph::curvature::transport_cost;
/// // move 0.5 from source 0 to sink 1 (cost 2) and 0.5 from source 1 to sink 0 (cost 1)
/// let w = transport_cost(&[0.5, 0.5], &[0.5, 0.5], &[5, 2, 1, 4])?;
/// assert!((w - 1.5).abs() < 1e-12);
/// # Ok::<(), dexposure_graph::GraphError>(())
/// ```
pub fn transport_cost(supply: &[f64], demand: &[f64], cost: &[i64]) -> Result<f64> {
    let bad = |v: &f64| !v.is_finite() || *v < 0.0;
    if supply.iter().any(bad) || demand.iter().any(bad) {
        return Err(GraphError::InvalidArgument(
            "transport masses must be finite and non-negative".into(),
        ));
    }
    if cost.len() != supply.len() * demand.len() {
        return Err(GraphError::InvalidArgument(format!(
            "cost matrix has {} entries, expected {} × {}",
            cost.len(),
            supply.len(),
            demand.len()
        )));
    }
    if cost.iter().any(|&c| !(0..=i64::MAX / 4).contains(&c)) {
        return Err(GraphError::InvalidArgument(
            "transport costs must be non-negative integers below 2^61".into(),
        ));
    }
    let (sa, sb) = (supply.iter().sum::<f64>(), demand.iter().sum::<f64>());
    if (sa - sb).abs() > 1e-9 * sa.max(sb).max(f64::MIN_POSITIVE) {
        return Err(GraphError::InvalidArgument(format!(
            "supply total {sa} differs from demand total {sb}"
        )));
    }
    // drop empty rows and columns: the simplex wants positive masses
    let rows: Vec<usize> = (0..supply.len()).filter(|&i| supply[i] > 0.0).collect();
    let cols: Vec<usize> = (0..demand.len()).filter(|&j| demand[j] > 0.0).collect();
    if rows.is_empty() || cols.is_empty() {
        return Ok(0.0);
    }
    let n = demand.len();
    let mut net = Network::default();
    net.clear(rows.len() + cols.len());
    for (r, &i) in rows.iter().enumerate() {
        net.supply[r] = supply[i];
        for (c, &j) in cols.iter().enumerate() {
            net.push(r as u32, (rows.len() + c) as u32, cost[i * n + j]);
        }
    }
    for (c, &j) in cols.iter().enumerate() {
        net.supply[rows.len() + c] = -demand[j];
    }
    net.solve()
}

// ------------------------------------------------------------------------------------------
// The simple undirected graph with its measures

struct SimpleGraph {
    n: usize,
    offsets: Vec<usize>,
    targets: Vec<u32>,
    /// Measure mass `m_x(z)` aligned with `targets` (row `x`).
    mass: Vec<f64>,
    alpha: f64,
    /// Σ over neighbours of their degree (the cost of a depth-2 expansion).
    vol2: Vec<u64>,
}

impl SimpleGraph {
    fn new(adjacency: &Csr, options: &CurvatureOptions) -> Result<Self> {
        let n = adjacency.rows();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut targets = Vec::with_capacity(adjacency.len());
        let mut weights = Vec::with_capacity(adjacency.len());
        for x in 0..n {
            for (y, w) in adjacency.row(x) {
                if !w.is_finite() || w < 0.0 {
                    return Err(GraphError::InvalidArgument(format!(
                        "curvature: weight {w} of entry ({x}, {y}) is not finite and non-negative"
                    )));
                }
                if y >= n {
                    return Err(GraphError::InvalidArgument(format!(
                        "curvature: entry ({x}, {y}) is outside the {n} rows"
                    )));
                }
                if y == x {
                    continue;
                }
                if !adjacency
                    .weight(y, x)
                    .is_some_and(|v| (v - w).abs() <= 1e-9 * v.abs().max(w.abs()))
                {
                    return Err(GraphError::InvalidArgument(format!(
                        "curvature: the adjacency is not symmetric at ({x}, {y})"
                    )));
                }
                targets.push(y as u32);
                weights.push(w);
            }
            offsets.push(targets.len());
        }
        let alpha = options.alpha;
        let mut mass = vec![0.0; targets.len()];
        for x in 0..n {
            let range = offsets[x]..offsets[x + 1];
            let k = range.len();
            if k == 0 {
                continue;
            }
            let total: f64 = weights[range.clone()].iter().sum();
            let weighted = options.measure == NeighbourMeasure::Weighted && total > 0.0;
            for e in range {
                mass[e] = if weighted {
                    (1.0 - alpha) * weights[e] / total
                } else {
                    (1.0 - alpha) / k as f64
                };
            }
        }
        let degree = |v: usize| (offsets[v + 1] - offsets[v]) as u64;
        let vol2 = (0..n)
            .map(|x| {
                targets[offsets[x]..offsets[x + 1]]
                    .iter()
                    .map(|&c| degree(c as usize))
                    .sum()
            })
            .collect();
        Ok(Self {
            n,
            offsets,
            targets,
            mass,
            alpha,
            vol2,
        })
    }

    fn neighbours(&self, x: usize) -> &[u32] {
        &self.targets[self.offsets[x]..self.offsets[x + 1]]
    }

    fn degree(&self, x: usize) -> u64 {
        (self.offsets[x + 1] - self.offsets[x]) as u64
    }

    /// The support `N[x]` with its masses: neighbours first, `x` last.
    fn measure_into(&self, x: usize, out: &mut Vec<(u32, f64)>) {
        out.clear();
        let range = self.offsets[x]..self.offsets[x + 1];
        out.extend(
            self.targets[range.clone()]
                .iter()
                .zip(&self.mass[range])
                .map(|(&z, &m)| (z, m)),
        );
        out.push((x as u32, self.alpha));
    }
}

/// A node → small-index map over `0..n`, cleared in O(1) by bumping a generation.
struct StampMap {
    stamp: Vec<u32>,
    value: Vec<u32>,
    generation: u32,
}

impl StampMap {
    fn new(n: usize) -> Self {
        Self {
            stamp: vec![0; n],
            value: vec![0; n],
            generation: 1,
        }
    }

    fn clear(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    fn insert(&mut self, key: usize, value: u32) {
        self.stamp[key] = self.generation;
        self.value[key] = value;
    }

    fn get(&self, key: usize) -> Option<u32> {
        (self.stamp[key] == self.generation).then(|| self.value[key])
    }
}

/// Per-thread buffers of the per-edge computation.
struct Scratch {
    tuning: Tuning,
    in_a: StampMap,
    in_b: StampMap,
    sink_pos: StampMap,
    mid_of: StampMap,
    group_of: StampMap,
    a: Vec<(u32, f64)>,
    b: Vec<(u32, f64)>,
    /// Sinks reached by each middle node: `mid_sinks[mid_start[m]..mid_start[m + 1]]`.
    mid_start: Vec<u32>,
    mid_sinks: Vec<u32>,
    /// Sorted out-signature of the current source (sink indices, then `|T| + mid`).
    signature: Vec<u32>,
    /// Source classes: signatures (flat), offsets, masses; hash chains.
    class_sig: Vec<u32>,
    class_start: Vec<u32>,
    class_mass: Vec<f64>,
    index: FxHashMap<u64, u32>,
    chain: Vec<u32>,
    /// In-tails of each sink (counting sort), their class, class masses.
    tail_start: Vec<u32>,
    tails: Vec<u32>,
    sink_class: Vec<u32>,
    sink_rep: Vec<u32>,
    sink_mass: Vec<f64>,
    /// The transshipment network handed to the simplex.
    net: Network,
    /// Distances (dense path): sink-major, or per sink (one source class).
    dist: Vec<u8>,
    /// Compact cost matrix and row masses of the dense path.
    cost: Vec<u8>,
    row_mass: Vec<f64>,
    /// Sparse path: each middle node's sink classes, source-class count and node id.
    mid_out_start: Vec<u32>,
    mid_out: Vec<u32>,
    mid_in: Vec<u32>,
    mid_node: Vec<u32>,
    touched: Vec<u32>,
}

const NONE: u32 = u32::MAX;

/// Looks a key up among classes of equal keys: `index` maps a hash to the newest class with
/// that hash and `chain[c]` to the previous one (NONE ends the chain); `same(c)` compares the
/// key with class `c`'s.
fn find_class(
    index: &FxHashMap<u64, u32>,
    chain: &[u32],
    hash: u64,
    same: impl Fn(usize) -> bool,
) -> Option<u32> {
    let mut class = index.get(&hash).copied().unwrap_or(NONE);
    while class != NONE {
        if same(class as usize) {
            return Some(class);
        }
        class = chain[class as usize];
    }
    None
}

/// Records the new class `class` (numbered in order, so its chain slot is `chain.len()`) under
/// `hash`.
fn add_class(index: &mut FxHashMap<u64, u32>, chain: &mut Vec<u32>, hash: u64, class: u32) {
    chain.push(index.insert(hash, class).unwrap_or(NONE));
}

/// Largest `source classes × sinks` distance matrix built explicitly (bytes per thread).
const DENSE_BUDGET: usize = 1 << 22;

/// Switches between equivalent exact strategies (the tests force each one).
#[derive(Debug, Clone, Copy)]
struct Tuning {
    /// Largest `source classes × sinks` matrix built explicitly.
    dense_budget: usize,
    /// A middle node with more than `hub_factor × |T|` neighbours is matched by binary search.
    hub_factor: usize,
    /// `Some(true)`: dense simplex whenever the matrix is built; `Some(false)`: sparse always.
    dense: Option<bool>,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            dense_budget: DENSE_BUDGET,
            hub_factor: 8,
            dense: None,
        }
    }
}

fn hash_u32s(values: &[u32]) -> u64 {
    let mut hasher = FxHasher::default();
    for &v in values {
        hasher.write_u32(v);
    }
    hasher.write_usize(values.len());
    hasher.finish()
}

impl Scratch {
    fn new(n: usize, tuning: Tuning) -> Self {
        Self {
            tuning,
            in_a: StampMap::new(n),
            in_b: StampMap::new(n),
            sink_pos: StampMap::new(n),
            mid_of: StampMap::new(n),
            group_of: StampMap::new(n),
            a: Vec::new(),
            b: Vec::new(),
            mid_start: Vec::new(),
            mid_sinks: Vec::new(),
            signature: Vec::new(),
            class_sig: Vec::new(),
            class_start: Vec::new(),
            class_mass: Vec::new(),
            index: FxHashMap::default(),
            chain: Vec::new(),
            tail_start: Vec::new(),
            tails: Vec::new(),
            sink_class: Vec::new(),
            sink_rep: Vec::new(),
            sink_mass: Vec::new(),
            net: Network::default(),
            dist: Vec::new(),
            cost: Vec::new(),
            row_mass: Vec::new(),
            mid_out_start: Vec::new(),
            mid_out: Vec::new(),
            mid_in: Vec::new(),
            mid_node: Vec::new(),
            touched: Vec::new(),
        }
    }

    /// `W1(m_x, m_y)` for the edge `{x, y}`.
    fn edge_w1(&mut self, g: &SimpleGraph, x: usize, y: usize) -> Result<f64> {
        g.measure_into(x, &mut self.a);
        g.measure_into(y, &mut self.b);
        self.in_a.clear();
        for (k, &(v, _)) in self.a.iter().enumerate() {
            self.in_a.insert(v as usize, k as u32);
        }
        self.in_b.clear();
        for (k, &(v, _)) in self.b.iter().enumerate() {
            self.in_b.insert(v as usize, k as u32);
        }
        // 1. shared mass stays in place
        for k in 0..self.a.len() {
            let v = self.a[k].0 as usize;
            if let Some(j) = self.in_b.get(v) {
                let j = j as usize;
                let common = self.a[k].1.min(self.b[j].1);
                self.a[k].1 -= common;
                self.b[j].1 -= common;
            }
        }
        self.a.retain(|&(_, m)| m > 0.0);
        self.b.retain(|&(_, m)| m > 0.0);
        if self.a.is_empty() || self.b.is_empty() {
            return Ok(0.0);
        }
        // 2. orientation: the side whose neighbourhoods are cheaper to expand (hubs excepted)
        //    becomes the sources
        let estimate = |side: &[(u32, f64)], in_other: &StampMap, me: usize, other: usize| -> u64 {
            let mut total = g.degree(me) + g.degree(other);
            for &(s, _) in side {
                let s = s as usize;
                let mut c = g.vol2[s] + g.degree(s);
                if s != me {
                    c = c.saturating_sub(g.degree(me));
                }
                if s != other && in_other.get(s).is_some() {
                    c = c.saturating_sub(g.degree(other));
                }
                total += c;
            }
            total
        };
        let cost_a = estimate(&self.a, &self.in_b, x, y);
        let cost_b = estimate(&self.b, &self.in_a, y, x);
        let swap = cost_b < cost_a;
        if swap {
            std::mem::swap(&mut self.a, &mut self.b);
        }
        let w1 = self.solve(g);
        if swap {
            std::mem::swap(&mut self.a, &mut self.b);
        }
        w1
    }

    /// W1 from the sources `self.a` to the sinks `self.b` (disjoint, every distance ≤ 3).
    fn solve(&mut self, g: &SimpleGraph) -> Result<f64> {
        let sinks = self.b.len();
        self.sink_pos.clear();
        for (j, &(t, _)) in self.b.iter().enumerate() {
            self.sink_pos.insert(t as usize, j as u32);
        }
        let (classes, mids) = self.source_classes(g);
        if classes == 1 {
            // one source class: distances read off its signature
            self.dist.clear();
            self.dist.resize(sinks, 3);
            for k in 0..self.class_sig.len() {
                let tag = self.class_sig[k] as usize;
                if tag < sinks {
                    self.dist[tag] = 1;
                } else {
                    let m = tag - sinks;
                    for &j in
                        &self.mid_sinks[self.mid_start[m] as usize..self.mid_start[m + 1] as usize]
                    {
                        let d = &mut self.dist[j as usize];
                        *d = (*d).min(2);
                    }
                }
            }
            return Ok(self
                .dist
                .iter()
                .zip(&self.b)
                .map(|(&d, &(_, m))| f64::from(d) * m)
                .sum());
        }
        if classes.saturating_mul(sinks) <= self.tuning.dense_budget {
            self.dense_distances(classes, sinks);
            let sink_classes = self.sink_classes_by_distance(classes, sinks);
            // the compact matrix (source class × sink class), its identical rows merged
            let (rows, cost) = self.compact_matrix(classes, sink_classes);
            if rows == 1 || sink_classes == 1 {
                let mut total = 0.0;
                for r in 0..rows {
                    for h in 0..sink_classes {
                        let m = if rows == 1 {
                            self.sink_mass[h]
                        } else {
                            self.row_mass[r]
                        };
                        total += f64::from(cost[r * sink_classes + h]) * m;
                    }
                }
                return Ok(total);
            }
            let dense_nodes = (rows + sink_classes) as f64;
            let dense_arcs = (rows * sink_classes) as f64;
            let sparse_nodes = (classes + mids + 1 + sink_classes) as f64;
            let sparse_arcs =
                (self.class_sig.len() + self.mid_sinks.len() + classes + sink_classes) as f64;
            let dense = self
                .tuning
                .dense
                .unwrap_or(dense_nodes * dense_arcs.sqrt() <= sparse_nodes * sparse_arcs.sqrt());
            if dense {
                // distance-3 pairs go through a hub (1 + 2), which also gives the initial tree
                let net = &mut self.net;
                let hub = (rows + sink_classes) as u32;
                net.clear(rows + sink_classes + 1);
                for r in 0..rows {
                    net.supply[r] = self.row_mass[r];
                    for h in 0..sink_classes {
                        let d = cost[r * sink_classes + h];
                        if d < 3 {
                            net.push(r as u32, (rows + h) as u32, i64::from(d));
                        }
                    }
                    net.tree_arc[r] = net.push(r as u32, hub, 1);
                }
                for h in 0..sink_classes {
                    net.supply[rows + h] = -self.sink_mass[h];
                    net.tree_arc[rows + h] = net.push(hub, (rows + h) as u32, 2);
                }
                net.hub = Some(hub);
                self.cost = cost;
                return self.net.solve();
            }
            self.cost = cost;
            return self.sparse_solve(classes, mids, sink_classes);
        }
        let sink_classes = self.sink_classes_by_signature(classes, mids, sinks);
        if sink_classes == 1 {
            let mut total = 0.0;
            for c in 0..classes {
                let sig =
                    &self.class_sig[self.class_start[c] as usize..self.class_start[c + 1] as usize];
                // every sink shares the in-signature: a direct arc or a middle node reaches all
                let d = if sig.first().is_some_and(|&t| (t as usize) < sinks) {
                    1.0
                } else if sig.is_empty() {
                    3.0
                } else {
                    2.0
                };
                total += d * self.class_mass[c];
            }
            return Ok(total);
        }
        self.sparse_solve(classes, mids, sink_classes)
    }

    /// Groups the sources by out-signature (sorted sink indices of their sink neighbours, then
    /// `|T| + m` for each middle node `m` among their neighbours that has sink neighbours).
    /// Middle nodes, with their sorted sink lists, are discovered on the way: each distinct
    /// neighbour `c` of the sources is scanned once, or, for a hub, the sinks are looked up in
    /// its sorted neighbours: cost `O(Σ_{c ∈ N(S)} min(deg c, |T| log deg c))`. Returns the
    /// number of source classes and of middle nodes.
    fn source_classes(&mut self, g: &SimpleGraph) -> (usize, usize) {
        let sinks = self.b.len();
        self.mid_of.clear();
        self.mid_start.clear();
        self.mid_start.push(0);
        self.mid_sinks.clear();
        self.class_sig.clear();
        self.class_start.clear();
        self.class_start.push(0);
        self.class_mass.clear();
        self.index.clear();
        self.chain.clear();
        for k in 0..self.a.len() {
            let (s, mass) = self.a[k];
            self.signature.clear();
            for &c in g.neighbours(s as usize) {
                let c = c as usize;
                if let Some(j) = self.sink_pos.get(c) {
                    self.signature.push(j);
                }
                let mid = match self.mid_of.get(c) {
                    Some(m) => m,
                    None => {
                        let before = self.mid_sinks.len();
                        let around = g.neighbours(c);
                        if around.len() > self.tuning.hub_factor.saturating_mul(sinks) {
                            for (j, &(t, _)) in self.b.iter().enumerate() {
                                if around.binary_search(&t).is_ok() {
                                    self.mid_sinks.push(j as u32);
                                }
                            }
                        } else {
                            for &z in around {
                                if let Some(j) = self.sink_pos.get(z as usize) {
                                    self.mid_sinks.push(j);
                                }
                            }
                            self.mid_sinks[before..].sort_unstable();
                        }
                        let m = if self.mid_sinks.len() > before {
                            self.mid_start.push(self.mid_sinks.len() as u32);
                            (self.mid_start.len() - 2) as u32
                        } else {
                            NONE
                        };
                        self.mid_of.insert(c, m);
                        m
                    }
                };
                if mid != NONE {
                    self.signature.push(sinks as u32 + mid);
                }
            }
            self.signature.sort_unstable();
            let h = hash_u32s(&self.signature);
            let found = find_class(&self.index, &self.chain, h, |c| {
                self.class_sig[self.class_start[c] as usize..self.class_start[c + 1] as usize]
                    == self.signature[..]
            });
            match found {
                Some(class) => self.class_mass[class as usize] += mass,
                None => {
                    let c = self.class_mass.len() as u32;
                    self.class_sig.extend_from_slice(&self.signature);
                    self.class_start.push(self.class_sig.len() as u32);
                    self.class_mass.push(mass);
                    add_class(&mut self.index, &mut self.chain, h, c);
                }
            }
        }
        (self.class_mass.len(), self.mid_start.len() - 1)
    }

    /// `self.dist[j · classes + c]` = distance from source class `c` to sink `j`.
    fn dense_distances(&mut self, classes: usize, sinks: usize) {
        self.dist.clear();
        self.dist.resize(classes * sinks, 3);
        for c in 0..classes {
            for k in self.class_start[c] as usize..self.class_start[c + 1] as usize {
                let tag = self.class_sig[k] as usize;
                if tag < sinks {
                    self.dist[tag * classes + c] = 1;
                } else {
                    let m = tag - sinks;
                    for &j in
                        &self.mid_sinks[self.mid_start[m] as usize..self.mid_start[m + 1] as usize]
                    {
                        let d = &mut self.dist[j as usize * classes + c];
                        *d = (*d).min(2);
                    }
                }
            }
        }
    }

    /// Sink classes = sinks with identical distances to every source class; returns their
    /// number (fills `sink_class`, `sink_rep`, `sink_mass`).
    fn sink_classes_by_distance(&mut self, classes: usize, sinks: usize) -> usize {
        self.index.clear();
        self.chain.clear();
        self.sink_class.clear();
        self.sink_rep.clear();
        self.sink_mass.clear();
        for j in 0..sinks {
            let column = &self.dist[j * classes..(j + 1) * classes];
            let mut hasher = FxHasher::default();
            hasher.write(column);
            let h = hasher.finish();
            let found = find_class(&self.index, &self.chain, h, |c| {
                let r = self.sink_rep[c] as usize;
                self.dist[r * classes..(r + 1) * classes] == *column
            });
            self.assign_sink(j, h, found);
        }
        self.sink_mass.len()
    }

    /// Puts sink `j` in class `found`, or in a new class (keyed by `hash`) it represents.
    fn assign_sink(&mut self, j: usize, hash: u64, found: Option<u32>) {
        let class = found.unwrap_or_else(|| {
            let class = self.sink_mass.len() as u32;
            self.sink_rep.push(j as u32);
            self.sink_mass.push(0.0);
            add_class(&mut self.index, &mut self.chain, hash, class);
            class
        });
        self.sink_class.push(class);
        self.sink_mass[class as usize] += self.b[j].1;
    }

    /// The source-class × sink-class cost matrix with identical rows merged: returns the
    /// number of rows and the matrix (row masses in `row_mass`).
    fn compact_matrix(&mut self, classes: usize, sink_classes: usize) -> (usize, Vec<u8>) {
        let mut matrix = std::mem::take(&mut self.cost);
        matrix.clear();
        self.index.clear();
        self.chain.clear();
        self.row_mass.clear();
        self.signature.clear();
        let mut row = Vec::with_capacity(sink_classes);
        for c in 0..classes {
            row.clear();
            row.extend(
                self.sink_rep
                    .iter()
                    .map(|&r| self.dist[r as usize * classes + c]),
            );
            let mut hasher = FxHasher::default();
            hasher.write(&row);
            let h = hasher.finish();
            let found = find_class(&self.index, &self.chain, h, |k| {
                matrix[k * sink_classes..(k + 1) * sink_classes] == row[..]
            });
            match found {
                Some(class) => self.row_mass[class as usize] += self.class_mass[c],
                None => {
                    let k = self.row_mass.len() as u32;
                    matrix.extend_from_slice(&row);
                    self.row_mass.push(self.class_mass[c]);
                    add_class(&mut self.index, &mut self.chain, h, k);
                }
            }
        }
        (self.row_mass.len(), matrix)
    }

    /// Sink classes = sinks with identical in-signatures (the source classes and middle nodes
    /// linked to them); returns their number.
    fn sink_classes_by_signature(&mut self, classes: usize, mids: usize, sinks: usize) -> usize {
        self.tail_start.clear();
        self.tail_start.resize(sinks + 1, 0);
        for &tag in &self.class_sig {
            if (tag as usize) < sinks {
                self.tail_start[tag as usize + 1] += 1;
            }
        }
        for &j in &self.mid_sinks {
            self.tail_start[j as usize + 1] += 1;
        }
        for j in 0..sinks {
            self.tail_start[j + 1] += self.tail_start[j];
        }
        self.tails.clear();
        self.tails.resize(self.tail_start[sinks] as usize, 0);
        let mut fill: Vec<u32> = self.tail_start[..sinks].to_vec();
        for c in 0..classes {
            for &tag in
                &self.class_sig[self.class_start[c] as usize..self.class_start[c + 1] as usize]
            {
                if (tag as usize) < sinks {
                    let slot = &mut fill[tag as usize];
                    self.tails[*slot as usize] = c as u32;
                    *slot += 1;
                }
            }
        }
        for m in 0..mids {
            for &j in &self.mid_sinks[self.mid_start[m] as usize..self.mid_start[m + 1] as usize] {
                let slot = &mut fill[j as usize];
                self.tails[*slot as usize] = (classes + m) as u32;
                *slot += 1;
            }
        }
        self.index.clear();
        self.chain.clear();
        self.sink_class.clear();
        self.sink_rep.clear();
        self.sink_mass.clear();
        for j in 0..sinks {
            let tails = &self.tails[self.tail_start[j] as usize..self.tail_start[j + 1] as usize];
            let h = hash_u32s(tails);
            let found = find_class(&self.index, &self.chain, h, |c| {
                let r = self.sink_rep[c] as usize;
                self.tails[self.tail_start[r] as usize..self.tail_start[r + 1] as usize] == *tails
            });
            self.assign_sink(j, h, found);
        }
        self.sink_mass.len()
    }

    /// Min-cost flow on the transshipment network: source class → sink class (cost 1, a
    /// neighbour), source class → middle node → sink class (1 + 1, a common neighbour), source
    /// class → hub → sink class (1 + 2, the path through the edge). Sinks of one class share
    /// their distances to every source class, so a class may take the union of its members'
    /// in-arcs. A middle node with a single source class or a single sink class is replaced by
    /// direct arcs of cost 2.
    fn sparse_solve(&mut self, classes: usize, mids: usize, sink_classes: usize) -> Result<f64> {
        let sinks = self.b.len();
        // each middle node's sink classes (deduplicated) and number of source classes
        self.mid_out_start.clear();
        self.mid_out_start.push(0);
        self.mid_out.clear();
        for m in 0..mids {
            self.group_of.clear();
            for &j in &self.mid_sinks[self.mid_start[m] as usize..self.mid_start[m + 1] as usize] {
                let h = self.sink_class[j as usize];
                if self.group_of.get(h as usize).is_none() {
                    self.group_of.insert(h as usize, 0);
                    self.mid_out.push(h);
                }
            }
            self.mid_out_start.push(self.mid_out.len() as u32);
        }
        self.mid_in.clear();
        self.mid_in.resize(mids, 0);
        for &tag in &self.class_sig {
            if tag as usize >= sinks {
                self.mid_in[tag as usize - sinks] += 1;
            }
        }
        // kept middle nodes get node ids after the source classes
        self.mid_node.clear();
        let mut kept = 0u32;
        for m in 0..mids {
            let outs = self.mid_out_start[m + 1] - self.mid_out_start[m];
            if self.mid_in[m] >= 2 && outs >= 2 {
                self.mid_node.push(classes as u32 + kept);
                kept += 1;
            } else {
                self.mid_node.push(NONE);
            }
        }
        let hub = classes as u32 + kept;
        let sink_node = |h: u32| hub + 1 + h;
        let net = &mut self.net;
        net.clear(hub as usize + 1 + sink_classes);
        for c in 0..classes {
            net.supply[c] = self.class_mass[c];
        }
        for h in 0..sink_classes {
            net.supply[hub as usize + 1 + h] = -self.sink_mass[h];
        }
        for c in 0..classes {
            // best[h] over direct arcs (1) and eliminated middle nodes (2)
            self.group_of.clear();
            self.touched.clear();
            for &tag in
                &self.class_sig[self.class_start[c] as usize..self.class_start[c + 1] as usize]
            {
                if (tag as usize) < sinks {
                    let h = self.sink_class[tag as usize];
                    if self.group_of.get(h as usize).is_none() {
                        self.touched.push(h);
                    }
                    self.group_of.insert(h as usize, 1);
                } else {
                    let m = tag as usize - sinks;
                    let node = self.mid_node[m];
                    if node != NONE {
                        net.push(c as u32, node, 1);
                        continue;
                    }
                    for &h in &self.mid_out
                        [self.mid_out_start[m] as usize..self.mid_out_start[m + 1] as usize]
                    {
                        if self.group_of.get(h as usize).is_none() {
                            self.group_of.insert(h as usize, 2);
                            self.touched.push(h);
                        }
                    }
                }
            }
            for &h in &self.touched {
                let cost = i64::from(self.group_of.get(h as usize).unwrap_or(2));
                net.push(c as u32, sink_node(h), cost);
            }
            net.tree_arc[c] = net.push(c as u32, hub, 1);
        }
        for m in 0..mids {
            let node = self.mid_node[m];
            if node == NONE {
                continue;
            }
            for &h in
                &self.mid_out[self.mid_out_start[m] as usize..self.mid_out_start[m + 1] as usize]
            {
                net.push(node, sink_node(h), 1);
            }
        }
        for h in 0..sink_classes {
            net.tree_arc[sink_node(h as u32) as usize] = net.push(hub, sink_node(h as u32), 2);
        }
        net.hub = Some(hub);
        net.solve()
    }
}

// ------------------------------------------------------------------------------------------
// Network simplex for uncapacitated min-cost flow

/// An uncapacitated min-cost-flow problem: node supplies (positive: sources, negative: sinks,
/// summing to zero up to rounding) and arcs with non-negative integer costs.
#[derive(Debug, Default)]
struct Network {
    supply: Vec<f64>,
    source: Vec<u32>,
    target: Vec<u32>,
    cost: Vec<i64>,
    /// A transshipment node through which every source can reach every sink.
    hub: Option<u32>,
    /// Per node, the arc joining it to the hub in the initial tree (`usize::MAX`: none).
    tree_arc: Vec<usize>,
}

impl Network {
    fn clear(&mut self, nodes: usize) {
        self.supply.clear();
        self.supply.resize(nodes, 0.0);
        self.hub = None;
        self.tree_arc.clear();
        self.tree_arc.resize(nodes, usize::MAX);
        self.source.clear();
        self.target.clear();
        self.cost.clear();
    }

    fn push(&mut self, u: u32, v: u32, cost: i64) -> usize {
        self.source.push(u);
        self.target.push(v);
        self.cost.push(cost);
        self.cost.len() - 1
    }

    /// Primal network simplex (LEMON's scheme: artificial root, strongly feasible spanning
    /// tree, block-search pricing). Potentials are exact integers and non-tree arcs carry no
    /// flow, so pricing needs no arc state. Returns the optimal cost.
    fn solve(&self) -> Result<f64> {
        let nodes = self.supply.len();
        let arcs = self.cost.len();
        let root = nodes;
        let max_cost = self.cost.iter().copied().max().unwrap_or(0);
        let art_cost = (max_cost + 1).saturating_mul(nodes as i64 + 1);
        let size = nodes + 1;
        let mut parent = vec![root as u32; size];
        let mut pred = vec![usize::MAX; size];
        let mut forward = vec![false; size];
        let mut flow = vec![0.0f64; size];
        let mut pi = vec![0i64; size];
        let mut depth = vec![1u32; size];
        let mut first_child = vec![NONE; size];
        let mut next_sib = vec![NONE; size];
        let mut prev_sib = vec![NONE; size];
        depth[root] = 0;
        parent[root] = NONE;
        // initial tree: every node hangs from the root by an artificial arc (u → root, cost 0,
        // for supplies ≥ 0; root → u, cost ART, otherwise) or, with a hub, from the hub by its
        // `tree_arc` (the all-through-the-hub flow), the hub hanging from the root
        let attached = |u: usize| self.hub.is_some() && self.tree_arc[u] != usize::MAX;
        let mut hub_balance = 0.0;
        for u in 0..nodes {
            if attached(u) {
                hub_balance += self.supply[u];
                continue;
            }
            pred[u] = arcs + u;
            if self.supply[u] >= 0.0 {
                forward[u] = true;
                flow[u] = self.supply[u];
                pi[u] = 0;
            } else {
                forward[u] = false;
                flow[u] = -self.supply[u];
                pi[u] = art_cost;
            }
        }
        if let Some(hub) = self.hub {
            let hub = hub as usize;
            hub_balance += self.supply[hub];
            forward[hub] = hub_balance >= 0.0;
            flow[hub] = hub_balance.abs();
            pi[hub] = if forward[hub] { 0 } else { art_cost };
            for u in 0..nodes {
                if !attached(u) {
                    continue;
                }
                let e = self.tree_arc[u];
                parent[u] = hub as u32;
                pred[u] = e;
                depth[u] = 2;
                forward[u] = self.source[e] as usize == u;
                flow[u] = self.supply[u].abs();
                pi[u] = if forward[u] {
                    pi[hub] - self.cost[e]
                } else {
                    pi[hub] + self.cost[e]
                };
            }
        }
        for u in (0..nodes).rev() {
            let p = parent[u] as usize;
            let head = first_child[p];
            next_sib[u] = head;
            if head != NONE {
                prev_sib[head as usize] = u as u32;
            }
            first_child[p] = u as u32;
        }
        let block = ((arcs as f64).sqrt() as usize).max(10);
        let mut next_arc = 0usize;
        let max_pivots = 1_000_000usize.saturating_add(arcs.saturating_mul(8));
        let mut stack: Vec<u32> = Vec::new();
        let mut pivots = 0usize;
        loop {
            // entering arc: most negative reduced cost within the first block that has one
            let mut best = 0i64;
            let mut entering = usize::MAX;
            let mut count = block;
            let mut stop = next_arc;
            'scan: for (lo, hi) in [(next_arc, arcs), (0, next_arc)] {
                let arcs_in = self.source[lo..hi]
                    .iter()
                    .zip(&self.target[lo..hi])
                    .zip(&self.cost[lo..hi]);
                for (k, ((&s, &t), &c)) in arcs_in.enumerate() {
                    let rc = c + pi[s as usize] - pi[t as usize];
                    if rc < best {
                        best = rc;
                        entering = lo + k;
                    }
                    count -= 1;
                    if count == 0 {
                        if entering != usize::MAX {
                            stop = lo + k + 1;
                            break 'scan;
                        }
                        count = block;
                    }
                }
            }
            if entering == usize::MAX {
                break;
            }
            next_arc = if stop >= arcs { 0 } else { stop };
            pivots += 1;
            if pivots > max_pivots {
                return Err(GraphError::NoConvergence {
                    algorithm: "network simplex (Wasserstein-1)",
                    iterations: pivots,
                    tolerance: 0.0,
                });
            }
            let first = self.source[entering] as usize;
            let second = self.target[entering] as usize;
            // join node
            let (mut p, mut q) = (first, second);
            while p != q {
                if depth[p] > depth[q] {
                    p = parent[p] as usize;
                } else if depth[q] > depth[p] {
                    q = parent[q] as usize;
                } else {
                    p = parent[p] as usize;
                    q = parent[q] as usize;
                }
            }
            let join = p;
            // leaving arc (strongly feasible rule: the last blocking arc along the cycle)
            let mut delta = f64::INFINITY;
            let mut u_out = usize::MAX;
            let mut side = 0u8;
            let mut u = first;
            while u != join {
                if forward[u] && flow[u] < delta {
                    delta = flow[u];
                    u_out = u;
                    side = 1;
                }
                u = parent[u] as usize;
            }
            u = second;
            while u != join {
                if !forward[u] && flow[u] <= delta {
                    delta = flow[u];
                    u_out = u;
                    side = 2;
                }
                u = parent[u] as usize;
            }
            if side == 0 {
                return Err(GraphError::InvalidArgument(
                    "min-cost flow is unbounded (negative-cost cycle)".into(),
                ));
            }
            if delta > 0.0 {
                u = first;
                while u != join {
                    if forward[u] {
                        flow[u] -= delta;
                    } else {
                        flow[u] += delta;
                    }
                    u = parent[u] as usize;
                }
                u = second;
                while u != join {
                    if forward[u] {
                        flow[u] += delta;
                    } else {
                        flow[u] -= delta;
                    }
                    u = parent[u] as usize;
                }
            }
            flow[u_out] = 0.0;
            let (u_in, v_in) = if side == 1 {
                (first, second)
            } else {
                (second, first)
            };
            // re-hang the path u_in → u_out under v_in, reversing it
            let mut new_parent = v_in;
            let mut new_pred = entering;
            let mut new_forward = side == 1;
            let mut new_flow = delta;
            let mut u = u_in;
            loop {
                let (old_parent, old_pred, old_forward, old_flow) =
                    (parent[u] as usize, pred[u], forward[u], flow[u]);
                let (ps, ns) = (prev_sib[u], next_sib[u]);
                if ps != NONE {
                    next_sib[ps as usize] = ns;
                } else {
                    first_child[old_parent] = ns;
                }
                if ns != NONE {
                    prev_sib[ns as usize] = ps;
                }
                let head = first_child[new_parent];
                next_sib[u] = head;
                prev_sib[u] = NONE;
                if head != NONE {
                    prev_sib[head as usize] = u as u32;
                }
                first_child[new_parent] = u as u32;
                parent[u] = new_parent as u32;
                pred[u] = new_pred;
                forward[u] = new_forward;
                flow[u] = new_flow;
                if u == u_out {
                    break;
                }
                new_parent = u;
                new_pred = old_pred;
                new_forward = !old_forward;
                new_flow = old_flow;
                u = old_parent;
            }
            // potentials and depths of the moved subtree
            let c_in = self.cost[entering];
            let target_pi = if forward[u_in] {
                pi[v_in] - c_in
            } else {
                pi[v_in] + c_in
            };
            let sigma = target_pi - pi[u_in];
            stack.clear();
            stack.push(u_in as u32);
            while let Some(v) = stack.pop() {
                let v = v as usize;
                pi[v] += sigma;
                depth[v] = depth[parent[v] as usize] + 1;
                let mut c = first_child[v];
                while c != NONE {
                    stack.push(c);
                    c = next_sib[c as usize];
                }
            }
        }
        Ok((0..nodes)
            .filter(|&u| pred[u] < arcs)
            .map(|u| self.cost[pred[u]] as f64 * flow[u])
            .sum())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn brute_force_2x2(a: [f64; 2], b: [f64; 2], c: [i64; 4]) -> f64 {
        // f00 = t, f01 = a0 - t, f10 = b0 - t, f11 = a1 - b0 + t, t in [max(0, b0 - a1), min(a0, b0)]
        let lo = (b[0] - a[1]).max(0.0);
        let hi = a[0].min(b[0]);
        let at = |t: f64| {
            c[0] as f64 * t
                + c[1] as f64 * (a[0] - t)
                + c[2] as f64 * (b[0] - t)
                + c[3] as f64 * (a[1] - b[0] + t)
        };
        at(lo).min(at(hi))
    }

    #[test]
    fn simplex_matches_brute_force_on_2x2() {
        let cases = [
            ([0.3, 0.7], [0.6, 0.4], [1, 3, 2, 1]),
            ([0.5, 0.5], [0.5, 0.5], [0, 1, 1, 0]),
            ([0.9, 0.1], [0.2, 0.8], [3, 1, 1, 3]),
        ];
        for (a, b, c) in cases {
            let w = transport_cost(&a, &b, &c).unwrap();
            assert!(
                (w - brute_force_2x2(a, b, c)).abs() < 1e-12,
                "{a:?} {b:?} {c:?}"
            );
        }
    }

    #[test]
    fn simplex_rejects_bad_input() {
        assert!(transport_cost(&[1.0], &[0.5], &[1]).is_err());
        assert!(transport_cost(&[1.0], &[1.0], &[1, 2]).is_err());
        assert!(transport_cost(&[f64::NAN], &[1.0], &[1]).is_err());
        assert!(transport_cost(&[1.0], &[1.0], &[-1]).is_err());
    }

    #[test]
    fn alpha_out_of_range_is_an_error() {
        let csr = Csr::from_entries(2, vec![(0, 1, 1.0), (1, 0, 1.0)]);
        let options = CurvatureOptions {
            alpha: 1.5,
            ..CurvatureOptions::default()
        };
        assert!(ollivier_ricci_undirected(&csr, &options).is_err());
        let asym = Csr::from_entries(2, vec![(0, 1, 1.0)]);
        assert!(ollivier_ricci_undirected(&asym, &CurvatureOptions::default()).is_err());
    }

    /// A random graph with a few hubs, leaves, triangles and zero weights.
    fn random_graph(seed: u64, n: usize, links: usize) -> Csr {
        let mut state = seed;
        let mut next = move |k: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % k.max(1)
        };
        let mut entries = Vec::new();
        for _ in 0..links {
            // endpoints skewed towards the first nodes (hubs)
            let a = next(n).min(next(n)).min(next(n));
            let b = next(n);
            let w = if next(10) == 0 {
                0.0
            } else {
                (1 + next(50)) as f64
            };
            entries.push((a as u32, b as u32, w));
            entries.push((b as u32, a as u32, w));
        }
        Csr::from_entries(n, entries)
    }

    fn with_tuning(csr: &Csr, options: &CurvatureOptions, tuning: Tuning) -> Vec<f64> {
        let graph = SimpleGraph::new(csr, options).unwrap();
        let mut scratch = Scratch::new(graph.n, tuning);
        let mut out = Vec::new();
        for x in 0..graph.n {
            for &y in graph.neighbours(x) {
                if (y as usize) > x {
                    out.push(1.0 - scratch.edge_w1(&graph, x, y as usize).unwrap());
                }
            }
        }
        out
    }

    /// Brute force: full supports, BFS distances, dense simplex.
    fn brute_force(csr: &Csr, options: &CurvatureOptions) -> Vec<f64> {
        let graph = SimpleGraph::new(csr, options).unwrap();
        let n = graph.n;
        let dist: Vec<Vec<i64>> = (0..n)
            .map(|s| {
                let mut d = vec![i64::MAX; n];
                d[s] = 0;
                let mut queue = std::collections::VecDeque::from([s]);
                while let Some(u) = queue.pop_front() {
                    for &v in graph.neighbours(u) {
                        if d[v as usize] == i64::MAX {
                            d[v as usize] = d[u] + 1;
                            queue.push_back(v as usize);
                        }
                    }
                }
                d
            })
            .collect();
        let mut out = Vec::new();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for x in 0..n {
            for &y in graph.neighbours(x) {
                let y = y as usize;
                if y < x {
                    continue;
                }
                graph.measure_into(x, &mut a);
                graph.measure_into(y, &mut b);
                let cost: Vec<i64> = a
                    .iter()
                    .flat_map(|&(p, _)| {
                        b.iter()
                            .map(|&(q, _)| dist[p as usize][q as usize])
                            .collect::<Vec<_>>()
                    })
                    .collect();
                let sa: Vec<f64> = a.iter().map(|p| p.1).collect();
                let sb: Vec<f64> = b.iter().map(|p| p.1).collect();
                out.push(1.0 - transport_cost(&sa, &sb, &cost).unwrap());
            }
        }
        out
    }

    #[test]
    fn every_strategy_gives_the_exact_value() {
        let tunings = [
            Tuning::default(),
            Tuning {
                dense_budget: 0,
                ..Tuning::default()
            },
            Tuning {
                dense: Some(true),
                ..Tuning::default()
            },
            Tuning {
                dense: Some(false),
                ..Tuning::default()
            },
            Tuning {
                hub_factor: 0,
                ..Tuning::default()
            },
            Tuning {
                hub_factor: usize::MAX,
                dense_budget: 0,
                ..Tuning::default()
            },
        ];
        for seed in 0..12u64 {
            let csr = random_graph(seed, 40 + 10 * seed as usize, 120 + 30 * seed as usize);
            for measure in [NeighbourMeasure::Weighted, NeighbourMeasure::Uniform] {
                let options = CurvatureOptions {
                    alpha: 0.1 + 0.07 * seed as f64,
                    measure,
                };
                let expected = brute_force(&csr, &options);
                for tuning in tunings {
                    let got = with_tuning(&csr, &options, tuning);
                    assert_eq!(got.len(), expected.len());
                    for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                        assert!(
                            (g - e).abs() < 1e-12,
                            "seed {seed} {tuning:?} edge {k}: {g} vs {e}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn single_edge_and_path() {
        // one edge: W1 = |α − (1 − α)| moved at distance 1 → κ = 1 − |2α − 1|... for α = 0.5, κ = 1
        let csr = Csr::from_entries(2, vec![(0, 1, 2.0), (1, 0, 2.0)]);
        let r = ollivier_ricci_undirected(&csr, &CurvatureOptions::default()).unwrap();
        assert_eq!(r.edges.len(), 1);
        assert!((r.edges[0].curvature - 1.0).abs() < 1e-12);
        // path 0-1-2-3, middle edge: m_1 = {1: .5, 0: .25, 2: .25}, m_2 = {2: .5, 1: .25, 3: .25}
        // shared: 1 (.25), 2 (.25); left {1: .25, 0: .25} → {2: .25, 3: .25}: cost .25·1 + .25·3
        // or .25·2 + .25·2 = 1 → κ = 0
        let e = |a, b| [(a, b, 1.0), (b, a, 1.0)];
        let entries = [e(0, 1), e(1, 2), e(2, 3)].concat();
        let csr = Csr::from_entries(4, entries);
        let r = ollivier_ricci_undirected(&csr, &CurvatureOptions::default()).unwrap();
        assert!((r.edges[1].curvature - 0.0).abs() < 1e-12);
    }
}
