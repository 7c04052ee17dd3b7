//! The crate's error type.

/// Result alias of the crate.
pub type Result<T, E = StressError> = std::result::Result<T, E>;

/// Errors raised by stress tests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StressError {
    /// A shock does not fit the graph (length, fraction outside [0, 1], unknown protocol…).
    #[error("invalid shock: {0}")]
    InvalidShock(String),
    /// An engine or scenario parameter is out of its domain.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// An iterative engine did not converge within its iteration cap.
    #[error("{engine} did not converge in {iterations} iterations (tolerance {tolerance})")]
    NoConvergence {
        /// Engine name.
        engine: &'static str,
        /// Iterations run.
        iterations: usize,
        /// Tolerance asked for.
        tolerance: f64,
    },
    /// A scenario file could not be read or parsed.
    #[error("{path}: {message}")]
    ScenarioFile {
        /// File concerned.
        path: String,
        /// What is wrong (with line/column when the parser gives them).
        message: String,
    },
    /// An error from the graph crate.
    #[error(transparent)]
    Graph(#[from] dexposure_graph::GraphError),
}
