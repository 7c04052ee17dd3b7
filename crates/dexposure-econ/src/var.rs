//! Vector autoregression by OLS, with statsmodels' `VAR` conventions (DESIGN.md §8).
//!
//! The model for `K` variables and lag order `p` is
//! `y_t = D_t + A_1 y_{t-1} + … + A_p y_{t-p} + u_t`, with deterministic terms `D_t` chosen by
//! [`Trend`]. Estimation is equation-by-equation OLS on the regressor matrix `Z` whose row for
//! observation `t` is `[trend terms, y_{t-1}ᵀ, …, y_{t-p}ᵀ]` — exactly statsmodels'
//! `endog_lagged` — so [`VarResults::params`] has statsmodels' layout: `k_trend + K·p` rows
//! (trend terms first, then lag 1 of every variable, then lag 2, …) and `K` columns (one per
//! equation).
//!
//! Conventions shared with statsmodels 0.14+:
//!
//! * the linear trend of observation `t` (0-based in the data given) is `t + 1`, and forecasts
//!   continue it (`T + 1, T + 2, …`);
//! * `sigma_u = ûᵀû / df_resid` with `df_resid = nobs − (K·p + k_trend)`; `sigma_u_mle` divides
//!   by `nobs` instead;
//! * `cov_params = (ZᵀZ)⁻¹ ⊗ sigma_u`; standard errors are the square roots of its diagonal;
//!   p-values are two-sided from the **normal** distribution (statsmodels' choice for VAR);
//! * `llf`, AIC, BIC, HQIC and FPE use `sigma_u_mle` and count `K²·p + K·k_trend` free
//!   parameters (Lütkepohl pp. 146–150);
//! * lag selection fits every order `p_min..=maxlags` on the same sample (the first
//!   `maxlags − p` observations are skipped), `p_min = 0` with deterministic terms, 1 without,
//!   and takes the first minimiser of each criterion;
//! * the Granger F test divides the Wald statistic by the number of restrictions and uses
//!   `F(restrictions, K·df_resid)`; the instantaneous-causality test is the Wald test on the
//!   off-diagonal entries of `sigma_u` with `χ²(restrictions)`.
//!
//! Where statsmodels returns `NaN` or `inf` for ill-conditioned input this module returns an
//! [`EconError`] instead: constant series, collinear regressors, no residual degrees of
//! freedom, a residual covariance that is not positive definite.

use std::fmt;

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal};

use crate::error::{EconError, Result};
use crate::linalg;
use crate::matrix::{Complex, Matrix};

/// Deterministic terms of the VAR (statsmodels' `trend` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Trend {
    /// No deterministic term (`"n"`).
    None,
    /// A constant (`"c"`), the default.
    #[default]
    Constant,
    /// A constant and a linear time trend (`"ct"`).
    ConstantLinear,
}

impl Trend {
    /// Number of deterministic regressors (0, 1 or 2).
    pub const fn k_trend(self) -> usize {
        match self {
            Trend::None => 0,
            Trend::Constant => 1,
            Trend::ConstantLinear => 2,
        }
    }

    /// statsmodels' code: `"n"`, `"c"` or `"ct"`.
    pub const fn code(self) -> &'static str {
        match self {
            Trend::None => "n",
            Trend::Constant => "c",
            Trend::ConstantLinear => "ct",
        }
    }

    /// The trend for a statsmodels code (`"n"`, `"c"`, `"ct"`), if it is one of those.
    pub fn from_code(code: &str) -> Option<Trend> {
        match code {
            "n" | "nc" => Some(Trend::None),
            "c" => Some(Trend::Constant),
            "ct" => Some(Trend::ConstantLinear),
            _ => None,
        }
    }

    /// The deterministic regressors at 1-based time index `time`.
    fn terms(self, time: f64) -> [f64; 2] {
        [1.0, time]
    }
}

impl fmt::Display for Trend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An information criterion for lag-order selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InfoCriterion {
    /// Akaike.
    Aic,
    /// Schwarz (Bayesian).
    Bic,
    /// Hannan–Quinn.
    Hqic,
    /// Final prediction error.
    Fpe,
}

impl InfoCriterion {
    /// All four, in statsmodels' order.
    pub const ALL: [InfoCriterion; 4] = [
        InfoCriterion::Aic,
        InfoCriterion::Bic,
        InfoCriterion::Hqic,
        InfoCriterion::Fpe,
    ];

    /// Lower-case name (`"aic"`, …), as statsmodels' `ic` argument.
    pub const fn name(self) -> &'static str {
        match self {
            InfoCriterion::Aic => "aic",
            InfoCriterion::Bic => "bic",
            InfoCriterion::Hqic => "hqic",
            InfoCriterion::Fpe => "fpe",
        }
    }

    /// The criterion named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<InfoCriterion> {
        InfoCriterion::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::str::FromStr for InfoCriterion {
    type Err = EconError;

    /// As [`InfoCriterion::from_name`], with an error naming the accepted values.
    fn from_str(s: &str) -> Result<Self> {
        InfoCriterion::from_name(s).ok_or_else(|| {
            EconError::InvalidArgument(format!(
                "information criterion {s:?}: expected aic, bic, hqic or fpe"
            ))
        })
    }
}

impl fmt::Display for InfoCriterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// AIC, BIC, HQIC and FPE of one fitted VAR (statsmodels' `info_criteria`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InfoCriteria {
    /// Akaike: `ln|Σ̃| + 2·n_free / T`.
    pub aic: f64,
    /// Schwarz: `ln|Σ̃| + ln(T)·n_free / T`.
    pub bic: f64,
    /// Hannan–Quinn: `ln|Σ̃| + 2·ln(ln T)·n_free / T`.
    pub hqic: f64,
    /// Final prediction error: `((T + df_model) / df_resid)^K · |Σ̃|`.
    pub fpe: f64,
}

