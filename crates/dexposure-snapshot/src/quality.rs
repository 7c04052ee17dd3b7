//! Per-week data-quality records and a series summary (DESIGN.md §3), serializable to JSON.

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::load::SnapshotStream;
use crate::metadata::ProtocolCatalog;
use crate::series::SnapshotSeries;
use crate::snapshot::{DropCounts, Repairs, Snapshot};
use crate::symbols::{ProtocolId, SymbolTable};
use crate::taxonomy::BroadCategory;

/// How much of week t survives into a later week u: shares of t's nodes, distinct directed
/// links and distinct undirected pairs that are also present at u.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Overlap {
    /// |V_t ∩ V_u| / |V_t|.
    pub nodes: f64,
    /// |E_t ∩ E_u| / |E_t| over distinct (source, target) pairs.
    pub directed_links: f64,
    /// Same over distinct unordered pairs {source, target}.
    pub undirected_pairs: f64,
}

impl Overlap {
    /// Overlap of `earlier` into `later` (both from the same series, so handles compare).
    /// Shares are 0 when `earlier` has no nodes or links.
    pub fn between(earlier: &Snapshot, later: &Snapshot) -> Self {
        let nodes_later: FxHashSet<ProtocolId> = later.nodes.iter().map(|n| n.id).collect();
        let nodes_kept = earlier
            .nodes
            .iter()
            .filter(|n| nodes_later.contains(&n.id))
            .count();
        let directed = |s: &Snapshot| -> FxHashSet<(ProtocolId, ProtocolId)> {
            s.links.iter().map(|l| (l.source, l.target)).collect()
        };
        let undirected = |s: &Snapshot| -> FxHashSet<(ProtocolId, ProtocolId)> {
            s.links
                .iter()
                .map(|l| (l.source.min(l.target), l.source.max(l.target)))
                .collect()
        };
        let (d_early, d_late) = (directed(earlier), directed(later));
        let (u_early, u_late) = (undirected(earlier), undirected(later));
        Self {
            nodes: share(nodes_kept, earlier.nodes.len()),
            directed_links: share(d_early.intersection(&d_late).count(), d_early.len()),
            undirected_pairs: share(u_early.intersection(&u_late).count(), u_early.len()),
        }
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The data-quality record of one week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekQuality {
    /// Week date (serialized as `YYYY-MM-DD`).
    pub date: NaiveDate,
    /// Nodes.
    pub nodes: usize,
    /// Links kept after cleaning (duplicates and self-loops included).
    pub links: usize,
    /// Links in the file before cleaning.
    pub raw_links: usize,
    /// Links dropped, by reason.
    pub dropped: DropCounts,
    /// Share of raw links (in %) dropped for a null target.
    pub pct_target_null_dropped: f64,
    /// Share of raw links (in %) dropped for a null source or an endpoint absent from the nodes.
    pub pct_endpoint_missing_dropped: f64,
    /// Self-loops among kept links.
    pub self_loops: usize,
    /// Kept links repeating an earlier (source, target) pair of the same week.
    pub duplicate_links: usize,
    /// Total node size (USD).
    pub total_node_size: f64,
    /// Total link size (USD).
    pub total_link_size: f64,
    /// Overlap with the next week of the series (None for the last week).
    pub next_week_overlap: Option<Overlap>,
    /// Share of nodes (in %) whose category is unknown (None without metadata). Pseudo nodes
    /// count as unknown here: see the two fields below.
    pub pct_category_unknown: Option<f64>,
    /// Share of nodes (in %) that are pseudo nodes, not DefiLlama protocols: primary-token
    /// issuers (`USDC`, `WETH`, …) and the `LP`/`UNKNOWN`/`OTHER` buckets
    /// ([`ProtocolCatalog::is_protocol_id`] is false).
    #[serde(default)]
    pub pct_pseudo_nodes: f64,
    /// Share of protocol nodes (pseudo nodes left out, in %) whose category is unknown (None
    /// without metadata or without a protocol node).
    #[serde(default)]
    pub pct_protocols_unknown: Option<f64>,
    /// Repairs the loader applied.
    pub repairs: Repairs,
}

impl WeekQuality {
    /// The record of `week`; `next` is the following week of the same series, if any.
    pub fn new(
        week: &Snapshot,
        next: Option<&Snapshot>,
        symbols: &SymbolTable,
        catalog: Option<&ProtocolCatalog>,
    ) -> Self {
        let dropped = week.drop_counts();
        let raw = week.raw_link_count();
        let mut pairs = FxHashSet::default();
        let duplicate_links = week
            .links
            .iter()
            .filter(|l| !pairs.insert((l.source, l.target)))
            .count();
        let pseudo = |id: &str| !ProtocolCatalog::is_protocol_id(id);
        let pseudo_nodes = week
            .nodes
            .iter()
            .filter(|n| pseudo(symbols.protocol(n.id)))
            .count();
        let (pct_category_unknown, pct_protocols_unknown) = match catalog {
            Some(catalog) => {
                let (mut unknown, mut protocols_unknown) = (0, 0);
                for n in &week.nodes {
                    let id = symbols.protocol(n.id);
                    if catalog.category(id) == BroadCategory::Unknown {
                        unknown += 1;
                        protocols_unknown += usize::from(!pseudo(id));
                    }
                }
                let protocols = week.nodes.len() - pseudo_nodes;
                (
                    Some(100.0 * share(unknown, week.nodes.len())),
                    (protocols > 0).then(|| 100.0 * share(protocols_unknown, protocols)),
                )
            }
            None => (None, None),
        };
        Self {
            date: week.date,
            nodes: week.nodes.len(),
            links: week.links.len(),
            raw_links: raw,
            dropped,
            pct_target_null_dropped: 100.0 * share(dropped.null_target as usize, raw),
            pct_endpoint_missing_dropped: 100.0
                * share(
                    (dropped.null_source + dropped.missing_endpoint) as usize,
                    raw,
                ),
            self_loops: week.links.iter().filter(|l| l.source == l.target).count(),
            duplicate_links,
            total_node_size: week.total_node_size(),
            total_link_size: week.total_link_size(),
            next_week_overlap: next.map(|n| Overlap::between(week, n)),
            pct_category_unknown,
            pct_pseudo_nodes: 100.0 * share(pseudo_nodes, week.nodes.len()),
            pct_protocols_unknown,
            repairs: week.repairs,
        }
    }
}

/// Series-level summary of a [`QualityReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// Number of weeks.
    pub weeks: usize,
    /// First date (None for an empty series).
    pub first_date: Option<NaiveDate>,
    /// Last date.
    pub last_date: Option<NaiveDate>,
    /// Dates in the series that are not Mondays (the real data has none).
    pub non_monday_dates: usize,
    /// Gaps: consecutive weeks more than 7 days apart.
    pub gaps: usize,
    /// Distinct protocol ids (including pseudo nodes and ids seen only in dropped links).
    pub distinct_protocols: usize,
    /// Distinct token symbols.
    pub distinct_tokens: usize,
    /// Mean, min and max nodes per week.
    pub nodes: Spread,
    /// Mean, min and max kept links per week.
    pub links: Spread,
    /// All links in the file, before cleaning.
    pub raw_links: u64,
    /// All dropped links, by reason.
    pub dropped: DropCounts,
    /// Dropped links in % of raw links.
    pub pct_dropped: f64,
    /// Mean week-to-week overlap over consecutive pairs (None with fewer than two weeks).
    pub mean_next_week_overlap: Option<Overlap>,
    /// Mean share of unknown-category nodes in % (None without metadata).
    pub mean_pct_category_unknown: Option<f64>,
    /// Mean share of pseudo nodes in % (0 without weeks).
    #[serde(default)]
    pub mean_pct_pseudo_nodes: f64,
    /// Mean share of protocol nodes of unknown category in % (None without metadata).
    #[serde(default)]
    pub mean_pct_protocols_unknown: Option<f64>,
    /// All repairs applied.
    pub repairs: Repairs,
}

/// Mean, minimum and maximum of a per-week count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Minimum (0 for an empty series).
    pub min: usize,
    /// Maximum.
    pub max: usize,
}

