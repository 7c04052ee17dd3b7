//! The few dense linear-algebra operations the crate needs, on faer (pure Rust, no system
//! BLAS): least squares by Householder QR with a singular-value rank check, Cholesky factors,
//! inverses and log-determinants of symmetric positive definite matrices, and eigenvalues of a
//! general real matrix.

use faer::Side;
use faer::linalg::solvers::{DenseSolveCore, SolveLstsq};

use crate::error::{EconError, Result};
use crate::matrix::{Complex, Matrix};

/// Least-squares solution `B` of `Z B ≈ Y` by Householder QR with column pivoting; an error
/// when `Z` does not have full column rank. The rank is read off the pivoted `R`: column `i`
/// counts when `|R_ii| > |R_00| · max(m, n) · ε` (numpy's `matrix_rank` tolerance, with the
/// pivoted diagonal standing in for the singular values).
pub(crate) fn lstsq(z: &Matrix, y: &Matrix, lags: usize) -> Result<Matrix> {
    let (m, n) = z.shape();
    if m < n {
        return Err(EconError::TooFewObservations {
            lags,
            nobs: m,
            params: n,
            needed: n + 1,
        });
    }
    let zf = z.to_faer();
    let qr = zf.col_piv_qr();
    if n > 0 {
        let r = qr.R();
        let d: Vec<f64> = (0..n).map(|i| r[(i, i)].abs()).collect();
        let dmax = d.iter().fold(0.0_f64, |a, &b| a.max(b));
        let tol = dmax * (m.max(n) as f64) * f64::EPSILON;
        let rank = d.iter().filter(|&&v| v > tol).count();
        if rank < n || dmax <= 0.0 || d.iter().any(|v| !v.is_finite()) {
            let dmin = d.iter().fold(f64::INFINITY, |a, &b| a.min(b));
            return Err(EconError::Collinear {
                lags,
                rank,
                columns: n,
                condition: if dmin > 0.0 {
                    dmax / dmin
                } else {
                    f64::INFINITY
                },
            });
        }
    }
    let yf = y.to_faer();
    let sol = qr.solve_lstsq(&yf);
    Ok(Matrix::from_faer(sol.as_ref()))
}

/// Lower Cholesky factor `L` with `A = L Lᵀ`.
pub(crate) fn cholesky_lower(a: &Matrix, what: &'static str) -> Result<Matrix> {
    Ok(Matrix::from_faer(llt(a, what)?.L()))
}

/// Inverse of a symmetric positive definite matrix (through its Cholesky factor).
pub(crate) fn inv_spd(a: &Matrix, what: &'static str) -> Result<Matrix> {
    Ok(Matrix::from_faer(llt(a, what)?.inverse().as_ref()))
}

/// `log det A` of a symmetric positive definite matrix.
pub(crate) fn logdet_spd(a: &Matrix, what: &'static str) -> Result<f64> {
    let l = cholesky_lower(a, what)?;
    Ok(2.0 * l.diagonal().iter().map(|d| d.ln()).sum::<f64>())
}

/// Eigenvalues of a general real square matrix.
pub(crate) fn eigenvalues(a: &Matrix) -> Result<Vec<Complex>> {
    let af = a.to_faer();
    let ev = af
        .eigenvalues()
        .map_err(|_| EconError::NoConvergence("eigenvalue decomposition"))?;
    Ok(ev
        .into_iter()
        .map(|z| Complex { re: z.re, im: z.im })
        .collect())
}

/// `Zᵀ Z`.
pub(crate) fn gram(z: &Matrix) -> Matrix {
    let (m, n) = z.shape();
    let mut g = Matrix::zeros(n, n);
    let d = z.as_slice();
    let gd = g.data_mut();
    for r in 0..m {
        let row = &d[r * n..(r + 1) * n];
        for i in 0..n {
            let a = row[i];
            for j in i..n {
                gd[i * n + j] += a * row[j];
            }
        }
    }
    for i in 0..n {
        for j in 0..i {
            gd[i * n + j] = gd[j * n + i];
        }
    }
    g
}

/// The Cholesky factorisation of `a`, or `NotPositiveDefinite` naming `what`.
fn llt(a: &Matrix, what: &'static str) -> Result<faer::linalg::solvers::Llt<f64>> {
    a.to_faer()
        .llt(Side::Lower)
        .map_err(|e| EconError::NotPositiveDefinite {
            what,
            pivot: match e {
                faer::linalg::solvers::LltError::NonPositivePivot { index } => index,
            },
        })
}
