//! Econometrics of sector-level exposure dynamics (DESIGN.md §8): vector autoregressions with
//! statsmodels-compatible estimation and inference, impulse responses, variance
//! decompositions, Diebold–Yilmaz connectedness, bootstrap bands, PELT change points, and the
//! weekly sector series they run on.
//!
//! ```
//! use dexposure_econ::{BootstrapConfig, CausalityKind, InfoCriterion, Matrix, VarModel};
//!
//! // two coupled AR(1) series driven by deterministic "shocks"
//! let mut rows = vec![vec![0.0, 0.0]];
//! for t in 1..120 {
//!     let e = ((t as f64) * 12.9898).sin() * 43758.5453 % 1.0;
//!     let u = ((t as f64) * 78.233).sin() * 12345.678 % 1.0;
//!     let p = &rows[t - 1];
//!     rows.push(vec![0.5 * p[0] + e, 0.3 * p[0] + 0.2 * p[1] + u]);
//! }
//! let model = VarModel::new(Matrix::from_rows(&rows)?)?.with_names(["x", "y"])?;
//! let order = model.select_order(Some(4))?;
//! let results = model.fit(order.selected(InfoCriterion::Aic).max(1))?;
//! assert!(results.is_stable()?);
//! let granger = results.test_causality(&[1], &[0], CausalityKind::F)?; // x → y
//! assert!(granger.pvalue < 0.05);
//! let irf = results.irf(10);
//! assert_eq!(irf.orth_irfs.len(), 11);
//! let fevd = results.fevd(10)?;
//! let dy = results.connectedness(10)?;
//! assert!(dy.total > 0.0 && dy.total < 100.0);
//! let bands = results.irf_bands(&BootstrapConfig::new(10).reps(50).seed(7))?;
//! assert!(bands.irf.lower[1][(1, 0)] <= bands.irf.upper[1][(1, 0)]);
//! # let _ = fevd;
//! # Ok::<(), dexposure_econ::EconError>(())
//! ```
//!
//! # What a statsmodels user finds where
//!
//! | statsmodels | here |
//! |---|---|
//! | `VAR(endog).fit(p, trend=...)` | [`VarModel::new`]`(endog)?.with_trend(..).fit(p)` |
//! | `fit(maxlags, ic="aic")` | [`VarModel::fit_ic`] |
//! | `select_order(maxlags)` / `.selected_orders` | [`VarModel::select_order`] / [`LagOrderResults::selected`] |
//! | `params`, `coefs`, `intercept`, `coefs_exog` | [`VarResults::params`], [`coefs`](VarResults::coefs), [`intercept`](VarResults::intercept), [`trend_coefs`](VarResults::trend_coefs) |
//! | `resid`, `fittedvalues`, `sigma_u`, `sigma_u_mle` | [`resid`](VarResults::resid), [`fitted_values`](VarResults::fitted_values), [`sigma_u`](VarResults::sigma_u), [`sigma_u_mle`](VarResults::sigma_u_mle) |
//! | `stderr`, `tvalues`, `pvalues`, `cov_params()` | [`stderr`](VarResults::stderr), [`tvalues`](VarResults::tvalues), [`pvalues`](VarResults::pvalues), [`cov_params`](VarResults::cov_params) |
//! | `llf`, `aic`, `bic`, `hqic`, `fpe`, `info_criteria` | [`llf`](VarResults::llf), [`info_criteria`](VarResults::info_criteria), … |
//! | `roots`, `is_stable()` | [`roots`](VarResults::roots), [`eigenvalues`](VarResults::eigenvalues), [`is_stable`](VarResults::is_stable) |
//! | `forecast(y, steps)`, `mse(steps)`, `forecast_interval` | [`forecast`](VarResults::forecast), [`forecast_from`](VarResults::forecast_from), [`mse`](VarResults::mse), [`forecast_interval`](VarResults::forecast_interval) |
//! | `test_causality(caused, causing, kind)` | [`test_causality`](VarResults::test_causality) |
//! | `test_inst_causality(causing)` | [`test_inst_causality`](VarResults::test_inst_causality) |
//! | `ma_rep`, `orth_ma_rep` | [`ma_rep`](VarResults::ma_rep), [`orth_ma_rep`](VarResults::orth_ma_rep) |
//! | `irf(periods).irfs / orth_irfs / cum_effects / orth_cum_effects` | [`VarResults::irf`] → [`ImpulseResponse`] |
//! | `fevd(periods).decomp` | [`VarResults::fevd`] → [`Fevd`] |
//!
//! Beyond statsmodels: generalised impulse responses ([`ImpulseResponse::girf`]),
//! [`Connectedness`] and [`RollingConnectedness`] (Diebold–Yilmaz 2012), residual-bootstrap
//! bands ([`VarResults::irf_bands`]), [`Pelt`] change points, and [`SectorSeries`].
//!
//! # The whole analysis in one call
//! [`EventStudy`] (module [`event_study`]) runs what the `var_irf` example prints: change
//! points, the event window, series selection (positive series for log growth, the top sectors
//! by TVL, no constant series), the lag-order table and the lag rule, the VAR, Granger tests,
//! connectedness, IRF bands and the FEVD, on [`SectorSeries`] or on an analyst's own
//! [`SeriesTable`] (read from CSV by [`SeriesTable::from_csv`], errors naming file, line and
//! column). Its [`EventStudyResults`] print as the example's report.
//!
//! Matrices are [`Matrix`] (row-major, `m[(i, j)]`); stacks of matrices over horizons are
//! `Vec<Matrix>`, index `[h][(i, j)]` like statsmodels' `[h, i, j]`.
//!
//! # Agreement with statsmodels
//! `tests/golden/make_golden.py` fits statsmodels 0.14+ on its `macrodata` growth rates
//! (trends `n`, `c`, `ct`) and on a 6-variable, 283-week DeFi-shaped fixture; the tests
//! compare every quantity above to 1e-8 (relative to the largest entry of each array).
//!
//! # Ill-conditioned input
//! A constant series, collinear series (regressor matrix not of full column rank), too few
//! observations for the lag order, or a residual covariance that is not positive definite is
//! an [`EconError`], never NaN output.
//!
//! # Linear algebra: faer
//! The crate uses [faer](https://docs.rs/faer) (pure Rust, no system BLAS/LAPACK) for the
//! Householder-QR least squares, the singular values of the rank check, Cholesky
//! factorisations and the eigenvalues of the (non-symmetric) companion matrix. faer was chosen
//! over nalgebra because it gives a robust non-symmetric eigenvalue solver and QR/SVD of
//! LAPACK quality with `default-features = false` (no rayon, no `rand`), is what DESIGN.md
//! §11 names, and keeps statrs free of its optional nalgebra dependency. Every other
//! operation (products of `K × K` matrices, MA recursions) is a plain loop on [`Matrix`],
//! which for the small matrices of a sector VAR is faster than calling into any library.
//! faer stays out of the public API.

pub mod bootstrap;
mod connectedness;
mod error;
pub mod event_study;
mod irf;
mod linalg;
mod matrix;
pub mod pelt;
pub mod sector;
pub mod table;
mod var;

pub use bootstrap::{BootstrapConfig, IrfBand, IrfBands};
pub use connectedness::{Connectedness, RollingConfig, RollingConnectedness};
pub use error::{EconError, Result};
pub use event_study::{DropReason, Dropped, EventStudy, EventStudyResults, LagChoice, StudyData};
pub use irf::{Fevd, ImpulseResponse, IrfKind};
pub use matrix::{Complex, Matrix};
pub use pelt::{ChangePoints, Pelt, Segment};
pub use sector::{
    EventWindow, Grouping, IntraSector, Measure, SectorConfig, SectorSeries, Transform,
};
pub use table::{CsvProblem, SeriesTable};
pub use var::{
    CausalityKind, CausalityTest, ForecastInterval, GrangerMatrix, InfoCriteria, InfoCriterion,
    LagOrderResults, Trend, VarModel, VarResults,
};
