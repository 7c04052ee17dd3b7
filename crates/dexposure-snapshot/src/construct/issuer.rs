//! The issuer map M(token) of DESIGN.md §4 step 3: which node issues a token symbol.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::tfidf::TfIdfIndex;
use crate::metadata::{Metadata, ProtocolCatalog, RevMap, TokenIssuerMap};

/// The manual table (step b): `(symbol, issuer id, issuer)`.
///
/// Ids are DefiLlama protocol ids (checked against `id_to_info.json`) where the issuer is a
/// DefiLlama protocol; issuers that are not (Circle, Tether, Ethereum itself, Terra) get a pseudo
/// node named after them. Symbols are matched case-insensitively.
///
/// | symbol | id | issuer (`id_to_info.json` name) |
/// |---|---|---|
/// | STETH, WSTETH, LDO | `182` | Lido |
/// | DAI | `118` | MakerDAO |
/// | WBTC | `2` | WBTC (BitGo) |
/// | USDC | `USDC` | Circle (pseudo node) |
/// | USDT | `USDT` | Tether (pseudo node) |
/// | WETH, ETH | `WETH` | Ethereum (pseudo node) |
/// | UST, LUNA | `TERRA` | Terra (pseudo node) |
/// | CRV | `3` | Curve DEX |
/// | CAKE | `194` | PancakeSwap AMM |
/// | PENDLE | `382` | Pendle |
/// | RETH | `900` | Rocket Pool |
/// | FXS, FRAX | `359` | Frax |
/// | CBETH | `3594` | Coinbase Wrapped Staked ETH |
/// | METH | `3882` | Mantle Staked ETH |
/// | USDE | `4133` | Ethena |
pub const MANUAL_TABLE: &[(&str, &str, &str)] = &[
    ("STETH", "182", "Lido"),
    ("WSTETH", "182", "Lido"),
    ("LDO", "182", "Lido"),
    ("DAI", "118", "MakerDAO"),
    ("WBTC", "2", "WBTC"),
    ("USDC", "USDC", "Circle"),
    ("USDT", "USDT", "Tether"),
    ("WETH", "WETH", "Ethereum"),
    ("ETH", "WETH", "Ethereum"),
    ("UST", "TERRA", "Terra"),
    ("LUNA", "TERRA", "Terra"),
    ("CRV", "3", "Curve DEX"),
    ("CAKE", "194", "PancakeSwap AMM"),
    ("PENDLE", "382", "Pendle"),
    ("RETH", "900", "Rocket Pool"),
    ("FXS", "359", "Frax"),
    ("FRAX", "359", "Frax"),
    ("CBETH", "3594", "Coinbase Wrapped Staked ETH"),
    ("METH", "3882", "Mantle Staked ETH"),
    ("USDE", "4133", "Ethena"),
];

/// Default acceptance threshold of the TF-IDF step.
pub const DEFAULT_TFIDF_THRESHOLD: f64 = 0.2;

/// Which step of the issuer map resolved a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResolutionStep {
    /// A published `token_to_protocol.json` ([`IssuerResolver::from_token_map`]).
    PublishedMap,
    /// Step (a): `rev_map.json`, exact symbol.
    RevMap,
    /// Step (b): the manual table ([`MANUAL_TABLE`] and
    /// [`IssuerResolver::with_manual_entry`]), case-insensitive.
    ManualTable,
    /// Step (c): TF-IDF similarity with a catalog protocol name at or above the threshold.
    TfIdf,
    /// Step (d): a primary token, its own node (issuer = the symbol).
    PrimaryToken,
    /// Step (d): the symbol contains `LP` → node `"LP"`.
    LpBucket,
    /// Step (d): the symbol contains `UNKNOWN` (or is blank) → node `"UNKNOWN"`.
    UnknownBucket,
    /// Step (d): the symbol contains `-` → node `"OTHER"`.
    OtherBucket,
}

impl ResolutionStep {
    /// All steps, in the order of the enum.
    pub const ALL: [ResolutionStep; 8] = [
        ResolutionStep::PublishedMap,
        ResolutionStep::RevMap,
        ResolutionStep::ManualTable,
        ResolutionStep::TfIdf,
        ResolutionStep::PrimaryToken,
        ResolutionStep::LpBucket,
        ResolutionStep::UnknownBucket,
        ResolutionStep::OtherBucket,
    ];

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// The issuer of one token symbol and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// Issuing node id: a DefiLlama protocol id or a pseudo node (`"USDC"`, `"LP"`, the symbol
    /// itself for a primary token, …).
    pub issuer: String,
    /// The step that decided.
    pub step: ResolutionStep,
    /// Cosine similarity of the symbol with the chosen protocol name, for
    /// [`ResolutionStep::TfIdf`] only.
    pub similarity: Option<f64>,
}

