//! Parsing one week's JSON object (`{"nodes": [...], "links": [...]}`) into a cleaned
//! [`Snapshot`] with simd-json, and moving it onto a series-wide [`SymbolTable`].
//!
//! Both load paths (whole file and streaming) cut the document into per-week byte ranges with
//! [`crate::scan`] and hand each range to a [`WeekParser`]. A parsed week numbers its strings on
//! its own ([`LocalSymbols`]) so that weeks can be parsed on several threads and merged into the
//! series table afterwards with one lookup per distinct string; each parser keeps a
//! [`SymbolCache`] across the weeks it parses so that a week mostly looks strings up rather than
//! inserting them.

use std::path::Path;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use simd_json::{Node as TapeNode, StaticNode, Tape};

use crate::error::{Location, RecordKind, Result, SnapshotError};
use crate::snapshot::{
    CompositionSpan, DropReason, DroppedLink, Link, Node, Snapshot, TokenAmount,
};
use crate::symbols::{ProtocolId, SymbolTable, TokenId};

/// Strings of one week, stored in one arena (no allocation per string).
#[derive(Debug, Default)]
pub(crate) struct LocalStrings {
    arena: String,
    ends: Vec<u32>,
}

impl LocalStrings {
    fn push(&mut self, s: &str) -> u32 {
        let id = self.ends.len() as u32;
        self.arena.push_str(s);
        self.ends.push(self.arena.len() as u32);
        id
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let s = &self.arena[start..end as usize];
            start = end as usize;
            s
        })
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).map_or(0, |&e| e as usize)
        };
        let end = self.ends.get(i).map_or(start, |&e| e as usize);
        self.arena.get(start..end).unwrap_or("")
    }
}

/// Hasher for packed short strings: a full 128 → 64-bit mix, so keys that differ only in their
/// last bytes spread over the table (FxHash only mixes upwards and piles such keys into a few
/// buckets).
#[derive(Default, Clone, Copy)]
struct PackedHasher(u64);

impl std::hash::Hasher for PackedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by u128 keys; kept correct for completeness.
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }

    #[inline]
    fn write_u128(&mut self, x: u128) {
        self.0 = mix((x as u64) ^ mix((x >> 64) as u64 ^ 0x9E37_79B9_7F4A_7C15));
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = mix(x);
    }
}

/// The 64-bit finalizer of MurmurHash3.
#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

type PackedMap<K> = std::collections::HashMap<K, u32, std::hash::BuildHasherDefault<PackedHasher>>;

/// The ids or symbols one parser (one thread) has met, kept across the weeks it parses, and the
/// numbering of those the current week uses (week ids: dense, in order of first appearance).
///
/// Keeping the table across weeks means a week only looks strings up; it inserts only those no
/// earlier week of this parser had. Three lookup paths, by what the string looks like:
/// - a canonical decimal number below 2^20 (DefiLlama protocol ids such as `"182"`, and the
///   simulator's `"100001"`…): a slot of a directly indexed array, no hashing;
/// - up to 15 bytes (nearly all symbols): packed into an integer key, so the hash table compares
///   integers, not bytes (a 64-bit key up to 7 bytes, which keeps the common table's entries at
///   16 bytes and so more of it in cache; a 128-bit key up to 15);
/// - anything longer: a hash table of strings.
#[derive(Default)]
struct SymbolCache {
    /// Every string met, by cache id.
    strings: LocalStrings,
    numeric: Vec<u32>,
    short: PackedMap<u64>,
    medium: PackedMap<u128>,
    long: FxHashMap<Box<str>, u32>,
    /// Per cache id: (stamp of the week that last used it, its week id then).
    week_ids: Vec<(u32, u32)>,
    /// Cache ids of the current week's strings, by week id.
    week: Vec<u32>,
    stamp: u32,
}

/// Decimal ids below this are looked up by value (the array grows to the next power of two of
/// the largest id met, so at most 4 MiB per cache).
pub(crate) const NUMERIC_LIMIT: usize = 1 << 20;

impl SymbolCache {
    fn start_week(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        self.week.clear();
    }