impl InfoCriteria {
    /// The value of one criterion.
    pub fn get(&self, ic: InfoCriterion) -> f64 {
        match ic {
            InfoCriterion::Aic => self.aic,
            InfoCriterion::Bic => self.bic,
            InfoCriterion::Hqic => self.hqic,
            InfoCriterion::Fpe => self.fpe,
        }
    }
}

/// The outcome of [`VarModel::select_order`] (statsmodels' `LagOrderResults`).
#[derive(Debug, Clone, PartialEq)]
pub struct LagOrderResults {
    /// Largest order tried.
    pub maxlags: usize,
    /// Smallest order tried (0 with deterministic terms, 1 without).
    pub min_lag: usize,
    /// Deterministic terms used.
    pub trend: Trend,
    /// Criteria of order `min_lag + i` at position `i`.
    pub ics: Vec<InfoCriteria>,
}

impl LagOrderResults {
    /// The order minimising `ic` (the first one on ties, as numpy's `argmin`).
    pub fn selected(&self, ic: InfoCriterion) -> usize {
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in self.ics.iter().enumerate() {
            let v = c.get(ic);
            if best.is_none_or(|(_, b)| v < b) {
                best = Some((i, v));
            }
        }
        self.min_lag + best.map_or(0, |(i, _)| i)
    }

    /// The criteria of lag order `p`, if it was tried.
    pub fn criteria(&self, p: usize) -> Option<&InfoCriteria> {
        p.checked_sub(self.min_lag).and_then(|i| self.ics.get(i))
    }
}

impl fmt::Display for LagOrderResults {
    /// statsmodels' summary table: one row per order, the minimum of each column starred.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let best = InfoCriterion::ALL.map(|ic| self.selected(ic));
        writeln!(
            f,
            "{:>4} {:>13} {:>13} {:>13} {:>13}",
            "lag", "AIC", "BIC", "FPE", "HQIC"
        )?;
        for (i, c) in self.ics.iter().enumerate() {
            let p = self.min_lag + i;
            let cell = |v: f64, ic: usize| {
                let star = if best[ic] == p { "*" } else { " " };
                format!("{v:>12.4e}{star}")
            };
            writeln!(
                f,
                "{p:>4} {} {} {} {}",
                cell(c.aic, 0),
                cell(c.bic, 1),
                cell(c.fpe, 3),
                cell(c.hqic, 2)
            )?;
        }
        Ok(())
    }
}

/// A VAR model specification: the data (rows = observations, columns = variables), variable
/// names and deterministic terms. [`fit`](Self::fit) estimates it.
///
/// ```
/// use dexposure_econ::{Matrix, Trend, VarModel};
///
/// // two smooth deterministic series, one row per observation
/// let rows: Vec<Vec<f64>> = (0..40)
///     .map(|t| vec![(t as f64 * 0.7).sin(), (t as f64 * 1.3).cos()])
///     .collect();
/// let model = VarModel::new(Matrix::from_rows(&rows)?)?.with_trend(Trend::Constant);
/// let results = model.fit(1)?;
/// assert_eq!(results.params().shape(), (3, 2)); // constant + 2 lags × 2 equations
/// assert_eq!(results.nobs(), 39);
/// # Ok::<(), dexposure_econ::EconError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VarModel {
    endog: Matrix,
    names: Vec<String>,
    trend: Trend,
}

impl VarModel {
    /// A model of `endog` (rows = observations in time order, columns = variables) with a
    /// constant, variables named `y1, y2, …`.
    ///
    /// Errors: no variable or observation, a non-finite value, a constant column.
    pub fn new(endog: Matrix) -> Result<Self> {
        let (n, k) = endog.shape();
        if n == 0 || k == 0 {
            return Err(EconError::Shape(format!(
                "endog is {n}×{k}; need at least one observation and one variable"
            )));
        }
        for i in 0..n {
            for (j, &v) in endog.row(i).iter().enumerate() {
                if !v.is_finite() {
                    return Err(EconError::NonFinite {
                        what: "endog",
                        row: i,
                        column: j,
                        value: v,
                    });
                }
            }
        }
        let names: Vec<String> = (1..=k).map(|j| format!("y{j}")).collect();
        for (j, name) in names.iter().enumerate() {
            if is_constant(&endog, j) {
                return Err(EconError::ConstantSeries {
                    name: name.clone(),
                    column: j,
                });
            }
        }
        Ok(Self {
            endog,
            names,
            trend: Trend::Constant,
        })
    }

