//! The issuer map M(token) of DESIGN.md §4 step 3: which node issues a token symbol.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::tfidf::{NgramAnalyzer, TfIdfIndex};
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

/// Default acceptance threshold of the TF-IDF step, chosen on the tuning half of the published
/// `token_to_protocol.json` (docs/ISSUER_MAPPING.md). DESIGN.md §4 said 0.2, which maps ~90% of
/// the real symbols to some protocol but agrees with the published map on only ~14%.
pub const DEFAULT_TFIDF_THRESHOLD: f64 = 0.85;

/// Default analyzer of the TF-IDF step (docs/ISSUER_MAPPING.md).
pub const DEFAULT_NGRAM_ANALYZER: NgramAnalyzer = NgramAnalyzer::CharWb { min_n: 2, max_n: 4 };

/// Default of [`IssuerResolver::name_buckets_first`] (docs/ISSUER_MAPPING.md).
pub const DEFAULT_NAME_BUCKETS_FIRST: bool = false;

/// What the TF-IDF step compares a symbol with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum CatalogText {
    /// Each protocol's name (DESIGN.md §4).
    #[default]
    Names,
    /// Each protocol's name followed by the `rev_map.json` symbols that point to it (the catalog
    /// itself carries no symbols).
    NamesAndRevMapSymbols,
}

/// Every setting of an [`IssuerResolver`] besides its data; [`Default`] is the tuned default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResolverSettings {
    /// How symbols and protocol texts are cut into n-grams.
    pub analyzer: NgramAnalyzer,
    /// What a symbol is compared with.
    pub text: CatalogText,
    /// Minimum cosine similarity for the TF-IDF step (`f64::INFINITY`: the step never accepts).
    pub threshold: f64,
    /// Manual table before the published map and `rev_map`.
    pub manual_first: bool,
    /// The `LP` / `UNKNOWN` / `OTHER` name buckets before TF-IDF.
    pub name_buckets_first: bool,
    /// Apply [`ISSUER_OVERRIDES`] (and the Pendle rule) first.
    pub overrides: bool,
}

impl ResolverSettings {
    /// DESIGN.md §4 as first implemented: `char_wb` 3-grams of names, threshold 0.2, order
    /// published map / `rev_map` → manual table → TF-IDF → buckets, no overrides.
    pub const DESIGN: ResolverSettings = ResolverSettings {
        analyzer: NgramAnalyzer::CHAR_WB_3,
        text: CatalogText::Names,
        threshold: 0.2,
        manual_first: false,
        name_buckets_first: false,
        overrides: false,
    };

    /// The defaults ([`DEFAULT_NGRAM_ANALYZER`], [`DEFAULT_TFIDF_THRESHOLD`],
    /// [`DEFAULT_NAME_BUCKETS_FIRST`], names, overrides on).
    pub const DEFAULT: ResolverSettings = ResolverSettings {
        analyzer: DEFAULT_NGRAM_ANALYZER,
        text: CatalogText::Names,
        threshold: DEFAULT_TFIDF_THRESHOLD,
        manual_first: false,
        name_buckets_first: DEFAULT_NAME_BUCKETS_FIRST,
        overrides: true,
    };

    /// A one-line description such as `char_wb(2,4) names ≥0.80 rev→manual→tfidf→buckets`.
    pub fn label(&self) -> String {
        let threshold = if self.threshold.is_finite() {
            format!(">={:.2}", self.threshold)
        } else {
            "off".to_owned()
        };
        let text = match self.text {
            CatalogText::Names => "names",
            CatalogText::NamesAndRevMapSymbols => "names+symbols",
        };
        let lookup = if self.manual_first {
            "manual>rev"
        } else {
            "rev>manual"
        };
        let order = if self.name_buckets_first {
            "buckets>tfidf"
        } else {
            "tfidf>buckets"
        };
        let overrides = if self.overrides { "" } else { " no-overrides" };
        format!(
            "{} {text} {threshold} {lookup} {order}{overrides}",
            self.analyzer.label()
        )
    }
}