    /// The cache id of `s`, adding it if new.
    #[inline]
    fn cache_id(&mut self, s: &str) -> u32 {
        let b = s.as_bytes();
        let (strings, week_ids) = (&mut self.strings, &mut self.week_ids);
        let mut add = || {
            week_ids.push((0, 0));
            strings.push(s)
        };
        if let Some(n) = canonical_decimal(b) {
            if n >= self.numeric.len() {
                self.numeric
                    .resize((n + 1).next_power_of_two().min(NUMERIC_LIMIT), u32::MAX);
            }
            let slot = &mut self.numeric[n];
            if *slot == u32::MAX {
                *slot = add();
            }
            *slot
        } else if b.len() < 8 {
            let key = u64::from_le_bytes(pack(b));
            *self.short.entry(key).or_insert_with(add)
        } else if b.len() < 16 {
            let key = u128::from_le_bytes(pack(b));
            *self.medium.entry(key).or_insert_with(add)
        } else if let Some(&id) = self.long.get(s) {
            id
        } else {
            let id = add();
            self.long.insert(s.into(), id);
            id
        }
    }

    /// The week id of `s`.
    #[inline]
    fn intern(&mut self, s: &str) -> u32 {
        let cache_id = self.cache_id(s);
        let slot = &mut self.week_ids[cache_id as usize];
        if slot.0 != self.stamp {
            *slot = (self.stamp, self.week.len() as u32);
            self.week.push(cache_id);
        }
        slot.1
    }

    /// Number of distinct strings the current week uses.
    fn week_len(&self) -> usize {
        self.week.len()
    }

    /// The string behind a week id.
    fn week_string(&self, week_id: usize) -> &str {
        self.week
            .get(week_id)
            .map_or("", |&c| self.strings.get(c as usize))
    }

    /// The current week's strings, by week id.
    fn week_strings(&self) -> LocalStrings {
        let mut out = LocalStrings::default();
        for &c in &self.week {
            out.push(self.strings.get(c as usize));
        }
        out
    }
}

/// `b` (shorter than `N`) in the first bytes of an `N`-byte array, its length in the last: two
/// strings give the same array only if they are equal.
#[inline]
fn pack<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut packed = [0u8; N];
    packed[..b.len()].copy_from_slice(b);
    packed[N - 1] = b.len() as u8;
    packed
}

/// What one parser keeps between weeks.
#[derive(Default)]
struct ParserSymbols {
    protocols: SymbolCache,
    tokens: SymbolCache,
}

/// The value of a decimal string without sign or leading zeros (so that the number maps back to
/// exactly one string), if it is below [`NUMERIC_LIMIT`].
#[inline]
pub(crate) fn canonical_decimal(b: &[u8]) -> Option<usize> {
    if b.is_empty() || b.len() > 7 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut n = 0usize;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + usize::from(c - b'0');
    }
    (n < NUMERIC_LIMIT).then_some(n)
}

/// The protocol ids and token symbols one week uses, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct LocalSymbols {
    protocols: LocalStrings,
    tokens: LocalStrings,
}

/// A week parsed against its own [`LocalSymbols`]; [`ParsedWeek::into_series`] moves it onto a
/// series table.
#[derive(Debug)]
pub(crate) struct ParsedWeek {
    pub(crate) snapshot: Snapshot,
    symbols: LocalSymbols,
}

impl ParsedWeek {
    /// Rewrites the week's handles to point into `table`, interning what is new.
    pub(crate) fn into_series(mut self, table: &mut SymbolTable) -> Snapshot {
        let protocols: Vec<ProtocolId> = self
            .symbols
            .protocols
            .iter()
            .map(|s| table.intern_protocol(s))
            .collect();
        let tokens: Vec<TokenId> = self
            .symbols
            .tokens
            .iter()
            .map(|s| table.intern_token(s))
            .collect();
        self.snapshot.remap(&protocols, &tokens);
        self.snapshot
    }
}

/// Where a week's bytes came from, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WeekOrigin<'a> {
    pub(crate) path: &'a Path,
    pub(crate) date: NaiveDate,
    /// Byte offset of the week's `{` in the (decompressed) document.
    pub(crate) offset: u64,
}

/// Reusable simd-json buffers for parsing weeks one after another on one thread.
pub(crate) struct WeekParser {
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    /// Ids and symbols met in earlier weeks.
    symbols: ParserSymbols,
    /// The tape's allocation, kept between weeks.
    tape: Option<Tape<'static>>,
}

impl Default for WeekParser {
    fn default() -> Self {
        Self {
            input: Vec::new(),
            buffers: simd_json::Buffers::new(1 << 16),
            symbols: ParserSymbols::default(),
            tape: None,
        }
    }
}

