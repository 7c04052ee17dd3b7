//! Loaders for the four DefiLlama-derived metadata files that come with DeXposure.
//!
//! | file | shape | loaded into |
//! |------|-------|-------------|
//! | `id_to_info.json` | `{"182": {"name": "Lido", "category": "Asset Management"}, …}` — protocol id → name and **broad** sector | [`ProtocolCatalog::from_id_to_info`] |
//! | `meta_df.csv` | header `id,name,category`, e.g. `182,Lido,Liquid Staking` — the **detailed** DefiLlama category | [`ProtocolCatalog::from_meta_df`] |
//! | `token_to_protocol.json` | `{"MAP": {"METH": {"id": "3882", "frequency": 3421}, …}, "LP": {…}, "UNKNOWN": {…}, "PRIMARY": {…}, "OTHER": {…}}` — token symbol → issuing protocol, in five buckets | [`TokenIssuerMap::from_file`] |
//! | `rev_map.json` | `{"LDO": "182", …}` — governance/receipt token symbol → protocol id | [`RevMap::from_file`] |
//!
//! [`Metadata::from_dir`] loads whichever of the four exist in one folder.
//!
//! # Policies
//!
//! - **Ids are strings.** Protocol ids are kept exactly as written (`"182"`). Pseudo ids that are
//!   not DefiLlama protocols (`"USDC"`, `"WETH"`, `"LP"`, `"UNKNOWN"`, `"OTHER"`) appear in
//!   `token_to_protocol.json` and are returned as they are. Where a file writes an id as a JSON
//!   integer it is converted to its decimal string; in `meta_df.csv` an id written by pandas as
//!   a float (`182.0`) is read as `182`.
//! - **Categories.** `id_to_info.json` carries broad names ([`BroadCategory::name`]); a label that
//!   is a broad name up to case and surrounding spaces is accepted, a label that is a detailed
//!   DefiLlama category is mapped through the taxonomy (and kept as the detailed category), a
//!   `null` or blank label is `Unknown`, and any other label is `Unknown` and counted in
//!   [`ProtocolCatalog::unrecognised_categories`]. `meta_df.csv` carries detailed categories,
//!   mapped with [`BroadCategory::from_detailed`] (blank → `Unknown`, unmapped → `Unknown`,
//!   counted as above unless it literally says `Unknown`). Ids absent from the catalog are
//!   `Unknown` ([`ProtocolCatalog::category`]).
//! - **Merging** ([`ProtocolCatalog::merge`]): the catalog merged into only fills gaps. With
//!   `id_to_info.json` loaded first (as [`Metadata::from_dir`] does), its name and broad category
//!   win whenever they are known; `meta_df.csv` adds the detailed category, derives the broad
//!   category when `id_to_info.json` says `Unknown`, and adds ids `id_to_info.json` lacks.
//! - **Token buckets.** A token listed in more than one bucket of `token_to_protocol.json` keeps
//!   the entry of the highest-priority bucket, MAP > PRIMARY > LP > OTHER > UNKNOWN; every
//!   discarded entry is counted in [`TokenIssuerMap::conflicts`]. The real file has none.
//! - **`rev_map.json`** is kept verbatim, including the key `"nan"`: an artefact of pandas
//!   writing a missing symbol as the string `nan`. No real token is called `nan`, so it is
//!   harmless, but it is not a real symbol either.
//! - **Issuer lookup** ([`Metadata::issuer_of`]): `rev_map.json` first, then
//!   `token_to_protocol.json`. Symbols are matched exactly (case-sensitive).
//! - **Strict shapes, lenient extras.** Anything that does not have the documented shape is a
//!   [`SnapshotError::Metadata`] naming the file, the location (a JSON key path such as
//!   `"182".category`, `line 3, column 7` for JSON syntax errors, or `line 17` in the CSV) and
//!   what was expected. Extra fields in a JSON entry and extra CSV columns are ignored. A JSON
//!   object that repeats a key keeps the last value (as Python's `json` module does); a CSV that
//!   repeats an id is an error. A leading UTF-8 byte-order mark is skipped.
//!
//! ```no_run
//! use dexposure_snapshot::metadata::Metadata;
//! use dexposure_snapshot::taxonomy::BroadCategory;
//!
//! # fn main() -> Result<(), dexposure_snapshot::SnapshotError> {
//! let meta = Metadata::from_dir("../shared/data/mapping")?;
//! assert_eq!(meta.catalog.name("182"), Some("Lido"));
//! assert_eq!(meta.catalog.category("182"), BroadCategory::AssetManagement);
//! assert_eq!(meta.issuer_of("LDO"), Some("182"));
//! # Ok(())
//! # }
//! ```

use std::collections::hash_map::Entry;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, SnapshotError};
use crate::taxonomy::BroadCategory;

/// File name of the protocol id → `{name, category}` map (broad categories).
pub const ID_TO_INFO_FILE: &str = "id_to_info.json";
/// File name of the `id,name,category` table (detailed DefiLlama categories).
pub const META_DF_FILE: &str = "meta_df.csv";
/// File name of the bucketed token → issuing protocol map.
pub const TOKEN_TO_PROTOCOL_FILE: &str = "token_to_protocol.json";
/// File name of the symbol → protocol id map.
pub const REV_MAP_FILE: &str = "rev_map.json";

// ---------------------------------------------------------------------------------------------
// Protocol catalog
// ---------------------------------------------------------------------------------------------

