//! The crate's single error type.
//!
//! Every message names the file it came from and, where it applies, the snapshot date key and
//! the index of the node or link (0-based, in file order) so that a user can find the bad record
//! with `jq '.data["2022-05-09"].links[1234]'`.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// Result alias used throughout the crate.
pub type Result<T, E = SnapshotError> = std::result::Result<T, E>;

/// Which kind of record inside a week an error points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// The week object itself (`data["YYYY-MM-DD"]`).
    Week,
    /// An entry of the week's `nodes` array.
    Node,
    /// An entry of the week's `links` array.
    Link,
}

/// Where inside a week a record-level problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Week, node or link.
    pub kind: RecordKind,
    /// 0-based index in the `nodes` or `links` array (0 for the week itself).
    pub index: usize,
    /// The field concerned (`"id"`, `"size"`, `"composition"`, …), if any.
    pub field: Option<String>,
}

impl Location {
    /// The week object itself.
    pub(crate) fn week(field: Option<&str>) -> Self {
        Self {
            kind: RecordKind::Week,
            index: 0,
            field: field.map(str::to_owned),
        }
    }

    /// A record of the given kind and index, optionally narrowed to one field.
    pub(crate) fn record(kind: RecordKind, index: usize, field: Option<&str>) -> Self {
        Self {
            kind,
            index,
            field: field.map(str::to_owned),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RecordKind::Week => f.write_str("week object")?,
            RecordKind::Node => write!(f, "nodes[{}]", self.index)?,
            RecordKind::Link => write!(f, "links[{}]", self.index)?,
        }
        if let Some(field) = &self.field {
            write!(f, ".{field}")?;
        }
        Ok(())
    }
}

/// Errors raised while reading, validating or writing DeXposure data and metadata.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file starts with the gzip magic bytes but the stream is corrupt or truncated.
    #[error("{}: corrupt or truncated gzip stream: {source}", path.display())]
    Gzip {
        /// File concerned.
        path: PathBuf,
        /// Underlying decoder error.
        #[source]
        source: std::io::Error,
    },
    /// The file (after decompression) holds no bytes, or only whitespace.
    #[error("{}: the file is empty", path.display())]
    Empty {
        /// File concerned.
        path: PathBuf,
    },
    /// The top-level structure is not `{"data": {"YYYY-MM-DD": {...}, ...}}`.
    #[error("{}: byte {offset}: {message}", path.display())]
    Structure {
        /// File concerned.
        path: PathBuf,
        /// Byte offset in the (decompressed) document.
        offset: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// One week's object is larger than the loader's limit
    /// ([`SeriesLoader::max_week_bytes`](crate::SeriesLoader::max_week_bytes)).
    #[error(
        "{}: byte {offset}: week {date} is larger than {limit} bytes, the limit for one week \
         (SeriesLoader::max_week_bytes; parsing a week takes several times its size in memory)",
        path.display()
    )]
    WeekTooLarge {
        /// File concerned.
        path: PathBuf,
        /// The week's date key.
        date: String,
        /// Byte offset of the week's `{` in the (decompressed) document.
        offset: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A gzip file decompresses to more than the whole-file path's limit
    /// ([`SeriesLoader::max_document_bytes`](crate::SeriesLoader::max_document_bytes)).
    #[error(
        "{}: decompresses to more than {limit} bytes, the whole-file limit \
         (SeriesLoader::max_document_bytes); SeriesLoader::stream reads it in about one week of memory",
        path.display()
    )]
    DocumentTooLarge {
        /// File concerned.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A `data` key is not an ISO date `YYYY-MM-DD`.
    #[error("{}: byte {offset}: date key {key:?} is not a valid YYYY-MM-DD date", path.display())]
    InvalidDate {
        /// File concerned.
        path: PathBuf,
        /// Byte offset of the key in the (decompressed) document.
        offset: u64,
        /// The key as written (possibly shortened).
        key: String,
    },
    /// The same date key appears twice in `data`.
    #[error("{}: date {date} appears more than once in \"data\"", path.display())]
    DuplicateDate {
        /// File concerned.
        path: PathBuf,
        /// The repeated date.
        date: String,
    },
    /// One week's value is not valid JSON.
    #[error("{}: week {date}: invalid JSON at byte {offset} of the file: {message}", path.display())]
    WeekSyntax {
        /// File concerned.
        path: PathBuf,
        /// Date key of the week.
        date: String,
        /// Byte offset in the (decompressed) document.
        offset: u64,
        /// Parser message.
        message: String,
    },
    /// A node or link is structurally valid JSON but violates the schema.
    #[error("{}: week {date}: {location}: {problem}", path.display())]
    Record {
        /// File concerned.
        path: PathBuf,
        /// Date key of the week.
        date: String,
        /// Record (and field) concerned.
        location: Location,
        /// What is wrong.
        problem: String,
    },
    /// A metadata file (`id_to_info.json`, `meta_df.csv`, `token_to_protocol.json`,
    /// `rev_map.json`) does not have the expected shape.
    #[error("{}: {location}: {problem}", path.display())]
    Metadata {
        /// File concerned.
        path: PathBuf,
        /// Key, line or record concerned (e.g. `"182".category`, `line 17`).
        location: String,
        /// What is wrong.
        problem: String,
    },
    /// A series being assembled in memory is inconsistent (e.g. two snapshots with one date).
    #[error("invalid series: {0}")]
    InvalidSeries(String),
    /// A holdings row pushed to [`crate::NetworkBuilder::push`] is invalid (non-finite value,
    /// empty protocol or token, or out of week order with
    /// [`time_ordered`](crate::ConstructionOptions::time_ordered)).
    #[error("holding row {index} (date {date}): {problem}")]
    HoldingRow {
        /// 0-based count of rows pushed to the builder before this one.
        index: u64,
        /// The row's date.
        date: NaiveDate,
        /// What is wrong.
        problem: String,
    },
    /// A holdings CSV file is malformed (missing column, unreadable cell, bad row).
    #[error("{}: {location}: {problem}", path.display())]
    HoldingsCsv {
        /// File concerned.
        path: PathBuf,
        /// Line (1-based, the header is line 1) and column concerned, e.g.
        /// `line 7, column "usd"`.
        location: String,
        /// What is wrong.
        problem: String,
    },
}

impl SnapshotError {
    /// Wraps an I/O error with the file it concerns.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
