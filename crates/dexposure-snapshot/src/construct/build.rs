//! [`NetworkBuilder`]: weekly buckets, deltas, flows, netting and nodes (DESIGN.md §4).
//!
//! Internals: protocol ids, chains and tokens are interned to `u32` once (decimal ids by direct
//! indexing, strings of up to 15 bytes as packed integers, a one-entry cache per column); each
//! kept row is a 32-byte append to its week's vector. Sealing a week ranks every string (byte
//! order, maintained incrementally), sorts the week's rows by (protocol, token, chain) rank
//! with counting-sort passes (rows of one holding by value) and averages runs in place, so each
//! week's holdings are one sorted vector. Consecutive weeks are then merged in one pass; every
//! sum is taken in string order, which makes the output independent of the order rows were
//! pushed in (and of hash order).

use std::cmp::Ordering;
use std::mem;

use chrono::{Datelike, Days, NaiveDate};
use rustc_hash::FxHashMap;

use super::issuer::{IssuerResolver, ResolutionStep};
use super::{Construction, ConstructionOptions, ConstructionReport, HoldingRow};
use crate::error::{Result, SnapshotError};
use crate::series::SnapshotSeries;
use crate::snapshot::{Link, Node, Snapshot, TokenAmount};
use crate::symbols::{ProtocolId, SymbolTable, TokenId};
use crate::week::{NUMERIC_LIMIT, canonical_decimal};

const NONE: u32 = u32::MAX;

/// One kept row, then (after sealing) one averaged holding. `p`, `t`, `c` are interned ids;
/// `rp`, `rt`, `rc` their ranks in byte order of the strings (filled when the week is sealed).
#[derive(Debug, Clone, Copy)]
struct Holding {
    rp: u32,
    rt: u32,
    rc: u32,
    p: u32,
    t: u32,
    c: u32,
    usd: f64,
}

impl Holding {
    #[inline]
    fn key(&self) -> (u32, u32, u32) {
        (self.rp, self.rt, self.rc)
    }
}

/// Interned strings with look-ups by shape, as the loader's symbol cache: a canonical decimal
/// below 2^20 (DefiLlama ids) indexes an array; a string of up to 15 bytes is packed into an
/// integer key (no byte comparison, no pointer chasing); anything longer goes through a hash
/// table of strings.
#[derive(Debug, Default)]
struct StrTable {
    strings: Vec<Box<str>>,
    numeric: Vec<u32>,
    short: PackedMap,
    long: FxHashMap<Box<str>, u32>,
}

/// Hasher for packed short strings: one folded 64 × 64 → 128-bit multiply, which mixes every
/// input bit into the low bits the table indexes with.
#[derive(Debug, Default, Clone, Copy)]
struct FoldHasher(u64);

impl std::hash::Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by u128 keys; kept correct for completeness.
        for &b in bytes {
            self.write_u128(u128::from(self.0) << 8 | u128::from(b));
        }
    }

    #[inline]
    fn write_u128(&mut self, x: u128) {
        let lo = (x as u64) ^ 0x243F_6A88_85A3_08D3;
        let hi = ((x >> 64) as u64) ^ 0x1319_8A2E_0370_7344 ^ self.0;
        let full = u128::from(lo) * u128::from(hi);
        self.0 = (full as u64) ^ ((full >> 64) as u64);
    }
}

type PackedMap = std::collections::HashMap<u128, u32, std::hash::BuildHasherDefault<FoldHasher>>;

/// A string of up to 15 bytes as an integer: byte `i` of the string in byte `i` (little
/// endian), the length in the top byte. Built from at most two overlapping word loads (a
/// variable-length copy would call `memcpy` on every row).
#[inline]
fn pack(b: &[u8]) -> Option<u128> {
    let n = b.len();
    let word = |range: std::ops::Range<usize>| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[range]);
        u64::from_le_bytes(w)
    };
    let half = |range: std::ops::Range<usize>| -> u64 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[range]);
        u64::from(u32::from_le_bytes(w))
    };
    let (lo, hi) = match n {
        16.. => return None,
        // Bytes 8..n come from the last word, shifted down past the bytes the first one has.
        9..=15 => (word(0..8), word(n - 8..n) >> (8 * (16 - n))),
        8 => (word(0..8), 0),
        5..=7 => (half(0..4) | (half(n - 4..n) >> (8 * (8 - n))) << 32, 0),
        4 => (half(0..4), 0),
        _ => (
            b.iter()
                .enumerate()
                .fold(0u64, |x, (i, &c)| x | u64::from(c) << (8 * i)),
            0,
        ),
    };
    Some(u128::from(lo) | u128::from(hi) << 64 | (n as u128) << 120)
}