impl Default for ResolverSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One entry of the override list: a token the published `token_to_protocol.json` maps to a
/// demonstrably wrong issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuerOverride {
    /// The symbol, exactly as in `token_to_protocol.json` (matched case-sensitively).
    pub symbol: &'static str,
    /// The issuer used instead: a DefiLlama id, or a pseudo node (the manual table's `"USDT"`,
    /// `"WETH"`, or the symbol itself for a token no DefiLlama protocol issues).
    pub issuer: &'static str,
    /// What the issuer is (its `id_to_info.json` name for an id).
    pub issuer_name: &'static str,
    /// The id `token_to_protocol.json` gives.
    pub published: &'static str,
    /// Its `id_to_info.json` name.
    pub published_name: &'static str,
    /// Why the published entry is wrong.
    pub reason: &'static str,
}

const fn ov(
    symbol: &'static str,
    issuer: &'static str,
    issuer_name: &'static str,
    published: &'static str,
    published_name: &'static str,
    reason: &'static str,
) -> IssuerOverride {
    IssuerOverride {
        symbol,
        issuer,
        issuer_name,
        published,
        published_name,
        reason,
    }
}

/// The override list: consulted before every other step (published map included) unless
/// [`IssuerResolver::with_overrides`]`(false)`.
///
/// Each entry was checked against the real `id_to_info.json`, `rev_map.json` and
/// `token_to_protocol.json` (tests/issuer_fidelity.rs re-checks the names and published ids).
/// Most published errors are name-similarity artefacts (USDT → "Overnight USDT+") or a later
/// product of the same project that carries the symbol in DefiLlama's metadata (CRV → "Curve
/// LlamaLend"). A token no DefiLlama protocol issues becomes its own node, as the published map
/// does for USDC, WETH and WBNB; the manual table's pseudo nodes are reused where it has one.
///
/// | symbol | published | override | reason |
/// |---|---|---|---|
/// | STETH | 2908 stETH.win | 182 Lido | Lido issues stETH; stETH.win is a separate project built on stETH |
/// | USDT | 2810 Overnight USDT+ | USDT (Tether) | Tether issues USDT; USDT+ is Overnight's wrapper of it |
/// | USDT.E | 2810 Overnight USDT+ | USDT (Tether) | bridged USDT (Avalanche), same issuer as USDT |
/// | DAI | 2696 Overnight DAI+ | 118 MakerDAO | MakerDAO issues DAI; DAI+ is Overnight's wrapper |
/// | DAI.E | 2696 Overnight DAI+ | 118 MakerDAO | bridged DAI, same issuer as DAI (as WBTC.E → WBTC) |
/// | ETH | 4158 Crypto.com Staked ETH | WETH (Ethereum) | native ether; Crypto.com's LST is CDCETH |
/// | BUSD | 1182 ChargeDeFi | BUSD | issued by Paxos, not a DefiLlama protocol; ChargeDeFi is unrelated |
/// | FRAX | 2221 Frax Ether | 359 Frax | Frax Ether issues frxETH; FRAX is Frax's stablecoin |
/// | LUSD | 2153 LUSD ChickenBonds | 270 Liquity | Liquity issues LUSD; ChickenBonds only bonds it |
/// | CRV | 4321 Curve LlamaLend | 3 Curve DEX | CRV (2020) predates LlamaLend (2024), a later Curve product |
/// | MKR | 3665 Maker RWA | 118 MakerDAO | MakerDAO's governance token; Maker RWA is its real-world-asset vaults |
/// | YFI | 3973 Yearn Ether | 113 Yearn Finance | YFI (2020) is Yearn's governance token; Yearn Ether is its 2023 yETH |
/// | SUSHI | 3827 Sushi Aptos | 119 SushiSwap | SUSHI was issued on Ethereum by SushiSwap; Sushi Aptos is a 2023 deployment |
/// | CAKE | 1779 Cake Monster | 194 PancakeSwap AMM | PancakeSwap issues CAKE; Cake Monster is an unrelated project |
/// | LINK | 2378 stake.link liquid | LINK | stake.link stakes LINK; the catalog has no Chainlink issuer, only its services |
/// | LINK.E | 2378 stake.link liquid | LINK | bridged LINK, as LINK |
/// | MATIC | 4114 ClayStack Matic | 240 Polygon Bridge & Staking | ClayStack issues csMATIC; `rev_map.json` says 240 |
/// | OHM | 2544 Bank of Cronos OHM | 340 Olympus DAO | Olympus issues OHM; `rev_map.json` says 340 |
/// | APE | 2183 Ape Finance | 2665 ApeCoin | ApeCoin DAO issues APE; `rev_map.json` says 2665 |
/// | BNB | 864 Wrapped BNB | BNB | native to BNB Chain (no chain entry in the catalog); Wrapped BNB issues WBNB |
/// | FTM | 1145 FTM Frens | FTM | native to Fantom; FTM Frens is an unrelated project |
/// | DOT | 1679 Dot Dot Finance | DOT | native to Polkadot; Dot Dot Finance is an unrelated BSC project |
/// | SOL | 3388 Sanctum | SOL | native to Solana; Sanctum issues liquid-staking tokens |
/// | TRX | 2300 STRX Finance | TRX | native to Tron; STRX Finance is an unrelated project |
/// | DOGE | 2097 Doge Compounder | DOGE | Dogecoin; Doge Compounder is an unrelated project |
/// | SHIB | 3457 Shibex | SHIB | Shiba Inu's token; Shibex is an unrelated exchange |
///
/// Besides the list, a Pendle principal or yield token (`PT-…`/`YT-…` ending in a maturity such
/// as `27JUN2024`, see [`is_pendle_pt_yt`]) is issued by Pendle (`382`); the published map
/// puts them in the LP / OTHER buckets or (PT-UNIETH-27JUN2024) at the underlying's issuer.
pub const ISSUER_OVERRIDES: &[IssuerOverride] = &[
    ov(
        "STETH",
        "182",
        "Lido",
        "2908",
        "stETH.win",
        "Lido issues stETH; stETH.win is a separate project built on stETH",
    ),
    ov(
        "USDT",
        "USDT",
        "Tether",
        "2810",
        "Overnight USDT+",
        "Tether issues USDT; USDT+ is Overnight's wrapper of it",
    ),
    ov(
        "USDT.E",
        "USDT",
        "Tether",
        "2810",
        "Overnight USDT+",
        "bridged USDT (Avalanche), same issuer as USDT",
    ),
    ov(
        "DAI",
        "118",
        "MakerDAO",
        "2696",
        "Overnight DAI+",
        "MakerDAO issues DAI; DAI+ is Overnight's wrapper",
    ),
    ov(
        "DAI.E",
        "118",
        "MakerDAO",
        "2696",
        "Overnight DAI+",
        "bridged DAI, same issuer as DAI (as WBTC.E -> WBTC)",
    ),
    ov(
        "ETH",
        "WETH",
        "Ethereum",
        "4158",
        "Crypto.com Staked ETH",
        "native ether; Crypto.com's liquid staking token is CDCETH",
    ),
    ov(
        "BUSD",
        "BUSD",
        "Paxos (own node)",
        "1182",
        "ChargeDeFi",
        "issued by Paxos, not a DefiLlama protocol; ChargeDeFi is unrelated",
    ),
    ov(
        "FRAX",
        "359",
        "Frax",
        "2221",
        "Frax Ether",
        "Frax Ether issues frxETH; FRAX is Frax's stablecoin",
    ),
    ov(
        "LUSD",
        "270",
        "Liquity",
        "2153",
        "LUSD ChickenBonds",
        "Liquity issues LUSD; ChickenBonds only bonds it",
    ),
    ov(
        "CRV",
        "3",
        "Curve DEX",
        "4321",
        "Curve LlamaLend",
        "CRV (2020) predates LlamaLend (2024), a later Curve product",
    ),
    ov(
        "MKR",
        "118",
        "MakerDAO",
        "3665",
        "Maker RWA",
        "MakerDAO's governance token; Maker RWA is its real-world-asset vaults",
    ),
    ov(
        "YFI",
        "113",
        "Yearn Finance",
        "3973",
        "Yearn Ether",
        "YFI (2020) is Yearn's governance token; Yearn Ether is its 2023 yETH",
    ),
    ov(
        "SUSHI",
        "119",
        "SushiSwap",
        "3827",
        "Sushi Aptos",
        "SUSHI was issued on Ethereum by SushiSwap; Sushi Aptos is a 2023 deployment",
    ),
    ov(
        "CAKE",
        "194",
        "PancakeSwap AMM",
        "1779",
        "Cake Monster",
        "PancakeSwap issues CAKE; Cake Monster is an unrelated project",
    ),
    ov(
        "LINK",
        "LINK",
        "Chainlink (own node)",
        "2378",
        "stake.link liquid",
        "stake.link stakes LINK; the catalog has no Chainlink issuer, only its services",
    ),
    ov(
        "LINK.E",
        "LINK",
        "Chainlink (own node)",
        "2378",
        "stake.link liquid",
        "bridged LINK, as LINK",
    ),
    ov(
        "MATIC",
        "240",
        "Polygon Bridge & Staking",
        "4114",
        "ClayStack Matic",
        "ClayStack issues csMATIC; rev_map.json says 240",
    ),
    ov(
        "OHM",
        "340",
        "Olympus DAO",
        "2544",
        "Bank of Cronos OHM",
        "Olympus issues OHM; rev_map.json says 340",
    ),
    ov(
        "APE",
        "2665",
        "ApeCoin",
        "2183",
        "Ape Finance",
        "ApeCoin DAO issues APE; rev_map.json says 2665",
    ),
    ov(
        "BNB",
        "BNB",
        "BNB Chain (own node)",
        "864",
        "Wrapped BNB",
        "native to BNB Chain (no chain entry in the catalog); Wrapped BNB issues WBNB",
    ),
    ov(
        "FTM",
        "FTM",
        "Fantom (own node)",
        "1145",
        "FTM Frens",
        "native to Fantom; FTM Frens is an unrelated project",
    ),
    ov(
        "DOT",
        "DOT",
        "Polkadot (own node)",
        "1679",
        "Dot Dot Finance",
        "native to Polkadot; Dot Dot Finance is an unrelated BSC project",
    ),
    ov(
        "SOL",
        "SOL",
        "Solana (own node)",
        "3388",
        "Sanctum",
        "native to Solana; Sanctum issues liquid-staking tokens",
    ),
    ov(
        "TRX",
        "TRX",
        "Tron (own node)",
        "2300",
        "STRX Finance",
        "native to Tron; STRX Finance is an unrelated project",
    ),
    ov(
        "DOGE",
        "DOGE",
        "Dogecoin (own node)",
        "2097",
        "Doge Compounder",
        "Dogecoin; Doge Compounder is an unrelated project",
    ),
    ov(
        "SHIB",
        "SHIB",
        "Shiba Inu (own node)",
        "3457",
        "Shibex",
        "Shiba Inu's token; Shibex is an unrelated exchange",
    ),
];