    /// Sets the variable names (one per column).
    pub fn with_names<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != self.endog.ncols() {
            return Err(EconError::Shape(format!(
                "{} names for {} variables",
                names.len(),
                self.endog.ncols()
            )));
        }
        self.names = names;
        Ok(self)
    }

    /// Sets the deterministic terms (default [`Trend::Constant`]).
    pub fn with_trend(mut self, trend: Trend) -> Self {
        self.trend = trend;
        self
    }

    /// The data.
    pub fn endog(&self) -> &Matrix {
        &self.endog
    }

    /// Variable names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Deterministic terms.
    pub fn trend(&self) -> Trend {
        self.trend
    }

    /// Number of variables `K`.
    pub fn neqs(&self) -> usize {
        self.endog.ncols()
    }

    /// Number of observations `T` (statsmodels' `n_totobs`).
    pub fn n_totobs(&self) -> usize {
        self.endog.nrows()
    }

    /// Fits a VAR(`lags`) by OLS (statsmodels `VAR(endog).fit(lags, trend=...)`).
    pub fn fit(&self, lags: usize) -> Result<VarResults> {
        let est = estimate(&self.endog, lags, 0, self.trend)?;
        VarResults::from_estimate(self, est)
    }

    /// Selects the lag order by `ic` among `0..=maxlags` and fits it (statsmodels
    /// `fit(maxlags, ic=...)`).
    pub fn fit_ic(&self, maxlags: usize, ic: InfoCriterion) -> Result<VarResults> {
        let sel = self.select_order(Some(maxlags))?;
        self.fit(sel.selected(ic))
    }

    /// The largest lag order statsmodels can estimate on this sample:
    /// `(T − K − k_trend) / (1 + K)`.
    pub fn max_estimable_lags(&self) -> usize {
        let (n, k) = self.endog.shape();
        n.saturating_sub(k + self.trend.k_trend()) / (1 + k)
    }

    /// Computes AIC, BIC, HQIC and FPE for every order up to `maxlags` on a common sample
    /// (statsmodels `select_order`). Without `maxlags`, statsmodels' default
    /// `round(12·(T/100)^¼)` capped at [`max_estimable_lags`](Self::max_estimable_lags).
    pub fn select_order(&self, maxlags: Option<usize>) -> Result<LagOrderResults> {
        let max_est = self.max_estimable_lags();
        let maxlags = match maxlags {
            Some(m) if m > max_est => {
                return Err(EconError::InvalidArgument(format!(
                    "maxlags {m} is larger than the {max_est} lags this sample of {} \
                     observations can estimate",
                    self.n_totobs()
                )));
            }
            Some(m) => m,
            None => {
                let n = self.n_totobs() as f64;
                ((12.0 * (n / 100.0).powf(0.25)).round() as usize).min(max_est)
            }
        };
        let min_lag = usize::from(self.trend == Trend::None);
        if maxlags < min_lag {
            return Err(EconError::InvalidArgument(
                "maxlags must be at least 1 without deterministic terms".into(),
            ));
        }
        let mut ics = Vec::with_capacity(maxlags + 1 - min_lag);
        for p in min_lag..=maxlags {
            let est = estimate(&self.endog, p, maxlags - p, self.trend)?;
            ics.push(est.info_criteria()?);
        }
        Ok(LagOrderResults {
            maxlags,
            min_lag,
            trend: self.trend,
            ics,
        })
    }

    /// Index of the variable called `name`.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        index_of(&self.names, name)
    }
}

fn index_of(names: &[String], name: &str) -> Result<usize> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| EconError::UnknownVariable(name.to_string()))
}

fn is_constant(m: &Matrix, j: usize) -> bool {
    let first = m.get(0, j);
    (1..m.nrows()).all(|i| m.get(i, j) == first)
}

/// The raw output of one OLS fit, shared by fitting, lag selection and the bootstrap.
#[derive(Debug, Clone)]
pub(crate) struct Estimate {
    pub(crate) lags: usize,
    pub(crate) trend: Trend,
    pub(crate) z: Matrix,
    pub(crate) params: Matrix,
    pub(crate) resid: Matrix,
    pub(crate) sigma_u: Matrix,
    pub(crate) df_resid: usize,
}

impl Estimate {
    fn nobs(&self) -> usize {
        self.resid.nrows()
    }

    fn neqs(&self) -> usize {
        self.resid.ncols()
    }

    fn df_model(&self) -> usize {
        self.neqs() * self.lags + self.trend.k_trend()
    }

    fn sigma_u_mle(&self) -> Matrix {
        let f = self.df_resid as f64 / self.nobs() as f64;
        self.sigma_u.map(|v| v * f)
    }

    fn info_criteria(&self) -> Result<InfoCriteria> {
        let nobs = self.nobs() as f64;
        let k = self.neqs();
        let free = (self.lags * k * k + k * self.trend.k_trend()) as f64;
        let ld = linalg::logdet_spd(&self.sigma_u_mle(), "sigma_u_mle")?;
        Ok(InfoCriteria {
            aic: ld + (2.0 / nobs) * free,
            bic: ld + (nobs.ln() / nobs) * free,
            hqic: ld + (2.0 * nobs.ln().ln() / nobs) * free,
            fpe: ((nobs + self.df_model() as f64) / self.df_resid as f64).powi(k as i32) * ld.exp(),
        })
    }
}

/// The regressor matrix `Z` for `endog[offset..]` (statsmodels' `get_var_endog` with the
/// JMulTi trend adjustment: the trend of row `t` of `endog[offset..]` is `t + 1`).
pub(crate) fn lagged_regressors(
    endog: &Matrix,
    lags: usize,
    offset: usize,
    trend: Trend,
) -> Matrix {
    let k = endog.ncols();
    let n = endog.nrows().saturating_sub(offset);
    let kt = trend.k_trend();
    let cols = kt + k * lags;
    let rows = n.saturating_sub(lags);
    let mut z = Matrix::zeros(rows, cols);
    let zd = z.data_mut();
    for r in 0..rows {
        let t = r + lags; // index within endog[offset..]
        let out = &mut zd[r * cols..(r + 1) * cols];
        let terms = trend.terms((t + 1) as f64);
        out[..kt].copy_from_slice(&terms[..kt]);
        for l in 1..=lags {
            let src = endog.row(offset + t - l);
            out[kt + (l - 1) * k..kt + l * k].copy_from_slice(src);
        }
    }
    z
}

