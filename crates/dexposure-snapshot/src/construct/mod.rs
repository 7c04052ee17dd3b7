//! Network construction from token holdings (DESIGN.md §4): weekly DeXposure snapshots from
//! rows `(date, protocol, chain, token, quantity, usd)` such as DefiLlama's per-protocol token
//! TVL.
//!
//! ```
//! use dexposure_snapshot::{ConstructionOptions, HoldingRow, IssuerResolver, NetworkBuilder, RevMap};
//!
//! // A wrapper protocol "9001" holds stETH (issued by Lido, 182) and issues wstETH;
//! // Pendle (382) holds wstETH on two chains.
//! let rev: RevMap = [("WSTETH".to_owned(), "9001".to_owned())].into_iter().collect();
//! let resolver = IssuerResolver::from_parts(Some(&rev), None);
//! let mut builder = NetworkBuilder::new(resolver, ConstructionOptions::default());
//! let rows = [
//!     ("2024-01-01", "9001", "Ethereum", "STETH", 100.0), ("2024-01-01", "382", "Ethereum", "WSTETH", 60.0),
//!     ("2024-01-01", "382", "Arbitrum", "WSTETH", 10.0),
//!     ("2024-01-08", "9001", "Ethereum", "STETH", 120.0), ("2024-01-08", "382", "Ethereum", "WSTETH", 70.0),
//!     ("2024-01-08", "382", "Arbitrum", "WSTETH", 10.0),
//!     ("2024-01-15", "9001", "Ethereum", "STETH", 90.0), ("2024-01-15", "382", "Ethereum", "WSTETH", 50.0),
//! ];
//! for (date, protocol, chain, token, usd) in rows {
//!     let date = date.parse()?;
//!     builder.push(HoldingRow { date, protocol, chain, token, quantity: usd, usd })?;
//! }
//! let built = builder.finish()?;
//! assert_eq!(built.series.len(), 2); // 3 weeks of holdings → 2 snapshots
//! let s = built.series.symbols();
//! let links = |i: usize| -> Vec<(String, String, f64)> {
//!     built.series.snapshots()[i].links.iter()
//!         .map(|l| (s.protocol(l.source).to_owned(), s.protocol(l.target).to_owned(), l.size))
//!         .collect()
//! };
//! // Rising week: issuer → holder.
//! assert_eq!(links(0), [("182".into(), "9001".into(), 20.0), ("9001".into(), "382".into(), 10.0)]);
//! // Falling week: holder → issuer (Pendle's exit from Arbitrum counts −10).
//! assert_eq!(links(1), [("382".into(), "9001".into(), 30.0), ("9001".into(), "182".into(), 30.0)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Rules
//!
//! 1. **Weekly buckets.** A row's week is the Monday on or before its date. Rows with
//!    `quantity <= 0` or `usd <= 0` are skipped and counted
//!    ([`ConstructionReport::rows_skipped_non_positive`]); non-finite values, an empty protocol
//!    or an empty token are errors. Per (week, protocol, chain, token) the holding is the mean
//!    `usd` of that week's rows. (The quantity only enters through the filter: links follow
//!    Δusd, so its weekly mean is not needed and not kept.)
//! 2. **Consecutive weeks** are consecutive weeks *present in the input*; missing Mondays
//!    between them are counted in [`ConstructionReport::calendar_gaps`], not filled. Between
//!    weeks `w_k` and `w_{k+1}`, per (protocol, chain, token): `Δ = usd_{k+1} − usd_k`; a
//!    holding that appears at `w_{k+1}` has `Δ = usd_{k+1}` (entry), one that disappears has
//!    `Δ = −usd_k` (exit). `Δ = 0` contributes nothing.
//! 3. **Dating.** The snapshot dated `w_k` covers `[w_k, w_{k+1})`: its nodes are the holdings
//!    at `w_k` (start of period) and its links come from Δ between `w_k` and `w_{k+1}`. The last
//!    week only closes the previous period, so **n weeks of holdings give n − 1 snapshots**.
//!    Across a gap the period is longer than a week.
//! 4. **Issuer map** M(token) by [`IssuerResolver`] (override list → published map / `rev_map`
//!    → manual table → TF-IDF over protocol names → name buckets; see its docs,
//!    [`ISSUER_OVERRIDES`] and [`MANUAL_TABLE`]; [`IssuerMapEvaluation`] scores it against a
//!    published map and [`IssuerMapTuning`] chose its defaults), resolved
//!    once per distinct symbol per builder; the number of symbols each step resolved is in
//!    [`ConstructionReport::tokens_resolved`].
//! 5. **Flows.** Holder `p`, token `σ`, issuer `q = M(σ)`, change Δ: `Δ < 0` ⇒ flow `p → q` of
//!    `|Δ|`; `Δ > 0` ⇒ flow `q → p` of `Δ`. Flows are summed per (source, target, token) over
//!    chains. **Netting** per unordered pair `{a, b}`: per token, `signed = amount(a→b) −
//!    amount(b→a)`; `net = Σ signed`. If `net` is exactly `0.0` the pair vanishes (counted in
//!    [`ConstructionReport::links_netted_away`]); otherwise one link goes in the direction of
//!    the positive net with `size = |net|` and a composition of the per-token signed amounts in
//!    that direction: entries may be negative (a token flowing against the link), and tokens
//!    whose amounts cancel exactly are left out. **Self-holdings** (`p = q`, a protocol holding
//!    a token it issues) give a self-loop `p → p` whose size is the sum of the `|Δ|`
//!    contributions, with a positive composition; they are never netted.
//! 6. **Nodes.** Every holder at `w_k`, with size = Σ of its composition and composition = usd
//!    per token summed over chains; plus every link endpoint that holds nothing at `w_k` (pure
//!    issuers, a holder that only enters at `w_{k+1}`, pseudo nodes such as `"WETH"`, `"LP"`)
//!    with size 0 and an empty composition ([`ConstructionReport::issuer_only_nodes`]).
//!    With [`ConstructionOptions::min_node_size`], nodes whose size is below it are dropped,
//!    and so are the links touching them (both counted). Note that size-0 issuer nodes fall
//!    below any positive threshold.
//! 7. **Output.** A [`SnapshotSeries`] in the DeXposure format: [`SeriesWriter`] writes it and
//!    [`SeriesLoader`] reads it back identically. Nodes are sorted by id and links by (source,
//!    target), compositions by token, all in byte order of the strings; every sum is taken in
//!    that order (and the rows of one holding in order of value), so the output does not
//!    depend on the order of the rows or on hash order. The series' symbol table holds only the
//!    ids and tokens the snapshots use.
//!
//! Worked example (the doctest above), holdings in USD:
//!
//! | week | 9001 STETH (Ethereum) | 382 WSTETH (Ethereum) | 382 WSTETH (Arbitrum) |
//! |---|---|---|---|
//! | 2024-01-01 | 100 | 60 | 10 |
//! | 2024-01-08 | 120 | 70 | 10 |
//! | 2024-01-15 | 90 | 50 | — |
//!
//! Snapshot 2024-01-01: nodes `182` (size 0, issuer only), `382` (70: {WSTETH 70}), `9001`
//! (100: {STETH 100}); Δ: 9001/STETH +20 ⇒ `182 → 9001` 20 {STETH 20}; 382/WSTETH +10 and 0 ⇒
//! `9001 → 382` 10 {WSTETH 10}. Snapshot 2024-01-08: nodes `182` (0), `382` (80), `9001` (120);
//! Δ: 9001/STETH −30 ⇒ `9001 → 182` 30; 382/WSTETH −20 (Ethereum) and −10 (Arbitrum exit) ⇒
//! `382 → 9001` 30. The week 2024-01-15 yields no snapshot.
//!
//! # Memory and speed
//! With [`ConstructionOptions::time_ordered`] a week is sealed (averaged and, with the week
//! before it, turned into a snapshot) as soon as a row of a later week arrives, so the builder
//! holds one week of rows and one week of holdings besides the snapshots it has produced; a row
//! for an earlier week is then an error naming the row and the dates. Without it (the default)
//! rows may come in any order and are all kept (32 bytes each) until
//! [`NetworkBuilder::finish`].
//!
//! [`SnapshotSeries`]: crate::SnapshotSeries
//! [`SeriesWriter`]: crate::SeriesWriter
//! [`SeriesLoader`]: crate::SeriesLoader

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::series::SnapshotSeries;

