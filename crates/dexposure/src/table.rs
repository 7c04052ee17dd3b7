//! Column tables written as CSV and (with the `parquet` feature, on by default) as Parquet, so
//! the weekly metrics, predictions and stress results load directly in pandas, polars, DuckDB
//! or Spark.
//!
//! ```
//! use dexposure::snapshot::NaiveDate;
//! use dexposure::table::{ColumnValues, DataTable};
//!
//! let week: NaiveDate = "2022-05-09".parse()?;
//! let table = DataTable::new("weekly")
//!     .with_column("date", ColumnValues::Date(vec![week]))?
//!     .with_column("density", ColumnValues::Float(vec![0.0125]))?;
//! assert_eq!(table.to_csv(), "date,density\n2022-05-09,0.0125\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Floats are written in Rust's shortest round-trip form (`NaN` for a missing value in both
//! formats), so a value read back from either file is the value written. In Parquet every
//! column is `REQUIRED`, uncompressed, in one row group: text is `BYTE_ARRAY (UTF8)`, dates
//! `INT32 (DATE)`, integers `INT64`, floats `DOUBLE`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dexposure_snapshot::NaiveDate;

/// Why a table could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A column's length differs from the table's.
    #[error("table {table}: column {column} has {got} values, the table has {expected} rows")]
    Length {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// Rows of the table.
        expected: usize,
        /// Values of the column.
        got: usize,
    },
    /// Two columns share a name.
    #[error("table {table}: column {column} appears twice")]
    DuplicateColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// The file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("{}: parquet: {message}", path.display())]
    Parquet {
        /// File.
        path: PathBuf,
        /// The writer's message.
        message: String,
    },
}

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// UTF-8 text.
    Text(Vec<String>),
    /// Calendar dates.
    Date(Vec<NaiveDate>),
    /// Integers.
    Int(Vec<i64>),
    /// Floats (`NaN` for missing).
    Float(Vec<f64>),
}

impl ColumnValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Text(v) => v.len(),
            ColumnValues::Date(v) => v.len(),
            ColumnValues::Int(v) => v.len(),
            ColumnValues::Float(v) => v.len(),
        }
    }

    /// Whether the column has no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `row` as it is written to CSV.
    pub fn cell(&self, row: usize) -> String {
        match self {
            ColumnValues::Text(v) => v[row].clone(),
            ColumnValues::Date(v) => v[row].to_string(),
            ColumnValues::Int(v) => v[row].to_string(),
            ColumnValues::Float(v) => v[row].to_string(),
        }
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name (the CSV header, the Parquet field name).
    pub name: String,
    /// Its values.
    pub values: ColumnValues,
}

/// A named table of equally long columns.
#[derive(Debug, Clone, PartialEq)]
pub struct DataTable {
    /// Table name: the file stem of its CSV and Parquet files.
    pub name: String,
    columns: Vec<Column>,
}

impl DataTable {
    /// An empty table.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
        }
    }

    /// Appends a column; it must be as long as the columns already there.
    pub fn with_column(
        mut self,
        name: impl Into<String>,
        values: ColumnValues,
    ) -> Result<Self, TableError> {
        let name = name.into();
        if self.columns.iter().any(|c| c.name == name) {
            return Err(TableError::DuplicateColumn {
                table: self.name,
                column: name,
            });
        }
        if let Some(first) = self.columns.first()
            && first.values.len() != values.len()
        {
            return Err(TableError::Length {
                table: self.name,
                column: name,
                expected: first.values.len(),
                got: values.len(),
            });
        }
        self.columns.push(Column { name, values });
        Ok(self)
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// The table as CSV (RFC 4180 quoting where a cell needs it), header first.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(&c.name)).collect();
        let _ = writeln!(out, "{}", header.join(","));
        for row in 0..self.rows() {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| csv_field(&c.values.cell(row)))
                .collect();
            let _ = writeln!(out, "{}", cells.join(","));
        }
        out
    }

    /// Writes `DIR/<name>.csv` and, with the `parquet` feature, `DIR/<name>.parquet`; returns
    /// the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, TableError> {
        let csv = dir.join(format!("{}.csv", self.name));
        std::fs::write(&csv, self.to_csv()).map_err(|source| TableError::Io {
            path: csv.clone(),
            source,
        })?;
        #[cfg(feature = "parquet")]
        {
            let parquet = dir.join(format!("{}.parquet", self.name));
            self.write_parquet(&parquet)?;
            Ok(vec![csv, parquet])
        }
        #[cfg(not(feature = "parquet"))]
        Ok(vec![csv])
    }

    /// Writes the table to a Parquet file (one row group, uncompressed).
    #[cfg(feature = "parquet")]
    pub fn write_parquet(&self, path: &Path) -> Result<(), TableError> {
        parquet_io::write(self, path).map_err(|e| match e {
            parquet_io::WriteError::Io(source) => TableError::Io {
                path: path.to_path_buf(),
                source,
            },
            parquet_io::WriteError::Parquet(message) => TableError::Parquet {
                path: path.to_path_buf(),
                message,
            },
        })
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(feature = "parquet")]
mod parquet_io {
    use std::path::Path;
    use std::sync::Arc;