impl StrTable {
    /// The id of `s`, adding it if new (`packed` is `pack(s)`).
    #[inline]
    fn intern(&mut self, s: &str, packed: Option<u128>) -> u32 {
        let strings = &mut self.strings;
        let mut add = || {
            let id = to_u32(strings.len());
            strings.push(s.into());
            id
        };
        if let Some(n) = canonical_decimal(s.as_bytes()) {
            if n >= self.numeric.len() {
                self.numeric
                    .resize((n + 1).next_power_of_two().min(NUMERIC_LIMIT), NONE);
            }
            let slot = &mut self.numeric[n];
            if *slot == NONE {
                *slot = add();
            }
            *slot
        } else if let Some(key) = packed {
            *self.short.entry(key).or_insert_with(add)
        } else if let Some(&id) = self.long.get(s) {
            id
        } else {
            let id = add();
            self.long.insert(s.into(), id);
            id
        }
    }

    fn resolve(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }

    fn len(&self) -> usize {
        self.strings.len()
    }
}

/// One input column's table and its last look-up (rows often repeat the previous value).
#[derive(Debug, Default)]
struct Column {
    table: StrTable,
    last: Option<(u128, u32)>,
}

impl Column {
    /// The id of `s` and whether it is new.
    #[inline]
    fn intern(&mut self, s: &str) -> (u32, bool) {
        let packed = pack(s.as_bytes());
        if let (Some(key), Some((last, id))) = (packed, self.last)
            && key == last
        {
            return (id, false);
        }
        let before = self.table.len();
        let id = self.table.intern(s, packed);
        if let Some(key) = packed {
            self.last = Some((key, id));
        }
        (id, self.table.len() > before)
    }
}

/// Byte-order ranks of an interner's strings, kept up to date as strings are added (existing
/// strings keep their relative order, so a vector sorted by rank stays sorted).
#[derive(Debug, Clone, Default)]
struct Ranks {
    /// Ids sorted by string.
    order: Vec<u32>,
    /// Id → position in `order`.
    rank: Vec<u32>,
}

