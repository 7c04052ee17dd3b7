//! The crate's error type.

/// Result alias of the crate.
pub type Result<T, E = GraphError> = std::result::Result<T, E>;

/// Errors raised while building graphs or computing metrics. Messages name the snapshot date
/// and the index of the record concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// A node id appears twice in a week (a cleaned snapshot never has this).
    #[error("week {date}: node id {id:?} appears more than once")]
    DuplicateNode {
        /// Week date.
        date: String,
        /// The repeated id.
        id: String,
    },
    /// A link endpoint is not a node of the week (a cleaned snapshot never has this).
    #[error("week {date}: links[{link}] has endpoint {id:?}, which is not a node of the week")]
    UnknownEndpoint {
        /// Week date.
        date: String,
        /// Index of the link in the week's cleaned links.
        link: usize,
        /// The unknown id.
        id: String,
    },
    /// A link weight is negative or not finite.
    #[error(
        "week {date}: links[{link}] has weight {weight}, expected a finite non-negative number"
    )]
    InvalidWeight {
        /// Week date.
        date: String,
        /// Index of the link in the week's cleaned links.
        link: usize,
        /// The weight.
        weight: f64,
    },
    /// An argument is out of its domain (e.g. a damping factor outside (0, 1)).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An iterative algorithm did not converge within its iteration cap.
    #[error("{algorithm} did not converge in {iterations} iterations (tolerance {tolerance})")]
    NoConvergence {
        /// Algorithm name.
        algorithm: &'static str,
        /// Iterations run.
        iterations: usize,
        /// Tolerance asked for.
        tolerance: f64,
    },
    /// Writing a table failed.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}
