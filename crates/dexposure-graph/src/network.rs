//! Whole-network metrics of one week (DESIGN.md §6): [`NetworkMetrics`].
//!
//! One flat, serializable record per week, so that a series of weeks writes as a CSV table
//! ([`crate::temporal::MetricTable`]). Golden values come from networkx 3.6
//! (`tests/golden/network_metrics.py`).
//!
//! # Definitions
//! `N` nodes, `E` links (multi-edges and self-loops counted, the `E` of
//! [`ExposureGraph::edge_count`]). Degrees count multi-edges; a self-loop adds one to the
//! out-degree and one to the in-degree; total degree = in + out. Every metric is 0 — never NaN —
//! on an empty or degenerate graph (no nodes, no links, zero variance, zero total, …).
//!
//! | field | definition |
//! |---|---|
//! | `density` | `E / (N (N − 1))`, 0 if `N ≤ 1` (multi-edges and self-loops count, as `nx.density` on a `MultiDiGraph`; so it can exceed 1 on a multigraph) |
//! | `*_degree_gini`, `*_degree_cv`, `*_degree_top_decile_share` | [`inequality::gini`], [`inequality::cv`], [`inequality::top_share`] (fraction 0.1) over the degrees of all `N` nodes, zeros kept |
//! | `*_degree_entropy` | [`inequality::value_entropy`]: `−Σ p(k) ln p(k)` over distinct degree values |
//! | `in_/out_degree_centralization` | Freeman: `Σ_i (d_max − d_i) / (N − 1)²`; 0 if `N ≤ 1` |
//! | `degree_centralization` | Freeman on total degree: `Σ_i (d_max − d_i) / (2 (N − 1)(N − 2))`; 0 if `N ≤ 2` |
//! | `assortativity_x_y` | Pearson correlation, over the links (each multi-edge and self-loop once), of the `x`-degree of the source and the `y`-degree of the target: `nx.degree_assortativity_coefficient(MultiDiGraph, x, y)`; 0 where networkx gives NaN |
//! | `avg_clustering` | `nx.average_clustering` on the undirected simple graph (self-loops ignored, unweighted), zeros counted |
//! | `avg_harmonic_closeness` | mean over nodes of `nx.harmonic_centrality(DiGraph) / (N − 1)`, unweighted hop distances; only with [`MetricOptions::harmonic_closeness`] (O(N·E)) |
//! | `reciprocity` | `nx.reciprocity` on the simple `DiGraph` *without self-loops*: share of distinct non-loop directed pairs `u → v` whose reverse `v → u` exists |
//! | `largest_wcc_share`, `largest_scc_share` | size of the largest weakly / strongly connected component over `N` |
//! | `tvl_*` | HHI, Gini and share of the 10 largest over node TVLs, values ≤ 0 dropped |
//! | `link_weight_*`, `network_entropy` | HHI, Gini, share of the 10 largest and Shannon entropy of the shares, over the link sizes (one value per link, multi-edges separate), values ≤ 0 dropped |
//! | `sector_density` | distinct ordered sector pairs `(A, B)`, `A ≠ B`, joined by at least one link, over `K (K − 1)` where `K` is the number of sectors present among the week's nodes (`Unknown` counts as a sector); 0 if `K ≤ 1` |
//! | `cross_sector_ratio` | Σ sizes of links whose endpoints lie in different sectors / Σ all link sizes |
//!
//! Freeman normalisations are the largest value the numerator can take on a simple directed
//! graph without self-loops (a star: all in-links, all out-links, or both directions, on one
//! hub), as in igraph's `centr_degree_tmax(loops = FALSE)`. Because degrees count multi-edges,
//! a multigraph may score above 1.
//!
//! # Cost
//! [`NetworkMetrics::compute`] is O(N + E) plus sorting the degree, TVL and link-size vectors,
//! except the clustering coefficient, computed by the degree-ordered ("forward") triangle
//! count in O(E^1.5) at worst. Harmonic closeness needs a BFS from every node, O(N·E): about
//! 10⁹ steps on a full-scale week (10k nodes, 70k links): about 1.3 s on two cores against
//! about 12 ms on one core for everything else (synthetic heavy-tailed weeks; 283 such weeks,
//! graph construction included, take about 3.5 s with [`crate::MetricTable`] on two cores).
//! So it is off unless [`MetricOptions::harmonic_closeness`] is set (or call
//! [`average_harmonic_closeness`] directly; it runs the BFSs in parallel).

