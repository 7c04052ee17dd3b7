//! The crate's error type.

use std::path::PathBuf;

/// Result alias of the crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Errors of the forecasting model. Messages name the file, the week and the index concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Building a graph or computing a link-prediction metric failed.
    #[error(transparent)]
    Graph(#[from] dexposure_graph::GraphError),
    /// Reading or writing a series failed.
    #[error(transparent)]
    Snapshot(#[from] dexposure_snapshot::SnapshotError),
    /// The series is too short for the asked split or horizon.
    #[error("{0}")]
    NotEnoughWeeks(String),
    /// A date is not a week of the series, or has no history to forecast from.
    #[error("{0}")]
    Date(String),
    /// An argument or configuration value is out of its domain.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A checkpoint file is missing, truncated, corrupt, or does not fit the model or data.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Training produced a non-finite loss.
    #[error("training diverged: loss is {loss} at epoch {epoch}, step {step}")]
    Diverged {
        /// Epoch (from 1).
        epoch: usize,
        /// Step within the epoch (from 0).
        step: usize,
        /// The loss value.
        loss: f64,
    },
}

impl ModelError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn checkpoint(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Checkpoint {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