/// What the metadata says about one protocol id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolInfo {
    /// Protocol name, e.g. `"Lido"` (may be empty when `meta_df.csv` left it blank).
    pub name: String,
    /// Broad sector; `Unknown` when the metadata gives none or an unrecognised one.
    pub category: BroadCategory,
    /// Detailed DefiLlama category (e.g. `"Liquid Staking"`) when known, trimmed, as written.
    pub detailed_category: Option<String>,
}

/// Protocol id → [`ProtocolInfo`], built from `id_to_info.json` and/or `meta_df.csv`.
///
/// Iteration order is unspecified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolCatalog {
    protocols: FxHashMap<String, ProtocolInfo>,
    unrecognised: usize,
}

impl ProtocolCatalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `id_to_info.json` (`{id: {"name": string, "category": broad name}}`).
    ///
    /// See the [module documentation](self) for how category labels are read.
    pub fn from_id_to_info(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::from_id_to_info_slice(&bytes, path)
    }

    /// Parses the text of an `id_to_info.json`; `label_path` is only used in error messages.
    pub fn from_id_to_info_str(text: &str, label_path: impl AsRef<Path>) -> Result<Self> {
        Self::from_id_to_info_slice(text.as_bytes(), label_path.as_ref())
    }

    fn from_id_to_info_slice(bytes: &[u8], path: &Path) -> Result<Self> {
        const EXPECTED: &str =
            "a JSON object mapping protocol ids to {\"name\": string, \"category\": string}";
        let root = parse_json_object(bytes, path, EXPECTED)?;
        let mut catalog = Self::default();
        catalog.protocols.reserve(root.len());
        for (id, entry) in root {
            let at = json_key(&id);
            if id.trim().is_empty() {
                return Err(meta_err(path, at, "empty protocol id"));
            }
            let Value::Object(fields) = entry else {
                return Err(meta_err(
                    path,
                    at,
                    format!(
                        "expected an object {{\"name\": string, \"category\": string}}, found {}",
                        kind(&entry)
                    ),
                ));
            };
            let name = match fields.get("name") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(meta_err(
                        path,
                        format!("{at}.name"),
                        format!("expected a string (protocol name), found {}", kind(other)),
                    ));
                }
                None => {
                    return Err(meta_err(
                        path,
                        format!("{at}.name"),
                        "missing field; expected a string (protocol name)",
                    ));
                }
            };
            let (category, detailed_category) = match fields.get("category") {
                Some(Value::String(s)) => match read_broad_label(s) {
                    Some(pair) => pair,
                    None => {
                        catalog.unrecognised += 1;
                        (BroadCategory::Unknown, None)
                    }
                },
                Some(Value::Null) => (BroadCategory::Unknown, None),
                Some(other) => {
                    return Err(meta_err(
                        path,
                        format!("{at}.category"),
                        format!(
                            "expected a string (broad category name), found {}",
                            kind(other)
                        ),
                    ));
                }
                None => {
                    return Err(meta_err(
                        path,
                        format!("{at}.category"),
                        "missing field; expected a string (broad category name)",
                    ));
                }
            };
            catalog.protocols.insert(
                id,
                ProtocolInfo {
                    name,
                    category,
                    detailed_category,
                },
            );
        }
        Ok(catalog)
    }

    /// Loads `meta_df.csv`: a header naming the columns `id`, `name` and `category` (detailed
    /// DefiLlama category), in any order, optionally with other columns such as the unnamed
    /// index column pandas' `to_csv` writes first (`,id,name,category`).
    ///
    /// Fields may be quoted (`"Foo, Inc."`). Every row must have as many fields as the header.
    /// A blank category is `Unknown`; an unmapped one is `Unknown` with the text kept in
    /// [`ProtocolInfo::detailed_category`]. An empty id, or an id that repeats, is an error.
    pub fn from_meta_df(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = fs::File::open(path).map_err(|e| SnapshotError::io(path, e))?;
        Self::from_meta_df_reader(io::BufReader::new(file), path)
    }

    /// Reads a `meta_df.csv` from any reader; `label_path` is only used in error messages.
    pub fn from_meta_df_reader(reader: impl Read, label_path: impl AsRef<Path>) -> Result<Self> {
        let path = label_path.as_ref();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);

        let header = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
        if header
            .iter()
            .all(|h| h.trim_start_matches('\u{feff}').trim().is_empty())
        {
            return Err(meta_err(
                path,
                "line 1",
                "the file is empty or its header is blank; expected a header with the columns id,name,category",
            ));
        }
        let mut columns: [Option<usize>; 3] = [None; 3];
        const NAMES: [&str; 3] = ["id", "name", "category"];
        for (index, raw) in header.iter().enumerate() {
            let h = raw.trim_start_matches('\u{feff}').trim();
            if let Some(slot) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(h)) {
                if columns[slot].is_some() {
                    return Err(meta_err(
                        path,
                        "line 1 (header)",
                        format!("column {:?} appears more than once", NAMES[slot]),
                    ));
                }
                columns[slot] = Some(index);
            }
        }
        let [Some(id_col), Some(name_col), Some(cat_col)] = columns else {
            let missing: Vec<&str> = NAMES
                .iter()
                .zip(columns)
                .filter(|(_, c)| c.is_none())
                .map(|(n, _)| *n)
                .collect();
            return Err(meta_err(
                path,
                "line 1 (header)",
                format!(
                    "missing column(s) {}; expected a header with the columns id,name,category \
                     (optionally preceded by a pandas index column), found {:?}",
                    missing.join(", "),
                    header.iter().collect::<Vec<_>>().join(",")
                ),
            ));
        };

        let mut catalog = Self::default();
        let mut first_line: FxHashMap<String, u64> = FxHashMap::default();
        let mut record = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, e)),
            }
            let line = record.position().map_or(0, csv::Position::line);
            let field = |col: usize, name: &str| {
                record.get(col).ok_or_else(|| {
                    meta_err(
                        path,
                        format!("line {line}"),
                        format!("missing field {name:?} (column {})", col + 1),
                    )
                })
            };
            let id = normalise_csv_id(field(id_col, "id")?);
            let name = field(name_col, "name")?.trim().to_owned();
            let detailed = field(cat_col, "category")?.trim();
            if id.is_empty() {
                return Err(meta_err(
                    path,
                    format!("line {line}, column \"id\""),
                    "empty id; expected a protocol id",
                ));
            }
            match first_line.entry(id.clone()) {
                Entry::Occupied(prev) => {
                    return Err(meta_err(
                        path,
                        format!("line {line}, column \"id\""),
                        format!("id {id:?} already appeared on line {}", prev.get()),
                    ));
                }
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
            let info = if detailed.is_empty() {
                ProtocolInfo {
                    name,
                    category: BroadCategory::Unknown,
                    detailed_category: None,
                }
            } else {
                let category = BroadCategory::from_detailed(detailed);
                if category == BroadCategory::Unknown && !detailed.eq_ignore_ascii_case("unknown") {
                    catalog.unrecognised += 1;
                }
                ProtocolInfo {
                    name,
                    category,
                    detailed_category: Some(detailed.to_owned()),
                }
            };
            catalog.protocols.insert(id, info);
        }
        Ok(catalog)
    }

    /// Merges `other` into `self`; `self` takes precedence and `other` only fills gaps.
    ///
    /// For an id in both: the name of `other` is used only if `self`'s is empty; the detailed
    /// category of `other` is used only if `self` has none; the broad category of `other` is
    /// used only if `self`'s is `Unknown`. Ids only in `other` are added as they are.
    ///
    /// Intended use: `id_to_info.merge(meta_df)`, so that `id_to_info.json`'s broad category
    /// wins when both are known, while `meta_df.csv`'s detailed category (and the broad one it
    /// derives) fills in the rest. [`unrecognised_categories`](Self::unrecognised_categories)
    /// of the two catalogs add up.
    pub fn merge(&mut self, other: ProtocolCatalog) {
        self.unrecognised += other.unrecognised;
        self.protocols.reserve(other.protocols.len());
        for (id, theirs) in other.protocols {
            match self.protocols.entry(id) {
                Entry::Vacant(slot) => {
                    slot.insert(theirs);
                }
                Entry::Occupied(mut slot) => {
                    let ours = slot.get_mut();
                    if ours.name.is_empty() {
                        ours.name = theirs.name;
                    }
                    if ours.detailed_category.is_none() {
                        ours.detailed_category = theirs.detailed_category;
                    }
                    if ours.category == BroadCategory::Unknown {
                        ours.category = theirs.category;
                    }
                }
            }
        }
    }

    /// Adds or replaces one protocol; returns the previous entry for `id`, if any.
    pub fn insert(&mut self, id: impl Into<String>, info: ProtocolInfo) -> Option<ProtocolInfo> {
        self.protocols.insert(id.into(), info)
    }

    /// Everything known about `id`.
    pub fn get(&self, id: &str) -> Option<&ProtocolInfo> {
        self.protocols.get(id)
    }

    /// Whether `id` has the form of a DefiLlama protocol id: a decimal number (`"182"`) or a
    /// parent protocol (`"parent#lido"`). Other node ids are pseudo nodes that network
    /// construction adds for issuers that are not protocols (`"USDC"`, `"WETH"`, `"TERRA"`) and
    /// for the `"LP"`, `"UNKNOWN"` and `"OTHER"` buckets.
    pub fn is_protocol_id(id: &str) -> bool {
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            || id
                .strip_prefix("parent#")
                .is_some_and(|slug| !slug.is_empty())
    }

    /// Whether `id` is in the catalog.
    pub fn contains(&self, id: &str) -> bool {
        self.protocols.contains_key(id)
    }

    /// The protocol's name.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.protocols.get(id).map(|p| p.name.as_str())
    }

    /// The protocol's broad sector; `Unknown` for an id not in the catalog.
    pub fn category(&self, id: &str) -> BroadCategory {
        self.protocols
            .get(id)
            .map_or(BroadCategory::Unknown, |p| p.category)
    }

    /// Number of protocol ids.
    pub fn len(&self) -> usize {
        self.protocols.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.protocols.is_empty()
    }

    /// All `(id, info)` pairs, in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ProtocolInfo)> + '_ {
        self.protocols.iter().map(|(id, info)| (id.as_str(), info))
    }

    /// The entries in id order: shorter ids first, then by text (numeric order for decimal ids).
    fn sorted(&self) -> Vec<(&str, &ProtocolInfo)> {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by_key(|(id, _)| (id.len(), *id));
        entries
    }

    /// The catalog as `id_to_info.json` text (`{id: {"name", "category"}}` with the broad
    /// category), ids in text order; [`from_id_to_info_str`](Self::from_id_to_info_str) reads
    /// it back.
    pub fn to_id_to_info_json(&self) -> String {
        let mut map = serde_json::Map::new();
        for (id, info) in self.iter() {
            map.insert(
                id.to_owned(),
                serde_json::json!({"name": info.name, "category": info.category.name()}),
            );
        }
        serde_json::to_string(&map).unwrap_or_default()
    }

    /// The catalog as `meta_df.csv` text (`id,name,category` with the detailed category, blank
    /// when unknown), ids in numeric order; [`from_meta_df`](Self::from_meta_df) reads it back.
    pub fn to_meta_df_csv(&self) -> String {
        // Ids are quoted like the other cells: an id read from a quoted cell may hold a quote
        // or a comma (found by fuzzing: `"3933": x` read back as `3933: x`).
        let cell = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut out = String::from("id,name,category\n");
        for (id, info) in self.sorted() {
            let detailed = info.detailed_category.as_deref().unwrap_or("");
            out.push_str(&format!(
                "{},{},{}\n",
                cell(id),
                cell(&info.name),
                cell(detailed)
            ));
        }
        out
    }

    /// Number of ids per broad sector, in [`BroadCategory::ALL`] order.
    pub fn category_counts(&self) -> [(BroadCategory, usize); 7] {
        let mut counts = BroadCategory::ALL.map(|c| (c, 0usize));
        for info in self.protocols.values() {
            if let Some(slot) = counts.iter_mut().find(|(c, _)| *c == info.category) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// Number of records read whose category label was not blank, not `Unknown` and not
    /// recognised (so became `Unknown`); summed over merged catalogs.
    pub fn unrecognised_categories(&self) -> usize {
        self.unrecognised
    }
}

impl FromIterator<(String, ProtocolInfo)> for ProtocolCatalog {
    fn from_iter<I: IntoIterator<Item = (String, ProtocolInfo)>>(iter: I) -> Self {
        Self {
            protocols: iter.into_iter().collect(),
            unrecognised: 0,
        }
    }
}

/// Reads a category label of `id_to_info.json`: `Some((broad, detailed))` if recognised.
fn read_broad_label(label: &str) -> Option<(BroadCategory, Option<String>)> {
    if let Some(c) = BroadCategory::ALL.into_iter().find(|c| c.name() == label) {
        return Some((c, None));
    }
    let trimmed = label.trim();
    if trimmed.is_empty() {
        return Some((BroadCategory::Unknown, None));
    }
    if let Some(c) = BroadCategory::ALL
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(trimmed))
    {
        return Some((c, None));
    }
    match BroadCategory::from_detailed(trimmed) {
        BroadCategory::Unknown => None,
        broad => Some((broad, Some(trimmed.to_owned()))),
    }
}

