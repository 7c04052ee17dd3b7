//! A structural scanner for the top level of a DeXposure document,
//! `{"data": {"YYYY-MM-DD": {...}, ...}}`.
//!
//! It walks the bytes once, tracking only strings and brace depth, and yields each week's date
//! key and the exact byte range of its object. Week objects are then parsed by simd-json
//! ([`crate::week`]). The scanner works on any [`BufRead`], so the same code serves the
//! whole-file path (a `&[u8]` over the file contents: ranges only, no copy) and the streaming
//! path (a buffered file or gzip decoder: the week's bytes are copied into a reusable buffer,
//! keeping memory at about one week). It never recurses, so deeply nested input cannot overflow
//! the stack.
//!
//! Top-level keys other than `data` are skipped without being validated in depth.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Result, SnapshotError};

/// One entry of the `data` map, as found by [`TopLevelScanner::next_week`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct WeekEntry {
    pub(crate) date: NaiveDate,
    /// Offset of the week object's `{` in the document.
    pub(crate) offset: u64,
    /// Length of the week object in bytes.
    pub(crate) len: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root `{`.
    Start,
    /// Inside the root object, before a key (or its closing brace).
    RootKey { first: bool },
    /// Inside `data`, before a date key (or its closing brace).
    DataKey { first: bool },
    /// The root object is closed; only whitespace may follow.
    Done,
}

/// Scanner state over one document.
pub(crate) struct TopLevelScanner<R> {
    reader: R,
    path: PathBuf,
    offset: u64,
    state: State,
    seen_data: bool,
    gzip: bool,
    guess_ends: bool,
    /// Largest week object returned or captured, in bytes.
    max_week: u64,
}

impl<R: BufRead> TopLevelScanner<R> {
    /// A scanner over `reader`; `gzip` says whether read errors come from a gzip decoder.
    pub(crate) fn new(reader: R, path: &Path, gzip: bool) -> Self {
        Self {
            reader,
            path: path.to_path_buf(),
            offset: 0,
            state: State::Start,
            seen_data: false,
            gzip,
            guess_ends: false,
            max_week: u64::MAX,
        }
    }

    /// Refuse (with [`SnapshotError::WeekTooLarge`]) any week longer than `bytes` that is not
    /// skipped, once its length is known; the exact scan refuses a captured week before more
    /// than `bytes` of it are copied (the streaming path).
    pub(crate) fn max_week_bytes(mut self, bytes: u64) -> Self {
        self.max_week = bytes;
        self
    }

    /// Find the end of each week to be captured by a fast substring search instead of an
    /// exact scan (see [`guess_week_end`]). Only for callers that parse every captured week,
    /// which is what proves a guess right; weeks passed over are always scanned exactly.
    pub(crate) fn guessing_ends(mut self) -> Self {
        self.guess_ends = true;
        self
    }