use dexposure_snapshot::{BroadCategory, NaiveDate, ProtocolCatalog, Snapshot, SymbolTable};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::graph::ExposureGraph;
use crate::inequality::{self, Values};

/// Which of the expensive metrics [`NetworkMetrics::compute_with`] also computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MetricOptions {
    /// Compute [`NetworkMetrics::avg_harmonic_closeness`] (a BFS from every node, O(N·E)).
    /// Off by default.
    pub harmonic_closeness: bool,
}

impl MetricOptions {
    /// Every metric, harmonic closeness included.
    pub fn all() -> Self {
        Self {
            harmonic_closeness: true,
        }
    }
}

/// A value that can be written as one CSV cell.
pub(crate) trait CsvCell {
    fn cell(&self) -> String;
}

impl CsvCell for NaiveDate {
    fn cell(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

impl CsvCell for usize {
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl CsvCell for f64 {
    fn cell(&self) -> String {
        // Shortest representation that reads back to the same f64 (exponent for tiny or huge
        // values); metrics are always finite.
        if self.is_finite() {
            format!("{self:?}")
        } else {
            String::new()
        }
    }
}

impl CsvCell for Option<f64> {
    fn cell(&self) -> String {
        self.as_ref().map_or_else(String::new, CsvCell::cell)
    }
}

/// Declares the metrics struct and, from the same field list, its CSV column names and cells.
macro_rules! flat_record {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$smeta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// CSV column names, in field order (the serde field names).
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The CSV cells of this record, aligned with [`Self::COLUMNS`] (unquoted: numbers,
            /// ISO dates, or empty for a metric that was not computed).
            pub fn csv_cells(&self) -> Vec<String> {
                vec![$(CsvCell::cell(&self.$field)),*]
            }
        }
    };
}
pub(crate) use flat_record;

flat_record! {
    /// Whole-network metrics of one week; see the [module documentation](self) for the exact
    /// definitions. Serializes (serde) as a flat record whose keys are the field names, which
    /// are also the CSV columns ([`NetworkMetrics::COLUMNS`]).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct NetworkMetrics {
        /// Week date (`YYYY-MM-DD`).
        pub date: NaiveDate,
        /// Number of nodes N.
        pub nodes: usize,
        /// Number of links E, multi-edges and self-loops counted.
        pub links: usize,
        /// E / (N (N − 1)); 0 if N ≤ 1.
        pub density: f64,
        /// Σ node sizes (USD).
        pub total_tvl: f64,
        /// Σ link sizes (USD).
        pub total_exposure: f64,
        /// total_exposure / E; 0 without links.
        pub mean_link_weight: f64,
        /// Gini of the in-degrees (zeros kept).
        pub in_degree_gini: f64,
        /// Entropy of the distribution of distinct in-degree values.
        pub in_degree_entropy: f64,
        /// Coefficient of variation σ/μ of the in-degrees (population σ).
        pub in_degree_cv: f64,
        /// Freeman in-degree centralization Σ(max − dᵢ) / (N − 1)².
        pub in_degree_centralization: f64,
        /// Share of all in-degree held by the top max(1, ⌊N/10⌋) nodes.
        pub in_degree_top_decile_share: f64,
        /// Gini of the out-degrees (zeros kept).
        pub out_degree_gini: f64,
        /// Entropy of the distribution of distinct out-degree values.
        pub out_degree_entropy: f64,
        /// Coefficient of variation of the out-degrees.
        pub out_degree_cv: f64,
        /// Freeman out-degree centralization Σ(max − dᵢ) / (N − 1)².
        pub out_degree_centralization: f64,
        /// Share of all out-degree held by the top max(1, ⌊N/10⌋) nodes.
        pub out_degree_top_decile_share: f64,
        /// Gini of the total degrees (in + out, zeros kept).
        pub degree_gini: f64,
        /// Entropy of the distribution of distinct total-degree values.
        pub degree_entropy: f64,
        /// Coefficient of variation of the total degrees.
        pub degree_cv: f64,
        /// Freeman total-degree centralization Σ(max − dᵢ) / (2 (N − 1)(N − 2)).
        pub degree_centralization: f64,
        /// Share of all degree held by the top max(1, ⌊N/10⌋) nodes.
        pub degree_top_decile_share: f64,
        /// Pearson correlation of out-degree(source) and in-degree(target) over the links
        /// (networkx's default for directed graphs).
        pub assortativity_out_in: f64,
        /// Pearson correlation of in-degree(source) and in-degree(target) over the links.
        pub assortativity_in_in: f64,
        /// Pearson correlation of out-degree(source) and out-degree(target) over the links.
        pub assortativity_out_out: f64,
        /// Pearson correlation of in-degree(source) and out-degree(target) over the links.
        pub assortativity_in_out: f64,
        /// Mean local clustering coefficient of the undirected simple graph (unweighted, nodes
        /// of degree < 2 count as 0).
        pub avg_clustering: f64,
        /// Mean normalised harmonic closeness (unweighted); `None` (empty CSV cell, JSON
        /// `null`) unless [`MetricOptions::harmonic_closeness`] was set.
        pub avg_harmonic_closeness: Option<f64>,
        /// Share of distinct non-loop directed pairs whose reverse pair is also linked.
        pub reciprocity: f64,
        /// Largest weakly connected component / N.
        pub largest_wcc_share: f64,
        /// Largest strongly connected component / N.
        pub largest_scc_share: f64,
        /// Herfindahl–Hirschman index of positive node TVLs.
        pub tvl_hhi: f64,
        /// Gini of positive node TVLs.
        pub tvl_gini: f64,
        /// Share of total TVL held by the 10 largest nodes.
        pub tvl_top10_share: f64,
        /// HHI of positive link sizes (one value per link).
        pub link_weight_hhi: f64,
        /// Gini of positive link sizes.
        pub link_weight_gini: f64,
        /// Share of total exposure carried by the 10 largest links.
        pub link_weight_top10_share: f64,
        /// Distinct ordered cross-sector pairs linked / K (K − 1), K = sectors present.
        pub sector_density: f64,
        /// Exposure on cross-sector links / total exposure.
        pub cross_sector_ratio: f64,
        /// Shannon entropy (natural log) of the link-size shares.
        pub network_entropy: f64,
    }
}

impl NetworkMetrics {
    /// Every metric except harmonic closeness, for `graph` built from `week` (the week gives
    /// the date and the individual links, which the graph merges). See
    /// [`NetworkMetrics::compute_with`].
    pub fn compute(graph: &ExposureGraph, week: &Snapshot) -> Result<Self> {
        Self::compute_with(graph, week, MetricOptions::default())
    }