/// Trims a CSV id and turns a pandas float id (`182.0`) into `182`.
fn normalise_csv_id(raw: &str) -> String {
    let id = raw.trim();
    if let Some((int, frac)) = id.split_once('.')
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        return int.to_owned();
    }
    id.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Token → issuer map
// ---------------------------------------------------------------------------------------------

/// The five buckets of `token_to_protocol.json`.
///
/// Serialises as its JSON name (`"MAP"`, …). The derived order is the file order of
/// [`TokenBucket::ALL`]; the conflict priority is [`TokenBucket::priority`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TokenBucket {
    /// `"MAP"`: tokens mapped to the protocol that issues them.
    #[serde(rename = "MAP")]
    Map,
    /// `"LP"`: liquidity-pool receipt tokens (issuer is the pool's protocol, or the pseudo id `LP`).
    #[serde(rename = "LP")]
    Lp,
    /// `"UNKNOWN"`: tokens DefiLlama could not identify (issuer usually the pseudo id `UNKNOWN`).
    #[serde(rename = "UNKNOWN")]
    Unknown,
    /// `"PRIMARY"`: primary tokens (issuer a protocol id or the token itself, e.g. `USDC`).
    #[serde(rename = "PRIMARY")]
    Primary,
    /// `"OTHER"`: everything else (issuer a protocol id or the pseudo id `OTHER`).
    #[serde(rename = "OTHER")]
    Other,
}

