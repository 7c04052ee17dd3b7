//! [`Matrix`]: a small dense row-major `f64` matrix, the crate's exchange type, and
//! [`Complex`], for companion-matrix eigenvalues.
//!
//! The crate's linear algebra runs on faer; `Matrix` keeps faer out of the public API so that a
//! faer upgrade is not a breaking change for users. Rows are observations for data matrices
//! (as in statsmodels' `endog`), and `m[(i, j)]` reads row `i`, column `j`.

use std::fmt;
use std::ops::{Index, IndexMut};

use crate::error::{EconError, Result};

/// A dense row-major matrix of `f64`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    /// A matrix from its entries in row-major order; `data.len()` must be `rows * cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(EconError::Shape(format!(
                "{} values for a {rows}×{cols} matrix",
                data.len()
            )));
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix from its rows; all rows must have the same length.
    ///
    /// ```
    /// # use dexposure_econ::Matrix;
    /// let m = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?;
    /// assert_eq!(m[(1, 0)], 3.0);
    /// assert!(Matrix::from_rows(&[vec![1.0], vec![2.0, 3.0]]).is_err());
    /// # Ok::<(), dexposure_econ::EconError>(())
    /// ```
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != cols {
                return Err(EconError::Shape(format!(
                    "row {i} has {} values, row 0 has {cols}",
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// A matrix from its columns (e.g. one series per column); all must have the same length.
    pub fn from_columns<C: AsRef<[f64]>>(columns: &[C]) -> Result<Self> {
        let rows = columns.first().map_or(0, |c| c.as_ref().len());
        let cols = columns.len();
        let mut m = Self::zeros(rows, cols);
        for (j, c) in columns.iter().enumerate() {
            let c = c.as_ref();
            if c.len() != rows {
                return Err(EconError::Shape(format!(
                    "column {j} has {} values, column 0 has {rows}",
                    c.len()
                )));
            }
            for (i, &v) in c.iter().enumerate() {
                m.data[i * cols + j] = v;
            }
        }
        Ok(m)
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`, like numpy's `shape`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The entry at row `i`, column `j`, or `None` out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        if i < self.rows && j < self.cols {
            self.data.get(i * self.cols + j).copied()
        } else {
            None
        }
    }

    /// Row `i` as a slice (empty out of range).
    pub fn row(&self, i: usize) -> &[f64] {
        if i < self.rows {
            &self.data[i * self.cols..(i + 1) * self.cols]
        } else {
            &[]
        }
    }

    /// Column `j`, copied (empty out of range).
    pub fn column(&self, j: usize) -> Vec<f64> {
        if j < self.cols {
            (0..self.rows)
                .map(|i| self.data[i * self.cols + j])
                .collect()
        } else {
            Vec::new()
        }
    }

    /// The diagonal.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.rows.min(self.cols))
            .map(|i| self.data[i * self.cols + i])
            .collect()
    }

    /// All entries in row-major order.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The rows as vectors (handy for serialisation and printing).
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        (0..self.rows).map(|i| self.row(i).to_vec()).collect()
    }

    /// The transpose.
    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t.data[j * self.rows + i] = self.data[i * self.cols + j];
            }
        }
        t
    }

    /// Rows `start..end` as a new matrix (clamped to the matrix).
    pub fn rows_range(&self, start: usize, end: usize) -> Matrix {
        let end = end.min(self.rows);
        let start = start.min(end);
        Matrix {
            rows: end - start,
            cols: self.cols,
            data: self.data[start * self.cols..end * self.cols].to_vec(),
        }
    }

    /// The columns listed in `columns`, in that order (indices out of range are an error).
    pub fn select_columns(&self, columns: &[usize]) -> Result<Matrix> {
        if let Some(&bad) = columns.iter().find(|&&c| c >= self.cols) {
            return Err(EconError::Shape(format!(
                "column {bad} out of range for {} columns",
                self.cols
            )));
        }
        let mut m = Matrix::zeros(self.rows, columns.len());
        for i in 0..self.rows {
            for (jj, &j) in columns.iter().enumerate() {
                m.data[i * columns.len() + jj] = self.data[i * self.cols + j];
            }
        }
        Ok(m)
    }

    /// The matrix product `self · other`.
    pub fn matmul(&self, other: &Matrix) -> Result<Matrix> {
        if self.cols != other.rows {
            return Err(EconError::Shape(format!(
                "cannot multiply {}×{} by {}×{}",
                self.rows, self.cols, other.rows, other.cols
            )));
        }
        Ok(self.mul_unchecked(other))
    }

    /// `self · other` for shapes known to agree (crate-internal).
    pub(crate) fn mul_unchecked(&self, other: &Matrix) -> Matrix {
        let (n, m, p) = (self.rows, self.cols, other.cols);
        let mut out = Matrix::zeros(n, p);
        for i in 0..n {
            let orow = &mut out.data[i * p..(i + 1) * p];
            for k in 0..m {
                let a = self.data[i * m + k];
                if a == 0.0 {
                    continue;
                }
                let brow = &other.data[k * p..(k + 1) * p];
                for (o, &b) in orow.iter_mut().zip(brow) {
                    *o += a * b;
                }
            }
        }
        out
    }

    /// `self + other` elementwise for equal shapes (crate-internal).
    pub(crate) fn add_unchecked(&self, other: &Matrix) -> Matrix {
        let data = self
            .data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| a + b)
            .collect();
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data,
        }
    }

    /// Applies `f` to every entry.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Matrix {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// The largest absolute entry (0 for an empty matrix).
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
    }

    pub(crate) fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    pub(crate) fn to_faer(&self) -> faer::Mat<f64> {
        faer::Mat::from_fn(self.rows, self.cols, |i, j| self.data[i * self.cols + j])
    }

    pub(crate) fn from_faer(m: faer::MatRef<'_, f64>) -> Matrix {
        let (rows, cols) = (m.nrows(), m.ncols());
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(m[(i, j)]);
            }
        }
        Matrix { rows, cols, data }
    }
}

impl Index<(usize, usize)> for Matrix {
    type Output = f64;

    /// The entry at `(row, column)`; panics when out of range, like slice indexing (use
    /// [`Matrix::get`] for a checked read).
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of range"
        );
        &self.data[i * self.cols + j]
    }
}

impl IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of range"
        );
        &mut self.data[i * self.cols + j]
    }
}

impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.rows {
            let row: Vec<String> = self.row(i).iter().map(|v| format!("{v:>12.6}")).collect();
            writeln!(f, "[{}]", row.join(" "))?;
        }
        Ok(())
    }
}

/// A complex number, as returned for the eigenvalues of the companion matrix and the roots of
/// the characteristic polynomial.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// The modulus `|z|`.
    pub fn modulus(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// `1 / z` (infinite parts for `z = 0`).
    pub fn recip(self) -> Complex {
        let d = self.re * self.re + self.im * self.im;
        Complex {
            re: self.re / d,
            im: -self.im / d,
        }
    }
}

impl fmt::Display for Complex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.im >= 0.0 {
            write!(f, "{:.6}+{:.6}i", self.re, self.im)
        } else {
            write!(f, "{:.6}-{:.6}i", self.re, -self.im)
        }
    }
}