mod build;
mod fidelity;
mod holdings;
mod issuer;
mod tfidf;

pub use build::NetworkBuilder;
pub use fidelity::{
    ClassScore, HoldoutSplit, IssuerMapEvaluation, IssuerMapTuning, LabelClass, StepScore,
    TuningCandidate, TuningGrid,
};
pub use issuer::{
    CatalogText, DEFAULT_NAME_BUCKETS_FIRST, DEFAULT_NGRAM_ANALYZER, DEFAULT_TFIDF_THRESHOLD,
    ISSUER_OVERRIDES, IssuerOverride, IssuerResolver, MANUAL_TABLE, PENDLE_ID, Resolution,
    ResolutionStep, ResolverSettings, is_pendle_pt_yt, issuer_override,
};
pub use tfidf::{MAX_NGRAM, NgramAnalyzer};

/// One observation of a protocol's holding of a token on a chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoldingRow<'a> {
    /// Day of the observation (its week is the Monday on or before it).
    pub date: NaiveDate,
    /// Holding protocol id (a DefiLlama id such as `"382"`).
    pub protocol: &'a str,
    /// Chain name (may be empty).
    pub chain: &'a str,
    /// Token symbol held.
    pub token: &'a str,
    /// Token quantity (rows with `quantity <= 0` are skipped).
    pub quantity: f64,
    /// USD value (rows with `usd <= 0` are skipped).
    pub usd: f64,
}

