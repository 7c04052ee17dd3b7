//! Errors of the forecast-then-measure tools.

/// What can go wrong in [`crate::monitor`].
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// A graph metric failed.
    #[error(transparent)]
    Graph(#[from] dexposure_graph::GraphError),
    /// The model failed (training, loading or forecasting).
    #[error(transparent)]
    Model(#[from] dexposure_model::ModelError),
    /// A stress engine or scenario failed.
    #[error(transparent)]
    Stress(#[from] dexposure_stress::StressError),
    /// Reading a week failed.
    #[error(transparent)]
    Snapshot(#[from] dexposure_snapshot::SnapshotError),
    /// The inputs do not fit together (a checkpoint trained on other data, a date outside the
    /// series, too few weeks).
    #[error("{0}")]
    Input(String),
}

/// Result of the monitor tools.
pub type Result<T> = std::result::Result<T, MonitorError>;