/// OLS fit of a VAR(`lags`) on `endog[offset..]`.
pub(crate) fn estimate(
    endog: &Matrix,
    lags: usize,
    offset: usize,
    trend: Trend,
) -> Result<Estimate> {
    let k = endog.ncols();
    let n = endog.nrows().saturating_sub(offset);
    let df_model = k * lags + trend.k_trend();
    let nobs = n.saturating_sub(lags);
    if nobs <= df_model {
        return Err(EconError::TooFewObservations {
            lags,
            nobs,
            params: df_model,
            needed: df_model + 1,
        });
    }
    let z = lagged_regressors(endog, lags, offset, trend);
    let y = endog.rows_range(offset + lags, endog.nrows());
    let params = linalg::lstsq(&z, &y, lags)?;
    let fitted = z.mul_unchecked(&params);
    let mut resid = y;
    for (r, f) in resid.data_mut().iter_mut().zip(fitted.as_slice()) {
        *r -= f;
    }
    let df_resid = nobs - df_model;
    let mut sigma_u = linalg::gram(&resid);
    let d = df_resid as f64;
    for v in sigma_u.data_mut() {
        *v /= d;
    }
    Ok(Estimate {
        lags,
        trend,
        z,
        params,
        resid,
        sigma_u,
        df_resid,
    })
}

/// Coefficient matrices `A_1 … A_p` (`K × K` each, `A_l[(i, j)]` = effect of `y_j` at lag `l`
/// on `y_i`) from a params matrix in statsmodels' layout.
pub(crate) fn coefs_from_params(params: &Matrix, k: usize, lags: usize, kt: usize) -> Vec<Matrix> {
    (0..lags)
        .map(|l| {
            let mut a = Matrix::zeros(k, k);
            for i in 0..k {
                for j in 0..k {
                    a[(i, j)] = params[(kt + l * k + j, i)];
                }
            }
            a
        })
        .collect()
}

/// MA(∞) coefficients `Φ_0 = I, Φ_h = Σ_{j=1}^{min(h,p)} Φ_{h−j} A_j` for `h = 0..=maxn`.
pub(crate) fn ma_rep(coefs: &[Matrix], k: usize, maxn: usize) -> Vec<Matrix> {
    let mut phis: Vec<Matrix> = Vec::with_capacity(maxn + 1);
    phis.push(Matrix::identity(k));
    for h in 1..=maxn {
        let mut acc = Matrix::zeros(k, k);
        for (j, a) in coefs.iter().enumerate().take(h) {
            acc = acc.add_unchecked(&phis[h - j - 1].mul_unchecked(a));
        }
        phis.push(acc);
    }
    phis
}

/// Which statistic a causality test reports (statsmodels' `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CausalityKind {
    /// Wald statistic / restrictions against `F(restrictions, K·df_resid)` (the default).
    #[default]
    F,
    /// Wald statistic against `χ²(restrictions)`.
    Wald,
}

/// The result of a Granger or instantaneous causality test (statsmodels'
/// `CausalityTestResults`).
#[derive(Debug, Clone, PartialEq)]
pub struct CausalityTest {
    /// Indices of the caused variables.
    pub caused: Vec<usize>,
    /// Indices of the causing variables.
    pub causing: Vec<usize>,
    /// Statistic reported (F or Wald).
    pub kind: CausalityKind,
    /// Test statistic.
    pub statistic: f64,
    /// p-value.
    pub pvalue: f64,
    /// Critical value at [`signif`](Self::signif).
    pub crit_value: f64,
    /// Degrees of freedom: `(restrictions, K·df_resid)` for F, `(restrictions, None)` for χ².
    pub df: (f64, Option<f64>),
    /// Significance level of `crit_value` (0.05).
    pub signif: f64,
}

impl CausalityTest {
    /// True when H0 (no causality) is rejected at [`signif`](Self::signif).
    pub fn reject(&self) -> bool {
        self.statistic > self.crit_value
    }

    /// The critical value at another significance level in (0, 1).
    pub fn critical_value(&self, signif: f64) -> Result<f64> {
        if !(signif > 0.0 && signif < 1.0) {
            return Err(EconError::InvalidArgument(format!(
                "signif {signif} is not in (0, 1)"
            )));
        }
        quantile(self.df, 1.0 - signif)
    }
}

fn dist_err(e: impl fmt::Display) -> EconError {
    EconError::Distribution(e.to_string())
}

fn survival(df: (f64, Option<f64>), x: f64) -> Result<f64> {
    Ok(match df {
        (d1, Some(d2)) => FisherSnedecor::new(d1, d2).map_err(dist_err)?.sf(x),
        (d1, None) => ChiSquared::new(d1).map_err(dist_err)?.sf(x),
    })
}

fn quantile(df: (f64, Option<f64>), p: f64) -> Result<f64> {
    Ok(match df {
        (d1, Some(d2)) => FisherSnedecor::new(d1, d2)
            .map_err(dist_err)?
            .inverse_cdf(p),
        (d1, None) => {
            let d = ChiSquared::new(d1).map_err(dist_err)?;
            refine_quantile(&d, p, d.inverse_cdf(p))
        }
    })
}

/// A few Newton steps on `cdf(x) = p` (statrs' gamma quantile stops at a loose tolerance).
fn refine_quantile(d: &ChiSquared, p: f64, mut x: f64) -> f64 {
    use statrs::distribution::Continuous;
    for _ in 0..8 {
        let f = d.pdf(x);
        if !(f > 0.0 && f.is_finite()) {
            break;
        }
        let step = (d.cdf(x) - p) / f;
        let next = x - step;
        if !(next > 0.0 && next.is_finite()) {
            break;
        }
        x = next;
        if step.abs() <= 1e-15 * x.abs() {
            break;
        }
    }
    x
}

