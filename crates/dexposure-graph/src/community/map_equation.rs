//! Infomap: two-level map equation on the directed weighted graph.
//!
//! # Flow model (the `infomap` package's default for `--directed`)
//!
//! Links are the merged directed links with positive weight, self-links included (Infomap 2.x
//! keeps self-links by default); zero-weight links are ignored. With `W = Σ w`, `w_out(u)` the
//! out-weight of `u` and τ the teleportation probability (0.15):
//!
//! 1. teleportation *to links, unrecorded*: the walker teleports to node `u` with probability
//!    `w_out(u) / W`;
//! 2. PageRank `p` by power iteration exactly as Infomap's `FlowCalculator::calcDirectedFlow`:
//!    start from the undirected strength shares, iterate
//!    `p'(v) = (τ + (1 − τ) D) t(v) + (1 − τ) Σ_u p(u) w(u, v) / w_out(u)` (`D` = flow on dangling
//!    nodes, `t` = teleport target weights), renormalising when the sum drifts by more than
//!    1e-10, at least 50 and at most 200 iterations, stopping once the L1 change is ≤ 1e-15
//!    (nudging τ by 1e-10 when the change stalls, as Infomap does);
//! 3. unrecorded teleportation: one last step along the links only, so the link flow is
//!    `f(u, v) = p(u) w(u, v) / w_out(u) / (1 − D)` and the node flow `q(v) = Σ_u f(u, v)` (a node
//!    without in-links has zero flow; nodes without any link have zero flow and stay alone).
//!
//! # Map equation
//!
//! For a partition into modules `m` with flow `P_m = Σ_{v ∈ m} q(v)`, exit flow `X_m` (flow on
//! links leaving `m`) and enter flow `N_m` (flow on links entering `m`), self-links and
//! intra-module links not counted, the two-level codelength in bits is (Infomap's
//! `MapEquation::calculateCodelengthTerms`)
//!
//! ```text
//! L = plogp(Σ N_m) − Σ plogp(N_m)                                   (index codebook)
//!   − Σ plogp(X_m) + Σ plogp(P_m + X_m) − Σ_v plogp(q(v))           (module codebooks)
//! ```
//!
//! with `plogp(x) = x log2 x`. The one-module codelength is the entropy of `q`; when no partition
//! found beats it, every node is put in module 0, as Infomap does.
//!
//! # Optimisation
//!
//! Each trial: (1) core loop — nodes in a seeded random order (re-shuffled every sweep) move to
//! the neighbouring module, or to an empty module, with the largest codelength decrease (moves
//! below 1e-10 bits ignored), sweeps repeated until none moves (at most
//! [`InfomapOptions::core_loop_limit`]); (2) the modules become the nodes of an aggregated
//! network and the core loop runs again, until no module merges; (3) fine-tuning — the core loop
//! restarts on the leaf nodes from the current partition, followed by aggregation, kept while the
//! codelength decreases. Trials run in parallel with seeds drawn from [`InfomapOptions::seed`];
//! the lowest codelength wins (ties: the earliest trial). Cost per sweep `O(N + E)`.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{SplitMix64, canonical, check_csr, check_membership, plogp};
use crate::error::{GraphError, Result};
use crate::graph::{Csr, ExposureGraph};

/// Parameters of [`infomap`] and [`codelength`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InfomapOptions {
    /// Teleportation probability τ of the flow model, in `[0, 1)` (default 0.15).
    pub teleportation: f64,
    /// Seed of the trials (default 1).
    pub seed: u64,
    /// Number of independent trials; the best is kept (default 10).
    pub trials: usize,
    /// Maximum sweeps of the core loop per level (default 10, Infomap's `--core-loop-limit`).
    pub core_loop_limit: usize,
    /// Smallest codelength decrease, in bits, that counts as an improvement (default 1e-10).
    pub tolerance: f64,
}

impl Default for InfomapOptions {
    fn default() -> Self {
        Self {
            teleportation: 0.15,
            seed: 1,
            trials: 10,
            core_loop_limit: 10,
            tolerance: 1e-10,
        }
    }
}

