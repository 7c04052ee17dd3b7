//! Labelled pairs and node targets of a week pair (t, t + h), and the leak-free candidate set
//! of a forecast (DESIGN.md §9).

use dexposure_graph::linkpred::{PairKind, PairSampler};
use dexposure_graph::rng::SplitMix64;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::features::{Neighbourhood, ln1p};
use crate::history::WeekGraphs;

/// Labelled ordered pairs of an anchor t for horizon h, as node indices of week t, with the
/// regression targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnchorPairs {
    /// Anchor week t.
    pub anchor: usize,
    /// (source, target) node indices of week t.
    pub pairs: Vec<(u32, u32)>,
    /// How each pair was drawn.
    pub kinds: Vec<PairKind>,
    /// True when the link exists at t + h.
    pub labels: Vec<bool>,
    /// ln(1 + w) of the pair at t (0 when absent).
    pub log_weight_now: Vec<f32>,
    /// ln(1 + w) of the pair at t + h (0 when absent).
    pub log_weight_target: Vec<f32>,
}

impl AnchorPairs {
    /// Draws pairs for (t, t + h) with `sampler` (positives = links of t + h between nodes of
    /// t; negatives as the sampler says).
    pub fn sample(weeks: &WeekGraphs, t: usize, h: usize, sampler: &PairSampler) -> Result<Self> {
        if t + h >= weeks.len() {
            return Err(ModelError::NotEnoughWeeks(format!(
                "anchor {t} + horizon {h} is past the last week ({} weeks)",
                weeks.len()
            )));
        }
        let (now, later) = (weeks.graph(t), weeks.graph(t + h));
        let drawn = sampler.sample_graphs(now, later)?;
        let mut out = Self {
            anchor: t,
            ..Self::default()
        };
        for p in drawn {
            // Every drawn endpoint is a node of week t by construction.
            let (Some(u), Some(v)) = (now.index_of(p.source), now.index_of(p.target)) else {
                continue;
            };
            let target = later
                .index_of(p.source)
                .zip(later.index_of(p.target))
                .and_then(|(a, b)| later.out_csr().weight(a, b));
            out.pairs.push((u as u32, v as u32));
            out.kinds.push(p.kind);
            out.labels.push(p.label);
            out.log_weight_now
                .push(ln1p(now.out_csr().weight(u, v).unwrap_or(0.0)) as f32);
            out.log_weight_target
                .push(ln1p(target.unwrap_or(0.0)) as f32);
        }
        Ok(out)
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True without pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs at positions `keep`, in that order.
    pub fn subset(&self, keep: &[usize]) -> Self {
        Self {
            anchor: self.anchor,
            pairs: keep.iter().map(|&k| self.pairs[k]).collect(),
            kinds: keep.iter().map(|&k| self.kinds[k]).collect(),
            labels: keep.iter().map(|&k| self.labels[k]).collect(),
            log_weight_now: keep.iter().map(|&k| self.log_weight_now[k]).collect(),
            log_weight_target: keep.iter().map(|&k| self.log_weight_target[k]).collect(),
        }
    }
}

/// Node targets of (t, t + h): Δ ln(1 + TVL) for the nodes of t still present at t + h.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeTargets {
    /// True when node i of week t is a node of week t + h.
    pub present: Vec<bool>,
    /// ln(1 + TVL_{t+h}) − ln(1 + TVL_t) (0 where absent).
    pub delta: Vec<f32>,
}

impl NodeTargets {
    /// The targets of anchor t at horizon h.
    pub fn of(weeks: &WeekGraphs, t: usize, h: usize) -> Self {
        let (now, later) = (weeks.graph(t), weeks.graph(t + h));
        let mut present = Vec::with_capacity(now.node_count());
        let mut delta = Vec::with_capacity(now.node_count());
        for i in 0..now.node_count() {
            match later.index_of(now.protocol(i)) {
                Some(j) => {
                    present.push(true);
                    delta.push((ln1p(later.tvl()[j]) - ln1p(now.tvl()[i])) as f32);
                }
                None => {
                    present.push(false);
                    delta.push(0.0);
                }
            }
        }
        Self { present, delta }
    }
}

/// How the leak-free candidate set of a forecast is formed from week t alone: every pair
/// linked at t (both orientations), up to `two_hop_per_node` two-hop pairs per node (most
/// common neighbours first), and `sampled_per_node` uniformly drawn pairs per node (seeded by
/// `seed` and the week's date, so the set does not depend on later weeks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateConfig {
    /// Two-hop pairs kept per node.
    pub two_hop_per_node: usize,
    /// Random pairs drawn per node.
    pub sampled_per_node: usize,
    /// Seed of the random draws.
    pub seed: u64,
}

impl Default for CandidateConfig {
    fn default() -> Self {
        Self {
            two_hop_per_node: 20,
            sampled_per_node: 10,
            seed: 2025,
        }
    }
}

impl CandidateConfig {
    /// The candidate pairs of week t (node indices, sorted, no self-pairs).
    pub fn candidates(&self, weeks: &WeekGraphs, t: usize) -> Vec<(u32, u32)> {
        self.candidates_with(weeks, t, &Neighbourhood::of(weeks.graph(t)))
    }

