//! Metric time series over a [`SnapshotSeries`]: one [`NetworkMetrics`] row per week
//! ([`MetricTable`], computed in parallel, written as CSV or JSON), the expensive community and
//! curvature summaries per week ([`StructureTable`]), and week-to-week overlaps
//! ([`overlap_series`]).
//!
//! ```
//! use dexposure_graph::MetricTable;
//! use dexposure_graph::temporal::overlap_series;
//! use dexposure_snapshot::SeriesLoader;
//! let json = br#"{"data": {
//!   "2024-01-01": {"nodes": [{"id": "1", "size": 1.0, "composition": {}}, {"id": "2", "size": 2.0, "composition": {}}],
//!                  "links": [{"source": "1", "target": "2", "size": 1.0, "composition": {}}]},
//!   "2024-01-08": {"nodes": [{"id": "1", "size": 1.0, "composition": {}}], "links": []}}}"#;
//! let series = SeriesLoader::new().load_bytes(json, "inline.json")?;
//! let table = MetricTable::compute(&series, None)?;
//! assert_eq!(table.rows.len(), 2);
//! assert_eq!(table.rows[1].links, 0);
//! let csv = table.to_csv();
//! assert!(csv.starts_with("date,nodes,links,density,"));
//! let overlaps = overlap_series(&series, 1)?;
//! assert_eq!(overlaps[0].overlap.nodes, 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write;
use std::path::Path;

use dexposure_snapshot::{NaiveDate, Overlap, ProtocolCatalog, SnapshotSeries};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};
use crate::graph::ExposureGraph;
use crate::network::{MetricOptions, NetworkMetrics};
use crate::structure::{StructureMetrics, StructureOptions};

/// The [`NetworkMetrics`] of every week of a series, in date order.
///
/// Serializes (serde, [`MetricTable::write_json`]) as a JSON array of flat row objects;
/// [`MetricTable::write_csv`] writes the same rows as RFC 4180 CSV with a header of
/// [`NetworkMetrics::COLUMNS`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetricTable {
    /// One row per week, in date order.
    pub rows: Vec<NetworkMetrics>,
}

impl MetricTable {
    /// Every week's metrics except harmonic closeness (see [`MetricOptions`]), weeks computed
    /// in parallel. `catalog` gives the sectors (every node `Unknown` without one).
    pub fn compute(series: &SnapshotSeries, catalog: Option<&ProtocolCatalog>) -> Result<Self> {
        Self::compute_with(series, catalog, MetricOptions::default())
    }

    /// Every week's metrics with `options`, weeks computed in parallel (rayon). The first
    /// error, in date order, is returned.
    pub fn compute_with(
        series: &SnapshotSeries,
        catalog: Option<&ProtocolCatalog>,
        options: MetricOptions,
    ) -> Result<Self> {
        let rows = series
            .snapshots()
            .par_iter()
            .map(|week| NetworkMetrics::of_week(week, series.symbols(), catalog, options))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { rows })
    }

    /// The table as RFC 4180 CSV: a header line, then one line per week, CRLF line ends.
    /// Numbers are written in the shortest form that reads back to the same `f64`; a metric
    /// that was not computed is an empty cell.
    pub fn to_csv(&self) -> String {
        csv_table(
            NetworkMetrics::COLUMNS,
            self.rows.iter().map(NetworkMetrics::csv_cells),
        )
    }

    /// Writes [`MetricTable::to_csv`] to `path`.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_csv()).map_err(|source| io_error(path, source))
    }

    /// The table as pretty-printed JSON (an array of row objects).
    pub fn to_json(&self) -> String {
        // Serializing plain numbers, strings and nulls cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes [`MetricTable::to_json`] to `path`.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_file(path.as_ref(), self)
    }
}

/// The [`StructureMetrics`] (communities, curvature) of every week of a series, in date order;
/// written like [`MetricTable`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StructureTable {
    /// One row per week, in date order.
    pub rows: Vec<StructureMetrics>,
}

impl StructureTable {
    /// Every week's community and curvature summary. Weeks run one after another; each
    /// algorithm is parallel inside (rayon). Expensive: see [`StructureMetrics`].
    pub fn compute(
        series: &SnapshotSeries,
        catalog: Option<&ProtocolCatalog>,
        options: &StructureOptions,
    ) -> Result<Self> {
        let rows = series
            .snapshots()
            .iter()
            .map(|week| {
                let graph = ExposureGraph::from_snapshot(week, series.symbols(), catalog)?;
                StructureMetrics::compute(&graph, week.date, options)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { rows })
    }

    /// The table as RFC 4180 CSV (header [`StructureMetrics::COLUMNS`]).
    pub fn to_csv(&self) -> String {
        csv_table(
            StructureMetrics::COLUMNS,
            self.rows.iter().map(StructureMetrics::csv_cells),
        )
    }

    /// Writes [`StructureTable::to_csv`] to `path`.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_csv()).map_err(|source| io_error(path, source))
    }

    /// Writes the rows as pretty-printed JSON to `path`.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_file(path.as_ref(), self)
    }
}

/// A header line and one line per row of cells.
fn csv_table(columns: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    push_csv_line(&mut out, columns.iter().copied());
    for cells in rows {
        push_csv_line(&mut out, cells.iter().map(String::as_str));
    }
    out
}

fn write_json_file(path: &Path, value: &impl Serialize) -> Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut file, value)?;
        file.write_all(b"\n")?;
        file.flush()
    };
    write().map_err(|source| io_error(path, source))
}

/// Overlap of week `from` into week `to` (`to` is `h` positions later in the series).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverlapPoint {
    /// Date of the earlier week t.
    pub from: NaiveDate,
    /// Date of the later week t + h.
    pub to: NaiveDate,
    /// Node, directed-link and undirected-pair overlap (shares of week t present at t + h).
    #[serde(flatten)]
    pub overlap: Overlap,
}

/// Node / directed-link / undirected-pair overlap between weeks t and t + h for every t
/// ([`Overlap::between`]), pairing weeks by position as
/// [`SnapshotSeries::horizon_pairs`] does. Empty when the series has no more than `h` weeks;
/// an error for `h = 0`.
pub fn overlap_series(series: &SnapshotSeries, h: usize) -> Result<Vec<OverlapPoint>> {
    if h == 0 {
        return Err(GraphError::InvalidArgument(
            "overlap horizon h must be at least 1".to_owned(),
        ));
    }
    let weeks = series.snapshots();
    Ok((0..weeks.len().saturating_sub(h))
        .into_par_iter()
        .map(|t| {
            let (a, b) = (&weeks[t], &weeks[t + h]);
            OverlapPoint {
                from: a.date,
                to: b.date,
                overlap: Overlap::between(a, b),
            }
        })
        .collect())
}

fn io_error(path: &Path, source: std::io::Error) -> GraphError {
    GraphError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Appends one CSV record, quoting fields that need it (RFC 4180), and a CRLF.
fn push_csv_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let mut out = String::new();
        push_csv_line(&mut out, ["a", "b,c", "d\"e"].into_iter());
        assert_eq!(out, "a,\"b,c\",\"d\"\"e\"\r\n");
    }
}