impl TokenBucket {
    /// The five buckets in the order of the real file: MAP, LP, UNKNOWN, PRIMARY, OTHER.
    pub const ALL: [TokenBucket; 5] = [
        TokenBucket::Map,
        TokenBucket::Lp,
        TokenBucket::Unknown,
        TokenBucket::Primary,
        TokenBucket::Other,
    ];

    /// The JSON key of the bucket.
    pub const fn name(self) -> &'static str {
        match self {
            TokenBucket::Map => "MAP",
            TokenBucket::Lp => "LP",
            TokenBucket::Unknown => "UNKNOWN",
            TokenBucket::Primary => "PRIMARY",
            TokenBucket::Other => "OTHER",
        }
    }

    /// The bucket whose JSON key is exactly `name`.
    pub fn from_name(name: &str) -> Option<TokenBucket> {
        TokenBucket::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Priority when a token appears in several buckets (higher wins):
    /// MAP 4 > PRIMARY 3 > LP 2 > OTHER 1 > UNKNOWN 0.
    pub const fn priority(self) -> u8 {
        match self {
            TokenBucket::Map => 4,
            TokenBucket::Primary => 3,
            TokenBucket::Lp => 2,
            TokenBucket::Other => 1,
            TokenBucket::Unknown => 0,
        }
    }
}

