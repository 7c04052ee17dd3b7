//! Baseline link scorers computed from past weeks (DESIGN.md §9 baselines).

use dexposure_snapshot::{ProtocolId, Snapshot};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::linkpred::LabeledPair;

/// A heuristic score for ordered pairs, from the week t (and earlier weeks for history).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scorer {
    /// 1 if u → v is a link at t, else 0.
    DirectedPersistence,
    /// 1 if u and v are linked at t in either direction, else 0.
    UndirectedPersistence,
    /// Σ_k decay^k · 1[u → v at t − k] over the last `window` weeks (k = 0 is t).
    DecayedHistory {
        /// Weight ratio between consecutive weeks, in (0, 1].
        decay: f64,
        /// Number of weeks looked at (≥ 1).
        window: usize,
    },
    /// |N(u) ∩ N(v)| on the undirected simple graph of t (self-loops ignored).
    CommonNeighbours,
    /// Σ over common neighbours w of 1 / ln |N(w)| (networkx `adamic_adar_index`).
    AdamicAdar,
    /// |N(u) ∩ N(v)| / |N(u) ∪ N(v)| (0 when both are isolated).
    Jaccard,
    /// |N(u)| · |N(v)|.
    PreferentialAttachment,
}

impl Scorer {
    /// All scorers with the default history parameters (decay 0.5 over 8 weeks).
    pub const ALL: [Scorer; 7] = [
        Scorer::DirectedPersistence,
        Scorer::UndirectedPersistence,
        Scorer::DecayedHistory {
            decay: 0.5,
            window: 8,
        },
        Scorer::CommonNeighbours,
        Scorer::AdamicAdar,
        Scorer::Jaccard,
        Scorer::PreferentialAttachment,
    ];

    /// Short name for tables.
    pub fn name(&self) -> &'static str {
        match self {
            Scorer::DirectedPersistence => "directed_persistence",
            Scorer::UndirectedPersistence => "undirected_persistence",
            Scorer::DecayedHistory { .. } => "decayed_history",
            Scorer::CommonNeighbours => "common_neighbours",
            Scorer::AdamicAdar => "adamic_adar",
            Scorer::Jaccard => "jaccard",
            Scorer::PreferentialAttachment => "preferential_attachment",
        }
    }

    /// Scores `pairs` using `history`, the weeks up to t in date order (t last). Only
    /// [`Scorer::DecayedHistory`] looks past the last week.
    pub fn score(&self, history: &[&Snapshot], pairs: &[LabeledPair]) -> Result<Vec<f64>> {
        let Some(&week) = history.last() else {
            return Err(GraphError::InvalidArgument(
                "a scorer needs at least the week t".into(),
            ));
        };
        let score_with = |f: &dyn Fn(ProtocolId, ProtocolId) -> f64| {
            pairs.iter().map(|p| f(p.source, p.target)).collect()
        };
        Ok(match *self {
            Scorer::DirectedPersistence => {
                let links = directed(week);
                score_with(&|u, v| f64::from(u8::from(links.contains(&(u, v)))))
            }
            Scorer::UndirectedPersistence => {
                let links = directed(week);
                score_with(&|u, v| {
                    f64::from(u8::from(links.contains(&(u, v)) || links.contains(&(v, u))))
                })
            }
            Scorer::DecayedHistory { decay, window } => {
                if !(decay > 0.0 && decay <= 1.0) || window == 0 {
                    return Err(GraphError::InvalidArgument(format!(
                        "decayed history needs 0 < decay <= 1 and window >= 1, got decay {decay}, window {window}"
                    )));
                }
                let weeks: Vec<FxHashSet<(ProtocolId, ProtocolId)>> = history
                    .iter()
                    .rev()
                    .take(window)
                    .map(|w| directed(w))
                    .collect();
                score_with(&|u, v| {
                    weeks
                        .iter()
                        .enumerate()
                        .filter(|(_, links)| links.contains(&(u, v)))
                        .map(|(k, _)| decay.powi(k as i32))
                        .sum()
                })
            }
            Scorer::CommonNeighbours
            | Scorer::AdamicAdar
            | Scorer::Jaccard
            | Scorer::PreferentialAttachment => {
                let nbrs = Neighbourhoods::of(week);
                let kind = *self;
                score_with(&|u, v| nbrs.score(kind, u, v))
            }
        })
    }
}

fn directed(week: &Snapshot) -> FxHashSet<(ProtocolId, ProtocolId)> {
    week.links.iter().map(|l| (l.source, l.target)).collect()
}

/// Sorted neighbour lists of the undirected simple graph of a week, self-loops dropped.
struct Neighbourhoods {
    lists: FxHashMap<ProtocolId, Vec<ProtocolId>>,
}

impl Neighbourhoods {
    fn of(week: &Snapshot) -> Self {
        let mut lists: FxHashMap<ProtocolId, Vec<ProtocolId>> = FxHashMap::default();
        for l in week.links.iter().filter(|l| l.source != l.target) {
            lists.entry(l.source).or_default().push(l.target);
            lists.entry(l.target).or_default().push(l.source);
        }
        for list in lists.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        Self { lists }
    }

    fn get(&self, u: ProtocolId) -> &[ProtocolId] {
        self.lists.get(&u).map_or(&[], Vec::as_slice)
    }

    fn score(&self, kind: Scorer, u: ProtocolId, v: ProtocolId) -> f64 {
        let (a, b) = (self.get(u), self.get(v));
        let common = || sorted_intersection(a, b);
        match kind {
            Scorer::CommonNeighbours => common().count() as f64,
            Scorer::AdamicAdar => common()
                .map(|w| self.get(w).len() as f64)
                .filter(|&d| d > 1.0)
                .map(|d| 1.0 / d.ln())
                .sum(),
            Scorer::Jaccard => {
                let c = common().count();
                let union = a.len() + b.len() - c;
                if union == 0 {
                    0.0
                } else {
                    c as f64 / union as f64
                }
            }
            Scorer::PreferentialAttachment => (a.len() * b.len()) as f64,
            _ => 0.0,
        }
    }
}

fn sorted_intersection<'a>(
    a: &'a [ProtocolId],
    b: &'a [ProtocolId],
) -> impl Iterator<Item = ProtocolId> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    return Some(a[i - 1]);
                }
            }
        }
        None
    })
}