impl Ranks {
    /// Brings the ranks up to date with `names`; true if anything was added.
    fn update(&mut self, names: &StrTable) -> bool {
        let n = names.len();
        let known = self.rank.len();
        if n == known {
            return false;
        }
        let text = |id: u32| names.resolve(id);
        let mut fresh: Vec<u32> = (known..n).map(to_u32).collect();
        fresh.sort_unstable_by(|&a, &b| text(a).cmp(text(b)));
        let old = mem::take(&mut self.order);
        let mut merged = Vec::with_capacity(n);
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if text(old[i]) < text(fresh[j]) {
                merged.push(old[i]);
                i += 1;
            } else {
                merged.push(fresh[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&fresh[j..]);
        self.rank.resize(n, 0);
        for (r, &id) in merged.iter().enumerate() {
            self.rank[id as usize] = to_u32(r);
        }
        self.order = merged;
        true
    }
}

/// Interned strings, issuers and ranks.
#[derive(Debug, Default)]
struct Names {
    protocols: Column,
    chains: Column,
    tokens: Column,
    /// Protocol id → seen as a holder.
    holder: Vec<bool>,
    /// Token id → issuing protocol id.
    issuer: Vec<u32>,
    rank_p: Ranks,
    rank_t: Ranks,
    rank_c: Ranks,
}

/// A week still receiving rows.
#[derive(Debug)]
struct OpenWeek {
    week: NaiveDate,
    rows: Vec<Holding>,
}

/// The last sealed week: averaged holdings sorted by rank.
#[derive(Debug)]
struct SealedWeek {
    week: NaiveDate,
    holdings: Vec<Holding>,
}

/// `cache[key]`, filled by `intern` on first use (the cache grows to `len` entries).
fn cached(cache: &mut Vec<u32>, len: usize, key: u32, intern: impl FnOnce() -> u32) -> u32 {
    let slot = key as usize;
    if slot >= cache.len() {
        cache.resize(len.max(slot + 1), NONE);
    }
    if cache[slot] == NONE {
        cache[slot] = intern();
    }
    cache[slot]
}

/// The series being written, with its own symbol table (only what the snapshots use).
#[derive(Debug, Default)]
struct Output {
    symbols: SymbolTable,
    protocol: Vec<u32>,
    token: Vec<u32>,
    snapshots: Vec<Snapshot>,
}

impl Output {
    fn protocol(&mut self, names: &Names, p: u32) -> ProtocolId {
        let symbols = &mut self.symbols;
        ProtocolId(cached(
            &mut self.protocol,
            names.protocols.table.len(),
            p,
            || symbols.intern_protocol(names.protocols.table.resolve(p)).0,
        ))
    }

    fn token(&mut self, names: &Names, t: u32) -> TokenId {
        let symbols = &mut self.symbols;
        TokenId(cached(&mut self.token, names.tokens.table.len(), t, || {
            symbols.intern_token(names.tokens.table.resolve(t)).0
        }))
    }
}

#[derive(Debug, Clone, Copy)]
struct NodeDraft {
    rank: u32,
    id: u32,
    size: f64,
    start: usize,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct LinkDraft {
    source_rank: u32,
    target_rank: u32,
    source: u32,
    target: u32,
    size: f64,
    start: usize,
    len: usize,
}

/// Net flow of one token between two distinct nodes, signed in the `lo → hi` direction
/// (`lo` has the smaller rank).
#[derive(Debug, Clone, Copy)]
struct PairPart {
    lo_rank: u32,
    hi_rank: u32,
    token_rank: u32,
    lo: u32,
    hi: u32,
    token: u32,
    signed: f64,
}

/// Flow of one token between a holder and itself (it holds a token it issues).
#[derive(Debug, Clone, Copy)]
struct SelfPart {
    rank: u32,
    id: u32,
    token: u32,
    amount: f64,
}

/// Buffers of the row sort.
#[derive(Debug, Default)]
struct SortBuffers {
    rows: Vec<Holding>,
    counts: Vec<u32>,
}

/// Buffers reused from week to week.
#[derive(Debug, Default)]
struct Scratch {
    sort: SortBuffers,
    holders: Vec<NodeDraft>,
    extra: Vec<(u32, u32)>,
    nodes: Vec<NodeDraft>,
    node_amounts: Vec<(u32, f64)>,
    pairs: Vec<PairPart>,
    pairs_buf: Vec<PairPart>,
    selfs: Vec<SelfPart>,
    links: Vec<LinkDraft>,
    links_buf: Vec<LinkDraft>,
    link_amounts: Vec<(u32, f64)>,
    /// Protocol id → 0 (not a node this week), 1 (node), 2 (pruned node).
    mark: Vec<u8>,
}

/// The running (holder, token) group of the delta merge.
#[derive(Debug, Clone, Copy)]
struct Group {
    rp: u32,
    rt: u32,
    p: u32,
    t: u32,
    /// Σ |Δ| over the chains where Δ < 0: flow holder → issuer.
    out: f64,
    /// Σ Δ over the chains where Δ > 0: flow issuer → holder.
    inn: f64,
}

/// Turns holdings into weekly snapshots (DESIGN.md §4). See the [module docs](super) for the
/// rules and a worked example.
///
/// Push rows with [`push`](Self::push) (or [`push_csv`](Self::push_csv)), then call
/// [`finish`](Self::finish). Errors leave the builder usable: the offending row is not added.
#[derive(Debug)]
pub struct NetworkBuilder {
    resolver: IssuerResolver,
    options: ConstructionOptions,
    names: Names,
    /// Open weeks (at most one with `time_ordered`), their positions, and the last date seen
    /// with its slot.
    weeks: Vec<OpenWeek>,
    slots: FxHashMap<NaiveDate, usize>,
    last_date: Option<(NaiveDate, usize)>,
    /// A recycled buffer for the next open week.
    spare: Vec<Holding>,
    prev: Option<SealedWeek>,
    out: Output,
    scratch: Scratch,
    report: ConstructionReport,
    step_counts: [u64; ResolutionStep::ALL.len()],
}

impl NetworkBuilder {
    /// A builder resolving issuers with `resolver`.
    pub fn new(resolver: IssuerResolver, options: ConstructionOptions) -> Self {
        Self {
            resolver,
            options,
            names: Names::default(),
            weeks: Vec::new(),
            slots: FxHashMap::default(),
            last_date: None,
            spare: Vec::new(),
            prev: None,
            out: Output::default(),
            scratch: Scratch::default(),
            report: ConstructionReport::default(),
            step_counts: [0; ResolutionStep::ALL.len()],
        }
    }

    /// Adds one row.
    ///
    /// Checks, in order: `quantity` and `usd` must be finite, `protocol` and `token` non-empty
    /// (otherwise [`SnapshotError::HoldingRow`] naming the row index, the 0-based count of rows
    /// pushed so far, and the date); rows with `quantity <= 0` or `usd <= 0` are then skipped and
    /// counted; with [`ConstructionOptions::time_ordered`], a row whose week is earlier than the
    /// week being filled is an error (that week is sealed). A token seen for the first time is
    /// resolved to its issuer here, once.
    pub fn push(&mut self, row: HoldingRow<'_>) -> Result<()> {
        let index = self.report.rows_read;
        self.report.rows_read += 1;
        if !row.quantity.is_finite() || !row.usd.is_finite() {
            return Err(row_error(
                index,
                row.date,
                format!(
                    "non-finite value (quantity {}, usd {}); expected finite numbers",
                    row.quantity, row.usd
                ),
            ));
        }
        if row.protocol.is_empty() {
            return Err(row_error(index, row.date, "empty protocol id"));
        }
        if row.token.is_empty() {
            return Err(row_error(index, row.date, "empty token symbol"));
        }
        if !(row.quantity > 0.0 && row.usd > 0.0) {
            self.report.rows_skipped_non_positive += 1;
            return Ok(());
        }
        let slot = self.week_slot(row.date, index)?;
        let p = self.protocol(row.protocol);
        let c = self.chain(row.chain);
        let t = self.token(row.token);
        self.weeks[slot].rows.push(Holding {
            rp: 0,
            rt: 0,
            rc: 0,
            p,
            t,
            c,
            usd: row.usd,
        });
        self.report.rows_used += 1;
        Ok(())
    }

    /// Seals the remaining weeks and returns the series and the report.
    ///
    /// `n` weeks of holdings give `n − 1` snapshots (the last week only closes the previous
    /// period); no rows, or one week, give an empty series.
    pub fn finish(mut self) -> Result<Construction> {
        let mut weeks = mem::take(&mut self.weeks);
        weeks.sort_unstable_by_key(|w| w.week);
        for week in weeks {
            self.seal(week.week, week.rows);
        }
        let mut report = mem::take(&mut self.report);
        report.snapshots = self.out.snapshots.len() as u64;
        report.distinct_holders = self.names.holder.iter().filter(|&&h| h).count() as u64;
        report.distinct_chains = self.names.chains.table.len() as u64;
        report.distinct_tokens = self.names.tokens.table.len() as u64;
        for step in ResolutionStep::ALL {
            report
                .tokens_resolved
                .insert(step, self.step_counts[step.index()]);
        }
        let Output {
            symbols, snapshots, ..
        } = mem::take(&mut self.out);
        let series = SnapshotSeries::new(symbols, snapshots)?;
        Ok(Construction { series, report })
    }

    // -----------------------------------------------------------------------------------------
    // Rows
    // -----------------------------------------------------------------------------------------

    fn week_slot(&mut self, date: NaiveDate, index: u64) -> Result<usize> {
        if let Some((d, slot)) = self.last_date
            && d == date
        {
            return Ok(slot);
        }
        let back = u64::from(date.weekday().num_days_from_monday());
        let week = date.checked_sub_days(Days::new(back)).ok_or_else(|| {
            row_error(
                index,
                date,
                "the date is too early to have a Monday before it",
            )
        })?;
        let slot = if self.options.time_ordered {
            match self.weeks.first().map(|w| w.week) {
                Some(open) if open == week => 0,
                Some(open) if week < open => {
                    return Err(row_error(
                        index,
                        date,
                        format!(
                            "the row's week {week} comes before week {open}, which rows were \
                             already pushed for; with time_ordered, weeks before {open} are \
                             sealed and rows must come in week order"
                        ),
                    ));
                }
                Some(_) => {
                    if let Some(open) = self.weeks.pop() {
                        self.seal(open.week, open.rows);
                    }
                    let rows = mem::take(&mut self.spare);
                    self.weeks.push(OpenWeek { week, rows });
                    0
                }
                None => {
                    self.weeks.push(OpenWeek {
                        week,
                        rows: Vec::new(),
                    });
                    0
                }
            }
        } else if let Some(&slot) = self.slots.get(&week) {
            slot
        } else {
            let slot = self.weeks.len();
            self.weeks.push(OpenWeek {
                week,
                rows: Vec::new(),
            });
            self.slots.insert(week, slot);
            slot
        };
        self.last_date = Some((date, slot));
        Ok(slot)
    }

    fn protocol(&mut self, s: &str) -> u32 {
        let (p, _) = self.names.protocols.intern(s);
        let slot = p as usize;
        if slot >= self.names.holder.len() {
            self.names.holder.resize(slot + 1, false);
        }
        self.names.holder[slot] = true;
        p
    }

    fn chain(&mut self, s: &str) -> u32 {
        self.names.chains.intern(s).0
    }

    fn token(&mut self, s: &str) -> u32 {
        let (t, new) = self.names.tokens.intern(s);
        if new {
            let resolution = self.resolver.resolve(s);
            self.step_counts[resolution.step.index()] += 1;
            let (q, _) = self.names.protocols.intern(&resolution.issuer);
            self.names.issuer.push(q);
        }
        t
    }

    // -----------------------------------------------------------------------------------------
    // Weeks
    // -----------------------------------------------------------------------------------------

    /// Averages one week's rows into holdings and, if a week was sealed before it, emits the
    /// snapshot of that earlier week.
    fn seal(&mut self, week: NaiveDate, mut rows: Vec<Holding>) {
        let names = &mut self.names;
        let changed = names.rank_p.update(&names.protocols.table)
            | names.rank_t.update(&names.tokens.table)
            | names.rank_c.update(&names.chains.table);
        if changed && let Some(prev) = &mut self.prev {
            rerank(&mut prev.holdings, names);
        }
        rerank(&mut rows, names);
        let sizes = [
            names.protocols.table.len(),
            names.tokens.table.len(),
            names.chains.table.len(),
        ];
        sort_rows(&mut rows, &mut self.scratch.sort, sizes);
        // Average runs of one (protocol, token, chain) in place; summing in usd order makes the
        // mean independent of the order the rows came in.
        let mut kept = 0;
        let mut i = 0;
        while i < rows.len() {
            let mut h = rows[i];
            let mut j = i + 1;
            while j < rows.len() && rows[j].key() == h.key() {
                h.usd += rows[j].usd;
                j += 1;
            }
            if j - i > 1 {
                h.usd /= (j - i) as f64;
            }
            rows[kept] = h;
            kept += 1;
            i = j;
        }
        rows.truncate(kept);

        self.report.holding_weeks += 1;
        if self.report.first_week.is_none() {
            self.report.first_week = Some(week);
        }
        self.report.last_week = Some(week);
        if let Some(prev) = self.prev.take() {
            let days = (week - prev.week).num_days();
            self.report.calendar_gaps += u64::try_from(days / 7 - 1).unwrap_or(0);
            transition(
                &self.names,
                &mut self.scratch,
                &mut self.out,
                &mut self.report,
                self.options.min_node_size,
                prev.week,
                &prev.holdings,
                &rows,
            );
            let mut spare = prev.holdings;
            spare.clear();
            self.spare = spare;
        }
        self.prev = Some(SealedWeek {
            week,
            holdings: rows,
        });
    }
}

fn row_error(index: u64, date: NaiveDate, problem: impl Into<String>) -> SnapshotError {
    SnapshotError::HoldingRow {
        index,
        date,
        problem: problem.into(),
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE) // ok: 4 billion distinct strings cannot fit in memory first
}

/// Sorts rows by (protocol, token, chain) rank, and rows of one key by usd.
///
/// Three stable counting-sort passes (chain, then token, then protocol rank) when the tables
/// are small next to the rows, a comparison sort otherwise; then each run of equal keys (a few
/// rows at most) by value.
fn sort_rows(rows: &mut Vec<Holding>, buf: &mut SortBuffers, [np, nt, nc]: [usize; 3]) {
    let by_value = |a: &Holding, b: &Holding| a.usd.total_cmp(&b.usd);
    if rows.len() < 64 || np.max(nt).max(nc) > 4 * rows.len() {
        rows.sort_unstable_by(|a, b| a.key().cmp(&b.key()).then_with(|| by_value(a, b)));
        return;
    }
    let other = &mut buf.rows;
    other.clear();
    other.resize(
        rows.len(),
        Holding {
            rp: 0,
            rt: 0,
            rc: 0,
            p: 0,
            t: 0,
            c: 0,
            usd: 0.0,
        },
    );
    counting_pass(rows, other, &mut buf.counts, nc, |h| h.rc);
    counting_pass(other, rows, &mut buf.counts, nt, |h| h.rt);
    counting_pass(rows, other, &mut buf.counts, np, |h| h.rp);
    mem::swap(rows, other);
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j].key() == rows[i].key() {
            j += 1;
        }
        if j - i > 1 {
            rows[i..j].sort_unstable_by(by_value);
        }
        i = j;
    }
}

/// One stable counting-sort pass of `src` into `dst` by `digit` (< `buckets`).
fn counting_pass<T: Copy>(
    src: &[T],
    dst: &mut [T],
    counts: &mut Vec<u32>,
    buckets: usize,
    digit: impl Fn(&T) -> u32,
) {
    counts.clear();
    counts.resize(buckets + 1, 0);
    for x in src {
        counts[digit(x) as usize + 1] += 1;
    }
    for k in 1..counts.len() {
        counts[k] += counts[k - 1];
    }
    for x in src {
        let slot = &mut counts[digit(x) as usize];
        dst[*slot as usize] = *x;
        *slot += 1;
    }
}

/// Sorts `items` by the digits (most significant first, each below its bucket count) with
/// stable counting-sort passes when the bucket counts are small next to the items, else with a
/// comparison sort. Keys must be unique or ties irrelevant.
fn radix_sort<T: Copy, const D: usize>(
    items: &mut Vec<T>,
    other: &mut Vec<T>,
    counts: &mut Vec<u32>,
    buckets: [usize; D],
    digits: impl Fn(&T) -> [u32; D],
) {
    if items.len() < 64 || buckets.iter().any(|&b| b > 4 * items.len()) {
        items.sort_unstable_by_key(|x| digits(x));
        return;
    }
    let Some(&fill) = items.first() else { return };
    other.clear();
    other.resize(items.len(), fill);
    for d in (0..D).rev() {
        counting_pass(items, other, counts, buckets[d], |x| digits(x)[d]);
        mem::swap(items, other);
    }
}

fn rerank(rows: &mut [Holding], names: &Names) {
    let (rp, rt, rc) = (&names.rank_p.rank, &names.rank_t.rank, &names.rank_c.rank);
    for h in rows {
        h.rp = rp[h.p as usize];
        h.rt = rt[h.t as usize];
        h.rc = rc[h.c as usize];
    }
}

/// The snapshot of `date` (= w_k) from the holdings at w_k (`prev`) and w_{k+1} (`next`), both
/// sorted by rank key.
#[allow(clippy::too_many_arguments)]
fn transition(
    names: &Names,
    s: &mut Scratch,
    out: &mut Output,
    report: &mut ConstructionReport,
    min_node_size: Option<f64>,
    date: NaiveDate,
    prev: &[Holding],
    next: &[Holding],
) {
    s.holders.clear();
    s.extra.clear();
    s.nodes.clear();
    s.node_amounts.clear();
    s.pairs.clear();
    s.selfs.clear();
    s.links.clear();
    s.link_amounts.clear();
    s.mark.resize(names.protocols.table.len(), 0);

    // 1. Holders at w_k: composition per token (summed over chains), size = Σ composition.
    let mut i = 0;
    while i < prev.len() {
        let (rp, p) = (prev[i].rp, prev[i].p);
        let start = s.node_amounts.len();
        let mut size = 0.0;
        while i < prev.len() && prev[i].rp == rp {
            let (rt, t) = (prev[i].rt, prev[i].t);
            let mut usd = prev[i].usd;
            i += 1;
            while i < prev.len() && prev[i].rp == rp && prev[i].rt == rt {
                usd += prev[i].usd;
                i += 1;
            }
            s.node_amounts.push((t, usd));
            size += usd;
        }
        s.holders.push(NodeDraft {
            rank: rp,
            id: p,
            size,
            start,
            len: s.node_amounts.len() - start,
        });
    }

    // 2. Δusd per (protocol, chain, token), merged in key order; flows per (holder, token).
    let mut group: Option<Group> = None;
    let (mut i, mut j) = (0, 0);
    loop {
        let (h, delta) = match (prev.get(i), next.get(j)) {
            (Some(a), Some(b)) => match a.key().cmp(&b.key()) {
                Ordering::Less => {
                    i += 1;
                    report.holding_exits += 1;
                    (a, -a.usd)
                }
                Ordering::Greater => {
                    j += 1;
                    report.holding_entries += 1;
                    (b, b.usd)
                }
                Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (b, b.usd - a.usd)
                }
            },
            (Some(a), None) => {
                i += 1;
                report.holding_exits += 1;
                (a, -a.usd)
            }
            (None, Some(b)) => {
                j += 1;
                report.holding_entries += 1;
                (b, b.usd)
            }
            (None, None) => break,
        };
        if delta == 0.0 {
            report.holdings_unchanged += 1;
            continue;
        }
        let same = matches!(&group, Some(g) if g.rp == h.rp && g.rt == h.rt);
        if !same && let Some(done) = group.take() {
            flush(names, s, done);
        }
        let g = group.get_or_insert(Group {
            rp: h.rp,
            rt: h.rt,
            p: h.p,
            t: h.t,
            out: 0.0,
            inn: 0.0,
        });
        if delta < 0.0 {
            g.out += -delta;
        } else {
            g.inn += delta;
        }
    }
    if let Some(done) = group {
        flush(names, s, done);
    }

