//! [`ExposureGraph`]: one week's exposure network in compressed sparse rows.
//!
//! Conventions (DESIGN.md §6):
//! - nodes are the week's nodes in file order; node `i` ↔ [`ExposureGraph::protocol`];
//! - **degrees count multi-edges** (two links u → v give out-degree 2 at u), and a self-loop
//!   counts once in the out-degree and once in the in-degree (as networkx does);
//! - **weighted algorithms see merged edges**: the CSR holds one entry per distinct ordered pair
//!   (self-loops included) whose weight is the sum of the links' sizes;
//! - [`ExposureGraph::edge_count`] is the number of links (multi-edges counted), the `E` of the
//!   density `E / (N (N − 1))`.

use dexposure_snapshot::{BroadCategory, ProtocolCatalog, ProtocolId, Snapshot, SymbolTable};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};

/// Compressed sparse rows: the neighbours of node `i` are `targets[offsets[i]..offsets[i + 1]]`
/// (ascending), with the matching `weights`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl Csr {
    /// Builds rows from `(row, column, weight)` entries over `n` nodes, summing repeated
    /// `(row, column)` entries.
    pub fn from_entries(n: usize, mut entries: Vec<(u32, u32, f64)>) -> Self {
        entries.sort_unstable_by_key(|&(r, c, _)| (r, c));
        let mut offsets = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(entries.len());
        let mut weights: Vec<f64> = Vec::with_capacity(entries.len());
        let mut last: Option<(u32, u32)> = None;
        for (r, c, w) in entries {
            if last == Some((r, c)) {
                if let Some(x) = weights.last_mut() {
                    *x += w;
                }
                continue;
            }
            last = Some((r, c));
            targets.push(c);
            weights.push(w);
            offsets[r as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        Self {
            offsets,
            targets,
            weights,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of stored entries (distinct pairs).
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True when no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Columns of row `i`, ascending.
    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Weights of row `i`, aligned with [`Csr::neighbours`].
    pub fn weights(&self, i: usize) -> &[f64] {
        &self.weights[self.offsets[i]..self.offsets[i + 1]]
    }

    /// `(column, weight)` pairs of row `i`.
    pub fn row(&self, i: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        self.neighbours(i)
            .iter()
            .zip(self.weights(i))
            .map(|(&c, &w)| (c as usize, w))
    }

    /// Sum of the weights of row `i`.
    pub fn row_sum(&self, i: usize) -> f64 {
        self.weights(i).iter().sum()
    }

    /// Weight of entry `(i, j)`, if stored.
    pub fn weight(&self, i: usize, j: usize) -> Option<f64> {
        let cols = self.neighbours(i);
        cols.binary_search(&(j as u32))
            .ok()
            .map(|k| self.weights(i)[k])
    }
}

/// Token-composition statistics of a node (DESIGN.md §9 node features).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CompositionStats {
    /// Number of tokens held.
    pub tokens: u32,
    /// Largest share of one token in the node's composition (0 when empty).
    pub max_share: f64,
    /// Shannon entropy (natural log) of the token shares (values clamped at 1e-12).
    pub entropy: f64,
}

impl CompositionStats {
    fn of(values: impl Iterator<Item = f64> + Clone) -> Self {
        const EPS: f64 = 1e-12;
        let tokens = values.clone().count() as u32;
        let total: f64 = values.clone().map(|v| v.max(EPS)).sum();
        if tokens == 0 || total <= 0.0 {
            return Self::default();
        }
        let mut max_share = 0.0f64;
        let mut entropy = 0.0;
        for v in values {
            let p = v.max(EPS) / total;
            max_share = max_share.max(p);
            entropy -= p * p.ln();
        }
        Self {
            tokens,
            max_share,
            entropy,
        }
    }
}

/// One week's exposure network, ready for metrics.
///
/// ```
/// use dexposure_graph::ExposureGraph;
/// use dexposure_snapshot::SeriesLoader;
/// let json = br#"{"data": {"2022-05-09": {"nodes": [
///     {"id": "182", "size": 10.0, "composition": {"STETH": 10.0}},
///     {"id": "2269", "size": 5.0, "composition": {"STETH": 5.0}}],
///   "links": [{"source": "182", "target": "2269", "size": 2.0, "composition": {"STETH": 2.0}},
///             {"source": "182", "target": "2269", "size": 1.0, "composition": {"STETH": 1.0}}]}}}"#;
/// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
/// let week = series.first().ok_or("no week")?;
/// let graph = ExposureGraph::from_snapshot(week, series.symbols(), None)?;
/// assert_eq!(graph.edge_count(), 2);               // both links count for degrees...
/// assert_eq!(graph.out_degree(0), 2);
/// assert_eq!(graph.out_csr().weight(0, 1), Some(3.0)); // ...and are summed for weights
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExposureGraph {
    protocols: Vec<ProtocolId>,
    names: Vec<String>,
    index: FxHashMap<ProtocolId, usize>,
    tvl: Vec<f64>,
    categories: Vec<BroadCategory>,
    compositions: Vec<CompositionStats>,
    out_csr: Csr,
    in_csr: Csr,
    out_degree: Vec<u32>,
    in_degree: Vec<u32>,
    edge_count: usize,
    self_loops: usize,
}

impl ExposureGraph {
    /// Builds the graph of a cleaned week. `symbols` is the table of the week's series;
    /// `catalog` gives categories (Unknown for every node without one).
    pub fn from_snapshot(
        week: &Snapshot,
        symbols: &SymbolTable,
        catalog: Option<&ProtocolCatalog>,
    ) -> Result<Self> {
        let n = week.nodes.len();
        let mut index = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for (i, node) in week.nodes.iter().enumerate() {
            if index.insert(node.id, i).is_some() {
                return Err(GraphError::DuplicateNode {
                    date: week.date.to_string(),
                    id: symbols.protocol(node.id).to_owned(),
                });
            }
        }
        let mut entries = Vec::with_capacity(week.links.len());
        let mut out_degree = vec![0u32; n];
        let mut in_degree = vec![0u32; n];
        let mut self_loops = 0;
        for (k, link) in week.links.iter().enumerate() {
            let endpoint = |id: ProtocolId| {
                index
                    .get(&id)
                    .copied()
                    .ok_or_else(|| GraphError::UnknownEndpoint {
                        date: week.date.to_string(),
                        link: k,
                        id: symbols.protocol(id).to_owned(),
                    })
            };
            let (s, t) = (endpoint(link.source)?, endpoint(link.target)?);
            if !link.size.is_finite() || link.size < 0.0 {
                return Err(GraphError::InvalidWeight {
                    date: week.date.to_string(),
                    link: k,
                    weight: link.size,
                });
            }
            out_degree[s] += 1;
            in_degree[t] += 1;
            self_loops += usize::from(s == t);
            entries.push((s as u32, t as u32, link.size));
        }
        let reversed = entries.iter().map(|&(s, t, w)| (t, s, w)).collect();
        Ok(Self {
            protocols: week.nodes.iter().map(|n| n.id).collect(),
            names: week
                .nodes
                .iter()
                .map(|n| symbols.protocol(n.id).to_owned())
                .collect(),
            index,
            tvl: week.nodes.iter().map(|n| n.size).collect(),
            categories: week
                .nodes
                .iter()
                .map(|n| {
                    catalog.map_or(BroadCategory::Unknown, |c| {
                        c.category(symbols.protocol(n.id))
                    })
                })
                .collect(),
            compositions: week
                .nodes
                .iter()
                .map(|n| {
                    CompositionStats::of(week.composition(n.composition).iter().map(|a| a.usd))
                })
                .collect(),
            edge_count: week.links.len(),
            out_csr: Csr::from_entries(n, entries),
            in_csr: Csr::from_entries(n, reversed),
            out_degree,
            in_degree,
            self_loops,
        })
    }

    /// Number of nodes N.
    pub fn node_count(&self) -> usize {
        self.protocols.len()
    }

    /// Number of links E, multi-edges counted.
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    /// Number of distinct ordered pairs (u, v) with at least one link (self-loops included).
    pub fn distinct_edge_count(&self) -> usize {
        self.out_csr.len()
    }

    /// Number of self-loop links.
    pub fn self_loop_count(&self) -> usize {
        self.self_loops
    }

    /// Protocol handle of node `i`.
    pub fn protocol(&self, i: usize) -> ProtocolId {
        self.protocols[i]
    }

    /// Protocol id string of node `i` (e.g. `"182"`).
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// Node index of a protocol.
    pub fn index_of(&self, id: ProtocolId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// Node index of a protocol id string.
    pub fn index_of_name(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Node sizes (TVL, USD), by node index.
    pub fn tvl(&self) -> &[f64] {
        &self.tvl
    }

    /// Broad categories, by node index.
    pub fn categories(&self) -> &[BroadCategory] {
        &self.categories
    }

    /// Token-composition statistics, by node index.
    pub fn composition_stats(&self) -> &[CompositionStats] {
        &self.compositions
    }

    /// Outgoing merged edges (row i: targets of i).
    pub fn out_csr(&self) -> &Csr {
        &self.out_csr
    }

    /// Incoming merged edges (row i: sources of i).
    pub fn in_csr(&self) -> &Csr {
        &self.in_csr
    }

    /// Out-degree of node `i`, multi-edges counted.
    pub fn out_degree(&self, i: usize) -> usize {
        self.out_degree[i] as usize
    }

    /// In-degree of node `i`, multi-edges counted.
    pub fn in_degree(&self, i: usize) -> usize {
        self.in_degree[i] as usize
    }

    /// Total degree (in + out) of node `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.out_degree(i) + self.in_degree(i)
    }

    /// Sum of outgoing link sizes of node `i`.
    pub fn out_strength(&self, i: usize) -> f64 {
        self.out_csr.row_sum(i)
    }

    /// Sum of incoming link sizes of node `i`.
    pub fn in_strength(&self, i: usize) -> f64 {
        self.in_csr.row_sum(i)
    }

    /// The undirected view: one row per node listing every node linked to it in either
    /// direction, weight = sum of both directions (a self-loop appears once, with its weight).
    pub fn undirected(&self) -> Csr {
        let mut entries = Vec::with_capacity(2 * self.out_csr.len());
        for i in 0..self.node_count() {
            for (j, w) in self.out_csr.row(i) {
                entries.push((i as u32, j as u32, w));
                if i != j {
                    entries.push((j as u32, i as u32, w));
                }
            }
        }
        Csr::from_entries(self.node_count(), entries)
    }

    /// The merged graph as a petgraph `Graph` (node weight: protocol id string; edge weight:
    /// summed size), for users who want petgraph's algorithms. Node indices are preserved.
    pub fn to_petgraph(&self) -> petgraph::Graph<String, f64> {
        let mut g = petgraph::Graph::with_capacity(self.node_count(), self.out_csr.len());
        let nodes: Vec<_> = self.names.iter().map(|n| g.add_node(n.clone())).collect();
        for i in 0..self.node_count() {
            for (j, w) in self.out_csr.row(i) {
                g.add_edge(nodes[i], nodes[j], w);
            }
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use dexposure_snapshot::{Link, NaiveDate, Node, Snapshot, SymbolTable, TokenAmount};

    use super::*;

    /// a→b twice (2 + 1), b→b self-loop, b→c, c isolated from a.
    fn week(symbols: &mut SymbolTable) -> Snapshot {
        let mut week = Snapshot::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        for (id, size) in [("a", 10.0), ("b", 5.0), ("c", 0.0)] {
            let token = symbols.intern_token("T");
            let composition = week.push_composition([TokenAmount { token, usd: size }]);
            week.nodes.push(Node {
                id: symbols.intern_protocol(id),
                size,
                composition,
            });
        }
        for (s, t, w) in [
            ("a", "b", 2.0),
            ("a", "b", 1.0),
            ("b", "b", 4.0),
            ("b", "c", 0.5),
        ] {
            let composition = week.push_composition([]);
            let (source, target) = (symbols.intern_protocol(s), symbols.intern_protocol(t));
            week.links.push(Link {
                source,
                target,
                size: w,
                composition,
            });
        }
        week
    }

    #[test]
    fn degrees_count_multi_edges_and_weights_merge() {
        let mut symbols = SymbolTable::new();
        let week = week(&mut symbols);
        let g = ExposureGraph::from_snapshot(&week, &symbols, None).expect("graph");
        assert_eq!(
            (
                g.node_count(),
                g.edge_count(),
                g.distinct_edge_count(),
                g.self_loop_count()
            ),
            (3, 4, 3, 1)
        );
        assert_eq!(
            (
                g.out_degree(0),
                g.in_degree(1),
                g.out_degree(1),
                g.degree(1)
            ),
            (2, 3, 2, 5)
        );
        assert_eq!(g.out_csr().weight(0, 1), Some(3.0));
        assert_eq!(g.in_csr().weight(1, 0), Some(3.0));
        assert_eq!(g.out_strength(1), 4.5);
        assert_eq!(g.in_strength(1), 7.0);
        assert_eq!(g.composition_stats()[0].tokens, 1);
        assert_eq!(g.categories(), &[BroadCategory::Unknown; 3]);
        let u = g.undirected();
        assert_eq!(u.neighbours(1), &[0, 1, 2]);
        assert_eq!(u.weight(1, 0), Some(3.0));
        let pg = g.to_petgraph();
        assert_eq!((pg.node_count(), pg.edge_count()), (3, 3));
        assert_eq!(g.index_of_name("c"), Some(2));
        assert_eq!(g.index_of(symbols.intern_protocol("b")), Some(1));
    }

    #[test]
    fn hand_built_weeks_with_bad_links_are_errors() {
        let mut symbols = SymbolTable::new();
        let mut bad = week(&mut symbols);
        let composition = bad.push_composition([]);
        let (source, target) = (symbols.intern_protocol("a"), symbols.intern_protocol("zzz"));
        bad.links.push(Link {
            source,
            target,
            size: 1.0,
            composition,
        });
        let error =
            ExposureGraph::from_snapshot(&bad, &symbols, None).expect_err("unknown endpoint");
        assert!(
            error.to_string().contains("links[4]") && error.to_string().contains("zzz"),
            "{error}"
        );

        let mut negative = week(&mut symbols);
        negative.links[0].size = -1.0;
        assert!(matches!(
            ExposureGraph::from_snapshot(&negative, &symbols, None),
            Err(GraphError::InvalidWeight { link: 0, .. })
        ));
        let mut duplicate = week(&mut symbols);
        duplicate.nodes.push(duplicate.nodes[0]);
        assert!(matches!(
            ExposureGraph::from_snapshot(&duplicate, &symbols, None),
            Err(GraphError::DuplicateNode { .. })
        ));
    }

    #[test]
    fn composition_stats_follow_the_feature_definition() {
        let stats = CompositionStats::of([3.0, 1.0].into_iter());
        assert_eq!(stats.tokens, 2);
        assert!((stats.max_share - 0.75).abs() < 1e-15);
        let expected = -(0.75f64 * 0.75f64.ln() + 0.25 * 0.25f64.ln());
        assert!((stats.entropy - expected).abs() < 1e-15);
        assert_eq!(
            CompositionStats::of(std::iter::empty()),
            CompositionStats::default()
        );
    }
}
