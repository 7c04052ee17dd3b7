//! Node and pair features (DESIGN.md §9), computed from the graphs of weeks `<= t` only, and
//! their z-scoring, fitted on the training split and saved with a checkpoint.

use dexposure_graph::{Csr, ExposureGraph};
use dexposure_snapshot::BroadCategory;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::history::WeekGraphs;

/// What the model sees: the node and pair feature columns, by name.
///
/// Node features (7 + C): ln(1 + TVL), number of tokens, largest token share, token entropy,
/// one column per broad category (C = 7, Unknown included), previous-week ln-TVL change,
/// in-degree / max in-degree, out-degree / max out-degree; with `history_extras`, ln-TVL
/// changes over 4 and 12 weeks and ln(1 + weeks since first seen). A change is 0 when the node
/// was absent from the earlier week.
///
/// Pair features of an ordered pair (u, v) at t: u→v at t, v→u at t, ln(1 + w) both ways at
/// t, link history decayed by `decay` per week over the last `history_window` weeks both ways,
/// ln(1 + common neighbours), ln(1 + Adamic–Adar), whether u and v were ever linked by t, and
/// ln(1 + deg u · deg v) on the undirected simple graph of t.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSet {
    /// Adds ln-TVL changes over 4 and 12 weeks and weeks since first seen.
    pub history_extras: bool,
    /// Weight ratio between consecutive weeks of the decayed link history.
    pub decay: f64,
    /// Weeks looked at by the decayed link history (t included).
    pub history_window: usize,
}

impl Default for FeatureSet {
    fn default() -> Self {
        Self {
            history_extras: true,
            decay: 0.5,
            history_window: 8,
        }
    }
}

/// Names of the pair-feature columns, in order.
pub const PAIR_FEATURES: [&str; 10] = [
    "link_uv_t",
    "link_vu_t",
    "ln1p_weight_uv_t",
    "ln1p_weight_vu_t",
    "decayed_history_uv",
    "decayed_history_vu",
    "ln1p_common_neighbours",
    "ln1p_adamic_adar",
    "ever_linked",
    "ln1p_preferential_attachment",
];

impl FeatureSet {
    /// Names of the node-feature columns, in order.
    pub fn node_feature_names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["ln1p_tvl", "tokens", "max_token_share", "token_entropy"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.extend(
            BroadCategory::ALL
                .iter()
                .map(|c| format!("category={}", c.name())),
        );
        names.extend(
            ["dln_tvl_1w", "in_degree_rel", "out_degree_rel"]
                .iter()
                .map(|s| s.to_string()),
        );
        if self.history_extras {
            names.extend(
                ["dln_tvl_4w", "dln_tvl_12w", "ln1p_weeks_since_first_seen"]
                    .iter()
                    .map(|s| s.to_string()),
            );
        }
        names
    }

    /// Number of node-feature columns.
    pub fn node_dim(&self) -> usize {
        self.node_feature_names().len()
    }

    /// Number of pair-feature columns.
    pub fn pair_dim(&self) -> usize {
        PAIR_FEATURES.len()
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if !(self.decay > 0.0 && self.decay <= 1.0) || self.history_window == 0 {
            return Err(ModelError::InvalidArgument(format!(
                "feature set needs 0 < decay <= 1 and history_window >= 1, got {} and {}",
                self.decay, self.history_window
            )));
        }
        Ok(())
    }

    /// Z-scoring of the node features fitted on the weeks `range` (the training weeks).
    pub fn fit_node_normalizer(
        &self,
        weeks: &WeekGraphs,
        range: std::ops::Range<usize>,
    ) -> Result<Normalizer> {
        let rows: Vec<f32> = range
            .into_par_iter()
            .map(|t| self.node_features(weeks, t))
            .collect::<Vec<_>>()
            .concat();
        Normalizer::fit(&rows, self.node_dim())
    }