    /// Builds the week's [`ExposureGraph`] and computes its metrics.
    ///
    /// ```
    /// use dexposure_graph::{MetricOptions, NetworkMetrics};
    /// use dexposure_snapshot::SeriesLoader;
    /// let json = br#"{"data": {"2022-05-09": {"nodes": [
    ///     {"id": "1", "size": 10.0, "composition": {}}, {"id": "2", "size": 5.0, "composition": {}}],
    ///   "links": [{"source": "1", "target": "2", "size": 2.0, "composition": {}},
    ///             {"source": "2", "target": "1", "size": 1.0, "composition": {}}]}}}"#;
    /// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
    /// let week = series.first().ok_or("no week")?;
    /// let m = NetworkMetrics::of_week(week, series.symbols(), None, MetricOptions::all())?;
    /// assert_eq!((m.nodes, m.links, m.density, m.reciprocity), (2, 2, 1.0, 1.0));
    /// assert_eq!(m.avg_harmonic_closeness, Some(1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of_week(
        week: &Snapshot,
        symbols: &SymbolTable,
        catalog: Option<&ProtocolCatalog>,
        options: MetricOptions,
    ) -> Result<Self> {
        let graph = ExposureGraph::from_snapshot(week, symbols, catalog)?;
        Self::compute_with(&graph, week, options)
    }

