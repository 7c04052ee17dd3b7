//! Holdings CSV input for [`NetworkBuilder`].

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use flate2::read::MultiGzDecoder;

use super::{HoldingRow, NetworkBuilder};
use crate::error::{Result, SnapshotError};
use crate::scan::parse_date;

/// The columns of a holdings CSV and the header names accepted for each (case-insensitive,
/// surrounding spaces ignored); when several names of one column are present, the first listed
/// wins.
const COLUMNS: [(&str, &[&str]); 6] = [
    ("date", &["date", "timestamp"]),
    ("protocol", &["protocol", "protocol_id", "id"]),
    ("chain", &["chain"]),
    ("token", &["token", "symbol"]),
    ("quantity", &["quantity", "amount"]),
    ("usd", &["usd", "value"]),
];

const DATE: usize = 0;
const PROTOCOL: usize = 1;
const CHAIN: usize = 2;
const TOKEN: usize = 3;
const QUANTITY: usize = 4;
const USD: usize = 5;

impl NetworkBuilder {
    /// Reads a holdings CSV (plain or gzip, detected from the first bytes) and pushes every row.
    ///
    /// The header must name the columns (case-insensitive): `date` (an ISO date `YYYY-MM-DD` or
    /// date-time) or `timestamp` (unix seconds, or an ISO date or date-time); `protocol` |
    /// `protocol_id` | `id`; `chain`; `token` | `symbol`; `quantity` | `amount`; `usd` | `value`.
    /// Other columns are ignored. A date-time with an offset counts on its UTC date; one without
    /// on the date written. A protocol id written as a float by pandas (`182.0`) is read as
    /// `182`. Errors ([`SnapshotError::HoldingsCsv`]) name the file, the line and the column;
    /// a row [`push`](Self::push) rejects is reported with its line too.
    pub fn push_csv(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| SnapshotError::io(path, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let gzip = {
            use std::io::BufRead;
            let head = reader.fill_buf().map_err(|e| SnapshotError::io(path, e))?;
            head.starts_with(&[0x1f, 0x8b])
        };
        if gzip {
            self.push_csv_reader(BufReader::new(MultiGzDecoder::new(reader)), path)
        } else {
            self.push_csv_reader(reader, path)
        }
    }

    /// Reads holdings CSV text from any reader (see [`push_csv`](Self::push_csv));
    /// `label_path` is only used in error messages.
    pub fn push_csv_reader(
        &mut self,
        reader: impl Read,
        label_path: impl AsRef<Path>,
    ) -> Result<()> {
        let path = label_path.as_ref();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let header = rdr.byte_headers().map_err(|e| csv_error(path, e))?.clone();
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let mut columns = [0usize; 6];
        let mut unix_allowed = false;
        for (slot, (what, aliases)) in COLUMNS.iter().enumerate() {
            let found = aliases
                .iter()
                .find_map(|alias| names.iter().position(|n| n == alias).map(|i| (alias, i)));
            let Some((alias, index)) = found else {
                return Err(csv_err(
                    path,
                    "line 1 (header)",
                    format!(
                        "missing column {what:?} (one of {}); the header is {:?}",
                        aliases.join(", "),
                        names.join(",")
                    ),
                ));
            };
            if names.iter().filter(|n| n == alias).count() > 1 {
                return Err(csv_err(
                    path,
                    "line 1 (header)",
                    format!("column {alias:?} appears more than once"),
                ));
            }
            if slot == DATE {
                unix_allowed = *alias == "timestamp";
            }
            columns[slot] = index;
        }
        let column_name = |slot: usize| names[columns[slot]].as_str();

        let mut record = csv::ByteRecord::new();
        let mut last_date: Option<(Vec<u8>, NaiveDate)> = None;
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, e)),
            }
            let line = record.position().map_or(0, csv::Position::line);
            let cell = |slot: usize| -> Result<&str> {
                let raw = record.get(columns[slot]).unwrap_or_default();
                std::str::from_utf8(raw).map_err(|_| {
                    csv_err(
                        path,
                        format!("line {line}, column {:?}", column_name(slot)),
                        "not valid UTF-8",
                    )
                })
            };
            let raw_date = record.get(columns[DATE]).unwrap_or_default();
            let date = match &last_date {
                Some((bytes, date)) if bytes.as_slice() == raw_date => *date,
                _ => {
                    let text = cell(DATE)?;
                    let date = parse_when(text, unix_allowed).ok_or_else(|| {
                        csv_err(
                            path,
                            format!("line {line}, column {:?}", column_name(DATE)),
                            format!(
                                "{text:?} is not {}",
                                if unix_allowed {
                                    "unix seconds or an ISO date or date-time"
                                } else {
                                    "an ISO date (YYYY-MM-DD) or date-time"
                                }
                            ),
                        )
                    })?;
                    last_date = Some((raw_date.to_vec(), date));
                    date
                }
            };
            let number = |slot: usize| -> Result<f64> {
                let text = cell(slot)?;
                let value: f64 = text.trim().parse().map_err(|_| {
                    csv_err(
                        path,
                        format!("line {line}, column {:?}", column_name(slot)),
                        format!("{text:?} is not a number"),
                    )
                })?;
                if value.is_finite() {
                    Ok(value)
                } else {
                    Err(csv_err(
                        path,
                        format!("line {line}, column {:?}", column_name(slot)),
                        format!("{text:?} is not a finite number"),
                    ))
                }
            };
            let quantity = number(QUANTITY)?;
            let usd = number(USD)?;
            let row = HoldingRow {
                date,
                protocol: float_id(cell(PROTOCOL)?.trim()),
                chain: cell(CHAIN)?.trim(),
                token: cell(TOKEN)?.trim(),
                quantity,
                usd,
            };
            self.push(row).map_err(|e| match e {
                SnapshotError::HoldingRow {
                    index,
                    date,
                    problem,
                } => csv_err(
                    path,
                    format!("line {line}"),
                    format!("{problem} (row {index}, date {date})"),
                ),
                other => other,
            })?;
        }
        Ok(())
    }
}