/// A two-level Infomap partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfomapResult {
    /// Module of each node, labelled `0..num_modules` in order of first appearance.
    pub membership: Vec<usize>,
    /// Number of modules (nodes without links form modules of their own).
    pub num_modules: usize,
    /// Two-level codelength of `membership`, bits.
    pub codelength: f64,
    /// Index-codebook part of `codelength`.
    pub index_codelength: f64,
    /// Module-codebooks part of `codelength`.
    pub module_codelength: f64,
    /// Codelength of the one-module partition (the entropy of the node flow), bits.
    pub one_level_codelength: f64,
    /// Node flow `q` of the flow model, by node.
    pub node_flow: Vec<f64>,
}

/// Infomap modules of the week's directed weighted graph (merged links, self-links kept). See
/// the module docs for the flow model and the algorithm.
///
/// ```
/// use dexposure_graph::Csr;
/// use dexposure_graph::community::{infomap_directed, InfomapOptions};
/// // two directed 3-cycles joined by one weak link
/// let entries = vec![(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (3, 4, 1.0), (4, 5, 1.0), (5, 3, 1.0), (2, 3, 0.1)];
/// let result = infomap_directed(&Csr::from_entries(6, entries), &InfomapOptions::default())?;
/// assert_eq!(result.membership, vec![0, 0, 0, 1, 1, 1]);
/// assert!(result.codelength < result.one_level_codelength);
/// # Ok::<(), dexposure_graph::GraphError>(())
/// ```
pub fn infomap(graph: &ExposureGraph, options: &InfomapOptions) -> Result<InfomapResult> {
    infomap_directed(graph.out_csr(), options)
}

/// [`infomap`] on directed out-rows (`out.row(u)` = targets of `u` with finite non-negative
/// weights).
pub fn infomap_directed(out: &Csr, options: &InfomapOptions) -> Result<InfomapResult> {
    check_options(options)?;
    if options.trials == 0 {
        return Err(GraphError::InvalidArgument(
            "Infomap needs at least one trial".into(),
        ));
    }
    check_csr(out, false, "Infomap")?;
    let flow = Flow::new(out, options.teleportation);
    let n = out.rows();
    let leaf = Level::new(n, flow.node.clone(), flow.links.clone());
    let all_in_one = vec![0; n];
    let one_level = leaf.terms(&all_in_one, usize::from(n > 0)).total();
    let mut master = SplitMix64::new(options.seed);
    let seeds: Vec<u64> = (0..options.trials).map(|_| master.next_u64()).collect();
    let trials: Vec<(Vec<usize>, f64)> = seeds
        .par_iter()
        .map(|&seed| trial(&leaf, seed, options))
        .collect();
    let mut best: Option<(Vec<usize>, f64)> = None;
    for (membership, l) in trials {
        if best.as_ref().is_none_or(|b| l < b.1) {
            best = Some((membership, l));
        }
    }
    let mut membership = best.map_or_else(|| vec![0; n], |b| b.0);
    let (labels, k) = canonical(membership.iter().copied());
    let mut terms = leaf.terms(&labels, k);
    if terms.total() >= one_level - options.tolerance {
        membership = all_in_one;
        terms = leaf.terms(&membership, usize::from(n > 0));
    } else {
        membership = labels;
    }
    let num_modules = membership.iter().max().map_or(0, |&m| m + 1);
    Ok(InfomapResult {
        membership,
        num_modules,
        codelength: terms.total(),
        index_codelength: terms.index,
        module_codelength: terms.module,
        one_level_codelength: one_level,
        node_flow: flow.node,
    })
}

/// Two-level map-equation codelength (bits) of a given partition of the week's directed graph
/// under the flow model of [`infomap`] (only `options.teleportation` matters). Labels of
/// `membership` are arbitrary.
pub fn codelength(
    graph: &ExposureGraph,
    membership: &[usize],
    options: &InfomapOptions,
) -> Result<f64> {
    codelength_directed(graph.out_csr(), membership, options)
}

/// [`codelength`] on directed out-rows.
pub fn codelength_directed(
    out: &Csr,
    membership: &[usize],
    options: &InfomapOptions,
) -> Result<f64> {
    check_options(options)?;
    check_membership(out.rows(), membership)?;
    check_csr(out, false, "map equation")?;
    let flow = Flow::new(out, options.teleportation);
    let leaf = Level::new(out.rows(), flow.node, flow.links);
    let (labels, k) = canonical(membership.iter().copied());
    Ok(leaf.terms(&labels, k).total())
}