    /// The metrics of `graph`, which must have been built from `week`: checked are the same
    /// nodes in the same order and the same number of links. Errors
    /// ([`GraphError::InvalidArgument`]) when they differ, or when a node size is negative or
    /// not finite.
    pub fn compute_with(
        graph: &ExposureGraph,
        week: &Snapshot,
        options: MetricOptions,
    ) -> Result<Self> {
        let n = graph.node_count();
        let e = graph.edge_count();
        check_match(graph, week)?;

        // Node pass: degrees and TVL.
        let mut in_deg = Vec::with_capacity(n);
        let mut out_deg = Vec::with_capacity(n);
        let mut deg = Vec::with_capacity(n);
        for i in 0..n {
            in_deg.push(graph.in_degree(i));
            out_deg.push(graph.out_degree(i));
            deg.push(graph.degree(i));
        }
        let tvl = graph.tvl();
        let total_tvl: f64 = tvl.iter().sum();

        // Link pass: sizes, sectors, degree correlations.
        let categories = graph.categories();
        let mut sizes = Vec::with_capacity(e);
        let mut total_exposure = 0.0;
        let mut cross_exposure = 0.0;
        let mut sector_pairs = [[false; SECTORS]; SECTORS];
        let mut corr = DegreeCorrelations::default();
        for link in &week.links {
            let (Some(s), Some(t)) = (graph.index_of(link.source), graph.index_of(link.target))
            else {
                return Err(mismatch(week, "a link endpoint is not a node of the graph"));
            };
            sizes.push(link.size);
            total_exposure += link.size;
            let (cs, ct) = (categories[s] as usize, categories[t] as usize);
            if cs != ct {
                cross_exposure += link.size;
                sector_pairs[cs][ct] = true;
            }
            corr.add(
                [in_deg[s] as i128, out_deg[s] as i128],
                [in_deg[t] as i128, out_deg[t] as i128],
            );
        }
        let mut sectors_present = [false; SECTORS];
        for &c in categories {
            sectors_present[c as usize] = true;
        }
        let k = sectors_present.iter().filter(|&&p| p).count();
        let linked_pairs = sector_pairs.iter().flatten().filter(|&&p| p).count();

        // The inequality measures sort their input; handing them sorted vectors makes those
        // sorts single-run passes (the order of equal values does not matter to any measure).
        sizes.sort_unstable_by(f64::total_cmp);
        let mut tvl_sorted = tvl.to_vec();
        tvl_sorted.sort_unstable_by(f64::total_cmp);
        let tvl = tvl_sorted.as_slice();

        let structure = Structure::of(graph);
        let in_stats = DegreeStats::of(&in_deg, freeman_in_out(n));
        let out_stats = DegreeStats::of(&out_deg, freeman_in_out(n));
        let all_stats = DegreeStats::of(&deg, freeman_total(n));
        let [out_in, in_in, out_out, in_out] = corr.coefficients();

        Ok(Self {
            date: week.date,
            nodes: n,
            links: e,
            density: if n > 1 {
                e as f64 / (n as f64 * (n - 1) as f64)
            } else {
                0.0
            },
            total_tvl,
            total_exposure,
            mean_link_weight: ratio(total_exposure, e as f64),
            in_degree_gini: in_stats.gini,
            in_degree_entropy: in_stats.entropy,
            in_degree_cv: in_stats.cv,
            in_degree_centralization: in_stats.centralization,
            in_degree_top_decile_share: in_stats.top_decile_share,
            out_degree_gini: out_stats.gini,
            out_degree_entropy: out_stats.entropy,
            out_degree_cv: out_stats.cv,
            out_degree_centralization: out_stats.centralization,
            out_degree_top_decile_share: out_stats.top_decile_share,
            degree_gini: all_stats.gini,
            degree_entropy: all_stats.entropy,
            degree_cv: all_stats.cv,
            degree_centralization: all_stats.centralization,
            degree_top_decile_share: all_stats.top_decile_share,
            assortativity_out_in: out_in,
            assortativity_in_in: in_in,
            assortativity_out_out: out_out,
            assortativity_in_out: in_out,
            avg_clustering: structure.avg_clustering,
            avg_harmonic_closeness: options
                .harmonic_closeness
                .then(|| average_harmonic_closeness(graph)),
            reciprocity: structure.reciprocity,
            largest_wcc_share: ratio(largest_wcc(graph) as f64, n as f64),
            largest_scc_share: ratio(largest_scc(graph) as f64, n as f64),
            tvl_hhi: inequality::hhi(tvl, Values::Positive),
            tvl_gini: inequality::gini(tvl, Values::Positive),
            tvl_top10_share: inequality::top_k_share(tvl, 10, Values::Positive),
            link_weight_hhi: inequality::hhi(&sizes, Values::Positive),
            link_weight_gini: inequality::gini(&sizes, Values::Positive),
            link_weight_top10_share: inequality::top_k_share(&sizes, 10, Values::Positive),
            sector_density: if k > 1 {
                linked_pairs as f64 / (k * (k - 1)) as f64
            } else {
                0.0
            },
            cross_sector_ratio: ratio(cross_exposure, total_exposure),
            network_entropy: inequality::share_entropy(&sizes, Values::Positive),
        })
    }
}

