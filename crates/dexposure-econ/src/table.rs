//! An analyst's own dated series, read from CSV, for an [`EventStudy`](crate::EventStudy).
//!
//! The file format: a header line, then one line per date. The first column is the date
//! (`YYYY-MM-DD`; its header can be anything, e.g. `date`), every other column one series,
//! named by its header. Dates must increase strictly; every cell must be a finite number (no
//! missing values). Fields may be quoted and are trimmed; blank lines are skipped.
//!
//! ```text
//! date,lending,dexes,cdp
//! 2022-01-03,1.2e9,8.1e8,4.0e8
//! 2022-01-10,1.3e9,7.9e8,4.1e8
//! ```
//!
//! Bad input is an [`EconError::Csv`] naming the file, the line (the header is line 1) and
//! the column (the date is column 1), with a [`CsvProblem`] saying what is wrong.
//!
//! ```
//! use dexposure_econ::{CsvProblem, EconError, SeriesTable};
//!
//! let text = "date,a,b\n2022-01-03,1,2\n2022-01-10,3,4\n";
//! let table = SeriesTable::from_csv_reader(text.as_bytes(), "inline.csv")?;
//! assert_eq!(table.names, ["a", "b"]);
//! assert_eq!(table.values[(1, 0)], 3.0);
//! assert_eq!(table.to_csv(), text);
//!
//! let bad = "date,a,b\n2022-01-03,1,2\n2022-01-10,3,x\n";
//! let err = SeriesTable::from_csv_reader(bad.as_bytes(), "bad.csv").unwrap_err();
//! assert!(matches!(err, EconError::Csv { line: Some(3), column: Some(3), .. }));
//! assert_eq!(err.to_string(), r#"bad.csv, line 3, column 3: "x" is not a number (series "b")"#);
//! # Ok::<(), EconError>(())
//! ```

use std::fmt;
use std::io::Read;
use std::path::Path;

use dexposure_snapshot::NaiveDate;

use crate::error::{EconError, Result};
use crate::matrix::Matrix;
use crate::sector::EventWindow;

/// What is wrong in a CSV file of series (the file, line and column are in [`EconError::Csv`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CsvProblem {
    /// The file could not be opened or read.
    Io(String),
    /// The CSV itself is malformed (bad quoting, invalid UTF-8).
    Parse(String),
    /// Nothing in the file, not even a header.
    Empty,
    /// A header but no data line.
    NoData,
    /// The header names fewer than two series.
    TooFewSeries {
        /// Series columns found (header fields after the date).
        found: usize,
    },
    /// A series column without a name.
    EmptyName,
    /// Two series columns with the same name.
    DuplicateName {
        /// The name.
        name: String,
        /// 1-based column where it first appears.
        first_column: usize,
    },
    /// A line with another number of fields than the header.
    Ragged {
        /// Fields in the header.
        expected: usize,
        /// Fields on the line.
        found: usize,
    },
    /// The first cell is not a date `YYYY-MM-DD`.
    BadDate {
        /// The cell.
        cell: String,
    },
    /// A date earlier than the one on the line before.
    Unsorted {
        /// The date on the line before.
        previous: NaiveDate,
        /// This line's date.
        date: NaiveDate,
    },
    /// A date already seen.
    DuplicateDate {
        /// The date.
        date: NaiveDate,
        /// 1-based line where it first appears.
        first_line: u64,
    },
    /// An empty cell (missing values are not supported).
    Missing {
        /// The series (header of the column).
        series: String,
    },
    /// A cell that is not a finite number.
    NotANumber {
        /// The series (header of the column).
        series: String,
        /// The cell.
        cell: String,
    },
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvProblem::Io(e) => write!(f, "cannot read: {e}"),
            CsvProblem::Parse(e) => write!(f, "malformed CSV: {e}"),
            CsvProblem::Empty => f.write_str(
                "empty file (expected a header: the date column, then one column per series)",
            ),
            CsvProblem::NoData => f.write_str("no data line under the header"),
            CsvProblem::TooFewSeries { found } => write!(
                f,
                "the header names {found} series after the date column; need at least 2"
            ),
            CsvProblem::EmptyName => f.write_str("a series column without a name"),
            CsvProblem::DuplicateName { name, first_column } => {
                write!(f, "series {name:?} repeats column {first_column}")
            }
            CsvProblem::Ragged { expected, found } => write!(
                f,
                "{found} field(s), but the header has {expected} (the date, then one per series)"
            ),
            CsvProblem::BadDate { cell } => write!(f, "{cell:?} is not a date YYYY-MM-DD"),
            CsvProblem::Unsorted { previous, date } => {
                write!(f, "dates must increase: {date} comes after {previous}")
            }
            CsvProblem::DuplicateDate { date, first_line } => {
                write!(f, "date {date} repeats line {first_line}")
            }
            CsvProblem::Missing { series } => {
                write!(
                    f,
                    "empty cell (series {series:?}; missing values are not supported)"
                )
            }
            CsvProblem::NotANumber { series, cell } => {
                write!(f, "{cell:?} is not a number (series {series:?})")
            }
        }
    }
}