    use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;

    use super::{ColumnValues, DataTable};

    pub(super) enum WriteError {
        Io(std::io::Error),
        Parquet(String),
    }

    impl From<parquet::errors::ParquetError> for WriteError {
        fn from(e: parquet::errors::ParquetError) -> Self {
            WriteError::Parquet(e.to_string())
        }
    }

    fn days_from_epoch(d: &super::NaiveDate) -> i32 {
        let epoch = super::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        (*d - epoch).num_days() as i32
    }

    pub(super) fn write(table: &DataTable, path: &Path) -> Result<(), WriteError> {
        let fields = table
            .columns
            .iter()
            .map(|c| {
                let (physical, logical) = match c.values {
                    ColumnValues::Text(_) => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
                    ColumnValues::Date(_) => (PhysicalType::INT32, Some(LogicalType::Date)),
                    ColumnValues::Int(_) => (PhysicalType::INT64, None),
                    ColumnValues::Float(_) => (PhysicalType::DOUBLE, None),
                };
                Type::primitive_type_builder(&c.name, physical)
                    .with_repetition(Repetition::REQUIRED)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let schema = Type::group_type_builder(&table.name)
            .with_fields(fields)
            .build()?;
        let file = std::fs::File::create(path).map_err(WriteError::Io)?;
        let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Default::default())?;
        let mut group = writer.next_row_group()?;
        for column in &table.columns {
            let Some(mut writer) = group.next_column()? else {
                return Err(WriteError::Parquet(
                    "the writer has fewer columns than the table".into(),
                ));
            };
            match &column.values {
                ColumnValues::Text(v) => {
                    let values: Vec<ByteArray> =
                        v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&values, None, None)?;
                }
                ColumnValues::Date(v) => {
                    let values: Vec<i32> = v.iter().map(days_from_epoch).collect();
                    writer
                        .typed::<Int32Type>()
                        .write_batch(&values, None, None)?;
                }
                ColumnValues::Int(v) => {
                    writer.typed::<Int64Type>().write_batch(v, None, None)?;
                }
                ColumnValues::Float(v) => {
                    writer.typed::<DoubleType>().write_batch(v, None, None)?;
                }
            }
            writer.close()?;
        }
        group.close()?;
        writer.close()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_cells_that_need_it() -> Result<(), TableError> {
        let t = DataTable::new("t")
            .with_column(
                "name",
                ColumnValues::Text(vec!["a,b".into(), "say \"x\"".into()]),
            )?
            .with_column("n", ColumnValues::Int(vec![1, -2]))?;
        assert_eq!(t.to_csv(), "name,n\n\"a,b\",1\n\"say \"\"x\"\"\",-2\n");
        Ok(())
    }

    #[test]
    fn ragged_and_duplicate_columns_are_refused() -> Result<(), TableError> {
        let t = DataTable::new("t").with_column("a", ColumnValues::Int(vec![1, 2]))?;
        let err = t
            .clone()
            .with_column("b", ColumnValues::Float(vec![1.0]))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("table t: column b has 1 values, the table has 2 rows")
        );
        assert!(matches!(
            t.with_column("a", ColumnValues::Int(vec![3, 4])),
            Err(TableError::DuplicateColumn { .. })
        ));
        Ok(())
    }
}
