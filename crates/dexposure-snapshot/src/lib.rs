//! Schema, loaders, cleaning, data quality, metadata and writer for the DeXposure weekly
//! exposure networks.
//!
//! ```
//! use dexposure_snapshot::{QualityReport, SeriesLoader, SeriesWriter};
//!
//! let json = br#"{"data": {
//!   "2022-05-02": {"nodes": [{"id": "182", "size": 1.2e10, "composition": {"STETH": 1.1e10, "ETH": 1.0e9}},
//!                            {"id": "2269", "size": 3.0e9, "composition": {"STETH": 3.0e9}}],
//!                  "links": [{"source": "182", "target": "2269", "size": 5.0e4, "composition": {"STETH": 5.0e4}},
//!                            {"source": "182", "target": null, "size": 1.0, "composition": {"ETH": 1.0}}]},
//!   "2022-05-09": {"nodes": [{"id": "182", "size": 1.0e10, "composition": {"STETH": 1.0e10}}], "links": []}}}"#;
//!
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! assert_eq!(series.len(), 2);
//! let week = series.first().ok_or("no week")?;
//! assert_eq!(week.links.len(), 1);              // the null-target link is set aside...
//! assert_eq!(week.drop_counts().null_target, 1); // ...and counted
//! let lido = series.symbols().find_protocol("182").ok_or("no Lido")?;
//! assert_eq!(week.nodes[0].id, lido);
//!
//! let report = QualityReport::new(&series, None);
//! assert_eq!(report.weeks[0].next_week_overlap.map(|o| o.nodes), Some(0.5));
//!
//! let mut out = Vec::new();
//! SeriesWriter::new().write_to(&series, &mut out)?;
//! assert_eq!(SeriesLoader::new().load_bytes(&out, "copy.json")?, series);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Loading
//! [`SeriesLoader::load`] reads a whole file (gzip detected from its magic bytes), cuts the
//! top-level `data` map into per-week byte ranges with a small structural scanner and parses
//! each week with simd-json, in parallel by default. [`SeriesLoader::stream`] reads the same
//! format one week at a time with memory bounded by about one week. Both accept `from`/`to`
//! date filters and give identical snapshots.
//!
//! Ids and token symbols are interned once per series ([`SymbolTable`]): records carry 4-byte
//! handles, and compositions live in one flat array per week.
//!
//! # Cleaning (DESIGN.md §3)
//! Links with a null endpoint, or an endpoint that is not among the week's nodes, are moved to
//! [`Snapshot::dropped`] with a [`DropReason`] and counted; duplicate links and self-loops are
//! kept. [`QualityReport`] gives the per-week record (drops, overlaps with the next week,
//! unknown categories) and a series summary.
//!
//! # Malformed input policy
//! Every problem is either an error naming the file, the date key and the node/link index, or a
//! documented repair counted in [`Snapshot::repairs`]. Nothing panics, whatever the bytes.
//!
//! | input | outcome |
//! |---|---|
//! | empty file, truncated JSON, truncated or corrupt gzip, non-UTF-8 bytes | error |
//! | root not an object; `data` missing, repeated or not an object | error |
//! | other root keys | skipped (not validated) |
//! | date key not `YYYY-MM-DD`, or an impossible date | error ([`SnapshotError::InvalidDate`]) |
//! | the same date twice | error ([`SnapshotError::DuplicateDate`]) |
//! | weeks out of date order | accepted; the series is sorted |
//! | dates that are not Mondays | accepted; counted in [`SeriesSummary::non_monday_dates`] |
//! | week not an object, `nodes`/`links` missing or not arrays | error |
//! | node/link not an object; `id`, `size`, `composition`, `source`, `target` missing or of the wrong type; a field given twice | error |
//! | empty id or endpoint string | error |
//! | `size` negative, non-finite (`1e999`), `NaN`/`Infinity` tokens | error |
//! | the same node id twice in a week | error |
//! | `source`/`target` null | link dropped, counted (cleaning) |
//! | endpoint not among the week's nodes | link dropped, counted (cleaning) |
//! | composition value `null` | entry left out, counted in [`Repairs::null_composition_values`] |
//! | composition token repeated in one object | values summed, counted in [`Repairs::duplicate_composition_tokens`] |
//! | composition value not a number (string, object, …) or non-finite | error |
//! | unknown fields in weeks, nodes or links | ignored |
//! | values nested more than 1,024 levels deep inside a week | error (simd-json's limit; root keys other than `data` may nest without limit) |
//! | a UTF-8 byte order mark at the start | error (JSON forbids it; Python's `json.load` refuses it too) |
//! | integers where floats are expected (any size) | accepted |
//! | a week's object longer than [`SeriesLoader::max_week_bytes`] (64 MiB by default) | error ([`SnapshotError::WeekTooLarge`]) unless filtered out by date |
//! | a gzip file that decompresses past [`SeriesLoader::max_document_bytes`] (8 GiB) on the whole-file path | error ([`SnapshotError::DocumentTooLarge`]); the streaming path is not limited |
//!
//! # Resource limits
//! Memory is bounded by the input, never by what it claims to hold: the whole-file path holds
//! the memory-mapped file (its pages leave the process as weeks are parsed) or the decompressed
//! document, plus the series; the streaming path about one week. Parsing one week takes several
//! times its size (up to ~16× for a week of millions of distinct symbols), hence the week-size
//! limit. Nesting never recurses outside simd-json, whose depth limit applies inside weeks. A
//! file of many tiny weeks costs about 450 bytes per week on the whole-file path (a million
//! empty weeks: 42 MB of JSON, 0.45 GB peak). docs/RELIABILITY.md has the measurements.
//!
//! # Metadata
//! [`metadata`] loads `id_to_info.json`, `meta_df.csv`, `token_to_protocol.json` and
//! `rev_map.json`; [`taxonomy`] holds the 41 detailed → 6 broad category table.
//!
//! # Construction from holdings
//! [`construct`] builds the weekly networks from token holdings (DESIGN.md §4):
//! [`NetworkBuilder`] takes rows `(date, protocol, chain, token, quantity, usd)` (or a CSV),
//! resolves each token's issuer with an [`IssuerResolver`], and gives a [`SnapshotSeries`] in
//! this format plus a [`ConstructionReport`]. The rules and a worked example are in the module
//! docs.

pub mod construct;
mod error;
mod load;
pub mod metadata;
mod quality;
mod scan;
mod series;
mod snapshot;
mod symbols;
pub mod taxonomy;
mod week;
mod write;

pub use chrono::NaiveDate;
pub use construct::{
    Construction, ConstructionOptions, ConstructionReport, HoldingRow, IssuerMapEvaluation,
    IssuerMapTuning, IssuerResolver, NetworkBuilder, Resolution, ResolutionStep, ResolverSettings,
};
pub use error::{Location, RecordKind, Result, SnapshotError};
pub use load::{
    DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_WEEK_BYTES, ProgressFn, SeriesLoader, SnapshotStream,
};
pub use metadata::{
    Metadata, ProtocolCatalog, ProtocolInfo, RevMap, TokenBucket, TokenIssuer, TokenIssuerMap,
};
pub use quality::{Overlap, QualityReport, SeriesSummary, Spread, WeekQuality};
pub use series::SnapshotSeries;
pub use snapshot::{
    CompositionSpan, DropCounts, DropReason, DroppedLink, Link, Node, Repairs, Snapshot,
    TokenAmount,
};
pub use symbols::{ProtocolId, SymbolTable, TokenId};
pub use taxonomy::BroadCategory;
pub use write::SeriesWriter;