    // 3. Net per unordered pair.
    let (np, nt) = (names.protocols.table.len(), names.tokens.table.len());
    radix_sort(
        &mut s.pairs,
        &mut s.pairs_buf,
        &mut s.sort.counts,
        [np, np, nt],
        |x| [x.lo_rank, x.hi_rank, x.token_rank],
    );
    let mut k = 0;
    while k < s.pairs.len() {
        let first = s.pairs[k];
        let same_pair = |x: &PairPart| x.lo_rank == first.lo_rank && x.hi_rank == first.hi_rank;
        let start = s.link_amounts.len();
        let mut total = 0.0;
        while k < s.pairs.len() && same_pair(&s.pairs[k]) {
            let part = s.pairs[k];
            let mut signed = part.signed;
            k += 1;
            // One (pair, token) comes from one holder, so this loop never runs in practice.
            while k < s.pairs.len()
                && same_pair(&s.pairs[k])
                && s.pairs[k].token_rank == part.token_rank
            {
                signed += s.pairs[k].signed;
                k += 1;
            }
            if signed != 0.0 {
                s.link_amounts.push((part.token, signed));
                total += signed;
            }
        }
        if total == 0.0 {
            report.links_netted_away += 1;
            s.link_amounts.truncate(start);
            continue;
        }
        let (source_rank, target_rank, source, target) = if total > 0.0 {
            (first.lo_rank, first.hi_rank, first.lo, first.hi)
        } else {
            for a in &mut s.link_amounts[start..] {
                a.1 = -a.1;
            }
            (first.hi_rank, first.lo_rank, first.hi, first.lo)
        };
        s.links.push(LinkDraft {
            source_rank,
            target_rank,
            source,
            target,
            size: total.abs(),
            start,
            len: s.link_amounts.len() - start,
        });
    }