/// Point forecasts with normal-approximation bounds (statsmodels `forecast_interval`).
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastInterval {
    /// Point forecasts, `steps × K`.
    pub point: Matrix,
    /// Lower bounds, `steps × K`.
    pub lower: Matrix,
    /// Upper bounds, `steps × K`.
    pub upper: Matrix,
    /// `alpha` of the `1 − alpha` interval.
    pub alpha: f64,
}

/// A fitted VAR (statsmodels' `VARResults`).
///
/// ```
/// use dexposure_econ::{CausalityKind, Matrix, VarModel};
///
/// let rows: Vec<Vec<f64>> = (0..60)
///     .map(|t| { let x = t as f64; vec![(0.3 * x).sin() + 0.1 * (2.1 * x).cos(), (0.5 * x).cos(), (0.9 * x).sin()] })
///     .collect();
/// let res = VarModel::new(Matrix::from_rows(&rows)?)?
///     .with_names(["a", "b", "c"])?
///     .fit(2)?;
/// let test = res.test_causality(&[0], &[1, 2], CausalityKind::F)?;
/// assert_eq!(test.df, (4.0, Some(3.0 * res.df_resid() as f64)));
/// let fc = res.forecast(5)?;
/// assert_eq!(fc.shape(), (5, 3));
/// assert_eq!(res.mse(5).len(), 5);
/// # Ok::<(), dexposure_econ::EconError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VarResults {
    names: Vec<String>,
    trend: Trend,
    endog: Matrix,
    est: Estimate,
    coefs: Vec<Matrix>,
    chol: Matrix,
    zz_inv: Matrix,
}

impl VarResults {
    pub(crate) fn from_estimate(model: &VarModel, est: Estimate) -> Result<Self> {
        Self::from_parts(model.names.clone(), model.endog.clone(), est)
    }

    pub(crate) fn from_parts(names: Vec<String>, endog: Matrix, est: Estimate) -> Result<Self> {
        let k = endog.ncols();
        let chol = linalg::cholesky_lower(&est.sigma_u, "sigma_u")?;
        let zz_inv = linalg::inv_spd(&linalg::gram(&est.z), "ZᵀZ")?;
        let coefs = coefs_from_params(&est.params, k, est.lags, est.trend.k_trend());
        Ok(Self {
            names,
            trend: est.trend,
            endog,
            coefs,
            chol,
            zz_inv,
            est,
        })
    }