impl Resolution {
    fn new(issuer: impl Into<String>, step: ResolutionStep) -> Self {
        Self {
            issuer: issuer.into(),
            step,
            similarity: None,
        }
    }
}

/// Resolves token symbols to their issuing node (DESIGN.md §4 step 3).
///
/// Steps, in order (each consulted only if configured):
/// 0. a published `token_to_protocol.json` ([`from_token_map`](Self::from_token_map)), exact
///    symbol;
/// 1. (a) `rev_map.json`, exact symbol;
/// 2. (b) the manual table, case-insensitive ([`MANUAL_TABLE`] plus
///    [`with_manual_entry`](Self::with_manual_entry)); [`manual_first`](Self::manual_first)
///    moves it before steps 0 and 1;
/// 3. (c) TF-IDF: cosine similarity between the symbol and each catalog protocol name (character
///    3-grams within words, as scikit-learn's `TfidfVectorizer(analyzer="char_wb",
///    ngram_range=(3, 3))` fitted on the names); the most similar protocol is accepted when the
///    similarity is at least the threshold (default 0.2); ties go to the smallest id string;
/// 4. (d) buckets by name, case-insensitive and in this order: contains `LP` → `"LP"`, contains
///    `UNKNOWN` → `"UNKNOWN"`, contains `-` → `"OTHER"`; otherwise the token is a primary token
///    and its own node (issuer = the symbol as written). A blank symbol is `"UNKNOWN"`.
///
/// The bucket rule is literal: a symbol such as `ALPACA` contains `LP` and lands in the LP bucket
/// unless an earlier step resolves it. Empty ids in a `rev_map` or token map are ignored.
///
/// Cloning is cheap (the maps and the TF-IDF index are shared).
///
/// ```
/// use dexposure_snapshot::{IssuerResolver, ProtocolCatalog, ProtocolInfo, ResolutionStep, RevMap};
/// use dexposure_snapshot::taxonomy::BroadCategory;
///
/// let rev: RevMap = [("LDO".to_owned(), "182".to_owned())].into_iter().collect();
/// let info = |name: &str| ProtocolInfo { name: name.into(), category: BroadCategory::Unknown, detailed_category: None };
/// let catalog: ProtocolCatalog = [("2197".to_owned(), info("Uniswap V2")), ("182".to_owned(), info("Lido"))].into_iter().collect();
/// let resolver = IssuerResolver::from_parts(Some(&rev), Some(&catalog));
///
/// assert_eq!(resolver.resolve("LDO").step, ResolutionStep::RevMap);
/// assert_eq!(resolver.resolve("wsteth").issuer, "182");           // manual table
/// let uni = resolver.resolve("UNISWAP");
/// assert_eq!((uni.issuer.as_str(), uni.step), ("2197", ResolutionStep::TfIdf));
/// assert_eq!(resolver.resolve("CAKE-LP").issuer, "LP");
/// assert_eq!(resolver.resolve("XYZ").issuer, "XYZ");               // primary token
/// ```
#[derive(Debug, Clone)]
pub struct IssuerResolver {
    published: Option<Arc<FxHashMap<String, String>>>,
    rev_map: Option<Arc<FxHashMap<String, String>>>,
    /// Upper-cased symbol → issuer id.
    manual: Arc<FxHashMap<String, String>>,
    manual_first: bool,
    tfidf: Option<Arc<TfIdfIndex>>,
    threshold: f64,
}

impl Default for IssuerResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl IssuerResolver {
    /// Manual table and name buckets only.
    pub fn new() -> Self {
        let manual = MANUAL_TABLE
            .iter()
            .map(|(symbol, id, _)| ((*symbol).to_owned(), (*id).to_owned()))
            .collect();
        Self {
            published: None,
            rev_map: None,
            manual: Arc::new(manual),
            manual_first: false,
            tfidf: None,
            threshold: DEFAULT_TFIDF_THRESHOLD,
        }
    }

    /// `rev_map.json` (step a), the manual table (b), TF-IDF over the catalog's protocol names
    /// (c) and the buckets (d). `token_to_protocol.json` is not used (see
    /// [`from_token_map`](Self::from_token_map)).
    pub fn from_metadata(metadata: &Metadata) -> Self {
        Self::from_parts(metadata.rev_map.as_ref(), Some(&metadata.catalog))
    }

    /// Same as [`from_metadata`](Self::from_metadata) from parts, either of which may be absent
    /// or empty (then its step never matches).
    pub fn from_parts(rev_map: Option<&RevMap>, catalog: Option<&ProtocolCatalog>) -> Self {
        let mut resolver = Self::new();
        resolver.rev_map = rev_map.filter(|r| !r.is_empty()).map(|r| {
            Arc::new(
                r.iter()
                    .filter(|(_, id)| !id.is_empty())
                    .map(|(s, id)| (s.to_owned(), id.to_owned()))
                    .collect(),
            )
        });
        resolver.tfidf = catalog.filter(|c| !c.is_empty()).map(|c| {
            Arc::new(TfIdfIndex::new(
                c.iter().map(|(id, p)| (id, p.name.as_str())),
            ))
        });
        resolver
    }