    // 4. Self-loops (a holder of a token it issues): Σ |Δ|, composition positive.
    let mut k = 0;
    while k < s.selfs.len() {
        let first = s.selfs[k];
        let start = s.link_amounts.len();
        let mut total = 0.0;
        while k < s.selfs.len() && s.selfs[k].rank == first.rank {
            s.link_amounts.push((s.selfs[k].token, s.selfs[k].amount));
            total += s.selfs[k].amount;
            k += 1;
        }
        report.self_loops += 1;
        s.links.push(LinkDraft {
            source_rank: first.rank,
            target_rank: first.rank,
            source: first.id,
            target: first.id,
            size: total,
            start,
            len: s.link_amounts.len() - start,
        });
    }
    radix_sort(
        &mut s.links,
        &mut s.links_buf,
        &mut s.sort.counts,
        [np, np],
        |l| [l.source_rank, l.target_rank],
    );

    // 5. Nodes: holders, plus link endpoints that hold nothing at w_k (size 0).
    for h in &s.holders {
        s.mark[h.id as usize] = 1;
    }
    for l in &s.links {
        for (rank, id) in [(l.source_rank, l.source), (l.target_rank, l.target)] {
            if s.mark[id as usize] == 0 {
                s.mark[id as usize] = 1;
                s.extra.push((rank, id));
            }
        }
    }
    s.extra.sort_unstable();
    report.issuer_only_nodes += s.extra.len() as u64;
    let (mut a, mut b) = (0, 0);
    while a < s.holders.len() || b < s.extra.len() {
        let take_holder = match (s.holders.get(a), s.extra.get(b)) {
            (Some(h), Some(e)) => h.rank < e.0,
            (Some(_), None) => true,
            _ => false,
        };
        if take_holder {
            s.nodes.push(s.holders[a]);
            a += 1;
        } else {
            let (rank, id) = s.extra[b];
            s.nodes.push(NodeDraft {
                rank,
                id,
                size: 0.0,
                start: 0,
                len: 0,
            });
            b += 1;
        }
    }
    debug_assert!(s.nodes.windows(2).all(|w| w[0].rank < w[1].rank));