/// `182.0` → `182` (pandas writes integer ids of a column with gaps as floats).
fn float_id(id: &str) -> &str {
    if let Some((int, frac)) = id.split_once('.')
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        return int;
    }
    id
}

/// An ISO date, an ISO date-time (`T` or space; optional fraction; optional `Z` or offset,
/// converted to UTC), or (when `unix` is set) unix seconds, possibly fractional.
pub(crate) fn parse_when(text: &str, unix: bool) -> Option<NaiveDate> {
    let s = text.trim();
    if let Some(date) = parse_date(s.as_bytes()) {
        return Some(date);
    }
    if unix
        && !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        if let Ok(secs) = s.parse::<i64>() {
            return DateTime::from_timestamp(secs, 0).map(|d| d.date_naive());
        }
        let secs: f64 = s.parse().ok()?;
        if !secs.is_finite() || secs.abs() > 1e15 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        return DateTime::from_timestamp(secs.floor() as i64, 0).map(|d| d.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc().date());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Some(dt.naive_utc().date());
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, format) {
            return Some(dt.date());
        }
    }
    None
}

fn csv_err(path: &Path, location: impl Into<String>, problem: impl Into<String>) -> SnapshotError {
    SnapshotError::HoldingsCsv {
        path: path.to_path_buf(),
        location: location.into(),
        problem: problem.into(),
    }
}

fn csv_error(path: &Path, err: csv::Error) -> SnapshotError {
    crate::metadata::describe_csv_error(path, err, "", csv_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        s.parse().ok()
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(parse_when("2022-05-09", false), d("2022-05-09"));
        assert_eq!(parse_when(" 2022-05-09T23:30:00 ", false), d("2022-05-09"));
        assert_eq!(parse_when("2022-05-09 23:30", false), d("2022-05-09"));
        assert_eq!(parse_when("2022-05-09T23:30:00.5Z", false), d("2022-05-09"));
        // 23:30 at −02:00 is 01:30 UTC the next day.
        assert_eq!(
            parse_when("2022-05-09T23:30:00-02:00", false),
            d("2022-05-10")
        );
        assert_eq!(
            parse_when("2022-05-09 23:30:00+0000", false),
            d("2022-05-09")
        );
        assert_eq!(parse_when("1652054400", false), None);
        assert_eq!(parse_when("1652054400", true), d("2022-05-09"));
        assert_eq!(parse_when("1652054399.9", true), d("2022-05-08"));
        assert_eq!(parse_when("-86400", true), d("1969-12-31"));
        assert_eq!(parse_when("2022-02-30", true), None);
        assert_eq!(parse_when("", true), None);
        assert_eq!(parse_when("1e400", true), None);
        assert_eq!(parse_when("99999999999999999999", true), None);
    }

    #[test]
    fn float_ids() {
        assert_eq!(float_id("182.0"), "182");
        assert_eq!(float_id("182"), "182");
        assert_eq!(float_id("1.5"), "1.5");
        assert_eq!(float_id("USDC"), "USDC");
    }
}