    /// [`CandidateConfig::candidates`] with a neighbourhood already built.
    pub fn candidates_with(
        &self,
        weeks: &WeekGraphs,
        t: usize,
        nbrs: &Neighbourhood,
    ) -> Vec<(u32, u32)> {
        let g = weeks.graph(t);
        let n = g.node_count();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for u in 0..n {
            pairs.extend(nbrs.neighbours(u).iter().map(|&v| (u as u32, v)));
        }
        if self.two_hop_per_node > 0 {
            let two_hop: Vec<Vec<u32>> = (0..n)
                .into_par_iter()
                .map_init(FxHashMap::default, |counts, u| {
                    self.two_hop_of(nbrs, u, counts)
                })
                .collect();
            for (u, xs) in two_hop.into_iter().enumerate() {
                for x in xs {
                    pairs.push((u as u32, x));
                    pairs.push((x, u as u32));
                }
            }
        }
        if self.sampled_per_node > 0 && n > 1 {
            let day = weeks.dates()[t]
                .signed_duration_since(dexposure_snapshot::NaiveDate::default())
                .num_days() as u64;
            let mut rng = SplitMix64::new(self.seed ^ day.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            for u in 0..n {
                for _ in 0..self.sampled_per_node {
                    let v = rng.below(n);
                    if v != u {
                        pairs.push((u as u32, v as u32));
                    }
                }
            }
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The `two_hop_per_node` two-hop partners of `u` (not linked to it), most common
    /// neighbours first, ties by index.
    fn two_hop_of(
        &self,
        nbrs: &Neighbourhood,
        u: usize,
        counts: &mut FxHashMap<u32, u32>,
    ) -> Vec<u32> {
        counts.clear();
        let direct = nbrs.neighbours(u);
        for &w in direct {
            for &x in nbrs.neighbours(w as usize) {
                if x as usize != u && direct.binary_search(&x).is_err() {
                    *counts.entry(x).or_insert(0) += 1;
                }
            }
        }
        let mut ranked: Vec<(u32, u32)> = counts.iter().map(|(&x, &c)| (x, c)).collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(self.two_hop_per_node)
            .map(|(x, _)| x)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dexposure_snapshot::SeriesLoader;

    fn weeks() -> WeekGraphs {
        let json = br#"{"data": {
          "2024-01-01": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 2.0, "composition": {}},
                                   {"id": "c", "size": 3.0, "composition": {}}, {"id": "d", "size": 4.0, "composition": {}}],
                         "links": [{"source": "a", "target": "b", "size": 1.0, "composition": {}},
                                   {"source": "b", "target": "c", "size": 1.0, "composition": {}},
                                   {"source": "d", "target": "d", "size": 1.0, "composition": {}}]},
          "2024-01-08": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 8.0, "composition": {}},
                                   {"id": "e", "size": 3.0, "composition": {}}],
                         "links": [{"source": "b", "target": "a", "size": 7.0, "composition": {}},
                                   {"source": "e", "target": "a", "size": 1.0, "composition": {}}]}}}"#;
        let series = SeriesLoader::new()
            .load_bytes(json, "inline.json")
            .expect("series");
        WeekGraphs::new(&series, None).expect("graphs")
    }

    #[test]
    fn candidates_hold_linked_and_two_hop_pairs_without_self_pairs() {
        let w = weeks();
        let config = CandidateConfig {
            sampled_per_node: 0,
            ..CandidateConfig::default()
        };
        let c = config.candidates(&w, 0);
        // a–b and b–c both ways, a–c two hops both ways; d's self-loop gives nothing.
        assert_eq!(c, vec![(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]);
        let sampled = CandidateConfig::default().candidates(&w, 0);
        assert!(sampled.iter().all(|&(u, v)| u != v));
        assert_eq!(sampled, CandidateConfig::default().candidates(&w, 0));
    }

    #[test]
    fn anchor_pairs_and_node_targets_carry_the_labels() {
        let w = weeks();
        let pairs = AnchorPairs::sample(&w, 0, 1, &PairSampler::new(1)).expect("pairs");
        // The only positive among nodes of week 0 is b → a (e is new).
        let positives: Vec<_> = (0..pairs.len()).filter(|&k| pairs.labels[k]).collect();
        assert_eq!(positives.len(), 1);
        let k = positives[0];
        assert_eq!(pairs.pairs[k], (1, 0));
        assert!((f64::from(pairs.log_weight_target[k]) - 8f64.ln()).abs() < 1e-6);
        assert_eq!(pairs.log_weight_now[k], 0.0);
        let nodes = NodeTargets::of(&w, 0, 1);
        assert_eq!(nodes.present, vec![true, true, false, false]);
        assert!((f64::from(nodes.delta[1]) - (9f64.ln() - 3f64.ln())).abs() < 1e-6);
        assert!(AnchorPairs::sample(&w, 1, 1, &PairSampler::new(1)).is_err());
    }
}