fn check_options(options: &InfomapOptions) -> Result<()> {
    if !(options.teleportation.is_finite() && (0.0..1.0).contains(&options.teleportation)) {
        return Err(GraphError::InvalidArgument(format!(
            "Infomap teleportation probability must lie in [0, 1), got {}",
            options.teleportation
        )));
    }
    if !(options.tolerance.is_finite() && options.tolerance >= 0.0) {
        return Err(GraphError::InvalidArgument(format!(
            "Infomap tolerance must be finite and non-negative, got {}",
            options.tolerance
        )));
    }
    Ok(())
}

/// Node and link flow of the flow model.
struct Flow {
    node: Vec<f64>,
    /// `(source, target, flow)`, self-links included.
    links: Vec<(u32, u32, f64)>,
}

impl Flow {
    fn new(out: &Csr, tau: f64) -> Self {
        let n = out.rows();
        let links: Vec<(u32, u32, f64)> = (0..n)
            .flat_map(|u| {
                out.row(u)
                    .filter(|&(_, w)| w > 0.0)
                    .map(move |(v, w)| (u as u32, v as u32, w))
            })
            .collect();
        let sum_w: f64 = links.iter().map(|l| l.2).sum();
        if links.is_empty() || !(sum_w > 0.0 && sum_w.is_finite()) {
            return Self {
                node: vec![0.0; n],
                links: Vec::new(),
            };
        }
        let mut out_w = vec![0.0f64; n];
        let mut out_deg = vec![0usize; n];
        for &(s, _, w) in &links {
            out_w[s as usize] += w;
            out_deg[s as usize] += 1;
        }
        let mut tele = vec![0.0f64; n];
        for &(s, _, w) in &links {
            tele[s as usize] += w / sum_w;
        }
        let self_w: f64 = links.iter().filter(|l| l.0 == l.1).map(|l| l.2).sum();
        let undirected = 2.0 * sum_w - self_w;
        let mut p = vec![0.0f64; n];
        for &(s, t, w) in &links {
            p[s as usize] += w / undirected;
            if s != t {
                p[t as usize] += w / undirected;
            }
        }
        let step: Vec<(usize, usize, f64)> = links
            .iter()
            .map(|&(s, t, w)| (s as usize, t as usize, w / out_w[s as usize]))
            .collect();
        let dangling: Vec<usize> = (0..n).filter(|&i| out_deg[i] == 0).collect();
        let mut alpha = tau;
        let mut beta = 1.0 - alpha;
        let mut err = 0.0f64;
        let mut iterations = 0usize;
        let mut dangling_rank;
        let mut tmp = vec![0.0f64; n];
        loop {
            let old = err;
            dangling_rank = dangling.iter().map(|&i| p[i]).sum::<f64>();
            let teleport = alpha + beta * dangling_rank;
            for (x, &t) in tmp.iter_mut().zip(&tele) {
                *x = teleport * t;
            }
            for &(s, t, f) in &step {
                tmp[t] += beta * f * p[s];
            }
            let mut diff = -1.0;
            err = 0.0;
            for (x, &y) in tmp.iter().zip(&p) {
                diff += x;
                err += (x - y).abs();
            }
            p.copy_from_slice(&tmp);
            if diff.abs() > 1e-10 {
                for x in p.iter_mut() {
                    *x /= diff + 1.0;
                }
            }
            if (err - old).abs() < 1e-15 {
                alpha += 1e-10;
                beta = 1.0 - alpha;
            }
            iterations += 1;
            if !(iterations < 200 && (err > 1e-15 || iterations < 50)) {
                break;
            }
        }
        let rank = 1.0 - dangling_rank;
        if rank.is_nan() || rank <= 0.0 {
            return Self {
                node: vec![0.0; n],
                links: Vec::new(),
            };
        }
        let mut node = vec![0.0f64; n];
        let links: Vec<(u32, u32, f64)> = step
            .iter()
            .map(|&(s, t, f)| {
                let flow = f * tmp[s] / rank;
                node[t] += flow;
                (s as u32, t as u32, flow)
            })
            .collect();
        Self { node, links }
    }
}

/// Index and module parts of a codelength.
#[derive(Debug, Clone, Copy)]
struct Terms {
    index: f64,
    module: f64,
}