impl Spread {
    fn of(values: impl Iterator<Item = usize> + Clone) -> Self {
        let n = values.clone().count();
        let sum: usize = values.clone().sum();
        Self {
            mean: if n == 0 { 0.0 } else { sum as f64 / n as f64 },
            min: values.clone().min().unwrap_or(0),
            max: values.max().unwrap_or(0),
        }
    }
}

/// Data-quality records for every week of a series, and their summary.
///
/// ```
/// # use dexposure_snapshot::{QualityReport, SeriesLoader};
/// let json = br#"{"data": {"2022-05-09": {"nodes": [{"id": "182", "size": 10.0, "composition": {"STETH": 10.0}}],
///                 "links": [{"source": "182", "target": null, "size": 1.0, "composition": {"STETH": 1.0}}]}}}"#;
/// let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
/// let report = QualityReport::new(&series, None);
/// assert_eq!(report.weeks[0].dropped.null_target, 1);
/// assert_eq!(report.summary.pct_dropped, 100.0);
/// # Ok::<(), dexposure_snapshot::SnapshotError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// One record per week, in date order.
    pub weeks: Vec<WeekQuality>,
    /// Series-level summary.
    pub summary: SeriesSummary,
}

impl QualityReport {
    /// Builds the report; with a catalog, unknown-category shares are filled in.
    pub fn new(series: &SnapshotSeries, catalog: Option<&ProtocolCatalog>) -> Self {
        let snaps = series.snapshots();
        let weeks = snaps
            .iter()
            .enumerate()
            .map(|(i, week)| WeekQuality::new(week, snaps.get(i + 1), series.symbols(), catalog))
            .collect();
        Self::from_weeks(weeks, series.symbols())
    }

