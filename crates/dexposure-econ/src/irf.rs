//! Impulse responses and forecast-error variance decompositions (statsmodels' `IRAnalysis`
//! and `FEVD`), plus the generalised impulse responses of Pesaran & Shin (1998).
//!
//! All responses are stored as one `K × K` matrix per horizon `h = 0..=periods`, entry
//! `(i, j)` = response of variable `i` to a shock in variable `j` — statsmodels'
//! `irfs[h, i, j]`.
//!
//! * `irfs`: `Φ_h`, the MA coefficients (a unit shock to `u_j`);
//! * `orth_irfs`: `Φ_h P` with `P` the lower Cholesky factor of `Σ_u` (a one-standard-deviation
//!   orthogonalised shock; depends on the variable order);
//! * `girf`: `Φ_h Σ_u e_j / √σ_jj` (a one-standard-deviation shock to `u_j`, integrating out
//!   the others with their historical correlation; order-invariant);
//! * `cum_*`: running sums over horizons.

use crate::error::{EconError, Result};
use crate::matrix::Matrix;
use crate::var::VarResults;

/// Which impulse response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IrfKind {
    /// Non-orthogonalised `Φ_h`.
    Plain,
    /// Cholesky-orthogonalised `Φ_h P`.
    Orthogonalised,
    /// Generalised (Pesaran–Shin).
    Generalised,
}

impl IrfKind {
    /// Short name for files and labels: `irf`, `oirf`, `girf`.
    pub const fn name(self) -> &'static str {
        match self {
            IrfKind::Plain => "irf",
            IrfKind::Orthogonalised => "oirf",
            IrfKind::Generalised => "girf",
        }
    }
}

/// Impulse responses of a fitted VAR for horizons `0..=periods`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpulseResponse {
    /// Number of periods after impact.
    pub periods: usize,
    /// Variable names.
    pub names: Vec<String>,
    /// `Φ_h` (statsmodels `irfs`).
    pub irfs: Vec<Matrix>,
    /// `Φ_h P` (statsmodels `orth_irfs`).
    pub orth_irfs: Vec<Matrix>,
    /// Generalised responses `Φ_h Σ_u e_j / √σ_jj`.
    pub girf: Vec<Matrix>,
    /// `Σ_{s≤h} Φ_s` (statsmodels `cum_effects`).
    pub cum_effects: Vec<Matrix>,
    /// `Σ_{s≤h} Φ_s P` (statsmodels `orth_cum_effects`).
    pub orth_cum_effects: Vec<Matrix>,
    /// Cumulative generalised responses.
    pub cum_girf: Vec<Matrix>,
}

pub(crate) fn cumulate(ms: &[Matrix]) -> Vec<Matrix> {
    let mut out: Vec<Matrix> = Vec::with_capacity(ms.len());
    for m in ms {
        let next = match out.last() {
            Some(prev) => prev.add_unchecked(m),
            None => m.clone(),
        };
        out.push(next);
    }
    out
}

pub(crate) fn girf_from(phis: &[Matrix], sigma: &Matrix) -> Vec<Matrix> {
    let sd: Vec<f64> = sigma.diagonal().iter().map(|v| v.sqrt()).collect();
    phis.iter()
        .map(|phi| {
            let mut g = phi.mul_unchecked(sigma);
            let k = g.ncols();
            for i in 0..g.nrows() {
                for (j, s) in sd.iter().enumerate().take(k) {
                    g[(i, j)] /= s;
                }
            }
            g
        })
        .collect()
}

impl ImpulseResponse {
    /// Responses of `results` for horizons `0..=periods` (statsmodels `results.irf(periods)`).
    pub fn new(results: &VarResults, periods: usize) -> Self {
        let irfs = results.ma_rep(periods);
        let orth_irfs = results.orth_ma_rep(periods);
        let girf = girf_from(&irfs, results.sigma_u());
        Self {
            periods,
            names: results.names().to_vec(),
            cum_effects: cumulate(&irfs),
            orth_cum_effects: cumulate(&orth_irfs),
            cum_girf: cumulate(&girf),
            irfs,
            orth_irfs,
            girf,
        }
    }

    /// The matrices of one kind, cumulative or not.
    pub fn matrices(&self, kind: IrfKind, cumulative: bool) -> &[Matrix] {
        match (kind, cumulative) {
            (IrfKind::Plain, false) => &self.irfs,
            (IrfKind::Plain, true) => &self.cum_effects,
            (IrfKind::Orthogonalised, false) => &self.orth_irfs,
            (IrfKind::Orthogonalised, true) => &self.orth_cum_effects,
            (IrfKind::Generalised, false) => &self.girf,
            (IrfKind::Generalised, true) => &self.cum_girf,
        }
    }

    /// The path `h = 0..=periods` of the response of `response` to a shock in `impulse`.
    pub fn path(&self, kind: IrfKind, response: usize, impulse: usize) -> Result<Vec<f64>> {
        let k = self.names.len();
        if response >= k || impulse >= k {
            return Err(EconError::UnknownVariable(format!(
                "response {response} / impulse {impulse} of {k} variables"
            )));
        }
        Ok(self
            .matrices(kind, false)
            .iter()
            .map(|m| m[(response, impulse)])
            .collect())
    }
}

/// Forecast-error variance decomposition from orthogonalised shocks (statsmodels `FEVD`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fevd {
    /// Horizons `1..=periods`.
    pub periods: usize,
    /// Variable names.
    pub names: Vec<String>,
    /// `decomp[i]` is `periods × K`: row `h` gives the shares of the `(h+1)`-step forecast
    /// error variance of variable `i` due to each orthogonalised shock (rows sum to 1) —
    /// statsmodels' `decomp[i, h, :]`.
    pub decomp: Vec<Matrix>,
}

impl Fevd {
    /// The decomposition of `results` for horizons `1..=periods` (statsmodels
    /// `results.fevd(periods)`).
    pub fn new(results: &VarResults, periods: usize) -> Result<Self> {
        if periods == 0 {
            return Err(EconError::InvalidArgument("FEVD needs periods ≥ 1".into()));
        }
        let k = results.neqs();
        let orth = results.orth_ma_rep(periods);
        let mse = results.mse(periods);
        let mut decomp = vec![Matrix::zeros(periods, k); k];
        let mut acc = Matrix::zeros(k, k);
        for h in 0..periods {
            acc = acc.add_unchecked(&orth[h].map(|v| v * v));
            for (i, d) in decomp.iter_mut().enumerate() {
                let total = mse[h][(i, i)];
                for j in 0..k {
                    d[(h, j)] = acc[(i, j)] / total;
                }
            }
        }
        Ok(Self {
            periods,
            names: results.names().to_vec(),
            decomp,
        })
    }
}

impl VarResults {
    /// Impulse responses for horizons `0..=periods` (statsmodels `irf(periods)`).
    pub fn irf(&self, periods: usize) -> ImpulseResponse {
        ImpulseResponse::new(self, periods)
    }

    /// Forecast-error variance decomposition for horizons `1..=periods` (statsmodels
    /// `fevd(periods)`).
    pub fn fevd(&self, periods: usize) -> Result<Fevd> {
        Fevd::new(self, periods)
    }
}
