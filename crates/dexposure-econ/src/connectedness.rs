//! Diebold–Yilmaz (2012) connectedness from the generalised forecast-error variance
//! decomposition, and its rolling-window version.
//!
//! For horizon `H`, with MA coefficients `Φ_h` and residual covariance `Σ = Σ_u`:
//!
//! ```text
//! θ_ij(H) = σ_jj⁻¹ Σ_{h<H} (e_iᵀ Φ_h Σ e_j)²  /  Σ_{h<H} e_iᵀ Φ_h Σ Φ_hᵀ e_i
//! θ̃_ij   = θ_ij / Σ_j θ_ij                     (rows sum to 1)
//! ```
//!
//! and, in percent (`K` variables):
//!
//! * total connectedness `C = 100 · Σ_{i≠j} θ̃_ij / K`;
//! * directional **to** others from `j`: `100 · Σ_{i≠j} θ̃_ij` (column sum off the diagonal);
//! * directional **from** others to `i`: `100 · Σ_{j≠i} θ̃_ij` (row sum off the diagonal);
//! * net of `i`: to − from; pairwise net `i ← j`: `100 · (θ̃_ji − θ̃_ij)` (positive when `i`
//!   transmits more to `j` than it receives from it).
//!
//! Generalised decompositions do not depend on the variable order (unlike the Cholesky FEVD).

use std::fmt;

use rayon::prelude::*;

use crate::error::{EconError, Result};
use crate::matrix::Matrix;
use crate::var::{Trend, VarModel, VarResults, estimate, truncate};

/// The Diebold–Yilmaz connectedness table of a fitted VAR at one horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Connectedness {
    /// Forecast horizon `H` (number of MA terms summed).
    pub horizon: usize,
    /// Variable names.
    pub names: Vec<String>,
    /// Un-normalised generalised FEVD `θ_ij(H)` (rows need not sum to 1).
    pub gfevd_raw: Matrix,
    /// Row-normalised generalised FEVD `θ̃_ij(H)` (rows sum to 1).
    pub table: Matrix,
    /// Total connectedness index, percent.
    pub total: f64,
    /// Directional connectedness to others, per variable, percent.
    pub to: Vec<f64>,
    /// Directional connectedness from others, per variable, percent.
    pub from: Vec<f64>,
    /// Net connectedness (to − from), per variable, percent.
    pub net: Vec<f64>,
    /// Pairwise net connectedness `(i, j)`: `100 · (θ̃_ji − θ̃_ij)`.
    pub pairwise_net: Matrix,
}

impl Connectedness {
    /// The table of `results` at horizon `horizon ≥ 1`.
    pub fn new(results: &VarResults, horizon: usize) -> Result<Self> {
        if horizon == 0 {
            return Err(EconError::InvalidArgument(
                "connectedness needs horizon ≥ 1".into(),
            ));
        }
        let phis = results.ma_rep(horizon);
        Ok(Self::from_parts(
            &phis[..horizon],
            results.sigma_u(),
            results.names().to_vec(),
        ))
    }

    pub(crate) fn from_parts(phis: &[Matrix], sigma: &Matrix, names: Vec<String>) -> Self {
        let k = sigma.nrows();
        let horizon = phis.len();
        let mut num = Matrix::zeros(k, k);
        let mut den = vec![0.0; k];
        for phi in phis {
            let a = phi.mul_unchecked(sigma);
            for i in 0..k {
                for j in 0..k {
                    num[(i, j)] += a[(i, j)] * a[(i, j)] / sigma[(j, j)];
                }
                // e_iᵀ Φ Σ Φᵀ e_i = Σ_j a_ij φ_ij
                den[i] += (0..k).map(|j| a[(i, j)] * phi[(i, j)]).sum::<f64>();
            }
        }
        let mut raw = num;
        for (i, d) in den.iter().enumerate() {
            for j in 0..k {
                raw[(i, j)] /= d;
            }
        }
        let mut table = raw.clone();
        for i in 0..k {
            let s: f64 = raw.row(i).iter().sum();
            for j in 0..k {
                table[(i, j)] /= s;
            }
        }
        let mut to = vec![0.0; k];
        let mut from = vec![0.0; k];
        let mut off = 0.0;
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    let v = table[(i, j)];
                    to[j] += v;
                    from[i] += v;
                    off += v;
                }
            }
        }
        let to: Vec<f64> = to.iter().map(|v| 100.0 * v).collect();
        let from: Vec<f64> = from.iter().map(|v| 100.0 * v).collect();
        let net = to.iter().zip(&from).map(|(t, f)| t - f).collect();
        let mut pairwise_net = Matrix::zeros(k, k);
        for i in 0..k {
            for j in 0..k {
                pairwise_net[(i, j)] = 100.0 * (table[(j, i)] - table[(i, j)]);
            }
        }
        Self {
            horizon,
            names,
            gfevd_raw: raw,
            table,
            total: 100.0 * off / k as f64,
            to,
            from,
            net,
            pairwise_net,
        }
    }
}