    /// Builds the report from a stream, holding only two weeks in memory at a time. Weeks must
    /// come in date order (as in the real file) for the overlaps to mean "next week".
    pub fn from_stream(
        mut stream: SnapshotStream,
        catalog: Option<&ProtocolCatalog>,
    ) -> Result<Self> {
        let mut weeks = Vec::new();
        let mut previous = stream.next_week()?;
        while let Some(week) = previous.take() {
            let next = stream.next_week()?;
            weeks.push(WeekQuality::new(
                &week,
                next.as_ref(),
                stream.symbols(),
                catalog,
            ));
            previous = next;
        }
        Ok(Self::from_weeks(weeks, stream.symbols()))
    }

    /// Summarises per-week records (in date order) of a series using `symbols`.
    pub fn from_weeks(weeks: Vec<WeekQuality>, symbols: &SymbolTable) -> Self {
        let mut dropped = DropCounts::default();
        let mut repairs = Repairs::default();
        for w in &weeks {
            dropped.null_target += w.dropped.null_target;
            dropped.null_source += w.dropped.null_source;
            dropped.missing_endpoint += w.dropped.missing_endpoint;
            repairs.add(&w.repairs);
        }
        let raw_links: u64 = weeks.iter().map(|w| w.raw_links as u64).sum();
        let overlaps: Vec<Overlap> = weeks.iter().filter_map(|w| w.next_week_overlap).collect();
        let mean_next_week_overlap = (!overlaps.is_empty()).then(|| {
            let n = overlaps.len() as f64;
            Overlap {
                nodes: overlaps.iter().map(|o| o.nodes).sum::<f64>() / n,
                directed_links: overlaps.iter().map(|o| o.directed_links).sum::<f64>() / n,
                undirected_pairs: overlaps.iter().map(|o| o.undirected_pairs).sum::<f64>() / n,
            }
        });
        let mean = |values: Vec<f64>| {
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let summary = SeriesSummary {
            weeks: weeks.len(),
            first_date: weeks.first().map(|w| w.date),
            last_date: weeks.last().map(|w| w.date),
            non_monday_dates: weeks
                .iter()
                .filter(|w| w.date.weekday() != chrono::Weekday::Mon)
                .count(),
            gaps: weeks
                .windows(2)
                .filter(|w| (w[1].date - w[0].date).num_days() > 7)
                .count(),
            distinct_protocols: symbols.protocol_count(),
            distinct_tokens: symbols.token_count(),
            nodes: Spread::of(weeks.iter().map(|w| w.nodes)),
            links: Spread::of(weeks.iter().map(|w| w.links)),
            raw_links,
            dropped,
            pct_dropped: 100.0 * share(dropped.total() as usize, raw_links as usize),
            mean_next_week_overlap,
            mean_pct_category_unknown: mean(
                weeks
                    .iter()
                    .filter_map(|w| w.pct_category_unknown)
                    .collect(),
            ),
            mean_pct_pseudo_nodes: mean(weeks.iter().map(|w| w.pct_pseudo_nodes).collect())
                .unwrap_or(0.0),
            mean_pct_protocols_unknown: mean(
                weeks
                    .iter()
                    .filter_map(|w| w.pct_protocols_unknown)
                    .collect(),
            ),
            repairs,
        };
        Self { weeks, summary }
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