    /// The next week of `data`. When `capture` is given, the week's bytes are appended to it;
    /// when `skip` says so for the week's date, the object is passed over (still checked for
    /// balance) and the scanner goes on to the next week.
    pub(crate) fn next_week(
        &mut self,
        mut capture: Option<&mut Vec<u8>>,
        skip: impl Fn(NaiveDate) -> bool,
    ) -> Result<Option<WeekEntry>> {
        loop {
            match self.state {
                State::Start => {
                    match self.peek_non_ws()? {
                        None => {
                            return Err(SnapshotError::Empty {
                                path: self.path.clone(),
                            });
                        }
                        Some(b'{') => self.bump(),
                        Some(0xEF) if self.fill()?.starts_with(&[0xEF, 0xBB, 0xBF]) => {
                            return Err(self.structure(
                                "the file starts with a UTF-8 byte order mark, which JSON does not allow \
                                 (strip the first 3 bytes)"
                                    .into(),
                            ));
                        }
                        Some(b) => {
                            return Err(self.structure(format!(
                                "the root must be a JSON object, found {}",
                                describe(b)
                            )));
                        }
                    }
                    self.state = State::RootKey { first: true };
                }
                State::RootKey { first } => {
                    if !self.open_entry(first, "the root object")? {
                        if !self.seen_data {
                            return Err(
                                self.structure("the root object has no \"data\" key".into())
                            );
                        }
                        self.state = State::Done;
                        continue;
                    }
                    let key = self.read_key()?;
                    self.expect_colon()?;
                    if key == b"data" {
                        if self.seen_data {
                            return Err(
                                self.structure("\"data\" appears twice in the root object".into())
                            );
                        }
                        self.seen_data = true;
                        match self.peek_non_ws()? {
                            Some(b'{') => self.bump(),
                            Some(b) => {
                                return Err(self.structure(format!(
                                    "\"data\" must be an object mapping dates to weeks, found {}",
                                    describe(b)
                                )));
                            }
                            None => return Err(self.eof("the value of \"data\"")),
                        }
                        self.state = State::DataKey { first: true };
                    } else {
                        self.skip_value()?;
                        self.state = State::RootKey { first: false };
                    }
                }
                State::DataKey { first } => {
                    if !self.open_entry(first, "\"data\"")? {
                        self.state = State::RootKey { first: false };
                        continue;
                    }
                    let key_offset = self.offset;
                    let key = self.read_key()?;
                    let date = parse_date(&key).ok_or_else(|| SnapshotError::InvalidDate {
                        path: self.path.clone(),
                        offset: key_offset,
                        key: String::from_utf8_lossy(&key).into_owned(),
                    })?;
                    self.expect_colon()?;
                    match self.peek_non_ws()? {
                        Some(b'{') => {}
                        Some(b) => {
                            return Err(self.structure(format!("week {date}: expected an object with \"nodes\" and \"links\", found {}", describe(b))));
                        }
                        None => return Err(self.eof(&format!("week {date}"))),
                    }
                    self.state = State::DataKey { first: false };
                    let offset = self.offset;
                    let skipping = skip(date);
                    let sink = if skipping {
                        None
                    } else {
                        capture.as_deref_mut()
                    };
                    let len = match self.guess_ends && !skipping {
                        true => self.take_guessed_object(capture.as_deref_mut(), date)?,
                        false => self.take_object(sink, date)?,
                    };
                    if !skipping {
                        if len > self.max_week {
                            return Err(self.week_too_large(date, offset));
                        }
                        return Ok(Some(WeekEntry { date, offset, len }));
                    }
                }
                State::Done => {
                    return match self.peek_non_ws()? {
                        None => Ok(None),
                        Some(b) => Err(self.structure(format!(
                            "unexpected {} after the end of the root object",
                            describe(b)
                        ))),
                    };
                }
            }
        }
    }

    /// Offset reached in the document.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Handles the separator before an object entry. Returns false at the closing brace.
    fn open_entry(&mut self, first: bool, what: &str) -> Result<bool> {
        match self.peek_non_ws()? {
            Some(b'}') => {
                self.bump();
                return Ok(false);
            }
            Some(b',') if !first => {
                self.bump();
                match self.peek_non_ws()? {
                    Some(b'"') => {}
                    Some(b) => {
                        return Err(self.structure(format!(
                            "expected a key in {what}, found {}",
                            describe(b)
                        )));
                    }
                    None => return Err(self.eof(what)),
                }
            }
            Some(b'"') if first => {}
            Some(b) => {
                let expected = if first { "a key or '}'" } else { "',' or '}'" };
                return Err(self.structure(format!(
                    "expected {expected} in {what}, found {}",
                    describe(b)
                )));
            }
            None => return Err(self.eof(what)),
        }
        Ok(true)
    }

    fn structure(&self, message: String) -> SnapshotError {
        SnapshotError::Structure {
            path: self.path.clone(),
            offset: self.offset,
            message,
        }
    }

    fn eof(&self, inside: &str) -> SnapshotError {
        self.structure(format!(
            "unexpected end of file inside {inside} (the file is truncated)"
        ))
    }

