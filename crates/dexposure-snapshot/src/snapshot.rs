//! One weekly network: nodes, cleaned links, the links cleaning set aside, and token
//! compositions stored flat.

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::symbols::{ProtocolId, TokenId};

/// USD amount of one token inside a node's or link's composition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TokenAmount {
    /// Token symbol.
    pub token: TokenId,
    /// USD value (links: signed contribution after netting, may be negative).
    pub usd: f64,
}

/// Where a record's composition lives in [`Snapshot::amounts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompositionSpan {
    start: u32,
    len: u32,
}

impl CompositionSpan {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }

    /// Number of tokens in the composition.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when the composition is empty.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// A protocol (or pseudo node) in one week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// DefiLlama protocol id or pseudo-node name.
    pub id: ProtocolId,
    /// USD value held.
    pub size: f64,
    /// USD per token held; read it with [`Snapshot::composition`].
    pub composition: CompositionSpan,
}

/// A directed exposure link whose endpoints both exist in the week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Node the value flows from.
    pub source: ProtocolId,
    /// Node the value flows to.
    pub target: ProtocolId,
    /// USD value of the flow (non-negative).
    pub size: f64,
    /// Signed per-token contributions; read it with [`Snapshot::composition`].
    pub composition: CompositionSpan,
}

/// Why cleaning (DESIGN.md §3) set a link aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// `target` is null (the common case in the real data).
    NullTarget,
    /// `source` is null (and `target` is not).
    NullSource,
    /// Both endpoints are non-null but at least one is not among the week's nodes.
    MissingEndpoint,
}

/// A link removed by cleaning, kept so that nothing in the file is lost: the writer can put it
/// back and the data-quality record counts it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DroppedLink {
    /// Position of the link in the week's `links` array in the file.
    pub file_index: u32,
    /// Source as written (None when null).
    pub source: Option<ProtocolId>,
    /// Target as written (None when null).
    pub target: Option<ProtocolId>,
    /// USD value of the flow.
    pub size: f64,
    /// Per-token contributions.
    pub composition: CompositionSpan,
    /// Why it was dropped.
    pub reason: DropReason,
}

/// Counts of the documented repairs the loader applied to a week (see the crate docs'
/// "Malformed input policy"). All zero for a well-formed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Repairs {
    /// Composition entries whose value was `null`; they were left out.
    pub null_composition_values: u64,
    /// Composition entries whose token repeated an earlier key of the same object; the values
    /// were summed into the first entry.
    pub duplicate_composition_tokens: u64,
}

impl Repairs {
    /// Total number of repairs.
    pub fn total(&self) -> u64 {
        self.null_composition_values + self.duplicate_composition_tokens
    }

    pub(crate) fn add(&mut self, other: &Repairs) {
        self.null_composition_values += other.null_composition_values;
        self.duplicate_composition_tokens += other.duplicate_composition_tokens;
    }
}

/// Counts of links cleaning removed from one week, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DropCounts {
    /// Links with a null target.
    pub null_target: u64,
    /// Links with a null source (and non-null target).
    pub null_source: u64,
    /// Links with an endpoint that is not a node of the week.
    pub missing_endpoint: u64,
}

impl DropCounts {
    /// All dropped links.
    pub fn total(&self) -> u64 {
        self.null_target + self.null_source + self.missing_endpoint
    }
}

/// One week of the DeXposure network after cleaning.
///
/// Nodes and links keep file order. Duplicate links and self-loops are kept (graph builders
/// decide what to do with them); links with a null or unknown endpoint are moved to
/// [`Snapshot::dropped`].
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The week's date key (a Monday in the real data).
    pub date: NaiveDate,
    /// Nodes in file order; ids are unique within a week.
    pub nodes: Vec<Node>,
    /// Links whose endpoints are both nodes of the week, in file order.
    pub links: Vec<Link>,
    /// Links removed by cleaning, in file order.
    pub dropped: Vec<DroppedLink>,
    /// Repairs applied while reading this week.
    pub repairs: Repairs,
    amounts: Vec<TokenAmount>,
}

impl Snapshot {
    /// An empty week.
    pub fn new(date: NaiveDate) -> Self {
        Self {
            date,
            nodes: Vec::new(),
            links: Vec::new(),
            dropped: Vec::new(),
            repairs: Repairs::default(),
            amounts: Vec::new(),
        }
    }

    /// Stores a composition and returns its span, for building snapshots by hand.
    ///
    /// ```
    /// # use dexposure_snapshot::{Snapshot, SymbolTable, Node, TokenAmount};
    /// let mut symbols = SymbolTable::new();
    /// let mut week = Snapshot::new("2022-05-09".parse()?);
    /// let steth = symbols.intern_token("STETH");
    /// let composition = week.push_composition([TokenAmount { token: steth, usd: 5.0 }]);
    /// week.nodes.push(Node { id: symbols.intern_protocol("182"), size: 5.0, composition });
    /// assert_eq!(week.composition(week.nodes[0].composition)[0].usd, 5.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_composition(
        &mut self,
        amounts: impl IntoIterator<Item = TokenAmount>,
    ) -> CompositionSpan {
        let start = self.amounts.len();
        self.amounts.extend(amounts);
        CompositionSpan {
            start: to_u32(start),
            len: to_u32(self.amounts.len() - start),
        }
    }

    /// The token amounts of a composition span of this snapshot (empty if the span does not
    /// belong to it).
    pub fn composition(&self, span: CompositionSpan) -> &[TokenAmount] {
        self.amounts.get(span.range()).unwrap_or(&[])
    }

    /// Number of links in the file for this week, before cleaning.
    pub fn raw_link_count(&self) -> usize {
        self.links.len() + self.dropped.len()
    }

    /// Dropped links counted by reason.
    pub fn drop_counts(&self) -> DropCounts {
        let mut counts = DropCounts::default();
        for link in &self.dropped {
            match link.reason {
                DropReason::NullTarget => counts.null_target += 1,
                DropReason::NullSource => counts.null_source += 1,
                DropReason::MissingEndpoint => counts.missing_endpoint += 1,
            }
        }
        counts
    }

    /// Total USD held by the week's nodes.
    pub fn total_node_size(&self) -> f64 {
        self.nodes.iter().map(|n| n.size).sum()
    }

    /// Total USD carried by the week's (cleaned) links.
    pub fn total_link_size(&self) -> f64 {
        self.links.iter().map(|l| l.size).sum()
    }

    /// Map from protocol id to position in [`Snapshot::nodes`].
    pub fn node_positions(&self) -> FxHashMap<ProtocolId, usize> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect()
    }

    /// The span of everything pushed to the amount arena since `start`.
    pub(crate) fn span_from(&self, start: usize) -> CompositionSpan {
        CompositionSpan {
            start: to_u32(start),
            len: to_u32(self.amounts.len() - start),
        }
    }

    pub(crate) fn amounts_mut(&mut self) -> &mut Vec<TokenAmount> {
        &mut self.amounts
    }

    /// Rewrites every handle through `protocols` / `tokens` (used when moving a snapshot from a
    /// per-week symbol table to the series table).
    pub(crate) fn remap(&mut self, protocols: &[ProtocolId], tokens: &[TokenId]) {
        let p = |id: ProtocolId| protocols[id.index()];
        for node in &mut self.nodes {
            node.id = p(node.id);
        }
        for link in &mut self.links {
            link.source = p(link.source);
            link.target = p(link.target);
        }
        for link in &mut self.dropped {
            link.source = link.source.map(p);
            link.target = link.target.map(p);
        }
        for amount in &mut self.amounts {
            amount.token = tokens[amount.token.index()];
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
