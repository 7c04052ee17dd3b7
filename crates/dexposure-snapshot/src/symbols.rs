//! Interned protocol ids and token symbols.
//!
//! A full DeXposure file has ~8.6 million links, each naming two protocol ids and one or more
//! token symbols, but only ~10k distinct ids and ~24k distinct symbols. Every string is therefore
//! stored once per series in a [`SymbolTable`] and records carry 4-byte handles.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Handle of an interned protocol (node) id such as `"182"` (Lido) or a pseudo node (`"WETH"`,
/// `"LP"`, `"UNKNOWN"`, `"OTHER"`). Resolve it with [`SymbolTable::protocol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProtocolId(pub(crate) u32);

/// Handle of an interned token symbol such as `"STETH"`. Resolve it with [`SymbolTable::token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TokenId(pub(crate) u32);

impl ProtocolId {
    /// Position of the id in its table (dense, starting at 0): handy for arrays indexed by id.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl TokenId {
    /// Position of the symbol in its table (dense, starting at 0).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One table of distinct strings with dense `u32` handles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    strings: Vec<Box<str>>,
    lookup: FxHashMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.lookup.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX); // ok: 4 billion symbols cannot fit in memory first
        self.strings.push(s.into());
        self.lookup.insert(s.into(), id);
        id
    }

    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.lookup.get(s).copied()
    }

    pub(crate) fn resolve(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }

    pub(crate) fn len(&self) -> usize {
        self.strings.len()
    }
}

/// The protocol ids and token symbols of one series (or one stream), interned once.
///
/// Handles from one table are only meaningful with that table; [`crate::SnapshotSeries`] owns
/// the table its snapshots refer to.
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    protocols: Interner,
    tokens: Interner,
}

impl SymbolTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handle for a protocol id, adding it if new.
    pub fn intern_protocol(&mut self, id: &str) -> ProtocolId {
        ProtocolId(self.protocols.intern(id))
    }

    /// Handle for a token symbol, adding it if new.
    pub fn intern_token(&mut self, symbol: &str) -> TokenId {
        TokenId(self.tokens.intern(symbol))
    }

    /// Handle of a protocol id already in the table.
    pub fn find_protocol(&self, id: &str) -> Option<ProtocolId> {
        self.protocols.get(id).map(ProtocolId)
    }

    /// Handle of a token symbol already in the table.
    pub fn find_token(&self, symbol: &str) -> Option<TokenId> {
        self.tokens.get(symbol).map(TokenId)
    }

    /// The protocol id string behind a handle (empty for a handle from another table that is
    /// out of range).
    pub fn protocol(&self, id: ProtocolId) -> &str {
        self.protocols.resolve(id.0)
    }

    /// The token symbol behind a handle.
    pub fn token(&self, id: TokenId) -> &str {
        self.tokens.resolve(id.0)
    }

    /// Every protocol id with its handle, in handle order.
    pub fn protocols(&self) -> impl ExactSizeIterator<Item = (ProtocolId, &str)> {
        self.protocols
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (ProtocolId(i as u32), &**s))
    }

    /// Every token symbol with its handle, in handle order.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = (TokenId, &str)> {
        self.tokens
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (TokenId(i as u32), &**s))
    }

    /// Number of distinct protocol ids.
    pub fn protocol_count(&self) -> usize {
        self.protocols.len()
    }

    /// Number of distinct token symbols.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }
}