/// Pendle's DefiLlama id, the issuer of its principal and yield tokens.
pub const PENDLE_ID: &str = "382";

/// Whether `symbol` is a Pendle principal or yield token: `PT-` or `YT-` (any case), an
/// underlying, and a maturity `DDMMMYYYY` (one or two digits, three letters, four digits) as
/// the last `-`-separated part, e.g. `PT-WSTETH-26JUN2025`.
///
/// ```
/// use dexposure_snapshot::construct::is_pendle_pt_yt;
/// assert!(is_pendle_pt_yt("PT-WEETH-25APR2024"));
/// assert!(is_pendle_pt_yt("yt-glp-28mar2024"));
/// assert!(!is_pendle_pt_yt("PT-WEETH"));
/// assert!(!is_pendle_pt_yt("PTX-A-25APR2024"));
/// ```
pub fn is_pendle_pt_yt(symbol: &str) -> bool {
    let upper = symbol.to_ascii_uppercase();
    let Some(rest) = upper
        .strip_prefix("PT-")
        .or_else(|| upper.strip_prefix("YT-"))
    else {
        return false;
    };
    let Some((underlying, maturity)) = rest.rsplit_once('-') else {
        return false;
    };
    let b = maturity.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    !underlying.is_empty()
        && (digits == 1 || digits == 2)
        && b.len() == digits + 7
        && b[digits..digits + 3].iter().all(u8::is_ascii_uppercase)
        && b[digits + 3..].iter().all(u8::is_ascii_digit)
}