    /// The reader's current buffer, refilled when empty (empty at end of input).
    fn fill(&mut self) -> Result<&[u8]> {
        let (path, gzip) = (&self.path, self.gzip);
        loop {
            match self.reader.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(path, gzip, e)),
            }
        }
        // The buffer is filled now, so this second call does no I/O.
        self.reader
            .fill_buf()
            .map_err(|e| read_error(path, gzip, e))
    }

    fn bump(&mut self) {
        self.reader.consume(1);
        self.offset += 1;
    }

    /// The next non-whitespace byte, not consumed; None at end of input.
    fn peek_non_ws(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let ws = buf
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .count();
            let found = buf.get(ws).copied();
            self.reader.consume(ws);
            self.offset += ws as u64;
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    fn expect_colon(&mut self) -> Result<()> {
        match self.peek_non_ws()? {
            Some(b':') => {
                self.bump();
                Ok(())
            }
            Some(b) => {
                Err(self.structure(format!("expected ':' after a key, found {}", describe(b))))
            }
            None => Err(self.eof("an object")),
        }
    }

    /// Reads a string key (the next byte is its opening quote). Keys longer than 256 bytes are
    /// cut in the returned value (they are never valid date keys nor `data`).
    fn read_key(&mut self) -> Result<Vec<u8>> {
        self.bump(); // opening quote
        let mut key = Vec::new();
        let mut escaped = false;
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(self.eof("a key"));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    end = Some(i);
                    break;
                }
            }
            let take = end.unwrap_or(buf.len());
            let room = 256usize.saturating_sub(key.len());
            key.extend_from_slice(&buf[..take.min(room)]);
            let consumed = take + usize::from(end.is_some());
            self.reader.consume(consumed);
            self.offset += consumed as u64;
            if end.is_some() {
                return Ok(key);
            }
        }
    }

    /// Passes over a week object (the next byte is its `{`), copying it into `sink` if given.
    /// Returns its length in bytes.
    fn take_object(&mut self, mut sink: Option<&mut Vec<u8>>, date: NaiveDate) -> Result<u64> {
        let start = self.offset;
        let max_week = self.max_week;
        let mut depth = 0u64;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let offset = self.offset;
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(self.eof(&format!("week {date}")));
            }
            // Jump between the only bytes that matter: quotes and backslashes inside strings,
            // quotes and braces outside (brackets cannot unbalance an object once strings
            // are skipped).
            let mut end = None;
            let mut i = 0;
            while i < buf.len() {
                if in_string {
                    if escaped {
                        escaped = false;
                        i += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                        None => i = buf.len(),
                        Some(j) => {
                            i += j;
                            if buf[i] == b'\\' {
                                escaped = true;
                            } else {
                                in_string = false;
                            }
                            i += 1;
                        }
                    }
                } else {
                    match memchr::memchr3(b'"', b'{', b'}', &buf[i..]) {
                        None => i = buf.len(),
                        Some(j) => {
                            i += j;
                            match buf[i] {
                                b'"' => in_string = true,
                                b'{' => depth += 1,
                                _ => {
                                    depth -= 1;
                                    if depth == 0 {
                                        end = Some(i + 1);
                                        break;
                                    }
                                }
                            }
                            i += 1;
                        }
                    }
                }
            }
            let take = end.unwrap_or(buf.len());
            if let Some(sink) = sink.as_deref_mut() {
                if offset + take as u64 - start > max_week {
                    return Err(self.week_too_large(date, start));
                }
                sink.extend_from_slice(&buf[..take]);
            }
            self.reader.consume(take);
            self.offset += take as u64;
            if end.is_some() {
                return Ok(self.offset - start);
            }
        }
    }

    fn week_too_large(&self, date: NaiveDate, offset: u64) -> SnapshotError {
        SnapshotError::WeekTooLarge {
            path: self.path.clone(),
            date: date.to_string(),
            offset,
            limit: self.max_week,
        }
    }

    /// Like [`Self::take_object`], but ends the object at [`guess_week_end`] when the current
    /// buffer holds a candidate. A miss turns guessing off for the rest of the document, so an
    /// unusual layout costs one extra search, not one per week.
    fn take_guessed_object(&mut self, sink: Option<&mut Vec<u8>>, date: NaiveDate) -> Result<u64> {
        let buf = self.fill()?;
        let Some(len) = guess_week_end(buf) else {
            self.guess_ends = false;
            return self.take_object(sink, date);
        };
        if let Some(sink) = sink {
            sink.extend_from_slice(&buf[..len]);
        }
        self.reader.consume(len);
        self.offset += len as u64;
        Ok(len as u64)
    }

    /// Passes over any JSON value (used for root keys other than `data`).
    fn skip_value(&mut self) -> Result<()> {
        let mut depth = 0u64;
        let mut in_string = false;
        let mut escaped = false;
        let mut started = false;
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return if started && depth == 0 && !in_string {
                    Ok(())
                } else {
                    Err(self.eof("a value"))
                };
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b' ' | b'\n' | b'\r' | b'\t' if !started => {}
                    b'"' => {
                        started = true;
                        in_string = true;
                    }
                    b'{' | b'[' => {
                        started = true;
                        depth += 1;
                    }
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    _ => started = true,
                }
            }
            let take = end.unwrap_or(buf.len());
            self.reader.consume(take);
            self.offset += take as u64;
            if end.is_some() {
                if !started {
                    return Err(self.structure("expected a value".into()));
                }
                return Ok(());
            }
        }
    }
}

