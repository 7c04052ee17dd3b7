//! Scenario-based stress testing on DeXposure exposure graphs (DESIGN.md §7).
//!
//! Shocks and scenarios ([`scenario`]), three contagion engines ([`ContagionEngine`]), the
//! predictive stress evaluation of DeXposure-FM's Task II ([`predictive`]) and early-warning
//! rules over metric series ([`early_warning`]), and percentile [`bootstrap`] intervals.
//!
//! ```
//! use dexposure_stress::Shock;
//! let mut shock = Shock::none(3);
//! shock.hit(1, 0.5)?;
//! assert_eq!(shock.hit_nodes().collect::<Vec<_>>(), vec![1]);
//! # Ok::<(), dexposure_stress::StressError>(())
//! ```

pub mod bootstrap;
mod engine;
mod error;
pub mod scenario;
mod shock;

pub use engine::{
    CascadeAllocation, ContagionEngine, DebtRank, EisenbergNoe, LossCascade, PropagationStep,
    SectorLoss, StressResult,
};
pub use error::{Result, StressError};
pub use scenario::{Scenario, ScenarioShock, reverse_stress};
pub use shock::Shock;
pub mod early_warning;
pub mod predictive;
pub use early_warning::{Alert, EarlyWarning};
pub use predictive::{
    AnchorEvaluation, AnchorGraphs, AnchorWeeks, ErrorSummary, PredictiveEvaluator,
    PredictiveReport, PredictiveSummary, ShockSelection, SummaryIntervals,
};