impl WeekParser {
    /// Parses and cleans one week. `bytes` is exactly the week's JSON object.
    pub(crate) fn parse(&mut self, bytes: &[u8], origin: WeekOrigin<'_>) -> Result<ParsedWeek> {
        self.input.clear();
        self.input.extend_from_slice(bytes);
        self.input.resize(bytes.len() + simd_json::INPUT_PADDING, 0);
        let mut tape = self.tape.take().map_or_else(Tape::null, Tape::reset);
        simd_json::fill_tape_padded(&mut self.input, bytes.len(), &mut self.buffers, &mut tape)
            .map_err(|e| {
                let (at, message) = syntax_error(&e, bytes);
                SnapshotError::WeekSyntax {
                    path: origin.path.to_path_buf(),
                    date: origin.date.to_string(),
                    offset: origin.offset + at as u64,
                    message,
                }
            })?;
        let week = WeekBuilder::new(origin, &mut self.symbols).build(&tape.0)?;
        self.tape = Some(tape.reset());
        Ok(week)
    }
}

/// Deepest nesting simd-json accepts inside one week.
const MAX_DEPTH: usize = 1024;

/// Describes a simd-json error in words, with the byte offset (within `bytes`) it concerns.
/// Names Python's non-standard `NaN`/`Infinity` tokens, numbers beyond the f64 range, invalid
/// UTF-8 and excessive nesting when they are the cause.
fn syntax_error(e: &simd_json::Error, bytes: &[u8]) -> (usize, String) {
    use simd_json::ErrorType;
    let at = e.index().min(bytes.len());
    let near =
        |at: usize| String::from_utf8_lossy(&bytes[at..bytes.len().min(at + 24)]).into_owned();
    match e.error() {
        ErrorType::InvalidUtf8 => {
            let bad = std::str::from_utf8(bytes)
                .err()
                .map_or(at, |u| u.valid_up_to());
            (
                bad,
                format!(
                    "invalid UTF-8 at this byte, near {:?}",
                    near(bad.saturating_sub(8))
                ),
            )
        }
        ErrorType::DepthLimitExceeded => (
            at,
            format!(
                "values nested more than {MAX_DEPTH} levels deep are not supported (simd-json's limit)"
            ),
        ),
        _ => {
            // The error index may point at the number itself or just after a sign or colon.
            let start = (at.saturating_sub(1)..=at)
                .find(|&i| {
                    bytes.get(i).is_some_and(|b| {
                        b.is_ascii_digit() || *b == b'-' || b.is_ascii_alphabetic()
                    })
                })
                .unwrap_or(at);
            let token: String = String::from_utf8_lossy(&bytes[start..])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
                .collect();
            let bare = token.trim_start_matches('-');
            if matches!(bare, "NaN" | "Infinity")
                || bare.starts_with("NaN")
                || bare.starts_with("Infinity")
            {
                (
                    start,
                    format!(
                        "non-standard number token {token:?} (Python's json.dump writes NaN/Infinity; JSON has no such values)"
                    ),
                )
            } else if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                (
                    start,
                    format!("number {token} is not a finite number (beyond the f64 range)"),
                )
            } else {
                (at, format!("{e} near {:?}", near(at)))
            }
        }
    }
}

/// Walks one week's tape, interning into [`LocalSymbols`] and applying cleaning.
struct WeekBuilder<'o, 'c> {
    origin: WeekOrigin<'o>,
    snapshot: Snapshot,
    symbols: &'c mut ParserSymbols,
    /// Per local token: (stamp of the composition that last used it, its amount index).
    token_mark: Vec<(u32, u32)>,
    stamp: u32,
}

/// The `size` and `composition` fields nodes and links share, as read so far.
#[derive(Default)]
struct Amounts {
    size: Option<f64>,
    composition: Option<CompositionSpan>,
}

/// A link as read, before cleaning.
struct RawLink {
    source: Option<ProtocolId>,
    target: Option<ProtocolId>,
    size: f64,
    composition: CompositionSpan,
}

impl<'o, 'c> WeekBuilder<'o, 'c> {
    fn new(origin: WeekOrigin<'o>, symbols: &'c mut ParserSymbols) -> Self {
        symbols.protocols.start_week();
        symbols.tokens.start_week();
        let tokens = symbols.tokens.strings.len();
        Self {
            origin,
            snapshot: Snapshot::new(origin.date),
            symbols,
            token_mark: Vec::with_capacity(tokens),
            stamp: 0,
        }
    }

    fn error(&self, location: Location, problem: impl Into<String>) -> SnapshotError {
        SnapshotError::Record {
            path: self.origin.path.to_path_buf(),
            date: self.origin.date.to_string(),
            location,
            problem: problem.into(),
        }
    }

