//! [`Shock`]: the initial loss of each node, as a fraction of its TVL.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StressError};

/// Initial loss fraction per node of one graph (node index order), each in [0, 1].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Shock {
    fractions: Vec<f64>,
}

impl Shock {
    /// No loss anywhere on a graph of `n` nodes.
    pub fn none(n: usize) -> Self {
        Self {
            fractions: vec![0.0; n],
        }
    }

    /// A shock from explicit fractions; each must be finite and in [0, 1].
    pub fn from_fractions(fractions: Vec<f64>) -> Result<Self> {
        if let Some((i, f)) = fractions
            .iter()
            .enumerate()
            .find(|(_, f)| !(0.0..=1.0).contains(*f))
        {
            return Err(StressError::InvalidShock(format!(
                "node {i}: fraction {f} is not in [0, 1]"
            )));
        }
        Ok(Self { fractions })
    }

    /// Sets node `i`'s fraction to the larger of its current one and `fraction` (scenarios that
    /// hit a node twice keep the harsher shock).
    pub fn hit(&mut self, i: usize, fraction: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(StressError::InvalidShock(format!(
                "fraction {fraction} is not in [0, 1]"
            )));
        }
        let n = self.fractions.len();
        let slot = self.fractions.get_mut(i).ok_or_else(|| {
            StressError::InvalidShock(format!("node {i} is outside a graph of {n} nodes"))
        })?;
        *slot = slot.max(fraction);
        Ok(())
    }

    /// The fraction of each node.
    pub fn fractions(&self) -> &[f64] {
        &self.fractions
    }

    /// Number of nodes the shock is for.
    pub fn len(&self) -> usize {
        self.fractions.len()
    }

    /// True for a shock over no node.
    pub fn is_empty(&self) -> bool {
        self.fractions.is_empty()
    }

    /// Nodes hit (fraction > 0).
    pub fn hit_nodes(&self) -> impl Iterator<Item = usize> + '_ {
        self.fractions
            .iter()
            .enumerate()
            .filter(|(_, f)| **f > 0.0)
            .map(|(i, _)| i)
    }

    /// Checks the shock fits a graph of `n` nodes.
    pub fn check_len(&self, n: usize) -> Result<()> {
        if self.fractions.len() == n {
            Ok(())
        } else {
            Err(StressError::InvalidShock(format!(
                "shock over {} nodes for a graph of {n}",
                self.fractions.len()
            )))
        }
    }
}