    /// Raw node features of week `t`, row-major `[N_t, node_dim]`.
    pub fn node_features(&self, weeks: &WeekGraphs, t: usize) -> Vec<f32> {
        let g = weeks.graph(t);
        let n = g.node_count();
        let dim = self.node_dim();
        let max_in = (0..n).map(|i| g.in_degree(i)).max().unwrap_or(0).max(1) as f64;
        let max_out = (0..n).map(|i| g.out_degree(i)).max().unwrap_or(0).max(1) as f64;
        let change = |i: usize, k: usize| -> f64 {
            if k > t {
                return 0.0;
            }
            let earlier = weeks.graph(t - k);
            earlier
                .index_of(g.protocol(i))
                .map_or(0.0, |j| ln1p(g.tvl()[i]) - ln1p(earlier.tvl()[j]))
        };
        let mut out = Vec::with_capacity(n * dim);
        for i in 0..n {
            let stats = g.composition_stats()[i];
            out.push(ln1p(g.tvl()[i]) as f32);
            out.push(stats.tokens as f32);
            out.push(stats.max_share as f32);
            out.push(stats.entropy as f32);
            let category = g.categories()[i];
            out.extend(
                BroadCategory::ALL
                    .iter()
                    .map(|c| f32::from(u8::from(*c == category))),
            );
            out.push(change(i, 1) as f32);
            out.push((g.in_degree(i) as f64 / max_in) as f32);
            out.push((g.out_degree(i) as f64 / max_out) as f32);
            if self.history_extras {
                out.push(change(i, 4) as f32);
                out.push(change(i, 12) as f32);
                let since = weeks.seen_by(g.protocol(i), t).map_or(0, |s| t - s);
                out.push(ln1p(since as f64) as f32);
            }
        }
        out
    }
}

/// The undirected simple graph of one week, for the neighbourhood pair features.
#[derive(Debug, Clone)]
pub struct Neighbourhood {
    undirected: Csr,
}

impl Neighbourhood {
    /// The undirected simple graph of `g` (self-loops dropped).
    pub fn of(g: &ExposureGraph) -> Self {
        let full = g.undirected();
        let mut entries = Vec::with_capacity(full.len());
        for i in 0..full.rows() {
            for (j, w) in full.row(i) {
                if i != j {
                    entries.push((i as u32, j as u32, w));
                }
            }
        }
        Self {
            undirected: Csr::from_entries(full.rows(), entries),
        }
    }

    /// Neighbours of `i`, ascending.
    pub fn neighbours(&self, i: usize) -> &[u32] {
        self.undirected.neighbours(i)
    }

    /// Degree of `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.undirected.neighbours(i).len()
    }

    /// Common-neighbour count and Adamic–Adar index of (u, v).
    pub fn common(&self, u: usize, v: usize) -> (usize, f64) {
        let (a, b) = (self.neighbours(u), self.neighbours(v));
        let (mut i, mut j, mut count, mut aa) = (0, 0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    count += 1;
                    let d = self.degree(a[i] as usize) as f64;
                    if d > 1.0 {
                        aa += 1.0 / d.ln();
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        (count, aa)
    }
}

/// Computes pair features at one anchor week (the neighbourhood is built once).
#[derive(Debug)]
pub struct PairFeaturizer<'a> {
    features: &'a FeatureSet,
    weeks: &'a WeekGraphs,
    t: usize,
    neighbourhood: Neighbourhood,
}

impl<'a> PairFeaturizer<'a> {
    /// A featurizer for anchor week `t`.
    pub fn new(features: &'a FeatureSet, weeks: &'a WeekGraphs, t: usize) -> Self {
        Self {
            features,
            weeks,
            t,
            neighbourhood: Neighbourhood::of(weeks.graph(t)),
        }
    }

    /// The undirected simple graph of week t.
    pub fn neighbourhood(&self) -> &Neighbourhood {
        &self.neighbourhood
    }