/// Dated series: one row per date, one column per named series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesTable {
    /// Where the table came from (a file path, or the name given to the reader).
    pub source: String,
    /// Dates, strictly increasing.
    pub dates: Vec<NaiveDate>,
    /// Series names, one per column.
    pub names: Vec<String>,
    /// Values, `dates × series`, all finite.
    pub values: Matrix,
}

impl SeriesTable {
    /// A table from its parts. Errors: sizes that do not match, no date, fewer than two series,
    /// dates that do not increase strictly, a non-finite value.
    pub fn new(
        source: impl Into<String>,
        dates: Vec<NaiveDate>,
        names: Vec<String>,
        values: Matrix,
    ) -> Result<Self> {
        let (n, k) = values.shape();
        if n != dates.len() || k != names.len() {
            return Err(EconError::Shape(format!(
                "{} dates and {} names for a {n}×{k} table",
                dates.len(),
                names.len()
            )));
        }
        if n == 0 || k < 2 {
            return Err(EconError::Shape(format!(
                "the table is {n}×{k}; need at least one date and two series"
            )));
        }
        if let Some(w) = dates.windows(2).find(|w| w[1] <= w[0]) {
            return Err(EconError::InvalidArgument(format!(
                "dates must increase strictly: {} follows {}",
                w[1], w[0]
            )));
        }
        for i in 0..n {
            for (j, &v) in values.row(i).iter().enumerate() {
                if !v.is_finite() {
                    return Err(EconError::NonFinite {
                        what: "series table",
                        row: i,
                        column: j,
                        value: v,
                    });
                }
            }
        }
        Ok(Self {
            source: source.into(),
            dates,
            names,
            values,
        })
    }