    #[inline]
    fn protocol(&mut self, s: &str) -> ProtocolId {
        ProtocolId(self.symbols.protocols.intern(s))
    }

    #[inline]
    fn token(&mut self, s: &str) -> u32 {
        let id = self.symbols.tokens.intern(s);
        if id as usize == self.token_mark.len() {
            self.token_mark.push((u32::MAX, 0));
        }
        id
    }

    fn build(mut self, tape: &[TapeNode<'_>]) -> Result<ParsedWeek> {
        let Some(&TapeNode::Object { len, .. }) = tape.first() else {
            return Err(self.error(
                Location::week(None),
                format!("expected an object, found {}", kind(tape.first())),
            ));
        };
        let (mut nodes_at, mut links_at) = (None, None);
        let mut i = 1;
        for _ in 0..len {
            let key = key_at(tape, i);
            let value = i + 1;
            match key {
                "nodes" if nodes_at.is_some() => {
                    return Err(self.error(Location::week(Some("nodes")), "appears twice"));
                }
                "links" if links_at.is_some() => {
                    return Err(self.error(Location::week(Some("links")), "appears twice"));
                }
                "nodes" => nodes_at = Some(value),
                "links" => links_at = Some(value),
                _ => {} // unknown week-level fields are ignored (forward compatibility)
            }
            i = value + extent(tape, value);
        }
        let nodes_at =
            nodes_at.ok_or_else(|| self.error(Location::week(Some("nodes")), "missing"))?;
        let links_at =
            links_at.ok_or_else(|| self.error(Location::week(Some("links")), "missing"))?;
        let node_count = self.array_len(tape, nodes_at, "nodes")?;
        let link_count = self.array_len(tape, links_at, "links")?;

        self.snapshot.nodes.reserve(node_count);
        let mut i = nodes_at + 1;
        for index in 0..node_count {
            let node = self.node(tape, i, index)?;
            self.snapshot.nodes.push(node);
            i += extent(tape, i);
        }
        let mut is_node = vec![false; self.symbols.protocols.week_len()];
        for (index, node) in self.snapshot.nodes.iter().enumerate() {
            if std::mem::replace(&mut is_node[node.id.index()], true) {
                let id = self
                    .symbols
                    .protocols
                    .week_string(node.id.index())
                    .to_owned();
                return Err(self.error(
                    Location::record(RecordKind::Node, index, Some("id")),
                    format!("id {id:?} appears more than once in the week"),
                ));
            }
        }

        self.snapshot.links.reserve(link_count);
        let mut i = links_at + 1;
        for index in 0..link_count {
            let raw = self.link(tape, i, index)?;
            i += extent(tape, i);
            let known = |id: ProtocolId| is_node.get(id.index()).copied().unwrap_or(false);
            let reason = match (raw.source, raw.target) {
                (_, None) => Some(DropReason::NullTarget),
                (None, Some(_)) => Some(DropReason::NullSource),
                (Some(s), Some(t)) if !(known(s) && known(t)) => Some(DropReason::MissingEndpoint),
                _ => None,
            };
            match (reason, raw.source, raw.target) {
                (None, Some(source), Some(target)) => self.snapshot.links.push(Link {
                    source,
                    target,
                    size: raw.size,
                    composition: raw.composition,
                }),
                (reason, source, target) => self.snapshot.dropped.push(DroppedLink {
                    file_index: index as u32,
                    source,
                    target,
                    size: raw.size,
                    composition: raw.composition,
                    reason: reason.unwrap_or(DropReason::MissingEndpoint),
                }),
            }
        }
        let symbols = LocalSymbols {
            protocols: self.symbols.protocols.week_strings(),
            tokens: self.symbols.tokens.week_strings(),
        };
        Ok(ParsedWeek {
            snapshot: self.snapshot,
            symbols,
        })
    }

    fn array_len(&self, tape: &[TapeNode<'_>], at: usize, field: &str) -> Result<usize> {
        match tape.get(at) {
            Some(TapeNode::Array { len, .. }) => Ok(*len),
            other => Err(self.error(
                Location::week(Some(field)),
                format!("expected an array, found {}", kind(other)),
            )),
        }
    }

    fn node(&mut self, tape: &[TapeNode<'_>], at: usize, index: usize) -> Result<Node> {
        let loc = |field: Option<&str>| Location::record(RecordKind::Node, index, field);
        let len = self.object_len(tape, at, loc(None))?;
        let (mut id, mut amounts) = (None, Amounts::default());
        let mut i = at + 1;
        for _ in 0..len {
            let (key, v) = (key_at(tape, i), i + 1);
            if key == "id" {
                let s = self.string(tape, v, || loc(Some("id")), false)?;
                set_once(&mut id, s.map(|s| self.protocol(s)), || {
                    self.error(loc(Some("id")), "appears twice")
                })?;
            } else {
                self.amount_field(tape, key, v, RecordKind::Node, index, &mut amounts)?;
            }
            i = v + extent(tape, v);
        }
        let id = id.ok_or_else(|| self.error(loc(Some("id")), "missing"))?;
        let (size, composition) = self.finish_amounts(amounts, RecordKind::Node, index)?;
        Ok(Node {
            id,
            size,
            composition,
        })
    }

    fn link(&mut self, tape: &[TapeNode<'_>], at: usize, index: usize) -> Result<RawLink> {
        let loc = |field: Option<&str>| Location::record(RecordKind::Link, index, field);
        let len = self.object_len(tape, at, loc(None))?;
        let (mut source, mut target, mut amounts) = (None, None, Amounts::default());
        let mut i = at + 1;
        for _ in 0..len {
            let (key, v) = (key_at(tape, i), i + 1);
            if let Some((field, slot)) = match key {
                "source" => Some(("source", &mut source)),
                "target" => Some(("target", &mut target)),
                _ => None,
            } {
                let id = self
                    .string(tape, v, || loc(Some(field)), true)?
                    .map(|s| self.protocol(s));
                if slot.replace(id).is_some() {
                    return Err(self.error(loc(Some(field)), "appears twice"));
                }
            } else {
                self.amount_field(tape, key, v, RecordKind::Link, index, &mut amounts)?;
            }
            i = v + extent(tape, v);
        }
        let missing = "missing (write null for an unknown endpoint)";
        let source = source.ok_or_else(|| self.error(loc(Some("source")), missing))?;
        let target = target.ok_or_else(|| self.error(loc(Some("target")), missing))?;
        let (size, composition) = self.finish_amounts(amounts, RecordKind::Link, index)?;
        Ok(RawLink {
            source,
            target,
            size,
            composition,
        })
    }

    /// Number of entries of the object at `at`, or an error at `location`.
    fn object_len(&self, tape: &[TapeNode<'_>], at: usize, location: Location) -> Result<usize> {
        match tape.get(at) {
            Some(&TapeNode::Object { len, .. }) => Ok(len),
            other => Err(self.error(
                location,
                format!("expected an object, found {}", kind(other)),
            )),
        }
    }

    /// Reads `size` or `composition`, which nodes and links share; other keys are ignored.
    fn amount_field(
        &mut self,
        tape: &[TapeNode<'_>],
        key: &str,
        v: usize,
        record: RecordKind,
        index: usize,
        amounts: &mut Amounts,
    ) -> Result<()> {
        let loc = |field: &str| Location::record(record, index, Some(field));
        match key {
            "size" => {
                let x = self.amount(tape, v, || loc("size"))?;
                set_once(&mut amounts.size, Some(x), || {
                    self.error(loc("size"), "appears twice")
                })
            }
            "composition" => {
                let span = self.composition(tape, v, record, index)?;
                set_once(&mut amounts.composition, Some(span), || {
                    self.error(loc("composition"), "appears twice")
                })
            }
            _ => Ok(()), // unknown fields are ignored (forward compatibility)
        }
    }

    /// Both shared fields, or an error naming the missing one.
    fn finish_amounts(
        &self,
        amounts: Amounts,
        record: RecordKind,
        index: usize,
    ) -> Result<(f64, CompositionSpan)> {
        let missing =
            |field: &str| self.error(Location::record(record, index, Some(field)), "missing");
        Ok((
            amounts.size.ok_or_else(|| missing("size"))?,
            amounts.composition.ok_or_else(|| missing("composition"))?,
        ))
    }

    /// A string field; `null` gives `None` when `nullable`. `location` is only built for an
    /// error.
    fn string<'t>(
        &self,
        tape: &[TapeNode<'t>],
        at: usize,
        location: impl Fn() -> Location,
        nullable: bool,
    ) -> Result<Option<&'t str>> {
        match tape.get(at) {
            Some(TapeNode::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(TapeNode::String(_)) => Err(self.error(location(), "empty string")),
            Some(TapeNode::Static(StaticNode::Null)) if nullable => Ok(None),
            other => Err(self.error(
                location(),
                format!("expected a string, found {}", kind(other)),
            )),
        }
    }

    /// A size: a finite, non-negative number. `location` is only built for an error.
    fn amount(
        &self,
        tape: &[TapeNode<'_>],
        at: usize,
        location: impl Fn() -> Location,
    ) -> Result<f64> {
        let x = number(tape.get(at)).ok_or_else(|| {
            self.error(
                location(),
                format!("expected a number, found {}", kind(tape.get(at))),
            )
        })?;
        if !x.is_finite() {
            return Err(self.error(location(), format!("{x} is not a finite number")));
        }
        if x < 0.0 {
            return Err(self.error(
                location(),
                format!("{x} is negative; sizes are absolute USD values"),
            ));
        }
        Ok(x)
    }

    /// A `{TOKEN: usd}` object, stored in the snapshot's amount arena.
    fn composition(
        &mut self,
        tape: &[TapeNode<'_>],
        at: usize,
        kind_: RecordKind,
        index: usize,
    ) -> Result<CompositionSpan> {
        let loc = || Location::record(kind_, index, Some("composition"));
        let Some(&TapeNode::Object { len, .. }) = tape.get(at) else {
            return Err(self.error(
                loc(),
                format!("expected an object, found {}", kind(tape.get(at))),
            ));
        };
        self.stamp = self.stamp.wrapping_add(1);
        let start = self.snapshot.amounts_mut().len();
        let mut i = at + 1;
        for _ in 0..len {
            let token = key_at(tape, i);
            let v = i + 1;
            i = v + extent(tape, v);
            let usd = match tape.get(v) {
                Some(TapeNode::Static(StaticNode::Null)) => {
                    self.snapshot.repairs.null_composition_values += 1;
                    continue;
                }
                node => number(node).ok_or_else(|| {
                    let mut l = loc();
                    l.field = Some(format!("composition.{token}"));
                    self.error(
                        l,
                        format!("expected a number or null, found {}", kind(node)),
                    )
                })?,
            };
            if !usd.is_finite() {
                let mut l = loc();
                l.field = Some(format!("composition.{token}"));
                return Err(self.error(l, format!("{usd} is not a finite number")));
            }
            let local = self.token(token);
            let stamp = self.stamp;
            let amounts_len = self.snapshot.amounts_mut().len() as u32;
            let mark = &mut self.token_mark[local as usize];
            if mark.0 == stamp {
                let slot = mark.1 as usize;
                self.snapshot.amounts_mut()[slot].usd += usd;
                self.snapshot.repairs.duplicate_composition_tokens += 1;
            } else {
                *mark = (stamp, amounts_len);
                self.snapshot.amounts_mut().push(TokenAmount {
                    token: TokenId(local),
                    usd,
                });
            }
        }
        Ok(self.snapshot.span_from(start))
    }
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: Option<T>,
    twice: impl FnOnce() -> SnapshotError,
) -> Result<()> {
    if slot.is_some() {
        return Err(twice());
    }
    *slot = value;
    Ok(())
}

/// Number of tape nodes a value occupies.
fn extent(tape: &[TapeNode<'_>], at: usize) -> usize {
    match tape.get(at) {
        Some(TapeNode::Object { count, .. } | TapeNode::Array { count, .. }) => count + 1,
        _ => 1,
    }
}

/// Object keys are always strings on a valid tape.
fn key_at<'t>(tape: &[TapeNode<'t>], at: usize) -> &'t str {
    match tape.get(at) {
        Some(TapeNode::String(s)) => s,
        _ => "",
    }
}

fn number(node: Option<&TapeNode<'_>>) -> Option<f64> {
    match node? {
        TapeNode::Static(StaticNode::F64(x)) => Some(*x),
        TapeNode::Static(StaticNode::I64(x)) => Some(*x as f64),
        TapeNode::Static(StaticNode::U64(x)) => Some(*x as f64),
        _ => None,
    }
}

fn kind(node: Option<&TapeNode<'_>>) -> &'static str {
    match node {
        None => "nothing",
        Some(TapeNode::String(_)) => "a string",
        Some(TapeNode::Object { .. }) => "an object",
        Some(TapeNode::Array { .. }) => "an array",
        Some(TapeNode::Static(StaticNode::Null)) => "null",
        Some(TapeNode::Static(StaticNode::Bool(_))) => "a boolean",
        Some(TapeNode::Static(_)) => "a number",
    }
}