/// Guesses where the week object at the start of `buf` ends, from how weeks are laid out: a
/// week is `{"nodes": [...], "links": [...]}`, so it ends at a `]}` followed by either the next
/// date key (`, "YYYY-MM-DD":`) or the closing braces of `data` and the root and the end of the
/// document. Any JSON whitespace is allowed around the separators, so Python's `json.dump`
/// (`]}, "`), compact writers (`]},"`) and indented files are all recognised. Returns the
/// length of the week object, or None when no such `]}` exists (the caller then scans exactly).
///
/// Inside strings the pattern cannot occur (quotes are escaped there), so a guess can be wrong
/// only if the pattern occurs structurally in a nested value of the week. The guessed piece
/// then has unbalanced braces, which simd-json rejects, so every week the whole-file loader
/// parses proves its guess; the loader re-scans exactly whenever a guessing load fails.
pub(crate) fn guess_week_end(buf: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(buf, b"]}")
        .map(|hit| hit + 2)
        .find(|&end| ends_week(&buf[end..]))
}

/// Whether `rest`, the bytes after a candidate `]}`, continue as the next week's date key or as
/// the end of the document.
fn ends_week(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii_start();
    if let Some(next) = rest.strip_prefix(b",") {
        let next = next.trim_ascii_start();
        return next.len() >= 12
            && next[0] == b'"'
            && next[11] == b'"'
            && parse_date(&next[1..11]).is_some()
            && next[12..].trim_ascii_start().starts_with(b":");
    }
    rest.strip_prefix(b"}")
        .map(<[u8]>::trim_ascii_start)
        .and_then(|r| r.strip_prefix(b"}"))
        .is_some_and(|r| r.trim_ascii_start().is_empty())
}

/// Maps a read error to the crate error: decoder failures of a gzip stream are reported as such.
pub(crate) fn read_error(path: &Path, gzip: bool, e: io::Error) -> SnapshotError {
    if gzip && e.kind() != io::ErrorKind::NotFound && e.kind() != io::ErrorKind::PermissionDenied {
        SnapshotError::Gzip {
            path: path.to_path_buf(),
            source: e,
        }
    } else {
        SnapshotError::io(path, e)
    }
}

/// `YYYY-MM-DD`, exactly ten bytes.
pub(crate) fn parse_date(key: &[u8]) -> Option<NaiveDate> {
    if key.len() != 10 || key[4] != b'-' || key[7] != b'-' {
        return None;
    }
    let s = std::str::from_utf8(key).ok()?;
    let digits =
        |r: std::ops::Range<usize>| s.get(r).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    let y: i32 = digits(0..4)?.parse().ok()?;
    let m: u32 = digits(5..7)?.parse().ok()?;
    let d: u32 = digits(8..10)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn describe(b: u8) -> String {
    match b {
        b'[' => "an array".into(),
        b'"' => "a string".into(),
        b'-' | b'0'..=b'9' => "a number".into(),
        b't' | b'f' => "a boolean".into(),
        b'n' => "null".into(),
        b if b.is_ascii_graphic() => format!("'{}'", b as char),
        b => format!("byte 0x{b:02x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::guess_week_end;

    #[test]
    fn week_ends_are_guessed_in_any_whitespace_layout() {
        let week = r#"{"nodes": [{"id": "1", "composition": {"A": 1}}], "links": []}"#;
        for sep in [", ", ",", " ,\n  ", ",\n\t"] {
            for colon in [":", " : "] {
                let next = format!(r#"{week}{sep}"2021-01-11"{colon}{{"nodes": []}}"#);
                assert_eq!(guess_week_end(next.as_bytes()), Some(week.len()), "{next}");
            }
        }
        for tail in ["}}", " } }\n", "}\n}"] {
            let last = format!("{week}{tail}");
            assert_eq!(guess_week_end(last.as_bytes()), Some(week.len()), "{last}");
        }
    }

    #[test]
    fn no_guess_without_a_week_boundary() {
        // `]}` followed by anything but a date key or the document's end is not a boundary.
        let cases = [
            r#"{"nodes": [], "links": []}, "meta": 1}"#,
            r#"{"nodes": [], "links": []}, "2021-13-01": {}"#,
            r#"{"nodes": [], "links": []}}} trailing"#,
            r#"{"nodes": [], "links": []}, "2021-01-11" {}"#,
        ];
        for case in cases {
            assert_eq!(guess_week_end(case.as_bytes()), None, "{case}");
        }
    }
}