/// Number of [`BroadCategory`] values (the six sectors and `Unknown`).
const SECTORS: usize = BroadCategory::ALL.len();

/// `a / b`, or 0 when `b` is 0 (or the result is not finite).
fn ratio(a: f64, b: f64) -> f64 {
    let r = a / b;
    if b == 0.0 || !r.is_finite() { 0.0 } else { r }
}

fn mismatch(week: &Snapshot, what: &str) -> GraphError {
    GraphError::InvalidArgument(format!(
        "week {}: the graph was not built from this snapshot ({what})",
        week.date
    ))
}

fn check_match(graph: &ExposureGraph, week: &Snapshot) -> Result<()> {
    if graph.node_count() != week.nodes.len() || graph.edge_count() != week.links.len() {
        return Err(mismatch(
            week,
            &format!(
                "graph has {} nodes and {} links, the week {} and {}",
                graph.node_count(),
                graph.edge_count(),
                week.nodes.len(),
                week.links.len()
            ),
        ));
    }
    for (i, node) in week.nodes.iter().enumerate() {
        if graph.protocol(i) != node.id {
            return Err(mismatch(week, &format!("nodes[{i}] differs")));
        }
        if !node.size.is_finite() || node.size < 0.0 {
            return Err(GraphError::InvalidArgument(format!(
                "week {}: nodes[{i}] has size {}, expected a finite non-negative number",
                week.date, node.size
            )));
        }
    }
    Ok(())
}

/// Freeman normalisation for in- or out-degree: (N − 1)², the value of a one-way star.
fn freeman_in_out(n: usize) -> f64 {
    if n > 1 {
        let m = (n - 1) as f64;
        m * m
    } else {
        0.0
    }
}

/// Freeman normalisation for total degree: 2 (N − 1)(N − 2), the value of a two-way star.
fn freeman_total(n: usize) -> f64 {
    if n > 2 {
        2.0 * (n - 1) as f64 * (n - 2) as f64
    } else {
        0.0
    }
}

/// The five summaries of one degree vector.
struct DegreeStats {
    gini: f64,
    entropy: f64,
    cv: f64,
    centralization: f64,
    top_decile_share: f64,
}

impl DegreeStats {
    fn of(degrees: &[usize], freeman_max: f64) -> Self {
        let mut degrees = degrees.to_vec();
        degrees.sort_unstable(); // see the note on pre-sorting in `compute_with`
        let degrees = degrees.as_slice();
        let as_f64: Vec<f64> = degrees.iter().map(|&d| d as f64).collect();
        let max = degrees.iter().copied().max().unwrap_or(0);
        // Integer sum: exact.
        let spread: u128 = degrees.iter().map(|&d| (max - d) as u128).sum();
        Self {
            gini: inequality::gini(&as_f64, Values::All),
            entropy: inequality::value_entropy(degrees),
            cv: inequality::cv(&as_f64, Values::All),
            centralization: ratio(spread as f64, freeman_max),
            top_decile_share: inequality::top_share(&as_f64, 0.1, Values::All),
        }
    }
}