    /// Variable names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the variable called `name`.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        index_of(&self.names, name)
    }

    /// Deterministic terms.
    pub fn trend(&self) -> Trend {
        self.trend
    }

    /// Lag order `p` (statsmodels' `k_ar`).
    pub fn k_ar(&self) -> usize {
        self.est.lags
    }

    /// Number of variables `K`.
    pub fn neqs(&self) -> usize {
        self.endog.ncols()
    }

    /// Observations used in estimation, `T − p`.
    pub fn nobs(&self) -> usize {
        self.est.nobs()
    }

    /// Number of deterministic regressors (statsmodels' `k_exog` / `k_trend`).
    pub fn k_trend(&self) -> usize {
        self.trend.k_trend()
    }

    /// Parameters per equation, `K·p + k_trend`.
    pub fn df_model(&self) -> usize {
        self.est.df_model()
    }

    /// Residual degrees of freedom, `nobs − df_model`.
    pub fn df_resid(&self) -> usize {
        self.est.df_resid
    }

    /// The data the model was fitted on.
    pub fn endog(&self) -> &Matrix {
        &self.endog
    }

    /// The regressor matrix `Z` (`nobs × df_model`, statsmodels' `endog_lagged`).
    pub fn endog_lagged(&self) -> &Matrix {
        &self.est.z
    }

    /// Coefficients, `df_model × K`: trend terms first, then lag 1 of every variable, lag 2, …;
    /// column `i` is equation `i`.
    pub fn params(&self) -> &Matrix {
        &self.est.params
    }

    /// `A_1 … A_p`, each `K × K`; `coefs()[l][(i, j)]` is the effect of `y_j` at lag `l + 1` on
    /// `y_i`.
    pub fn coefs(&self) -> &[Matrix] {
        &self.coefs
    }

    /// Deterministic coefficients, `K × k_trend` (statsmodels' `coefs_exog`).
    pub fn trend_coefs(&self) -> Matrix {
        let kt = self.k_trend();
        let k = self.neqs();
        let mut m = Matrix::zeros(k, kt);
        for i in 0..k {
            for t in 0..kt {
                m[(i, t)] = self.est.params[(t, i)];
            }
        }
        m
    }

    /// The intercepts (one per equation) when the model has a constant.
    pub fn intercept(&self) -> Option<Vec<f64>> {
        (self.k_trend() > 0).then(|| self.est.params.row(0).to_vec())
    }

    /// Residuals, `nobs × K`.
    pub fn resid(&self) -> &Matrix {
        &self.est.resid
    }

    /// Fitted values `Z · params`, `nobs × K`.
    pub fn fitted_values(&self) -> Matrix {
        self.est.z.mul_unchecked(&self.est.params)
    }

    /// Residual covariance with the degrees-of-freedom correction, `ûᵀû / df_resid`.
    pub fn sigma_u(&self) -> &Matrix {
        &self.est.sigma_u
    }

    /// Maximum-likelihood residual covariance, `ûᵀû / nobs`.
    pub fn sigma_u_mle(&self) -> Matrix {
        self.est.sigma_u_mle()
    }

    /// Lower Cholesky factor `P` of `sigma_u` (`P Pᵀ = Σ_u`), used for orthogonalisation.
    pub fn sigma_u_cholesky(&self) -> &Matrix {
        &self.chol
    }

    /// Covariance of `vec(params)` in statsmodels' order, `(ZᵀZ)⁻¹ ⊗ Σ_u`: entry
    /// `(r·K + i, s·K + j)` is the covariance of `params[(r, i)]` and `params[(s, j)]`.
    pub fn cov_params(&self) -> Matrix {
        let m = self.df_model();
        let k = self.neqs();
        let mut c = Matrix::zeros(m * k, m * k);
        for r in 0..m {
            for s in 0..m {
                let z = self.zz_inv[(r, s)];
                for i in 0..k {
                    for j in 0..k {
                        c[(r * k + i, s * k + j)] = z * self.est.sigma_u[(i, j)];
                    }
                }
            }
        }
        c
    }

    /// Standard errors of [`params`](Self::params), same shape.
    pub fn stderr(&self) -> Matrix {
        let m = self.df_model();
        let k = self.neqs();
        let mut s = Matrix::zeros(m, k);
        for r in 0..m {
            for i in 0..k {
                s[(r, i)] = (self.zz_inv[(r, r)] * self.est.sigma_u[(i, i)]).sqrt();
            }
        }
        s
    }

    /// t statistics `params / stderr`.
    pub fn tvalues(&self) -> Matrix {
        let se = self.stderr();
        let mut t = self.est.params.clone();
        for (v, s) in t.data_mut().iter_mut().zip(se.as_slice()) {
            *v /= s;
        }
        t
    }

    /// Two-sided p-values of the t statistics from the standard normal distribution
    /// (statsmodels' convention for VAR).
    pub fn pvalues(&self) -> Result<Matrix> {
        let n = Normal::new(0.0, 1.0).map_err(dist_err)?;
        Ok(self.tvalues().map(|t| 2.0 * n.sf(t.abs())))
    }

    /// Gaussian log-likelihood at `sigma_u_mle`.
    pub fn llf(&self) -> Result<f64> {
        let nobs = self.nobs() as f64;
        let k = self.neqs() as f64;
        let ld = linalg::logdet_spd(&self.sigma_u_mle(), "sigma_u_mle")?;
        Ok(-(nobs * k / 2.0) * (2.0 * std::f64::consts::PI).ln() - (nobs / 2.0) * (ld + k))
    }

    /// AIC, BIC, HQIC and FPE.
    pub fn info_criteria(&self) -> Result<InfoCriteria> {
        self.est.info_criteria()
    }

    /// Akaike information criterion.
    pub fn aic(&self) -> Result<f64> {
        Ok(self.info_criteria()?.aic)
    }

    /// Schwarz (Bayesian) information criterion.
    pub fn bic(&self) -> Result<f64> {
        Ok(self.info_criteria()?.bic)
    }

    /// Hannan–Quinn information criterion.
    pub fn hqic(&self) -> Result<f64> {
        Ok(self.info_criteria()?.hqic)
    }

    /// Final prediction error.
    pub fn fpe(&self) -> Result<f64> {
        Ok(self.info_criteria()?.fpe)
    }

    /// The `Kp × Kp` companion matrix `[[A_1 … A_p], [I 0]]`.
    pub fn companion(&self) -> Matrix {
        let k = self.neqs();
        let p = self.k_ar();
        let n = k * p;
        let mut c = Matrix::zeros(n, n);
        for (l, a) in self.coefs.iter().enumerate() {
            for i in 0..k {
                for j in 0..k {
                    c[(i, l * k + j)] = a[(i, j)];
                }
            }
        }
        for i in k..n {
            c[(i, i - k)] = 1.0;
        }
        c
    }

    /// Eigenvalues of the companion matrix, largest modulus first (empty for p = 0).
    pub fn eigenvalues(&self) -> Result<Vec<Complex>> {
        if self.k_ar() == 0 {
            return Ok(Vec::new());
        }
        let mut ev = linalg::eigenvalues(&self.companion())?;
        ev.sort_by(|a, b| b.modulus().total_cmp(&a.modulus()));
        Ok(ev)
    }

    /// Roots of the characteristic polynomial, `1 / eigenvalue`, in statsmodels' order
    /// (largest modulus first; a zero eigenvalue gives an infinite root).
    pub fn roots(&self) -> Result<Vec<Complex>> {
        let mut r: Vec<Complex> = self
            .eigenvalues()?
            .into_iter()
            .map(Complex::recip)
            .collect();
        r.sort_by(|a, b| b.modulus().total_cmp(&a.modulus()));
        Ok(r)
    }

    /// True when every companion eigenvalue lies strictly inside the unit circle.
    pub fn is_stable(&self) -> Result<bool> {
        Ok(self.eigenvalues()?.iter().all(|z| z.modulus() < 1.0))
    }

    /// MA(∞) coefficients `Φ_0 … Φ_maxn` (statsmodels `ma_rep`).
    pub fn ma_rep(&self, maxn: usize) -> Vec<Matrix> {
        ma_rep(&self.coefs, self.neqs(), maxn)
    }

    /// Orthogonalised MA coefficients `Φ_h P` (statsmodels `orth_ma_rep`).
    pub fn orth_ma_rep(&self, maxn: usize) -> Vec<Matrix> {
        self.ma_rep(maxn)
            .iter()
            .map(|phi| phi.mul_unchecked(&self.chol))
            .collect()
    }

    /// `steps`-ahead forecasts from the end of the sample, `steps × K`.
    pub fn forecast(&self, steps: usize) -> Result<Matrix> {
        let p = self.k_ar();
        let n = self.endog.nrows();
        self.forecast_from(&self.endog.rows_range(n - p, n), steps)
    }

    /// `steps`-ahead forecasts given the last `p` observations `y` (`p × K`, oldest first), as
    /// statsmodels `forecast(y, steps)`. The linear trend, if any, continues from `T + 1`.
    pub fn forecast_from(&self, y: &Matrix, steps: usize) -> Result<Matrix> {
        let k = self.neqs();
        let p = self.k_ar();
        if y.ncols() != k || y.nrows() < p {
            return Err(EconError::Shape(format!(
                "forecast needs at least {p} rows of {k} values, got {}×{}",
                y.nrows(),
                y.ncols()
            )));
        }
        let y = y.rows_range(y.nrows() - p, y.nrows());
        let kt = self.k_trend();
        let t0 = self.endog.nrows();
        let mut out = Matrix::zeros(steps, k);
        for h in 1..=steps {
            let mut f = vec![0.0; k];
            let terms = self.trend.terms((t0 + h) as f64);
            for (i, fi) in f.iter_mut().enumerate() {
                for (t, term) in terms.iter().enumerate().take(kt) {
                    *fi += term * self.est.params[(t, i)];
                }
            }
            for (l, a) in self.coefs.iter().enumerate() {
                let i_lag = l + 1;
                let prior: Vec<f64> = if h <= i_lag {
                    y.row(p + h - i_lag - 1).to_vec()
                } else {
                    out.row(h - i_lag - 1).to_vec()
                };
                for (i, fi) in f.iter_mut().enumerate() {
                    for (j, pj) in prior.iter().enumerate() {
                        *fi += a[(i, j)] * pj;
                    }
                }
            }
            for (i, v) in f.into_iter().enumerate() {
                out[(h - 1, i)] = v;
            }
        }
        Ok(out)
    }

    /// Forecast-error covariance matrices for horizons 1..=steps,
    /// `Σ(h) = Σ_{i<h} Φ_i Σ_u Φ_iᵀ` (statsmodels `mse`).
    pub fn mse(&self, steps: usize) -> Vec<Matrix> {
        let phis = self.ma_rep(steps.saturating_sub(1));
        let k = self.neqs();
        let mut prior = Matrix::zeros(k, k);
        let mut out = Vec::with_capacity(steps);
        for phi in phis.iter().take(steps) {
            let v = phi
                .mul_unchecked(&self.est.sigma_u)
                .mul_unchecked(&phi.transpose());
            prior = prior.add_unchecked(&v);
            out.push(prior.clone());
        }
        out
    }

    /// Point forecasts and `1 − alpha` normal bounds `±z_{1−α/2}·√diag(mse)`.
    pub fn forecast_interval(&self, steps: usize, alpha: f64) -> Result<ForecastInterval> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(EconError::InvalidArgument(format!(
                "alpha {alpha} is not in (0, 1)"
            )));
        }
        let point = self.forecast(steps)?;
        let q = Normal::new(0.0, 1.0)
            .map_err(dist_err)?
            .inverse_cdf(1.0 - alpha / 2.0);
        let mse = self.mse(steps);
        let mut lower = point.clone();
        let mut upper = point.clone();
        for (h, m) in mse.iter().enumerate() {
            for i in 0..self.neqs() {
                let s = m[(i, i)].sqrt();
                lower[(h, i)] -= q * s;
                upper[(h, i)] += q * s;
            }
        }
        Ok(ForecastInterval {
            point,
            lower,
            upper,
            alpha,
        })
    }

    fn check_indices(&self, idx: &[usize], what: &str) -> Result<()> {
        if idx.is_empty() {
            return Err(EconError::InvalidArgument(format!(
                "no {what} variable given"
            )));
        }
        if let Some(&bad) = idx.iter().find(|&&i| i >= self.neqs()) {
            return Err(EconError::UnknownVariable(format!("index {bad}")));
        }
        Ok(())
    }

    /// Granger causality test: H0 "the `causing` variables do not Granger-cause the `caused`
    /// ones" (statsmodels `test_causality(caused, causing, kind)`), with critical value at 5 %.
    pub fn test_causality(
        &self,
        caused: &[usize],
        causing: &[usize],
        kind: CausalityKind,
    ) -> Result<CausalityTest> {
        self.check_indices(caused, "caused")?;
        self.check_indices(causing, "causing")?;
        if caused.iter().any(|c| causing.contains(c)) {
            return Err(EconError::InvalidArgument(
                "caused and causing variables must differ".into(),
            ));
        }
        let k = self.neqs();
        let p = self.k_ar();
        if p == 0 {
            return Err(EconError::InvalidArgument(
                "Granger causality needs at least one lag".into(),
            ));
        }
        let kt = self.k_trend();
        // restricted coefficients: params[(kt + l·K + ing, ed)] for every lag, causing, caused
        let mut cells = Vec::with_capacity(p * causing.len() * caused.len());
        for l in 0..p {
            for &ing in causing {
                for &ed in caused {
                    cells.push((kt + l * k + ing, ed));
                }
            }
        }
        let q = cells.len();
        let cb: Vec<f64> = cells
            .iter()
            .map(|&(r, i)| self.est.params[(r, i)])
            .collect();
        let mut v = Matrix::zeros(q, q);
        for (a, &(r, i)) in cells.iter().enumerate() {
            for (b, &(s, j)) in cells.iter().enumerate() {
                v[(a, b)] = self.zz_inv[(r, s)] * self.est.sigma_u[(i, j)];
            }
        }
        let wald = quadratic_form_inv(&v, &cb, "restricted coefficient covariance")?;
        let (statistic, df) = match kind {
            CausalityKind::Wald => (wald, (q as f64, None)),
            CausalityKind::F => (
                wald / q as f64,
                (q as f64, Some((k * self.df_resid()) as f64)),
            ),
        };
        Ok(CausalityTest {
            caused: caused.to_vec(),
            causing: causing.to_vec(),
            kind,
            statistic,
            pvalue: survival(df, statistic)?,
            crit_value: quantile(df, 0.95)?,
            df,
            signif: 0.05,
        })
    }

    /// Instantaneous causality test between `causing` and all other variables: the Wald test
    /// that the residual covariances between the two groups are zero, `χ²(restrictions)`
    /// (statsmodels `test_inst_causality`; every causing–caused pair is restricted).
    pub fn test_inst_causality(&self, causing: &[usize]) -> Result<CausalityTest> {
        self.check_indices(causing, "causing")?;
        let k = self.neqs();
        let caused: Vec<usize> = (0..k).filter(|i| !causing.contains(i)).collect();
        if caused.is_empty() {
            return Err(EconError::InvalidArgument(
                "every variable is causing; nothing left to be caused".into(),
            ));
        }
        let s = &self.est.sigma_u;
        // restricted entries (i > j) in vech order (column-major lower triangle)
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for j in 0..k {
            for i in j + 1..k {
                let a = causing.contains(&i) && caused.contains(&j);
                let b = causing.contains(&j) && caused.contains(&i);
                if a || b {
                    pairs.push((i, j));
                }
            }
        }
        let q = pairs.len();
        let cs: Vec<f64> = pairs.iter().map(|&(i, j)| s[(i, j)]).collect();
        let mut v = Matrix::zeros(q, q);
        for (a, &(i, j)) in pairs.iter().enumerate() {
            for (b, &(m, l)) in pairs.iter().enumerate() {
                v[(a, b)] = s[(i, m)] * s[(j, l)] + s[(i, l)] * s[(j, m)];
            }
        }
        let statistic =
            self.nobs() as f64 * quadratic_form_inv(&v, &cs, "covariance of vech(sigma_u)")?;
        let df = (q as f64, None);
        Ok(CausalityTest {
            caused,
            causing: causing.to_vec(),
            kind: CausalityKind::Wald,
            statistic,
            pvalue: survival(df, statistic)?,
            crit_value: quantile(df, 0.95)?,
            df,
            signif: 0.05,
        })
    }

    /// Pairwise Granger tests of every ordered pair of distinct variables (F form).
    pub fn granger_matrix(&self) -> Result<GrangerMatrix> {
        let k = self.neqs();
        let mut tests = Vec::with_capacity(k * k.saturating_sub(1));
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    tests.push(self.test_causality(&[i], &[j], CausalityKind::F)?);
                }
            }
        }
        Ok(GrangerMatrix {
            names: self.names.clone(),
            tests,
        })
    }
}