    // 6. Pruning.
    if let Some(min) = min_node_size {
        for n in &s.nodes {
            if n.size < min {
                s.mark[n.id as usize] = 2;
                report.nodes_pruned += 1;
            }
        }
    }

    // 7. The snapshot.
    let mut week = Snapshot::new(date);
    week.amounts_mut()
        .reserve(s.node_amounts.len() + s.link_amounts.len());
    week.nodes.reserve(s.nodes.len());
    for n in &s.nodes {
        if s.mark[n.id as usize] == 2 {
            continue;
        }
        let id = out.protocol(names, n.id);
        let amounts = &s.node_amounts[n.start..n.start + n.len];
        let composition = week.push_composition(amounts.iter().map(|&(t, usd)| TokenAmount {
            token: out.token(names, t),
            usd,
        }));
        week.nodes.push(Node {
            id,
            size: n.size,
            composition,
        });
    }
    week.links.reserve(s.links.len());
    for l in &s.links {
        if s.mark[l.source as usize] == 2 || s.mark[l.target as usize] == 2 {
            report.links_removed_by_pruning += 1;
            continue;
        }
        let source = out.protocol(names, l.source);
        let target = out.protocol(names, l.target);
        let amounts = &s.link_amounts[l.start..l.start + l.len];
        let composition = week.push_composition(amounts.iter().map(|&(t, usd)| TokenAmount {
            token: out.token(names, t),
            usd,
        }));
        week.links.push(Link {
            source,
            target,
            size: l.size,
            composition,
        });
    }
    for n in &s.nodes {
        s.mark[n.id as usize] = 0;
    }
    report.nodes += week.nodes.len() as u64;
    report.links += week.links.len() as u64;
    out.snapshots.push(week);
}