/// Exact integer sums for the four degree correlations over the links.
#[derive(Default)]
struct DegreeCorrelations {
    links: i128,
    /// Σ of the source's [in, out] degree.
    src: [i128; 2],
    /// Σ of the source's squared [in, out] degree.
    src_sq: [i128; 2],
    /// Σ of the target's [in, out] degree.
    dst: [i128; 2],
    /// Σ of the target's squared [in, out] degree.
    dst_sq: [i128; 2],
    /// Σ src[a] · dst[b].
    cross: [[i128; 2]; 2],
}

impl DegreeCorrelations {
    fn add(&mut self, src: [i128; 2], dst: [i128; 2]) {
        self.links += 1;
        for (a, &x) in src.iter().enumerate() {
            self.src[a] += x;
            self.src_sq[a] += x * x;
            for (b, &y) in dst.iter().enumerate() {
                self.cross[a][b] += x * y;
            }
        }
        for (b, &y) in dst.iter().enumerate() {
            self.dst[b] += y;
            self.dst_sq[b] += y * y;
        }
    }

    /// Pearson r for source degree `a` and target degree `b` (0 = in, 1 = out):
    /// `(E Σxy − Σx Σy) / √((E Σx² − (Σx)²)(E Σy² − (Σy)²))`, numerators exact.
    fn pearson(&self, a: usize, b: usize) -> f64 {
        let e = self.links;
        let exact = || -> Option<(i128, i128, i128)> {
            let cov = e
                .checked_mul(self.cross[a][b])?
                .checked_sub(self.src[a].checked_mul(self.dst[b])?)?;
            let var_x = e
                .checked_mul(self.src_sq[a])?
                .checked_sub(self.src[a].checked_mul(self.src[a])?)?;
            let var_y = e
                .checked_mul(self.dst_sq[b])?
                .checked_sub(self.dst[b].checked_mul(self.dst[b])?)?;
            Some((cov, var_x, var_y))
        };
        match exact() {
            Some((cov, var_x, var_y)) if var_x > 0 && var_y > 0 => {
                let r = cov as f64 / (var_x as f64 * var_y as f64).sqrt();
                if r.is_finite() {
                    r.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }

    /// [out→in, in→in, out→out, in→out].
    fn coefficients(&self) -> [f64; 4] {
        const IN: usize = 0;
        const OUT: usize = 1;
        [
            self.pearson(OUT, IN),
            self.pearson(IN, IN),
            self.pearson(OUT, OUT),
            self.pearson(IN, OUT),
        ]
    }
}

/// Clustering and reciprocity, from one merge of each node's out- and in-neighbours.
struct Structure {
    avg_clustering: f64,
    reciprocity: f64,
}

impl Structure {
    fn of(graph: &ExposureGraph) -> Self {
        let n = graph.node_count();
        let (out, inc) = (graph.out_csr(), graph.in_csr());
        // Undirected simple adjacency without self-loops, and reciprocated pairs.
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0usize);
        let mut adj: Vec<u32> = Vec::with_capacity(2 * out.len());
        let mut reciprocated = 0usize;
        let mut loops = 0usize;
        for v in 0..n {
            let (a, b) = (out.neighbours(v), inc.neighbours(v));
            let (mut i, mut j) = (0, 0);
            let me = v as u32;
            while i < a.len() || j < b.len() {
                let x = match (a.get(i), b.get(j)) {
                    (Some(&x), Some(&y)) if x == y => {
                        i += 1;
                        j += 1;
                        if x != me {
                            reciprocated += 1;
                        }
                        x
                    }
                    (Some(&x), Some(&y)) if x < y => {
                        i += 1;
                        x
                    }
                    (Some(&x), None) => {
                        i += 1;
                        x
                    }
                    (_, Some(&y)) => {
                        j += 1;
                        y
                    }
                    (None, None) => break,
                };
                if x == me {
                    continue;
                }
                adj.push(x);
            }
            if out.weight(v, v).is_some() {
                loops += 1;
            }
            offsets.push(adj.len());
        }
        let non_loop_pairs = out.len() - loops;
        Self {
            avg_clustering: average_clustering(&offsets, &adj),
            reciprocity: ratio(reciprocated as f64, non_loop_pairs as f64),
        }
    }
}

/// Mean local clustering over an undirected simple adjacency (sorted rows, no self-loops),
/// triangles counted once each by orienting every edge towards the node of higher
/// (degree, index) rank.
fn average_clustering(offsets: &[usize], adj: &[u32]) -> f64 {
    let n = offsets.len().saturating_sub(1);
    if n == 0 {
        return 0.0;
    }
    let degree = |v: usize| offsets[v + 1] - offsets[v];
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&v| (degree(v as usize), v));
    let mut rank = vec![0u32; n];
    for (r, &v) in order.iter().enumerate() {
        rank[v as usize] = r as u32;
    }
    let mut fwd_offsets = Vec::with_capacity(n + 1);
    fwd_offsets.push(0usize);
    let mut fwd: Vec<u32> = Vec::with_capacity(adj.len() / 2);
    for v in 0..n {
        fwd.extend(
            adj[offsets[v]..offsets[v + 1]]
                .iter()
                .copied()
                .filter(|&u| rank[u as usize] > rank[v]),
        );
        fwd_offsets.push(fwd.len());
    }
    let mut triangles = vec![0u64; n];
    let mut mark = vec![u32::MAX; n];
    for v in 0..n {
        let higher = &fwd[fwd_offsets[v]..fwd_offsets[v + 1]];
        for &u in higher {
            mark[u as usize] = v as u32;
        }
        for &u in higher {
            let u = u as usize;
            for &w in &fwd[fwd_offsets[u]..fwd_offsets[u + 1]] {
                if mark[w as usize] == v as u32 {
                    triangles[v] += 1;
                    triangles[u] += 1;
                    triangles[w as usize] += 1;
                }
            }
        }
    }
    let total: f64 = (0..n)
        .map(|v| {
            let d = degree(v) as u64;
            if d < 2 || triangles[v] == 0 {
                0.0
            } else {
                (2 * triangles[v]) as f64 / (d * (d - 1)) as f64
            }
        })
        .sum();
    total / n as f64
}

/// Mean normalised harmonic closeness, unweighted: `Σ_{u ≠ v, v reachable from u} 1/d(u, v)`
/// over `N (N − 1)` — the mean over nodes of networkx's `harmonic_centrality` divided by
/// `N − 1` (the sum over ordered pairs is the same whichever direction distances are read).
/// 0 if `N ≤ 1`. One BFS per node, run in parallel; the result does not depend on the thread
/// count.
pub fn average_harmonic_closeness(graph: &ExposureGraph) -> f64 {
    let n = graph.node_count();
    if n <= 1 {
        return 0.0;
    }
    let csr = graph.out_csr();
    let per_source: Vec<f64> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![false; n], Vec::<u32>::with_capacity(n)),
            |(seen, queue), source| {
                queue.clear();
                queue.push(source as u32);
                seen[source] = true;
                let mut sum = 0.0;
                let (mut start, mut depth) = (0usize, 0u32);
                while start < queue.len() {
                    let end = queue.len();
                    if depth > 0 {
                        sum += (end - start) as f64 / f64::from(depth);
                    }
                    for k in start..end {
                        for &w in csr.neighbours(queue[k] as usize) {
                            if !seen[w as usize] {
                                seen[w as usize] = true;
                                queue.push(w);
                            }
                        }
                    }
                    start = end;
                    depth += 1;
                }
                for &v in queue.iter() {
                    seen[v as usize] = false;
                }
                sum
            },
        )
        .collect();
    per_source.iter().sum::<f64>() / (n as f64 * (n - 1) as f64)
}

