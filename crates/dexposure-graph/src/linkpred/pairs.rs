//! Labelled candidate pairs for a week pair (t, t+h) (DESIGN.md §9).

use dexposure_snapshot::{ProtocolId, Snapshot};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::ExposureGraph;
use crate::error::{GraphError, Result};
use crate::rng::SplitMix64;

/// How a candidate pair was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// A link of t+h whose endpoints both exist at t.
    Positive,
    /// A uniformly drawn ordered pair u ≠ v of V_t that is not a positive.
    Uniform,
    /// The reverse (v, u) of a positive (u, v), when it is not itself a positive.
    Reverse,
    /// A link of t that is absent at t+h.
    Vanished,
    /// u drawn ∝ out-degree at t, v ∝ in-degree at t, not a positive.
    DegreeBiased,
}

/// An ordered candidate pair with its label (true for positives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabeledPair {
    /// Source protocol.
    pub source: ProtocolId,
    /// Target protocol.
    pub target: ProtocolId,
    /// True when the link exists at t+h.
    pub label: bool,
    /// How the pair was drawn.
    pub kind: PairKind,
}

/// Draws labelled pairs for (G_t, G_t+h).
///
/// Positives are the distinct directed links (u, v), u ≠ v, of G_t+h whose endpoints are nodes
/// of G_t (self-loops are not prediction targets). Uniform negatives are distinct ordered pairs
/// u ≠ v of V_t that are not positives, `negatives_per_positive` of them per positive (fewer only
/// if V_t has fewer such pairs). Hard negatives, when asked for, are added on top, each pair at
/// most once over all kinds. Same seed, same pairs.
///
/// ```
/// use dexposure_graph::linkpred::PairSampler;
/// use dexposure_snapshot::SeriesLoader;
/// let json = br#"{"data": {
///   "2024-01-01": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 1.0, "composition": {}},
///                            {"id": "c", "size": 1.0, "composition": {}}], "links": []},
///   "2024-01-08": {"nodes": [{"id": "a", "size": 1.0, "composition": {}}, {"id": "b", "size": 1.0, "composition": {}}],
///                  "links": [{"source": "a", "target": "b", "size": 1.0, "composition": {}}]}}}"#;
/// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
/// let (t, th) = (&series.snapshots()[0], &series.snapshots()[1]);
/// let pairs = PairSampler::new(7).sample(t, th)?;
/// assert_eq!(pairs.iter().filter(|p| p.label).count(), 1);
/// assert_eq!(pairs.len(), 1 + 5); // a->c, b->a, b->c, c->a, c->b: all five u != v negatives
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PairSampler {
    /// Uniform negatives per positive (default 5).
    pub negatives_per_positive: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Add the reverse of each positive as a hard negative.
    pub reverse: bool,
    /// Add links of t absent at t+h as hard negatives.
    pub vanished: bool,
    /// Degree-biased hard negatives per positive (0 for none).
    pub degree_biased_per_positive: usize,
}

impl PairSampler {
    /// 5 uniform negatives per positive, no hard negatives.
    pub fn new(seed: u64) -> Self {
        Self {
            negatives_per_positive: 5,
            seed,
            reverse: false,
            vanished: false,
            degree_biased_per_positive: 0,
        }
    }

    /// Adds all three kinds of hard negatives (reverse, vanished, and one degree-biased pair per
    /// positive).
    pub fn with_hard_negatives(mut self) -> Self {
        self.reverse = true;
        self.vanished = true;
        self.degree_biased_per_positive = 1;
        self
    }

    /// Labelled pairs for (`earlier`, `later`): positives first (in `later`'s link order), then
    /// negatives. Both snapshots must come from the same series (handles compare).
    pub fn sample(&self, earlier: &Snapshot, later: &Snapshot) -> Result<Vec<LabeledPair>> {
        let nodes: Vec<ProtocolId> = earlier.nodes.iter().map(|n| n.id).collect();
        let earlier_links: Vec<(ProtocolId, ProtocolId)> =
            earlier.links.iter().map(|l| (l.source, l.target)).collect();
        let later_links: Vec<(ProtocolId, ProtocolId)> =
            later.links.iter().map(|l| (l.source, l.target)).collect();
        self.sample_links(&nodes, &earlier_links, &later_links)
    }

    /// [`PairSampler::sample`] on two exposure graphs of the same series. A graph keeps one
    /// entry per distinct ordered pair, so positives come in (source, target) order and the
    /// degree-biased draw weighs each node by its number of distinct neighbours rather than
    /// by its links; uniform and other negatives are drawn exactly as from the snapshots.
    pub fn sample_graphs(
        &self,
        earlier: &ExposureGraph,
        later: &ExposureGraph,
    ) -> Result<Vec<LabeledPair>> {
        let nodes: Vec<ProtocolId> = (0..earlier.node_count())
            .map(|i| earlier.protocol(i))
            .collect();
        self.sample_links(&nodes, &distinct_links(earlier), &distinct_links(later))
    }