/// The override for `symbol`, if any: an [`ISSUER_OVERRIDES`] entry or the Pendle rule.
pub fn issuer_override(symbol: &str) -> Option<&'static str> {
    ISSUER_OVERRIDES
        .iter()
        .find(|o| o.symbol == symbol)
        .map(|o| o.issuer)
        .or_else(|| is_pendle_pt_yt(symbol).then_some(PENDLE_ID))
}

/// Which step of the issuer map resolved a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResolutionStep {
    /// The override list ([`ISSUER_OVERRIDES`] and the Pendle rule), before everything else.
    Override,
    /// A published `token_to_protocol.json` ([`IssuerResolver::from_token_map`]).
    PublishedMap,
    /// Step (a): `rev_map.json`, exact symbol.
    RevMap,
    /// Step (b): the manual table ([`MANUAL_TABLE`] and
    /// [`IssuerResolver::with_manual_entry`]), case-insensitive.
    ManualTable,
    /// Step (c): TF-IDF similarity with a catalog protocol text at or above the threshold.
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
    pub const ALL: [ResolutionStep; 9] = [
        ResolutionStep::Override,
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
/// - the override list ([`ISSUER_OVERRIDES`], exact symbol, and [`is_pendle_pt_yt`] → Pendle),
///   on by default ([`with_overrides`](Self::with_overrides));
/// 0. a published `token_to_protocol.json` ([`from_token_map`](Self::from_token_map)), exact
///    symbol;
/// 1. (a) `rev_map.json`, exact symbol;
/// 2. (b) the manual table, case-insensitive ([`MANUAL_TABLE`] plus
///    [`with_manual_entry`](Self::with_manual_entry)); [`manual_first`](Self::manual_first)
///    moves it before steps 0 and 1;
/// 3. (c) TF-IDF: cosine similarity between the symbol and each catalog protocol's name (by
///    default [`DEFAULT_NGRAM_ANALYZER`] n-grams, as scikit-learn's `TfidfVectorizer` fitted on
///    the names, see [`NgramAnalyzer`] and [`CatalogText`]); the most similar protocol is
///    accepted when the similarity is at least the threshold ([`DEFAULT_TFIDF_THRESHOLD`]);
///    ties go to the smallest id string;
/// 4. (d) buckets by name, case-insensitive and in this order: contains `LP` → `"LP"`, contains
///    `UNKNOWN` → `"UNKNOWN"`, contains `-` → `"OTHER"`; otherwise the token is a primary token
///    and its own node (issuer = the symbol as written). A blank symbol is `"UNKNOWN"`.
///    [`name_buckets_first`](Self::name_buckets_first) moves the three name buckets before
///    TF-IDF (the primary-token fallback stays last).
///
/// The defaults were chosen on half of the published map and measured on the other half
/// (docs/ISSUER_MAPPING.md, [`IssuerMapTuning`](super::IssuerMapTuning));
/// [`ResolverSettings::DESIGN`] reproduces the first implementation.
///
/// The bucket rule is literal: a symbol such as `ALPACA` contains `LP` and lands in the LP bucket
/// unless an earlier step resolves it. Empty ids in a `rev_map` or token map are ignored.
///
/// Cloning is cheap (the maps and the TF-IDF index are shared).
///
/// ```
/// use dexposure_snapshot::{IssuerResolver, ProtocolCatalog, ProtocolInfo, ResolutionStep, RevMap};
/// use dexposure_snapshot::construct::DEFAULT_TFIDF_THRESHOLD;
/// use dexposure_snapshot::taxonomy::BroadCategory;
///
/// let rev: RevMap = [("LDO".to_owned(), "182".to_owned())].into_iter().collect();
/// let info = |name: &str| ProtocolInfo { name: name.into(), category: BroadCategory::Unknown, detailed_category: None };
/// let catalog: ProtocolCatalog = [("2197".to_owned(), info("Uniswap V2")), ("182".to_owned(), info("Lido"))].into_iter().collect();
/// let resolver = IssuerResolver::from_parts(Some(&rev), Some(&catalog));
///
/// assert_eq!(resolver.resolve("LDO").step, ResolutionStep::RevMap);
/// assert_eq!(resolver.resolve("wsteth").issuer, "182");           // manual table
/// assert_eq!(resolver.resolve("STETH").step, ResolutionStep::Override);
/// let uni = resolver.resolve("UNISWAP");
/// assert_eq!((uni.issuer.as_str(), uni.step), ("2197", ResolutionStep::TfIdf));
/// assert!(uni.similarity.is_some_and(|s| s >= DEFAULT_TFIDF_THRESHOLD && s < 0.999));
/// // A stricter threshold makes TF-IDF abstain: the symbol becomes a primary token.
/// let strict = resolver.clone().with_tfidf_threshold(0.999);
/// assert_eq!(strict.resolve("UNISWAP").step, ResolutionStep::PrimaryToken);
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
    name_buckets_first: bool,
    overrides: bool,
    tfidf: Option<Arc<TfIdfIndex>>,
    threshold: f64,
}

