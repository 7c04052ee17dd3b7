//! Scenario-based stress testing on DeXposure exposure graphs (DESIGN.md §7).
//!
//! Work in progress (issue 5): shocks, scenarios and contagion engines are here; early warning
//! and predictive evaluation follow.
//!
//! ```
//! use dexposure_stress::Shock;
//! let mut shock = Shock::none(3);
//! shock.hit(1, 0.5)?;
//! assert_eq!(shock.hit_nodes().collect::<Vec<_>>(), vec![1]);
//! # Ok::<(), dexposure_stress::StressError>(())
//! ```

mod engine;
mod error;
pub mod scenario;
mod shock;

pub use engine::{
    ContagionEngine, DebtRank, EisenbergNoe, LossCascade, PropagationStep, SectorLoss, StressResult,
};
pub use error::{Result, StressError};
pub use scenario::{Scenario, ScenarioShock, reverse_stress};
pub use shock::Shock;