impl fmt::Display for Connectedness {
    /// The Diebold–Yilmaz table in percent: rows = receivers, columns = transmitters, a FROM
    /// column, TO and NET rows and the total index.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.names.len();
        let w = 10;
        write!(f, "{:<w$}", "")?;
        for n in &self.names {
            write!(f, " {:>w$}", truncate(n, w))?;
        }
        writeln!(f, " {:>w$}", "FROM")?;
        for (i, name) in self.names.iter().enumerate() {
            write!(f, "{:<w$}", truncate(name, w))?;
            for j in 0..k {
                let v = self.table.get(i, j).unwrap_or(f64::NAN);
                write!(f, " {:>w$.2}", 100.0 * v)?;
            }
            writeln!(
                f,
                " {:>w$.2}",
                self.from.get(i).copied().unwrap_or(f64::NAN)
            )?;
        }
        write!(f, "{:<w$}", "TO")?;
        for v in &self.to {
            write!(f, " {v:>w$.2}")?;
        }
        writeln!(f, " {:>w$.2}", self.to.iter().sum::<f64>())?;
        write!(f, "{:<w$}", "NET")?;
        for v in &self.net {
            write!(f, " {v:>w$.2}")?;
        }
        writeln!(f)?;
        writeln!(f, "total connectedness: {:.2}%", self.total)
    }
}

impl VarResults {
    /// Diebold–Yilmaz connectedness at `horizon` (see [`Connectedness`]).
    pub fn connectedness(&self, horizon: usize) -> Result<Connectedness> {
        Connectedness::new(self, horizon)
    }
}

/// Options of [`RollingConnectedness`]: window length, lag order, horizon and step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollingConfig {
    /// Observations per window.
    pub window: usize,
    /// VAR lag order in every window (default 1).
    pub lags: usize,
    /// Forecast horizon (default 10).
    pub horizon: usize,
    /// Distance between consecutive window ends (default 1).
    pub step: usize,
}

impl RollingConfig {
    /// Windows of `window` observations, VAR(1), horizon 10, every observation.
    pub fn new(window: usize) -> Self {
        Self {
            window,
            lags: 1,
            horizon: 10,
            step: 1,
        }
    }

    /// Sets the lag order.
    pub fn lags(mut self, lags: usize) -> Self {
        self.lags = lags;
        self
    }

    /// Sets the forecast horizon.
    pub fn horizon(mut self, horizon: usize) -> Self {
        self.horizon = horizon;
        self
    }

    /// Sets the step between windows.
    pub fn step(mut self, step: usize) -> Self {
        self.step = step;
        self
    }
}

/// Connectedness over rolling windows (windows fitted in parallel; results in time order).
#[derive(Debug, Clone, PartialEq)]
pub struct RollingConnectedness {
    /// The options used.
    pub config: RollingConfig,
    /// Variable names.
    pub names: Vec<String>,
    /// Exclusive end row of each window (the window is `end − window .. end`).
    pub ends: Vec<usize>,
    /// One table per window.
    pub tables: Vec<Connectedness>,
}

impl RollingConnectedness {
    /// Fits a VAR(`lags`) with the model's trend on every window and computes its table. A
    /// window that cannot be fitted (e.g. a series constant inside it) is an error naming the
    /// window.
    pub fn new(model: &VarModel, config: RollingConfig) -> Result<Self> {
        let n = model.n_totobs();
        if config.window == 0 || config.window > n || config.step == 0 || config.horizon == 0 {
            return Err(EconError::InvalidArgument(format!(
                "rolling window {} / step {} / horizon {} invalid for {n} observations",
                config.window, config.step, config.horizon
            )));
        }
        let ends: Vec<usize> = (config.window..=n).step_by(config.step).collect();
        let trend: Trend = model.trend();
        let names = model.names().to_vec();
        let tables = ends
            .par_iter()
            .map(|&end| {
                let data = model.endog().rows_range(end - config.window, end);
                let est =
                    estimate(&data, config.lags, 0, trend).map_err(|e| EconError::Window {
                        end,
                        source: Box::new(e),
                    })?;
                let res = VarResults::from_parts(names.clone(), data, est).map_err(|e| {
                    EconError::Window {
                        end,
                        source: Box::new(e),
                    }
                })?;
                Connectedness::new(&res, config.horizon)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            config,
            names,
            ends,
            tables,
        })
    }

    /// The total connectedness index of each window.
    pub fn total(&self) -> Vec<f64> {
        self.tables.iter().map(|t| t.total).collect()
    }

    /// Net connectedness of variable `i` in each window.
    pub fn net(&self, i: usize) -> Vec<f64> {
        self.tables
            .iter()
            .map(|t| t.net.get(i).copied().unwrap_or(0.0))
            .collect()
    }
}
