//! The crate's error type.

use crate::event_study::Dropped;
use crate::table::CsvProblem;

/// Result alias of the crate.
pub type Result<T, E = EconError> = std::result::Result<T, E>;

/// Errors raised by estimation, inference, change-point detection and series construction.
///
/// Ill-conditioned input is reported here rather than turned into NaN output: a constant
/// series, collinear series, too few observations for the lag order, a residual covariance that
/// is not positive definite.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EconError {
    /// A matrix or data set has the wrong shape (ragged rows, empty data, mismatched sizes).
    #[error("invalid shape: {0}")]
    Shape(String),
    /// A value is NaN or infinite.
    #[error("{what}: value at row {row}, column {column} is not finite ({value})")]
    NonFinite {
        /// What holds the value (e.g. "endog").
        what: &'static str,
        /// Row (observation) index.
        row: usize,
        /// Column (variable) index.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A series does not vary, so it cannot enter a regression with a constant (or a variance
    /// cost) without making it singular.
    #[error("series {name:?} (column {column}) is constant")]
    ConstantSeries {
        /// Variable name.
        name: String,
        /// Column index.
        column: usize,
    },
    /// Not enough observations for the requested lag order and deterministic terms.
    #[error(
        "too few observations: {nobs} usable observations for {params} parameters per equation \
         (lags {lags}); need at least {needed}"
    )]
    TooFewObservations {
        /// Lag order asked for.
        lags: usize,
        /// Observations left after the lags.
        nobs: usize,
        /// Parameters per equation.
        params: usize,
        /// Observations needed (rows of the sample).
        needed: usize,
    },
    /// The regressor matrix does not have full column rank (collinear series).
    #[error(
        "regressors are collinear at lag order {lags}: rank {rank} < {columns} columns \
         (ratio of the largest to the smallest pivot of R: {condition:e})"
    )]
    Collinear {
        /// Lag order.
        lags: usize,
        /// Numerical rank found.
        rank: usize,
        /// Number of regressors.
        columns: usize,
        /// Ratio of the largest to the smallest diagonal entry of the pivoted QR factor `R`
        /// (a lower bound-type estimate of the condition number).
        condition: f64,
    },
    /// A covariance matrix that must be positive definite is not.
    #[error("{what} is not positive definite (pivot {pivot})")]
    NotPositiveDefinite {
        /// Which matrix.
        what: &'static str,
        /// Index of the failing Cholesky pivot.
        pivot: usize,
    },
    /// An argument is out of its domain (zero periods, a level outside (0, 1), …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A variable name or index that the model does not have.
    #[error("unknown variable {0:?}")]
    UnknownVariable(String),
    /// A numerical routine did not converge.
    #[error("{0} did not converge")]
    NoConvergence(&'static str),
    /// A log-difference met a value that is not strictly positive.
    #[error("series {name:?}: log-difference needs positive values, found {value} at {date}")]
    NonPositive {
        /// Series name.
        name: String,
        /// Date (or row) of the value.
        date: String,
        /// The value.
        value: f64,
    },
    /// A rolling window could not be fitted.
    #[error("window ending at row {end}: {source}")]
    Window {
        /// Exclusive end row of the window.
        end: usize,
        /// What went wrong.
        source: Box<EconError>,
    },
    /// A bootstrap replication could not be fitted.
    #[error("bootstrap replication {rep}: {source}")]
    Replication {
        /// Replication index.
        rep: usize,
        /// What went wrong.
        source: Box<EconError>,
    },
    /// A probability distribution could not be built (invalid degrees of freedom).
    #[error("distribution: {0}")]
    Distribution(String),
    /// A CSV file of series ([`SeriesTable::from_csv`](crate::SeriesTable::from_csv)) could
    /// not be read, or holds bad input. The message names the file, the line and the column.
    #[error("{file}{}: {problem}", csv_location(*.line, *.column))]
    Csv {
        /// The file (path as given) or the name given to the reader.
        file: String,
        /// 1-based line of the file (the header is line 1), when the problem has one.
        line: Option<u64>,
        /// 1-based column (the date is column 1), when the problem is in one cell.
        column: Option<usize>,
        /// What is wrong.
        problem: CsvProblem,
    },
    /// An [`EventStudy`](crate::EventStudy) was left with fewer than two series to model.
    #[error(
        "fewer than two usable {what} series (usable: {}; left out: {})",
        list(.usable),
        list(.dropped)
    )]
    TooFewSeries {
        /// What was modelled (`tvl`, `netflow`, a file name).
        what: String,
        /// The series left (zero or one).
        usable: Vec<String>,
        /// The series left out, and why.
        dropped: Vec<Dropped>,
    },
}

fn csv_location(line: Option<u64>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(", line {l}, column {c}"),
        (Some(l), None) => format!(", line {l}"),
        (None, Some(c)) => format!(", column {c}"),
        (None, None) => String::new(),
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