/// `bᵀ V⁻¹ b` for a symmetric positive definite `V`.
fn quadratic_form_inv(v: &Matrix, b: &[f64], what: &'static str) -> Result<f64> {
    let inv = linalg::inv_spd(v, what)?;
    let mut s = 0.0;
    for (i, bi) in b.iter().enumerate() {
        for (j, bj) in b.iter().enumerate() {
            s += bi * inv[(i, j)] * bj;
        }
    }
    Ok(s)
}

/// Pairwise Granger causality tests between all variables, for a table.
#[derive(Debug, Clone, PartialEq)]
pub struct GrangerMatrix {
    /// Variable names.
    pub names: Vec<String>,
    /// One F test per ordered pair `(caused, causing)` of distinct variables, row-major
    /// (caused outer, causing inner).
    pub tests: Vec<CausalityTest>,
}

impl GrangerMatrix {
    /// The test of "`causing` Granger-causes `caused`", if both are distinct variables.
    pub fn test(&self, caused: usize, causing: usize) -> Option<&CausalityTest> {
        self.tests
            .iter()
            .find(|t| t.caused == [caused] && t.causing == [causing])
    }

    /// The p-value of "`causing` Granger-causes `caused`" (None on the diagonal).
    pub fn pvalue(&self, caused: usize, causing: usize) -> Option<f64> {
        self.test(caused, causing).map(|t| t.pvalue)
    }
}

impl fmt::Display for GrangerMatrix {
    /// p-values, rows = caused, columns = causing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self
            .names
            .iter()
            .map(|n| n.len())
            .max()
            .unwrap_or(4)
            .clamp(8, 16);
        write!(f, "{:<w$}", "caused \\ causing")?;
        for n in &self.names {
            write!(f, " {:>w$}", truncate(n, w))?;
        }
        writeln!(f)?;
        for (i, n) in self.names.iter().enumerate() {
            write!(f, "{:<w$}", truncate(n, w))?;
            for j in 0..self.names.len() {
                match self.pvalue(i, j) {
                    Some(p) => write!(f, " {p:>w$.4}")?,
                    None => write!(f, " {:>w$}", "-")?,
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

pub(crate) fn truncate(s: &str, w: usize) -> String {
    s.chars().take(w).collect()
}