/// Records the flows of one (holder, token) group.
fn flush(names: &Names, s: &mut Scratch, g: Group) {
    let q = names.issuer[g.t as usize];
    if q == g.p {
        s.selfs.push(SelfPart {
            rank: g.rp,
            id: g.p,
            token: g.t,
            amount: g.out + g.inn,
        });
        return;
    }
    let rq = names.rank_p.rank[q as usize];
    let part = if g.rp < rq {
        PairPart {
            lo_rank: g.rp,
            hi_rank: rq,
            token_rank: g.rt,
            lo: g.p,
            hi: q,
            token: g.t,
            // amount(holder → issuer) − amount(issuer → holder)
            signed: g.out - g.inn,
        }
    } else {
        PairPart {
            lo_rank: rq,
            hi_rank: g.rp,
            token_rank: g.rt,
            lo: q,
            hi: g.p,
            token: g.t,
            signed: g.inn - g.out,
        }
    };
    s.pairs.push(part);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pack_slow(b: &[u8]) -> Option<u128> {
        (b.len() < 16).then(|| {
            let mut packed = [0u8; 16];
            packed[..b.len()].copy_from_slice(b);
            packed[15] = b.len() as u8;
            u128::from_le_bytes(packed)
        })
    }

    #[test]
    fn pack_matches_the_byte_layout() {
        let text = b"ABCDEFGHIJKLMNOPQRS\xff\x00\x80";
        for start in 0..4 {
            for end in start..text.len() {
                let b = &text[start..end];
                assert_eq!(pack(b), pack_slow(b), "{b:?}");
            }
        }
    }

    #[test]
    fn radix_and_comparison_sorts_agree() {
        let mut state = 12345u64;
        let mut next = |n: u32| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % u64::from(n)) as u32
        };
        let rows: Vec<Holding> = (0..5000)
            .map(|_| {
                let (rp, rt, rc) = (next(40), next(30), next(5));
                Holding {
                    rp,
                    rt,
                    rc,
                    p: rp,
                    t: rt,
                    c: rc,
                    usd: f64::from(next(7)) * 0.1,
                }
            })
            .collect();
        let mut radix = rows.clone();
        sort_rows(&mut radix, &mut SortBuffers::default(), [40, 30, 5]);
        let mut compared = rows;
        sort_rows(&mut compared, &mut SortBuffers::default(), [40_000, 30, 5]);
        let view = |v: &[Holding]| v.iter().map(|h| (h.key(), h.usd)).collect::<Vec<_>>();
        assert_eq!(view(&radix), view(&compared));
        assert!(
            view(&radix)
                .windows(2)
                .all(|w| (w[0].0, w[0].1) <= (w[1].0, w[1].1))
        );

        let pairs: Vec<(u32, u32)> = (0..3000).map(|_| (next(50), next(50))).collect();
        let mut a = pairs.clone();
        radix_sort(&mut a, &mut Vec::new(), &mut Vec::new(), [50, 50], |x| {
            [x.0, x.1]
        });
        let mut b = pairs;
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
