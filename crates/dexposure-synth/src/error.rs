//! The crate's error type.

use thiserror::Error;

/// Errors of the simulator and its calibration.
#[derive(Debug, Error)]
pub enum SynthError {
    /// An invalid setting.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// The construction pipeline or a writer failed.
    #[error(transparent)]
    Snapshot(#[from] dexposure_snapshot::SnapshotError),
    /// A graph computation of the calibration failed.
    #[error(transparent)]
    Graph(#[from] dexposure_graph::GraphError),
    /// Writing metadata files failed.
    #[error("{path}: {source}")]
    Io {
        /// File being written.
        path: std::path::PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Result with [`SynthError`].
pub type Result<T> = std::result::Result<T, SynthError>;