/// Options of a [`NetworkBuilder`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstructionOptions {
    /// Drop nodes whose size is below this (`None` = keep all); links touching pruned nodes are
    /// removed and counted. Size-0 issuer nodes fall below any positive threshold; a NaN
    /// threshold prunes nothing.
    pub min_node_size: Option<f64>,
    /// Seal weeks as soon as a row of a later week arrives (bounded memory: about two weeks of
    /// holdings); a row for an already sealed week is then an error naming the row index and
    /// dates. Default `false` (any row order accepted, everything kept until
    /// [`NetworkBuilder::finish`]).
    pub time_ordered: bool,
}

/// The constructed series and what happened on the way.
#[derive(Debug, Clone)]
pub struct Construction {
    /// One snapshot per week of holdings but the last.
    pub series: SnapshotSeries,
    /// Counts.
    pub report: ConstructionReport,
}

/// Counts of a construction (serialises to JSON with these field names).
///
/// `rows_read = rows_used + rows_skipped_non_positive + rows rejected with an error`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConstructionReport {
    /// Rows pushed (including rejected ones).
    pub rows_read: u64,
    /// Rows skipped because `quantity <= 0` or `usd <= 0`.
    pub rows_skipped_non_positive: u64,
    /// Rows that entered a weekly average.
    pub rows_used: u64,
    /// Weeks with at least one used row.
    pub holding_weeks: u64,
    /// First week (Monday) with holdings.
    pub first_week: Option<NaiveDate>,
    /// Last week (Monday) with holdings; it only closes the previous period.
    pub last_week: Option<NaiveDate>,
    /// Snapshots produced: `holding_weeks − 1` (0 without holdings).
    pub snapshots: u64,
    /// Mondays missing between consecutive weeks with holdings (not filled).
    pub calendar_gaps: u64,
    /// Distinct holder protocol ids.
    pub distinct_holders: u64,
    /// Distinct chains.
    pub distinct_chains: u64,
    /// Distinct token symbols (= the sum of `tokens_resolved`).
    pub distinct_tokens: u64,
    /// Distinct token symbols resolved by each step of the issuer map (every step listed).
    pub tokens_resolved: BTreeMap<ResolutionStep, u64>,
    /// (protocol, chain, token) holdings that appear in the next week (Δ = the new level),
    /// summed over snapshots.
    pub holding_entries: u64,
    /// Holdings that disappear in the next week (Δ = −the old level).
    pub holding_exits: u64,
    /// Holdings present in both weeks with Δ exactly 0 (no flow).
    pub holdings_unchanged: u64,
    /// Nodes written, summed over snapshots.
    pub nodes: u64,
    /// Nodes that hold nothing at the snapshot's date and are there as link endpoints (size 0),
    /// summed over snapshots, before pruning.
    pub issuer_only_nodes: u64,
    /// Links written, summed over snapshots (self-loops included).
    pub links: u64,
    /// Self-loops among the links, before pruning.
    pub self_loops: u64,
    /// Node pairs whose flows netted to exactly 0 and so have no link.
    pub links_netted_away: u64,
    /// Nodes dropped by `min_node_size`.
    pub nodes_pruned: u64,
    /// Links dropped because an endpoint was pruned.
    pub links_removed_by_pruning: u64,
}

impl ConstructionReport {
    /// How many distinct tokens `step` resolved.
    pub fn resolved(&self, step: ResolutionStep) -> u64 {
        self.tokens_resolved.get(&step).copied().unwrap_or(0)
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() // ok: plain data always serialises
    }
}

impl fmt::Display for ConstructionReport {
    /// A plain-text table, one count per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weeks = match (self.first_week, self.last_week) {
            (Some(a), Some(b)) => format!("{a} .. {b}"),
            _ => "(none)".to_owned(),
        };
        writeln!(f, "rows read                 {:>12}", self.rows_read)?;
        writeln!(
            f,
            "rows used                 {:>12}   skipped (quantity or usd <= 0): {}",
            self.rows_used, self.rows_skipped_non_positive
        )?;
        writeln!(
            f,
            "holding weeks             {:>12}   {weeks}",
            self.holding_weeks
        )?;
        writeln!(
            f,
            "snapshots                 {:>12}   (the last week only closes the previous period)",
            self.snapshots
        )?;
        writeln!(f, "calendar gaps (weeks)     {:>12}", self.calendar_gaps)?;
        writeln!(
            f,
            "holders / chains / tokens {:>12}   / {} / {}",
            self.distinct_holders, self.distinct_chains, self.distinct_tokens
        )?;
        let steps: Vec<String> = self
            .tokens_resolved
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| format!("{s:?} {n}"))
            .collect();
        writeln!(f, "tokens resolved by        {}", steps.join(", "))?;
        writeln!(
            f,
            "holding changes           entries {}  exits {}  unchanged {}",
            self.holding_entries, self.holding_exits, self.holdings_unchanged
        )?;
        writeln!(
            f,
            "nodes written             {:>12}   issuer-only (size 0): {}",
            self.nodes, self.issuer_only_nodes
        )?;
        writeln!(
            f,
            "links written             {:>12}   self-loops {}  netted away {}",
            self.links, self.self_loops, self.links_netted_away
        )?;
        writeln!(
            f,
            "pruned                    nodes {}  links {}",
            self.nodes_pruned, self.links_removed_by_pruning
        )
    }
}