impl Default for IssuerResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl IssuerResolver {
    /// Overrides, manual table and name buckets only.
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
            name_buckets_first: DEFAULT_NAME_BUCKETS_FIRST,
            overrides: true,
            tfidf: None,
            threshold: DEFAULT_TFIDF_THRESHOLD,
        }
    }

    /// `rev_map.json` (step a), the manual table (b), TF-IDF over the catalog's protocol names
    /// (c) and the buckets (d), after the overrides. `token_to_protocol.json` is not used (see
    /// [`from_token_map`](Self::from_token_map)).
    pub fn from_metadata(metadata: &Metadata) -> Self {
        Self::from_parts(metadata.rev_map.as_ref(), Some(&metadata.catalog))
    }

    /// Same as [`from_metadata`](Self::from_metadata) from parts, either of which may be absent
    /// or empty (then its step never matches).
    pub fn from_parts(rev_map: Option<&RevMap>, catalog: Option<&ProtocolCatalog>) -> Self {
        Self::from_parts_with(rev_map, catalog, &ResolverSettings::DEFAULT)
    }

    /// [`from_parts`](Self::from_parts) with explicit settings.
    pub fn from_parts_with(
        rev_map: Option<&RevMap>,
        catalog: Option<&ProtocolCatalog>,
        settings: &ResolverSettings,
    ) -> Self {
        let mut resolver = Self::new().with_settings(settings);
        let rev = rev_map.filter(|r| !r.is_empty());
        resolver.rev_map = rev.map(|r| {
            Arc::new(
                r.iter()
                    .filter(|(_, id)| !id.is_empty())
                    .map(|(s, id)| (s.to_owned(), id.to_owned()))
                    .collect(),
            )
        });
        resolver.tfidf = catalog
            .filter(|c| !c.is_empty())
            .map(|c| Arc::new(catalog_index(c, rev, settings.text, settings.analyzer)));
        resolver
    }

    /// Uses a published `token_to_protocol.json` as it is (DeXposure's own mapping), after the
    /// overrides (turn them off with [`with_overrides`](Self::with_overrides)`(false)` to
    /// reproduce it exactly); tokens it lacks fall through to the manual table and the buckets
    /// (no TF-IDF).
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

    /// Applies the order, threshold and override settings (the analyzer and catalog text only
    /// take effect in [`from_parts_with`](Self::from_parts_with), which builds the index).
    pub fn with_settings(self, settings: &ResolverSettings) -> Self {
        self.manual_first(settings.manual_first)
            .name_buckets_first(settings.name_buckets_first)
            .with_overrides(settings.overrides)
            .with_tfidf_threshold(settings.threshold)
    }

    /// Consult the manual table before the published map and `rev_map` (default `false`: DESIGN
    /// order a, b, c, d).
    pub fn manual_first(mut self, yes: bool) -> Self {
        self.manual_first = yes;
        self
    }

    /// Apply the `LP` / `UNKNOWN` / `OTHER` name buckets before TF-IDF (default
    /// [`DEFAULT_NAME_BUCKETS_FIRST`]).
    pub fn name_buckets_first(mut self, yes: bool) -> Self {
        self.name_buckets_first = yes;
        self
    }

    /// Apply [`ISSUER_OVERRIDES`] and the Pendle rule before every other step (default `true`).
    pub fn with_overrides(mut self, yes: bool) -> Self {
        self.overrides = yes;
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

    /// Minimum cosine similarity for the TF-IDF step (default [`DEFAULT_TFIDF_THRESHOLD`]). A
    /// NaN or infinite threshold accepts nothing.
    pub fn with_tfidf_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The issuer of `token`.
    pub fn resolve(&self, token: &str) -> Resolution {
        self.decide(token, || self.tfidf.as_ref().and_then(|t| t.best(token)))
    }

    /// The TF-IDF best match of `token` (id and similarity), whatever the threshold.
    pub(crate) fn tfidf_best(&self, token: &str) -> Option<(String, f64)> {
        self.tfidf
            .as_ref()
            .and_then(|t| t.best(token))
            .map(|(id, s)| (id.to_owned(), s))
    }

    /// [`resolve`](Self::resolve) with the TF-IDF best match already computed (by
    /// [`tfidf_best`](Self::tfidf_best) of a resolver with the same index).
    pub(crate) fn resolve_with_best(&self, token: &str, best: Option<(&str, f64)>) -> Resolution {
        self.decide(token, || best)
    }

    fn decide<'b>(&self, token: &str, best: impl FnOnce() -> Option<(&'b str, f64)>) -> Resolution {
        if self.overrides
            && let Some(id) = issuer_override(token)
        {
            return Resolution::new(id, ResolutionStep::Override);
        }
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
        let bucketed = bucket(token);
        if self.name_buckets_first && bucketed.step != ResolutionStep::PrimaryToken {
            return bucketed;
        }
        if let Some((id, similarity)) = best()
            && similarity >= self.threshold
        {
            return Resolution {
                issuer: id.to_owned(),
                step: ResolutionStep::TfIdf,
                similarity: Some(similarity),
            };
        }
        bucketed
    }
}

/// The TF-IDF index over the catalog's protocols (names, or names and `rev_map` symbols).
fn catalog_index(
    catalog: &ProtocolCatalog,
    rev_map: Option<&RevMap>,
    text: CatalogText,
    analyzer: NgramAnalyzer,
) -> TfIdfIndex {
    match (text, rev_map) {
        (CatalogText::NamesAndRevMapSymbols, Some(rev)) => {
            let mut symbols: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
            for (symbol, id) in rev.iter() {
                symbols.entry(id).or_default().push(symbol);
            }
            let texts: Vec<(&str, String)> = catalog
                .iter()
                .map(|(id, p)| {
                    let mut text = p.name.clone();
                    if let Some(list) = symbols.get_mut(id) {
                        list.sort_unstable();
                        for s in list.iter() {
                            text.push(' ');
                            text.push_str(s);
                        }
                    }
                    (id, text)
                })
                .collect();
            TfIdfIndex::with_analyzer(texts.iter().map(|(id, t)| (*id, t.as_str())), analyzer)
        }
        _ => TfIdfIndex::with_analyzer(
            catalog.iter().map(|(id, p)| (id, p.name.as_str())),
            analyzer,
        ),
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