/// Size of the largest weakly connected component (union-find; 0 for an empty graph).
fn largest_wcc(graph: &ExposureGraph) -> usize {
    let n = graph.node_count();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size = vec![1u32; n];
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    let csr = graph.out_csr();
    for v in 0..n {
        for &w in csr.neighbours(v) {
            let (a, b) = (find(&mut parent, v as u32), find(&mut parent, w));
            if a != b {
                let (big, small) = if size[a as usize] >= size[b as usize] {
                    (a, b)
                } else {
                    (b, a)
                };
                parent[small as usize] = big;
                size[big as usize] += size[small as usize];
            }
        }
    }
    (0..n)
        .filter(|&v| parent[v] == v as u32)
        .map(|v| size[v] as usize)
        .max()
        .unwrap_or(0)
}

/// Size of the largest strongly connected component (petgraph's Tarjan on the merged graph).
fn largest_scc(graph: &ExposureGraph) -> usize {
    let n = graph.node_count();
    let csr = graph.out_csr();
    let mut g = petgraph::Graph::<(), (), petgraph::Directed, u32>::with_capacity(n, csr.len());
    let ids: Vec<_> = (0..n).map(|_| g.add_node(())).collect();
    for (v, &from) in ids.iter().enumerate() {
        for &w in csr.neighbours(v) {
            g.add_edge(from, ids[w as usize], ());
        }
    }
    petgraph::algo::tarjan_scc(&g)
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use dexposure_snapshot::{Link, Node, SymbolTable};

    fn week(n: usize, links: &[(usize, usize, f64)]) -> (Snapshot, SymbolTable) {
        let mut symbols = SymbolTable::new();
        let mut w = Snapshot::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        let ids: Vec<_> = (0..n)
            .map(|i| symbols.intern_protocol(&i.to_string()))
            .collect();
        for &id in &ids {
            let composition = w.push_composition([]);
            w.nodes.push(Node {
                id,
                size: 1.0,
                composition,
            });
        }
        for &(s, t, size) in links {
            let composition = w.push_composition([]);
            w.links.push(Link {
                source: ids[s],
                target: ids[t],
                size,
                composition,
            });
        }
        (w, symbols)
    }

    fn metrics(n: usize, links: &[(usize, usize, f64)]) -> NetworkMetrics {
        let (w, s) = week(n, links);
        NetworkMetrics::of_week(&w, &s, None, MetricOptions::all()).unwrap()
    }

    #[test]
    fn stars_have_centralization_one() {
        let out_star: Vec<_> = (1..6).map(|i| (0, i, 1.0)).collect();
        let m = metrics(6, &out_star);
        assert_eq!(m.out_degree_centralization, 1.0);
        assert_eq!(m.in_degree_centralization, 1.0 / 25.0); // only the hub lacks an in-link
        let mut both = out_star.clone();
        both.extend((1..6).map(|i| (i, 0, 1.0)));
        let m = metrics(6, &both);
        assert_eq!(m.degree_centralization, 1.0);
        assert_eq!(m.reciprocity, 1.0);
        assert_eq!(m.largest_scc_share, 1.0);
    }

    #[test]
    fn triangle_and_path() {
        let m = metrics(4, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, 1.0)]);
        // clustering: 1, 1, 1/3, 0
        assert!((m.avg_clustering - (2.0 + 1.0 / 3.0) / 4.0).abs() < 1e-15);
        assert_eq!(m.largest_scc_share, 0.75);
        assert_eq!(m.largest_wcc_share, 1.0);
        assert_eq!(m.reciprocity, 0.0);
    }

    #[test]
    fn degenerate_graphs_are_all_zero() {
        for m in [metrics(0, &[]), metrics(1, &[]), metrics(1, &[(0, 0, 2.0)])] {
            let v = serde_json::to_value(&m).unwrap();
            for (k, x) in v.as_object().unwrap() {
                if let Some(f) = x.as_f64() {
                    assert!(f.is_finite(), "{k}");
                }
            }
            assert_eq!(m.density, 0.0);
            assert_eq!(m.assortativity_out_in, 0.0);
            assert_eq!(m.avg_harmonic_closeness, Some(0.0));
        }
    }

    #[test]
    fn columns_are_the_serde_field_names() {
        let m = metrics(3, &[(0, 1, 1.0)]);
        let v = serde_json::to_value(&m).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        let mut cols: Vec<_> = NetworkMetrics::COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect();
        cols.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, cols);
        assert_eq!(m.csv_cells().len(), NetworkMetrics::COLUMNS.len());
    }

    #[test]
    fn mismatched_week_is_an_error() {
        let (w, s) = week(3, &[(0, 1, 1.0)]);
        let g = ExposureGraph::from_snapshot(&w, &s, None).unwrap();
        let (other, _) = week(3, &[(0, 1, 1.0), (1, 2, 1.0)]);
        assert!(NetworkMetrics::compute(&g, &other).is_err());
    }
}