impl fmt::Display for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who issues one token, according to `token_to_protocol.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenIssuer {
    /// Protocol id, or a pseudo id (`"USDC"`, `"LP"`, `"UNKNOWN"`, `"OTHER"`, …).
    pub issuer: String,
    /// How often the token was seen in the holdings (the file's `frequency`).
    pub frequency: u64,
    /// Bucket the entry was taken from.
    pub bucket: TokenBucket,
}

/// Token symbol → [`TokenIssuer`], from `token_to_protocol.json`.
///
/// A token listed in several buckets keeps the entry of the highest
/// [`priority`](TokenBucket::priority) bucket (MAP > PRIMARY > LP > OTHER > UNKNOWN), and each
/// discarded entry is counted in [`conflicts`](Self::conflicts), so that
/// `len() + conflicts()` is the number of entries in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenIssuerMap {
    tokens: FxHashMap<String, TokenIssuer>,
    conflicts: usize,
}

impl TokenIssuerMap {
    /// Loads `token_to_protocol.json`
    /// (`{bucket: {TOKEN: {"id": string, "frequency": integer}}}`).
    ///
    /// Buckets may be missing; a top-level key that is not one of the five bucket names is an
    /// error. `frequency` must be a non-negative integer (an integral float such as `3.0` is
    /// accepted).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::from_slice(&bytes, path)
    }

    /// Parses the text of a `token_to_protocol.json`; `label_path` is only used in errors.
    pub fn from_json_str(text: &str, label_path: impl AsRef<Path>) -> Result<Self> {
        Self::from_slice(text.as_bytes(), label_path.as_ref())
    }

    fn from_slice(bytes: &[u8], path: &Path) -> Result<Self> {
        const EXPECTED: &str = "a JSON object {bucket: {token: {\"id\": string, \"frequency\": integer}}} \
                                with buckets MAP, LP, UNKNOWN, PRIMARY, OTHER";
        let root = parse_json_object(bytes, path, EXPECTED)?;
        let mut map = Self::default();
        for (bucket_name, bucket_value) in root {
            let at_bucket = json_key(&bucket_name);
            let Some(bucket) = TokenBucket::from_name(&bucket_name) else {
                return Err(meta_err(
                    path,
                    at_bucket,
                    "unknown bucket; expected one of MAP, LP, UNKNOWN, PRIMARY, OTHER",
                ));
            };
            let Value::Object(entries) = bucket_value else {
                return Err(meta_err(
                    path,
                    at_bucket,
                    format!(
                        "expected an object mapping tokens to {{\"id\", \"frequency\"}}, found {}",
                        kind(&bucket_value)
                    ),
                ));
            };
            map.tokens.reserve(entries.len());
            for (token, entry) in entries {
                let at = format!("{at_bucket}.{}", json_key(&token));
                let Value::Object(fields) = entry else {
                    return Err(meta_err(
                        path,
                        at,
                        format!(
                            "expected an object {{\"id\": string, \"frequency\": integer}}, found {}",
                            kind(&entry)
                        ),
                    ));
                };
                let issuer = match fields.get("id") {
                    Some(v) => id_value(v).ok_or_else(|| {
                        meta_err(
                            path,
                            format!("{at}.id"),
                            format!("expected a string (protocol id), found {}", kind(v)),
                        )
                    })?,
                    None => {
                        return Err(meta_err(
                            path,
                            format!("{at}.id"),
                            "missing field; expected a string (protocol id)",
                        ));
                    }
                };
                let frequency = match fields.get("frequency") {
                    Some(v) => count_value(v).ok_or_else(|| {
                        meta_err(
                            path,
                            format!("{at}.frequency"),
                            format!("expected a non-negative integer, found {}", describe(v)),
                        )
                    })?,
                    None => {
                        return Err(meta_err(
                            path,
                            format!("{at}.frequency"),
                            "missing field; expected a non-negative integer",
                        ));
                    }
                };
                let new = TokenIssuer {
                    issuer,
                    frequency,
                    bucket,
                };
                match map.tokens.entry(token) {
                    Entry::Vacant(slot) => {
                        slot.insert(new);
                    }
                    Entry::Occupied(mut slot) => {
                        map.conflicts += 1;
                        if new.bucket.priority() > slot.get().bucket.priority() {
                            slot.insert(new);
                        }
                    }
                }
            }
        }
        Ok(map)
    }

    /// The issuer of `token` (exact, case-sensitive symbol match).
    pub fn get(&self, token: &str) -> Option<&TokenIssuer> {
        self.tokens.get(token)
    }

    /// Number of distinct tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Number of distinct tokens per bucket they were kept from, in [`TokenBucket::ALL`] order;
    /// the counts add up to [`len`](Self::len).
    pub fn bucket_counts(&self) -> [(TokenBucket, usize); 5] {
        let mut counts = TokenBucket::ALL.map(|b| (b, 0usize));
        for t in self.tokens.values() {
            if let Some(slot) = counts.iter_mut().find(|(b, _)| *b == t.bucket) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// Number of entries discarded because their token was also listed in a bucket of higher
    /// (or, for repeats within one priority, equal) priority.
    pub fn conflicts(&self) -> usize {
        self.conflicts
    }

    /// All `(token, issuer)` pairs, in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TokenIssuer)> + '_ {
        self.tokens.iter().map(|(t, i)| (t.as_str(), i))
    }
}

// ---------------------------------------------------------------------------------------------
// rev_map
// ---------------------------------------------------------------------------------------------

/// Symbol → protocol id, from `rev_map.json` (`{"LDO": "182", …}`).
///
/// Kept verbatim. Note the key `"nan"` in the real file: it is a pandas artefact (a missing
/// symbol written as the string `nan`), not a real token; it is kept so that the map matches the
/// file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevMap {
    map: FxHashMap<String, String>,
}

impl RevMap {
    /// Loads `rev_map.json`. Values must be strings (a JSON integer is converted to its decimal
    /// string).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::from_slice(&bytes, path)
    }

    /// Parses the text of a `rev_map.json`; `label_path` is only used in error messages.
    pub fn from_json_str(text: &str, label_path: impl AsRef<Path>) -> Result<Self> {
        Self::from_slice(text.as_bytes(), label_path.as_ref())
    }

    fn from_slice(bytes: &[u8], path: &Path) -> Result<Self> {
        let root = parse_json_object(
            bytes,
            path,
            "a JSON object mapping token symbols to protocol ids",
        )?;
        let mut map = FxHashMap::default();
        map.reserve(root.len());
        for (symbol, value) in root {
            let id = id_value(&value).ok_or_else(|| {
                meta_err(
                    path,
                    json_key(&symbol),
                    format!("expected a string (protocol id), found {}", kind(&value)),
                )
            })?;
            map.insert(symbol, id);
        }
        Ok(Self { map })
    }

    /// The protocol id for `symbol` (exact, case-sensitive match).
    pub fn get(&self, symbol: &str) -> Option<&str> {
        self.map.get(symbol).map(String::as_str)
    }

    /// Number of symbols (including the pandas `"nan"` key when present).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All `(symbol, id)` pairs, in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.map.iter().map(|(s, i)| (s.as_str(), i.as_str()))
    }

    /// The map as `rev_map.json` text (`{symbol: id}`), symbols sorted;
    /// [`from_json_str`](Self::from_json_str) reads it back.
    pub fn to_json(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = self.iter().collect();
        pairs.sort_unstable();
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(s, id)| (s.to_owned(), serde_json::Value::String(id.to_owned())))
            .collect();
        serde_json::to_string(&map).unwrap_or_default()
    }
}

impl FromIterator<(String, String)> for RevMap {
    /// Builds a map in memory from `(symbol, protocol id)` pairs; a repeated symbol keeps its
    /// last id (as a JSON object that repeats a key does).
    ///
    /// ```
    /// # use dexposure_snapshot::RevMap;
    /// let rev: RevMap = [("LDO".to_owned(), "182".to_owned())].into_iter().collect();
    /// assert_eq!(rev.get("LDO"), Some("182"));
    /// ```
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self {
            map: iter.into_iter().collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// All of it
// ---------------------------------------------------------------------------------------------

/// The metadata found in one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Protocols: `id_to_info.json` merged with `meta_df.csv` (see [`ProtocolCatalog::merge`]).
    pub catalog: ProtocolCatalog,
    /// `token_to_protocol.json`, if the folder has one.
    pub tokens: Option<TokenIssuerMap>,
    /// `rev_map.json`, if the folder has one.
    pub rev_map: Option<RevMap>,
}