    /// Reads a CSV file (format in the [module docs](self)); errors name the file as given.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| EconError::Csv {
            file: name.clone(),
            line: None,
            column: None,
            problem: CsvProblem::Io(e.to_string()),
        })?;
        Self::from_csv_reader(file, name)
    }

    /// Reads CSV text from `reader`; `source` names it in errors and in
    /// [`source`](Self::source).
    pub fn from_csv_reader(mut reader: impl Read, source: impl Into<String>) -> Result<Self> {
        let source = source.into();
        let err = |line: Option<u64>, column: Option<usize>, problem| EconError::Csv {
            file: source.clone(),
            line,
            column,
            problem,
        };
        // the whole text, to count lines from byte offsets: the csv crate's own line numbers
        // do not count the blank lines it skips
        let mut text = Vec::new();
        reader
            .read_to_end(&mut text)
            .map_err(|e| err(None, None, CsvProblem::Io(e.to_string())))?;
        let line_at = |pos: Option<&csv::Position>| {
            // a record's position is where the reader stood: before the blank lines it skips
            let mut byte = pos.map_or(0, |p| p.byte() as usize).min(text.len());
            while matches!(text.get(byte), Some(b'\n' | b'\r')) {
                byte += 1;
            }
            1 + text[..byte].iter().filter(|&&b| b == b'\n').count() as u64
        };
        let csv_err = |e: csv::Error| {
            let line = Some(line_at(e.position()));
            match e.kind() {
                csv::ErrorKind::Io(io) => err(None, None, CsvProblem::Io(io.to_string())),
                csv::ErrorKind::Utf8 { err: utf8, .. } => err(
                    line,
                    None,
                    CsvProblem::Parse(format!("invalid UTF-8 ({utf8})")),
                ),
                _ => err(line, None, CsvProblem::Parse(e.to_string())),
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_slice());
        let mut records = reader.records();
        let header = records
            .next()
            .ok_or_else(|| err(None, None, CsvProblem::Empty))?
            .map_err(csv_err)?;
        let header_line = line_at(header.position());
        let names: Vec<String> = header.iter().skip(1).map(str::to_string).collect();
        if names.len() < 2 {
            return Err(err(
                Some(header_line),
                None,
                CsvProblem::TooFewSeries { found: names.len() },
            ));
        }
        for (j, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(err(Some(header_line), Some(j + 2), CsvProblem::EmptyName));
            }
            if let Some(first) = names[..j].iter().position(|n| n == name) {
                return Err(err(
                    Some(header_line),
                    Some(j + 2),
                    CsvProblem::DuplicateName {
                        name: name.clone(),
                        first_column: first + 2,
                    },
                ));
            }
        }
        let mut dates: Vec<NaiveDate> = Vec::new();
        let mut previous: Option<(NaiveDate, u64)> = None;
        let mut data: Vec<f64> = Vec::new();
        for record in records {
            let record = record.map_err(csv_err)?;
            let line = line_at(record.position());
            let at = |column: usize, problem| err(Some(line), Some(column), problem);
            if record.len() != names.len() + 1 {
                return Err(err(
                    Some(line),
                    None,
                    CsvProblem::Ragged {
                        expected: names.len() + 1,
                        found: record.len(),
                    },
                ));
            }
            let cell = &record[0];
            let date = NaiveDate::parse_from_str(cell, "%Y-%m-%d").map_err(|_| {
                at(
                    1,
                    CsvProblem::BadDate {
                        cell: cell.to_string(),
                    },
                )
            })?;
            if let Some((previous, first_line)) = previous {
                if date == previous {
                    return Err(at(1, CsvProblem::DuplicateDate { date, first_line }));
                }
                if date < previous {
                    return Err(at(1, CsvProblem::Unsorted { previous, date }));
                }
            }
            for (j, cell) in record.iter().enumerate().skip(1) {
                let series = names[j - 1].clone();
                if cell.is_empty() {
                    return Err(at(j + 1, CsvProblem::Missing { series }));
                }
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => data.push(v),
                    _ => {
                        return Err(at(
                            j + 1,
                            CsvProblem::NotANumber {
                                series,
                                cell: cell.to_string(),
                            },
                        ));
                    }
                }
            }
            dates.push(date);
            previous = Some((date, line));
        }
        if dates.is_empty() {
            return Err(err(Some(header_line), None, CsvProblem::NoData));
        }
        let values = Matrix::from_row_major(dates.len(), names.len(), data)?;
        Self::new(source, dates, names, values)
    }

    /// The table as CSV text, in the format [`from_csv_reader`](Self::from_csv_reader) reads
    /// (header `date,<names>`; numbers in Rust's shortest round-trip form).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("date");
        for name in &self.names {
            out.push(',');
            out.push_str(&csv_field(name));
        }
        out.push('\n');
        for (i, date) in self.dates.iter().enumerate() {
            out.push_str(&date.to_string());
            for v in self.values.row(i) {
                out.push(',');
                out.push_str(&v.to_string());
            }
            out.push('\n');
        }
        out
    }

    /// The dates inside `window` (see [`EventWindow::rows`]).
    pub fn window(&self, window: &EventWindow) -> Result<SeriesTable> {
        let rows = window.rows(&self.dates)?;
        Ok(SeriesTable {
            source: self.source.clone(),
            dates: self.dates[rows.clone()].to_vec(),
            names: self.names.clone(),
            values: self.values.rows_range(rows.start, rows.end),
        })
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