    fn sample_links(
        &self,
        nodes: &[ProtocolId],
        earlier_links: &[(ProtocolId, ProtocolId)],
        later_links: &[(ProtocolId, ProtocolId)],
    ) -> Result<Vec<LabeledPair>> {
        let present: FxHashSet<ProtocolId> = nodes.iter().copied().collect();
        let mut taken: FxHashSet<(ProtocolId, ProtocolId)> = FxHashSet::default();
        let mut out = Vec::new();
        for &pair in later_links {
            if pair.0 != pair.1
                && present.contains(&pair.0)
                && present.contains(&pair.1)
                && taken.insert(pair)
            {
                out.push(labeled(pair, true, PairKind::Positive));
            }
        }
        let positives = out.len();
        let mut rng = SplitMix64::new(self.seed);
        let n = nodes.len();
        let possible = n
            .saturating_mul(n.saturating_sub(1))
            .saturating_sub(positives);
        let wanted = positives
            .saturating_mul(self.negatives_per_positive)
            .min(possible);
        self.draw(&mut out, &mut taken, wanted, PairKind::Uniform, || {
            let u = nodes.get(rng.below(n)).copied();
            let v = nodes.get(rng.below(n)).copied();
            u.zip(v)
        })?;
        if self.reverse {
            for k in 0..positives {
                let p = out[k];
                if taken.insert((p.target, p.source)) {
                    out.push(labeled((p.target, p.source), false, PairKind::Reverse));
                }
            }
        }
        if self.vanished {
            for &pair in earlier_links {
                if pair.0 != pair.1 && taken.insert(pair) {
                    out.push(labeled(pair, false, PairKind::Vanished));
                }
            }
        }
        if self.degree_biased_per_positive > 0 {
            // Endpoint lists with one entry per link end: drawing an entry uniformly draws a
            // node with probability proportional to its degree.
            let sources: Vec<ProtocolId> = earlier_links.iter().map(|l| l.0).collect();
            let targets: Vec<ProtocolId> = earlier_links.iter().map(|l| l.1).collect();
            let wanted = positives.saturating_mul(self.degree_biased_per_positive);
            let mut rng = SplitMix64::new(self.seed ^ 0xD1B5_4A32_D192_ED03);
            if !sources.is_empty() {
                self.draw(&mut out, &mut taken, wanted, PairKind::DegreeBiased, || {
                    let u = sources.get(rng.below(sources.len())).copied();
                    let v = targets.get(rng.below(targets.len())).copied();
                    u.zip(v)
                })?;
            }
        }
        Ok(out)
    }

    /// Draws `wanted` new pairs u ≠ v from `draw`, giving up (with what it has) after a bounded
    /// number of attempts so that a nearly complete graph cannot loop for ever.
    fn draw(
        &self,
        out: &mut Vec<LabeledPair>,
        taken: &mut FxHashSet<(ProtocolId, ProtocolId)>,
        wanted: usize,
        kind: PairKind,
        mut draw: impl FnMut() -> Option<(ProtocolId, ProtocolId)>,
    ) -> Result<()> {
        let budget = wanted.saturating_mul(64).max(1024);
        let mut got = 0;
        for _ in 0..budget {
            if got == wanted {
                return Ok(());
            }
            let Some(pair) = draw() else {
                return Err(GraphError::InvalidArgument(
                    "cannot draw pairs from an empty week".into(),
                ));
            };
            if pair.0 != pair.1 && taken.insert(pair) {
                out.push(labeled(pair, false, kind));
                got += 1;
            }
        }
        Ok(())
    }
}

fn labeled((source, target): (ProtocolId, ProtocolId), label: bool, kind: PairKind) -> LabeledPair {
    LabeledPair {
        source,
        target,
        label,
        kind,
    }
}

/// Counts of pairs by kind, for reports.
pub fn count_by_kind(pairs: &[LabeledPair]) -> FxHashMap<PairKind, usize> {
    let mut counts = FxHashMap::default();
    for p in pairs {
        *counts.entry(p.kind).or_insert(0) += 1;
    }
    counts
}

/// The distinct ordered pairs of a graph, in (source, target) order.
fn distinct_links(g: &ExposureGraph) -> Vec<(ProtocolId, ProtocolId)> {
    (0..g.node_count())
        .flat_map(|i| {
            g.out_csr()
                .neighbours(i)
                .iter()
                .map(move |&j| (g.protocol(i), g.protocol(j as usize)))
        })
        .collect()
}