impl Metadata {
    /// Loads whichever of [`ID_TO_INFO_FILE`], [`META_DF_FILE`], [`TOKEN_TO_PROTOCOL_FILE`] and
    /// [`REV_MAP_FILE`] exist in `dir`.
    ///
    /// The catalog comes from `id_to_info.json` merged with `meta_df.csv` (`id_to_info.json`
    /// taking precedence); at least one of the two must exist, otherwise this is a
    /// [`SnapshotError::Metadata`] naming the folder. Any file that exists but cannot be read or
    /// parsed is an error.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let id_to_info = present(&dir.join(ID_TO_INFO_FILE))?;
        let meta_df = present(&dir.join(META_DF_FILE))?;
        let catalog = match (id_to_info, meta_df) {
            (None, None) => {
                return Err(meta_err(
                    dir,
                    "folder",
                    format!(
                        "neither {ID_TO_INFO_FILE} nor {META_DF_FILE} found; at least one is \
                         needed for the protocol catalog"
                    ),
                ));
            }
            (Some(info), None) => ProtocolCatalog::from_id_to_info(info)?,
            (None, Some(df)) => ProtocolCatalog::from_meta_df(df)?,
            (Some(info), Some(df)) => {
                let mut catalog = ProtocolCatalog::from_id_to_info(info)?;
                catalog.merge(ProtocolCatalog::from_meta_df(df)?);
                catalog
            }
        };
        let tokens = present(&dir.join(TOKEN_TO_PROTOCOL_FILE))?
            .map(TokenIssuerMap::from_file)
            .transpose()?;
        let rev_map = present(&dir.join(REV_MAP_FILE))?
            .map(RevMap::from_file)
            .transpose()?;
        Ok(Self {
            catalog,
            tokens,
            rev_map,
        })
    }

    /// The issuing protocol id of `token`: `rev_map.json` first, then `token_to_protocol.json`.
    ///
    /// The result may be a pseudo id (`"USDC"`, `"LP"`, `"UNKNOWN"`, `"OTHER"`, …) taken from
    /// `token_to_protocol.json`; check [`ProtocolCatalog::contains`] if a real protocol is
    /// needed.
    pub fn issuer_of(&self, token: &str) -> Option<&str> {
        self.rev_map
            .as_ref()
            .and_then(|r| r.get(token))
            .or_else(|| self.tokens.as_ref()?.get(token).map(|t| t.issuer.as_str()))
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn meta_err(path: &Path, location: impl Into<String>, problem: impl Into<String>) -> SnapshotError {
    SnapshotError::Metadata {
        path: path.to_path_buf(),
        location: location.into(),
        problem: problem.into(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| SnapshotError::io(path, e))
}

/// `Some(path)` if it exists, `None` if not, an error if that cannot be told.
fn present(path: &Path) -> Result<Option<PathBuf>> {
    match fs::metadata(path) {
        Ok(_) => Ok(Some(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SnapshotError::io(path, e)),
    }
}

/// A JSON object key as written in a location (`"182"`).
fn json_key(key: &str) -> String {
    format!("{key:?}")
}

/// "an array", "a number", … for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Like [`kind`] but shows scalars (`-3`, `"x"`), shortened.
fn describe(value: &Value) -> String {
    match value {
        Value::Number(_) | Value::String(_) | Value::Bool(_) => {
            let text = value.to_string();
            if text.chars().count() > 40 {
                format!(
                    "{} {}…",
                    kind(value),
                    text.chars().take(40).collect::<String>()
                )
            } else {
                format!("{} {text}", kind(value))
            }
        }
        _ => kind(value).to_owned(),
    }
}

/// A protocol id: a string, or a non-negative integer written as a JSON number.
fn id_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// A non-negative integer count; integral floats (`3.0`) are accepted.
fn count_value(value: &Value) -> Option<u64> {
    let Value::Number(n) = value else { return None };
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    // 2^64 as f64 is exact; anything below it that is integral converts without loss of range.
    if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Some(f as u64);
    }
    None
}

/// Parses `bytes` as JSON whose root must be an object.
fn parse_json_object(bytes: &[u8], path: &Path, expected: &str) -> Result<Map<String, Value>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(meta_err(
            path,
            "line 1",
            format!("the file is empty; expected {expected}"),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        meta_err(
            path,
            format!("line {}, column {}", e.line(), e.column()),
            format!("not valid JSON ({message}); expected {expected}"),
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(meta_err(
            path,
            "root",
            format!("expected {expected}, found {}", kind(&other)),
        )),
    }
}

fn csv_error(path: &Path, err: csv::Error) -> SnapshotError {
    describe_csv_error(path, err, " (id,name,category)", meta_err)
}

/// Turns a `csv` crate error into a [`SnapshotError`]: I/O errors stay I/O errors, everything
/// else goes through `make(path, "line N", problem)`; `header` is shown after "as in the header"
/// for rows of the wrong length.
pub(crate) fn describe_csv_error(
    path: &Path,
    err: csv::Error,
    header: &str,
    make: fn(&Path, String, String) -> SnapshotError,
) -> SnapshotError {
    let location = err
        .position()
        .map_or_else(|| "CSV".to_owned(), |p| format!("line {}", p.line()));
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(e) => SnapshotError::io(path, e),
        csv::ErrorKind::Utf8 { err, .. } => make(
            path,
            location,
            format!("field {} is not valid UTF-8", err.field() + 1),
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => make(
            path,
            location,
            format!("expected {expected_len} fields as in the header{header}, found {len}"),
        ),
        _ => make(path, location, format!("invalid CSV: {message}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err_text(e: SnapshotError) -> String {
        e.to_string()
    }

    #[test]
    fn id_to_info_basic() {
        let text = r#"{"182": {"name": "Lido", "category": "Asset Management"},
                       "7": {"name": "X", "category": "Unknown"},
                       "8": {"name": "Y", "category": " dexes ", "extra": 1},
                       "9": {"name": "Z", "category": "Weird"},
                       "10": {"name": "W", "category": null},
                       "11": {"name": "V", "category": "trading & exchanges"}}"#;
        let c = ProtocolCatalog::from_id_to_info_str(text, "id_to_info.json").unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(c.name("182"), Some("Lido"));
        assert_eq!(c.category("182"), BroadCategory::AssetManagement);
        assert_eq!(c.category("7"), BroadCategory::Unknown);
        assert_eq!(c.category("8"), BroadCategory::TradingExchanges);
        assert_eq!(
            c.get("8").unwrap().detailed_category.as_deref(),
            Some("dexes")
        );
        assert_eq!(c.category("9"), BroadCategory::Unknown);
        assert_eq!(c.category("10"), BroadCategory::Unknown);
        assert_eq!(c.category("11"), BroadCategory::TradingExchanges);
        assert_eq!(c.category("nope"), BroadCategory::Unknown);
        assert_eq!(c.unrecognised_categories(), 1);
        let counts = c.category_counts();
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 6);
        assert_eq!(counts[6], (BroadCategory::Unknown, 3));
    }

    #[test]
    fn json_errors_name_location() {
        let e = err_text(
            ProtocolCatalog::from_id_to_info_str(
                r#"{"182": {"name": 5, "category": "Others"}}"#,
                "f.json",
            )
            .unwrap_err(),
        );
        assert!(
            e.contains("f.json") && e.contains(r#""182".name"#) && e.contains("a number"),
            "{e}"
        );
        let e = err_text(
            ProtocolCatalog::from_id_to_info_str("{\n  \"1\": ,\n}", "f.json").unwrap_err(),
        );
        assert!(e.contains("line 2, column"), "{e}");
        let e = err_text(ProtocolCatalog::from_id_to_info_str("  \n", "f.json").unwrap_err());
        assert!(e.contains("empty"), "{e}");
        let e = err_text(RevMap::from_json_str(r#"{"LDO": ["182"]}"#, "r.json").unwrap_err());
        assert!(e.contains(r#""LDO""#) && e.contains("an array"), "{e}");
        let e = err_text(
            TokenIssuerMap::from_json_str(
                r#"{"MAP": {"A": {"id": "1", "frequency": -3}}}"#,
                "t.json",
            )
            .unwrap_err(),
        );
        assert!(
            e.contains(r#""MAP"."A".frequency"#) && e.contains("-3"),
            "{e}"
        );
        let e = err_text(TokenIssuerMap::from_json_str(r#"{"FOO": {}}"#, "t.json").unwrap_err());
        assert!(
            e.contains(r#""FOO""#) && e.contains("unknown bucket"),
            "{e}"
        );
    }

    #[test]
    fn token_conflicts_follow_priority() {
        let text = r#"{"UNKNOWN": {"A": {"id": "UNKNOWN", "frequency": 1}, "B": {"id": "UNKNOWN", "frequency": 1}},
                       "LP": {"A": {"id": "LP", "frequency": 2}},
                       "PRIMARY": {"A": {"id": "A", "frequency": 3}, "C": {"id": 12, "frequency": 4.0}},
                       "MAP": {"B": {"id": "9", "frequency": 5}},
                       "OTHER": {"C": {"id": "OTHER", "frequency": 6}}}"#;
        let m = TokenIssuerMap::from_json_str(text, "t.json").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.conflicts(), 4); // A twice, B once, C once
        let a = m.get("A").unwrap();
        assert_eq!(
            (a.issuer.as_str(), a.frequency, a.bucket),
            ("A", 3, TokenBucket::Primary)
        );
        assert_eq!(m.get("B").unwrap().bucket, TokenBucket::Map);
        let c = m.get("C").unwrap();
        assert_eq!(
            (c.issuer.as_str(), c.frequency, c.bucket),
            ("12", 4, TokenBucket::Primary)
        );
        assert_eq!(m.bucket_counts().iter().map(|(_, n)| n).sum::<usize>(), 3);
        assert!(m.get("a").is_none());
    }

    #[test]
    fn bucket_names_round_trip() {
        for b in TokenBucket::ALL {
            assert_eq!(TokenBucket::from_name(b.name()), Some(b));
            assert_eq!(serde_json::to_string(&b).unwrap(), format!("\"{b}\""));
        }
        assert_eq!(TokenBucket::from_name("map"), None);
        let mut by_priority = TokenBucket::ALL;
        by_priority.sort_by_key(|b| std::cmp::Reverse(b.priority()));
        assert_eq!(
            by_priority,
            [
                TokenBucket::Map,
                TokenBucket::Primary,
                TokenBucket::Lp,
                TokenBucket::Other,
                TokenBucket::Unknown
            ]
        );
    }

    #[test]
    fn csv_ids_and_merge() {
        assert_eq!(normalise_csv_id(" 182.0 "), "182");
        assert_eq!(normalise_csv_id("182"), "182");
        assert_eq!(normalise_csv_id("1.5"), "1.5");
        assert_eq!(normalise_csv_id(".0"), ".0");
        let df = "id,name,category\n182.0,Lido,Liquid Staking\n5,Foo,Dexes\n6,Bar,\n";
        let df = ProtocolCatalog::from_meta_df_reader(df.as_bytes(), "meta_df.csv").unwrap();
        let mut info = ProtocolCatalog::from_id_to_info_str(
            r#"{"182": {"name": "Lido", "category": "Asset Management"},
                "5": {"name": "", "category": "Unknown"},
                "6": {"name": "Bar", "category": "Others"}}"#,
            "id_to_info.json",
        )
        .unwrap();
        info.merge(df);
        assert_eq!(info.len(), 3);
        let lido = info.get("182").unwrap();
        assert_eq!(lido.detailed_category.as_deref(), Some("Liquid Staking"));
        assert_eq!(lido.category, BroadCategory::AssetManagement);
        let foo = info.get("5").unwrap();
        assert_eq!(
            (foo.name.as_str(), foo.category),
            ("Foo", BroadCategory::TradingExchanges)
        );
        assert_eq!(info.category("6"), BroadCategory::Others);
        assert_eq!(info.get("6").unwrap().detailed_category, None);
    }

    #[test]
    fn issuer_of_prefers_rev_map() {
        let meta = Metadata {
            catalog: ProtocolCatalog::new(),
            tokens: Some(
                TokenIssuerMap::from_json_str(
                    r#"{"MAP": {"AAVE": {"id": "1838", "frequency": 1}, "X": {"id": "7", "frequency": 1}}}"#,
                    "t.json",
                )
                .unwrap(),
            ),
            rev_map: Some(RevMap::from_json_str(r#"{"AAVE": "1839", "nan": "2527"}"#, "r.json").unwrap()),
        };
        assert_eq!(meta.issuer_of("AAVE"), Some("1839"));
        assert_eq!(meta.issuer_of("X"), Some("7"));
        assert_eq!(meta.issuer_of("nan"), Some("2527"));
        assert_eq!(meta.issuer_of("Y"), None);
        assert_eq!(Metadata::default().issuer_of("AAVE"), None);
    }
}