    /// Uses a published `token_to_protocol.json` as it is (reproducing DeXposure's own mapping);
    /// tokens it lacks fall through to the manual table and the buckets (no TF-IDF).
    pub fn from_token_map(map: &TokenIssuerMap) -> Self {
        let mut resolver = Self::new();
        resolver.published = Some(Arc::new(
            map.iter()
                .filter(|(_, t)| !t.issuer.is_empty())
                .map(|(s, t)| (s.to_owned(), t.issuer.clone()))
                .collect(),
        ));
        resolver
    }

    /// Consult the manual table before the published map and `rev_map` (default `false`: DESIGN
    /// order a, b, c, d).
    pub fn manual_first(mut self, yes: bool) -> Self {
        self.manual_first = yes;
        self
    }

    /// Adds or replaces a manual-table entry (the symbol is matched case-insensitively).
    pub fn with_manual_entry(
        mut self,
        symbol: impl Into<String>,
        issuer_id: impl Into<String>,
    ) -> Self {
        Arc::make_mut(&mut self.manual).insert(manual_key(&symbol.into()), issuer_id.into());
        self
    }

    /// Minimum cosine similarity for the TF-IDF step (default 0.2). A NaN threshold accepts
    /// nothing.
    pub fn with_tfidf_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The issuer of `token`.
    pub fn resolve(&self, token: &str) -> Resolution {
        let metadata = || {
            if let Some(id) = self.published.as_ref().and_then(|m| m.get(token)) {
                return Some(Resolution::new(id.as_str(), ResolutionStep::PublishedMap));
            }
            if let Some(id) = self.rev_map.as_ref().and_then(|m| m.get(token)) {
                return Some(Resolution::new(id.as_str(), ResolutionStep::RevMap));
            }
            None
        };
        let manual = || {
            self.manual
                .get(&manual_key(token))
                .map(|id| Resolution::new(id.as_str(), ResolutionStep::ManualTable))
        };
        let found = if self.manual_first {
            manual().or_else(metadata)
        } else {
            metadata().or_else(manual)
        };
        if let Some(found) = found {
            return found;
        }
        if let Some((id, similarity)) = self.tfidf.as_ref().and_then(|t| t.best(token))
            && similarity >= self.threshold
        {
            return Resolution {
                issuer: id.to_owned(),
                step: ResolutionStep::TfIdf,
                similarity: Some(similarity),
            };
        }
        bucket(token)
    }
}

fn manual_key(symbol: &str) -> String {
    symbol.to_uppercase()
}

/// Step (d).
fn bucket(token: &str) -> Resolution {
    let upper = token.to_uppercase();
    if upper.contains("LP") {
        Resolution::new("LP", ResolutionStep::LpBucket)
    } else if upper.contains("UNKNOWN") || token.trim().is_empty() {
        Resolution::new("UNKNOWN", ResolutionStep::UnknownBucket)
    } else if upper.contains('-') {
        Resolution::new("OTHER", ResolutionStep::OtherBucket)
    } else {
        Resolution::new(token, ResolutionStep::PrimaryToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_in_order() {
        let r = IssuerResolver::new();
        let step = |t: &str| {
            let x = r.resolve(t);
            (x.issuer, x.step)
        };
        assert_eq!(step("uni-v2 lp"), ("LP".into(), ResolutionStep::LpBucket));
        assert_eq!(step("LP-UNKNOWN"), ("LP".into(), ResolutionStep::LpBucket));
        assert_eq!(
            step("unknown-1"),
            ("UNKNOWN".into(), ResolutionStep::UnknownBucket)
        );
        assert_eq!(step(" "), ("UNKNOWN".into(), ResolutionStep::UnknownBucket));
        assert_eq!(step("a-b"), ("OTHER".into(), ResolutionStep::OtherBucket));
        assert_eq!(step("Foo"), ("Foo".into(), ResolutionStep::PrimaryToken));
        assert_eq!(step("usdc"), ("USDC".into(), ResolutionStep::ManualTable));
    }

    #[test]
    fn manual_table_has_no_duplicates() {
        let mut seen = std::collections::HashSet::new();
        for (symbol, id, name) in MANUAL_TABLE {
            assert!(seen.insert(*symbol), "{symbol} twice");
            assert_eq!(symbol.to_uppercase(), *symbol);
            assert!(!id.is_empty() && !name.is_empty());
        }
    }
}