    /// The weeks it reads.
    pub fn weeks(&self) -> &'a WeekGraphs {
        self.weeks
    }

    /// The anchor week t.
    pub fn anchor(&self) -> usize {
        self.t
    }

    /// Raw features of pairs given as node indices of week t, row-major `[pairs, pair_dim]`
    /// (computed in parallel over blocks of pairs).
    pub fn features(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        pairs
            .par_chunks(2048)
            .map(|block| self.block_features(block))
            .collect::<Vec<_>>()
            .concat()
    }

    fn block_features(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        let g = self.weeks.graph(self.t);
        let window = self.features.history_window.min(self.t + 1);
        let mut out = Vec::with_capacity(pairs.len() * PAIR_FEATURES.len());
        for &(u, v) in pairs {
            let (u, v) = (u as usize, v as usize);
            let (pu, pv) = (g.protocol(u), g.protocol(v));
            let w_uv = g.out_csr().weight(u, v);
            let w_vu = g.out_csr().weight(v, u);
            let (mut hist_uv, mut hist_vu) = (0.0, 0.0);
            for k in 0..window {
                let past = self.weeks.graph(self.t - k);
                if let (Some(a), Some(b)) = (past.index_of(pu), past.index_of(pv)) {
                    let factor = self.features.decay.powi(k as i32);
                    if past.out_csr().weight(a, b).is_some() {
                        hist_uv += factor;
                    }
                    if past.out_csr().weight(b, a).is_some() {
                        hist_vu += factor;
                    }
                }
            }
            let (cn, aa) = self.neighbourhood.common(u, v);
            let pa = (self.neighbourhood.degree(u) * self.neighbourhood.degree(v)) as f64;
            out.extend([
                f32::from(u8::from(w_uv.is_some())),
                f32::from(u8::from(w_vu.is_some())),
                ln1p(w_uv.unwrap_or(0.0)) as f32,
                ln1p(w_vu.unwrap_or(0.0)) as f32,
                hist_uv as f32,
                hist_vu as f32,
                ln1p(cn as f64) as f32,
                ln1p(aa) as f32,
                f32::from(u8::from(self.weeks.linked_by(pu, pv, self.t))),
                ln1p(pa) as f32,
            ]);
        }
        out
    }
}

/// ln(1 + x) for non-negative money amounts (negative inputs are treated as 0).
pub fn ln1p(x: f64) -> f64 {
    x.max(0.0).ln_1p()
}

/// Per-column z-scoring: `(x − mean) / std`, std 1 for constant columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// Column means.
    pub mean: Vec<f32>,
    /// Column standard deviations (never 0).
    pub std: Vec<f32>,
}

impl Normalizer {
    /// Fits on row-major `rows` of width `dim` (f64 accumulation).
    pub fn fit(rows: &[f32], dim: usize) -> Result<Self> {
        if dim == 0 || rows.is_empty() || !rows.len().is_multiple_of(dim) {
            return Err(ModelError::InvalidArgument(format!(
                "cannot fit a normalizer on {} values of width {dim}",
                rows.len()
            )));
        }
        let n = (rows.len() / dim) as f64;
        let mut sum = vec![0.0f64; dim];
        let mut sq = vec![0.0f64; dim];
        for row in rows.chunks_exact(dim) {
            for (c, &x) in row.iter().enumerate() {
                sum[c] += f64::from(x);
                sq[c] += f64::from(x) * f64::from(x);
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, m)| {
                let var = (s / n - m * m).max(0.0);
                if var > 1e-12 { var.sqrt() as f32 } else { 1.0 }
            })
            .collect();
        Ok(Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        })
    }

    /// Width of the rows it applies to.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Z-scores row-major `rows` in place.
    pub fn apply(&self, rows: &mut [f32]) {
        let dim = self.dim();
        for row in rows.chunks_exact_mut(dim) {
            for (c, x) in row.iter_mut().enumerate() {
                *x = (*x - self.mean[c]) / self.std[c];
            }
        }
    }
}

/// The feature set with its normalisation, as saved in a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureScaling {
    /// Which features.
    pub features: FeatureSet,
    /// Node-feature column names (checked on load).
    pub node_columns: Vec<String>,
    /// Pair-feature column names (checked on load).
    pub pair_columns: Vec<String>,
    /// Node-feature z-scoring.
    pub node: Normalizer,
    /// Pair-feature z-scoring.
    pub pair: Normalizer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizer_z_scores_and_keeps_constant_columns() {
        let rows = [1.0f32, 5.0, 3.0, 5.0];
        let z = Normalizer::fit(&rows, 2).expect("fit");
        assert_eq!(z.mean, vec![2.0, 5.0]);
        assert_eq!(z.std, vec![1.0, 1.0]);
        let mut x = rows;
        z.apply(&mut x);
        assert_eq!(x, [-1.0, 0.0, 1.0, 0.0]);
        assert!(Normalizer::fit(&rows, 3).is_err());
    }

    #[test]
    fn node_feature_names_match_dimension() {
        let f = FeatureSet::default();
        assert_eq!(f.node_dim(), 7 + 7 + 3);
        let plain = FeatureSet {
            history_extras: false,
            ..FeatureSet::default()
        };
        assert_eq!(plain.node_dim(), 14);
    }
}