impl Terms {
    fn total(&self) -> f64 {
        self.index + self.module
    }
}

/// A network of one level: node flows, links between distinct nodes (merged), and each node's
/// exit and enter flow.
#[derive(Clone)]
struct Level {
    flow: Vec<f64>,
    exit: Vec<f64>,
    enter: Vec<f64>,
    out_offsets: Vec<usize>,
    out_targets: Vec<u32>,
    out_flow: Vec<f64>,
    in_offsets: Vec<usize>,
    in_sources: Vec<u32>,
    in_flow: Vec<f64>,
    /// Σ plogp of the *leaf* node flows (constant through aggregation).
    node_entropy_term: f64,
}

impl Level {
    fn new(n: usize, flow: Vec<f64>, links: Vec<(u32, u32, f64)>) -> Self {
        let term = flow.iter().map(|&q| plogp(q)).sum();
        Self::build(n, flow, links, term)
    }

    fn n(&self) -> usize {
        self.flow.len()
    }

    fn build(
        n: usize,
        flow: Vec<f64>,
        links: Vec<(u32, u32, f64)>,
        node_entropy_term: f64,
    ) -> Self {
        let links: Vec<(u32, u32, f64)> = links.into_iter().filter(|l| l.0 != l.1).collect();
        let out = Csr::from_entries(n, links.clone());
        let inn = Csr::from_entries(n, links.into_iter().map(|(s, t, f)| (t, s, f)).collect());
        let (mut out_offsets, mut out_targets, mut out_flow) = (vec![0], Vec::new(), Vec::new());
        let (mut in_offsets, mut in_sources, mut in_flow) = (vec![0], Vec::new(), Vec::new());
        let mut exit = vec![0.0; n];
        let mut enter = vec![0.0; n];
        for u in 0..n {
            for (v, f) in out.row(u) {
                out_targets.push(v as u32);
                out_flow.push(f);
                exit[u] += f;
            }
            out_offsets.push(out_targets.len());
            for (v, f) in inn.row(u) {
                in_sources.push(v as u32);
                in_flow.push(f);
                enter[u] += f;
            }
            in_offsets.push(in_sources.len());
        }
        Self {
            flow,
            exit,
            enter,
            out_offsets,
            out_targets,
            out_flow,
            in_offsets,
            in_sources,
            in_flow,
            node_entropy_term,
        }
    }

    /// The network of modules (`membership` labelled `0..k`).
    fn aggregate(&self, membership: &[usize], k: usize) -> Self {
        let mut flow = vec![0.0; k];
        let mut links = Vec::with_capacity(self.out_targets.len());
        for u in 0..self.n() {
            let mu = membership[u];
            flow[mu] += self.flow[u];
            for e in self.out_offsets[u]..self.out_offsets[u + 1] {
                let mv = membership[self.out_targets[e] as usize];
                if mv != mu {
                    links.push((mu as u32, mv as u32, self.out_flow[e]));
                }
            }
        }
        Self::build(k, flow, links, self.node_entropy_term)
    }

    /// Module flow, exit and enter of a partition (`membership` labelled `0..k`).
    fn module_stats(&self, membership: &[usize], k: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut flow = vec![0.0; k];
        let mut exit = vec![0.0; k];
        let mut enter = vec![0.0; k];
        for u in 0..self.n() {
            let mu = membership[u];
            flow[mu] += self.flow[u];
            for e in self.out_offsets[u]..self.out_offsets[u + 1] {
                let mv = membership[self.out_targets[e] as usize];
                if mv != mu {
                    exit[mu] += self.out_flow[e];
                    enter[mv] += self.out_flow[e];
                }
            }
        }
        (flow, exit, enter)
    }

    /// Codelength terms of a partition of this level's nodes.
    fn terms(&self, membership: &[usize], k: usize) -> Terms {
        let (flow, exit, enter) = self.module_stats(membership, k);
        let sum_enter: f64 = enter.iter().sum();
        let index = plogp(sum_enter) - enter.iter().map(|&x| plogp(x)).sum::<f64>();
        let module = -exit.iter().map(|&x| plogp(x)).sum::<f64>()
            + flow
                .iter()
                .zip(&exit)
                .map(|(&p, &x)| plogp(p + x))
                .sum::<f64>()
            - self.node_entropy_term;
        Terms { index, module }
    }
}

/// Running module statistics of the core loop.
struct Modules {
    flow: Vec<f64>,
    exit: Vec<f64>,
    enter: Vec<f64>,
    size: Vec<u32>,
    free: Vec<usize>,
    sum_enter: f64,
}

/// The greedy core loop on `level`, starting from `membership` (labels `< level.n()`); returns
/// whether any node moved.
fn core_loop(
    level: &Level,
    membership: &mut [usize],
    rng: &mut SplitMix64,
    options: &InfomapOptions,
) -> bool {
    let n = level.n();
    let (flow, exit, enter) = level.module_stats(membership, n);
    let mut size = vec![0u32; n];
    for &m in membership.iter() {
        size[m] += 1;
    }
    let free = (0..n).rev().filter(|&m| size[m] == 0).collect();
    let mut mods = Modules {
        sum_enter: enter.iter().sum(),
        flow,
        exit,
        enter,
        size,
        free,
    };
    let mut order: Vec<usize> = (0..n).collect();
    let mut out_to = vec![0.0f64; n];
    let mut in_from = vec![0.0f64; n];
    let mut seen = vec![false; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut moved_any = false;
    for _ in 0..options.core_loop_limit.max(1) {
        rng.shuffle(&mut order);
        let mut moves = 0usize;
        for &u in &order {
            let cur = membership[u];
            for e in level.out_offsets[u]..level.out_offsets[u + 1] {
                let m = membership[level.out_targets[e] as usize];
                if !seen[m] {
                    seen[m] = true;
                    touched.push(m);
                }
                out_to[m] += level.out_flow[e];
            }
            for e in level.in_offsets[u]..level.in_offsets[u + 1] {
                let m = membership[level.in_sources[e] as usize];
                if !seen[m] {
                    seen[m] = true;
                    touched.push(m);
                }
                in_from[m] += level.in_flow[e];
            }
            let (p, e_u, n_u) = (level.flow[u], level.exit[u], level.enter[u]);
            let (p_cur, x_cur, n_cur) = (mods.flow[cur], mods.exit[cur], mods.enter[cur]);
            let (o_cur, i_cur) = (out_to[cur], in_from[cur]);
            // `cur` without u
            let x_cur2 = x_cur - e_u + o_cur + i_cur;
            let n_cur2 = n_cur - n_u + i_cur + o_cur;
            let p_cur2 = p_cur - p;
            let cur_old = plogp(n_cur) + plogp(x_cur) - plogp(p_cur + x_cur);
            let cur_new = plogp(n_cur2) + plogp(x_cur2) - plogp(p_cur2 + x_cur2);
            let sum_log = plogp(mods.sum_enter);
            let delta_of = |p_b: f64, x_b: f64, n_b: f64, o_b: f64, i_b: f64| {
                let x_b2 = x_b + e_u - o_b - i_b;
                let n_b2 = n_b + n_u - i_b - o_b;
                let p_b2 = p_b + p;
                let sum2 = mods.sum_enter - n_cur - n_b + n_cur2 + n_b2;
                let b_old = plogp(n_b) + plogp(x_b) - plogp(p_b + x_b);
                let b_new = plogp(n_b2) + plogp(x_b2) - plogp(p_b2 + x_b2);
                let delta = plogp(sum2) - sum_log - (cur_new + b_new - cur_old - b_old);
                (delta, x_b2, n_b2, p_b2, sum2)
            };
            let mut best: Option<(usize, f64, f64, f64, f64, f64)> = None;
            let mut best_delta = -options.tolerance;
            for &m in &touched {
                if m == cur {
                    continue;
                }
                let (d, x2, n2, p2, s2) = delta_of(
                    mods.flow[m],
                    mods.exit[m],
                    mods.enter[m],
                    out_to[m],
                    in_from[m],
                );
                if d < best_delta {
                    best_delta = d;
                    best = Some((m, x2, n2, p2, s2, d));
                }
            }
            if let Some(&m) = mods.free.last().filter(|_| mods.size[cur] > 1) {
                let (d, x2, n2, p2, s2) = delta_of(0.0, 0.0, 0.0, 0.0, 0.0);
                if d < best_delta {
                    best = Some((m, x2, n2, p2, s2, d));
                }
            }
            for &m in &touched {
                out_to[m] = 0.0;
                in_from[m] = 0.0;
                seen[m] = false;
            }
            touched.clear();
            if let Some((m, x2, n2, p2, s2, _)) = best {
                if mods.size[m] == 0 {
                    mods.free.pop();
                }
                mods.exit[cur] = x_cur2;
                mods.enter[cur] = n_cur2;
                mods.flow[cur] = p_cur2;
                mods.exit[m] = x2;
                mods.enter[m] = n2;
                mods.flow[m] = p2;
                mods.sum_enter = s2;
                mods.size[cur] -= 1;
                mods.size[m] += 1;
                if mods.size[cur] == 0 {
                    mods.free.push(cur);
                }
                membership[u] = m;
                moves += 1;
            }
        }
        if moves == 0 {
            break;
        }
        moved_any = true;
    }
    moved_any
}

/// Core loop and aggregation from an initial leaf partition, until no module merges; returns
/// the leaf membership (labels `0..k`).
fn optimise(
    leaf: &Level,
    initial: Vec<usize>,
    rng: &mut SplitMix64,
    options: &InfomapOptions,
) -> Vec<usize> {
    let (mut level_membership, _) = canonical(initial);
    let mut mapping: Vec<usize> = (0..leaf.n()).collect();
    let mut level: Cow<'_, Level> = Cow::Borrowed(leaf);
    loop {
        core_loop(&level, &mut level_membership, rng, options);
        let (labels, k) = canonical(level_membership.iter().copied());
        for x in mapping.iter_mut() {
            *x = labels[*x];
        }
        if k == level.n() || k <= 1 {
            break;
        }
        level = Cow::Owned(level.aggregate(&labels, k));
        level_membership = (0..k).collect();
    }
    mapping
}

/// One trial: optimisation from singletons, then fine-tuning while it helps.
fn trial(leaf: &Level, seed: u64, options: &InfomapOptions) -> (Vec<usize>, f64) {
    let mut rng = SplitMix64::new(seed);
    let n = leaf.n();
    let mut membership = optimise(leaf, (0..n).collect(), &mut rng, options);
    let k = membership.iter().max().map_or(0, |&m| m + 1);
    let mut best = leaf.terms(&membership, k).total();
    const MAX_TUNING: usize = 20;
    for _ in 0..MAX_TUNING {
        let candidate = optimise(leaf, membership.clone(), &mut rng, options);
        let k = candidate.iter().max().map_or(0, |&m| m + 1);
        let l = leaf.terms(&candidate, k).total();
        if l < best - options.tolerance {
            best = l;
            membership = candidate;
        } else {
            break;
        }
    }
    (membership, best)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn edgeless_and_empty_graphs() {
        let r =
            infomap_directed(&Csr::from_entries(3, vec![]), &InfomapOptions::default()).unwrap();
        assert_eq!(r.membership, vec![0, 0, 0]);
        assert_eq!(r.codelength, 0.0);
        let r =
            infomap_directed(&Csr::from_entries(0, vec![]), &InfomapOptions::default()).unwrap();
        assert_eq!((r.membership.len(), r.num_modules), (0, 0));
    }

    #[test]
    fn invalid_options() {
        let g = Csr::from_entries(2, vec![(0, 1, 1.0)]);
        let bad = InfomapOptions {
            teleportation: 1.0,
            ..InfomapOptions::default()
        };
        assert!(infomap_directed(&g, &bad).is_err());
        assert!(codelength_directed(&g, &[0], &InfomapOptions::default()).is_err());
    }

    #[test]
    fn two_cycles_by_hand() {
        // two 2-cycles linked both ways weakly: flows are symmetric, codelength by formula
        let g = Csr::from_entries(
            4,
            vec![
                (0, 1, 1.0),
                (1, 0, 1.0),
                (2, 3, 1.0),
                (3, 2, 1.0),
                (1, 2, 0.0),
            ],
        );
        let l = codelength_directed(&g, &[0, 0, 1, 1], &InfomapOptions::default()).unwrap();
        // no link between the modules: index 0, each module codebook = its node entropy
        assert!((l - 1.0).abs() < 1e-9, "{l}");
    }
}
