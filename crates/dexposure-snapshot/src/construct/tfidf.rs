//! TF-IDF over character n-grams of protocol names, as scikit-learn's `TfidfVectorizer` with
//! `analyzer="char_wb"` (or `"char"`) and an `ngram_range`, with its other defaults (lowercase,
//! smooth idf, raw term counts, L2 norm), and an inverted index to find the most similar name.
//!
//! The vocabulary and idf come from the protocol names only (the vectorizer is fitted on them);
//! a query's n-grams that are not in that vocabulary are ignored before it is normalised, which
//! is what `vectorizer.transform([symbol])` does. The cosine of two L2-normalised vectors is
//! their dot product.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Longest n-gram an analyzer produces; longer ranges are clamped to it.
pub const MAX_NGRAM: u8 = 6;

/// One character n-gram (Unicode scalar values, as Python indexes strings): its length and its
/// characters, the unused tail `'\0'`.
type Gram = (u8, [char; MAX_NGRAM as usize]);

/// How text is cut into n-grams, as scikit-learn's `TfidfVectorizer(analyzer=…,
/// ngram_range=(min_n, max_n))` does after lowercasing.
///
/// Ranges are clamped to `1 ≤ min_n ≤ max_n ≤` [`MAX_NGRAM`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NgramAnalyzer {
    /// `analyzer="char_wb"`: n-grams inside words only, each word padded with one space on each
    /// side; a padded word shorter than `n` is one n-gram on its own (and longer `n` are then
    /// not tried for it).
    CharWb {
        /// Shortest n-gram.
        min_n: u8,
        /// Longest n-gram.
        max_n: u8,
    },
    /// `analyzer="char"`: n-grams across the whole text, runs of two or more whitespace
    /// characters collapsed to one space first.
    Char {
        /// Shortest n-gram.
        min_n: u8,
        /// Longest n-gram.
        max_n: u8,
    },
}

impl NgramAnalyzer {
    /// DESIGN.md §4's analyzer: `char_wb` 3-grams.
    pub const CHAR_WB_3: NgramAnalyzer = NgramAnalyzer::CharWb { min_n: 3, max_n: 3 };

    /// `(min_n, max_n)` after clamping.
    pub fn range(self) -> (u8, u8) {
        let (lo, hi) = match self {
            NgramAnalyzer::CharWb { min_n, max_n } | NgramAnalyzer::Char { min_n, max_n } => {
                (min_n, max_n)
            }
        };
        let lo = lo.clamp(1, MAX_NGRAM);
        (lo, hi.clamp(lo, MAX_NGRAM))
    }

    /// A short label such as `char_wb(3,3)`.
    pub fn label(self) -> String {
        let (lo, hi) = self.range();
        match self {
            NgramAnalyzer::CharWb { .. } => format!("char_wb({lo},{hi})"),
            NgramAnalyzer::Char { .. } => format!("char({lo},{hi})"),
        }
    }

    /// The n-grams of `text`, in scikit-learn's order, repeats included (into `out`, cleared).
    pub(crate) fn grams(self, text: &str, out: &mut Vec<Gram>) {
        out.clear();
        let (lo, hi) = self.range();
        let (lo, hi) = (usize::from(lo), usize::from(hi));
        let lower = text.to_lowercase();
        match self {
            NgramAnalyzer::CharWb { .. } => {
                let mut padded: Vec<char> = Vec::new();
                for word in lower.split(is_python_space).filter(|w| !w.is_empty()) {
                    padded.clear();
                    padded.push(' ');
                    padded.extend(word.chars());
                    padded.push(' ');
                    for n in lo..=hi {
                        if padded.len() <= n {
                            // scikit-learn: `w[0:n]` once, then `break` out of the n loop.
                            out.push(gram(&padded));
                            break;
                        }
                        out.extend(padded.windows(n).map(gram));
                    }
                }
            }
            NgramAnalyzer::Char { .. } => {
                let chars = collapse_spaces(&lower);
                for n in lo..=hi.min(chars.len()) {
                    out.extend(chars.windows(n).map(gram));
                }
            }
        }
    }
}

impl Default for NgramAnalyzer {
    fn default() -> Self {
        NgramAnalyzer::CHAR_WB_3
    }
}

fn gram(chars: &[char]) -> Gram {
    let mut g = ['\0'; MAX_NGRAM as usize];
    let n = chars.len().min(MAX_NGRAM as usize);
    g[..n].copy_from_slice(&chars[..n]);
    (u8::try_from(n).unwrap_or(MAX_NGRAM), g)
}

/// Python's `re.sub(r"\s\s+", " ", text)`: runs of two or more whitespace characters become one
/// space (a single whitespace character is kept as it is).
fn collapse_spaces(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if is_python_space(chars[i]) {
            let mut j = i + 1;
            while j < chars.len() && is_python_space(chars[j]) {
                j += 1;
            }
            if j - i >= 2 {
                out.push(' ');
            } else {
                out.push(chars[i]);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Characters Python's `str.split()` treats as whitespace: Rust's `White_Space` plus the four
/// information separators U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Fitted TF-IDF vectors of a list of documents (protocol names) with an inverted index.
#[derive(Debug, Clone, Default)]
pub(crate) struct TfIdfIndex {
    /// Document ids (protocol ids), sorted by id string; a document's position is its number.
    ids: Vec<String>,
    /// How texts are cut into n-grams.
    analyzer: NgramAnalyzer,
    /// n-gram → column.
    vocabulary: FxHashMap<Gram, u32>,
    /// idf per column: `ln((1 + n) / (1 + df)) + 1`.
    idf: Vec<f64>,
    /// CSR postings: column `g` holds `entries[offsets[g]..offsets[g + 1]]`, each a document
    /// and its L2-normalised tf-idf weight, by document number.
    offsets: Vec<u32>,
    entries: Vec<(u32, f64)>,
}

impl TfIdfIndex {
    /// Fits the vectorizer on `(id, text)` documents. Documents are numbered in id order, so
    /// that ties in [`best`](Self::best) go to the smallest id string.
    #[cfg(test)]
    pub(crate) fn new<'a>(docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::with_analyzer(docs, NgramAnalyzer::CHAR_WB_3)
    }

    /// [`new`](Self::new) with another analyzer.
    pub(crate) fn with_analyzer<'a>(
        docs: impl IntoIterator<Item = (&'a str, &'a str)>,
        analyzer: NgramAnalyzer,
    ) -> Self {
        let mut docs: Vec<(&str, &str)> = docs.into_iter().collect();
        docs.sort_unstable();
        let n = docs.len();
        let mut vocabulary: FxHashMap<Gram, u32> = FxHashMap::default();
        let mut df: Vec<u32> = Vec::new();
        // Per document: (column, count), columns distinct.
        let mut doc_terms: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
        let mut grams = Vec::new();
        for (_, text) in &docs {
            analyzer.grams(text, &mut grams);
            let mut terms: Vec<(u32, u32)> = Vec::with_capacity(grams.len());
            for g in &grams {
                let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                let col = *vocabulary.entry(*g).or_insert(next);
                if col as usize == df.len() {
                    df.push(0);
                }
                terms.push((col, 1));
            }
            sum_counts(&mut terms);
            for &(col, _) in &terms {
                df[col as usize] += 1;
            }
            doc_terms.push(terms);
        }
        let n_f = n as f64;
        let idf: Vec<f64> = df
            .iter()
            .map(|&d| ((1.0 + n_f) / (1.0 + f64::from(d))).ln() + 1.0)
            .collect();

        // Postings, built column by column.
        let mut counts = vec![0u32; idf.len() + 1];
        for terms in &doc_terms {
            for &(col, _) in terms {
                counts[col as usize + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut fill = counts;
        let mut entries = vec![(0u32, 0.0f64); offsets.last().copied().unwrap_or(0) as usize];
        for (doc, terms) in doc_terms.iter().enumerate() {
            let weight = |&(col, count): &(u32, u32)| f64::from(count) * idf[col as usize];
            let norm = terms.iter().map(|t| weight(t).powi(2)).sum::<f64>().sqrt();
            for term in terms {
                let slot = &mut fill[term.0 as usize];
                let w = if norm > 0.0 { weight(term) / norm } else { 0.0 };
                entries[*slot as usize] = (u32::try_from(doc).unwrap_or(u32::MAX), w);
                *slot += 1;
            }
        }
        Self {
            ids: docs.iter().map(|(id, _)| (*id).to_owned()).collect(),
            analyzer,
            vocabulary,
            idf,
            offsets,
            entries,
        }
    }

    /// Number of documents.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The cosine similarity of `query` with every document, by document number, and the
    /// document ids in that order (for tests against scikit-learn).
    #[cfg(test)]
    pub(crate) fn similarities(&self, query: &str) -> (Vec<f64>, &[String]) {
        let mut scores = vec![0.0; self.ids.len()];
        let _ = self.score(query, &mut scores);
        (scores, &self.ids)
    }

    /// Accumulates the cosine of `query` with each document into `scores` (zeroed, one entry
    /// per document); returns the documents touched.
    fn score(&self, query: &str, scores: &mut [f64]) -> Vec<u32> {
        let mut grams = Vec::new();
        self.analyzer.grams(query, &mut grams);
        let mut terms: Vec<(u32, u32)> = grams
            .iter()
            .filter_map(|g| self.vocabulary.get(g).map(|&col| (col, 1)))
            .collect();
        sum_counts(&mut terms);
        let weight = |&(col, count): &(u32, u32)| f64::from(count) * self.idf[col as usize];
        let norm = terms.iter().map(|t| weight(t).powi(2)).sum::<f64>().sqrt();
        let mut touched = Vec::new();
        if norm <= 0.0 {
            return touched;
        }
        for term in &terms {
            let q = weight(term) / norm;
            let col = term.0 as usize;
            let range = self.offsets[col] as usize..self.offsets[col + 1] as usize;
            for &(doc, w) in &self.entries[range] {
                let s = &mut scores[doc as usize];
                if *s == 0.0 {
                    touched.push(doc);
                }
                *s += q * w;
            }
        }
        touched
    }

    /// The most similar document: its id and cosine similarity; ties go to the smallest id
    /// string. `None` when no document shares an n-gram with the query.
    pub(crate) fn best(&self, query: &str) -> Option<(&str, f64)> {
        let mut scores = vec![0.0; self.ids.len()];
        let touched = self.score(query, &mut scores);
        let mut best: Option<(u32, f64)> = None;
        for doc in touched {
            let s = scores[doc as usize];
            best = match best {
                Some((d, b)) if b > s || (b == s && d < doc) => Some((d, b)),
                _ => Some((doc, s)),
            };
        }
        best.and_then(|(doc, s)| self.ids.get(doc as usize).map(|id| (id.as_str(), s)))
    }
}

/// Sorts `(column, count)` terms by column and sums the counts of equal columns.
fn sum_counts(terms: &mut Vec<(u32, u32)>) {
    terms.sort_unstable_by_key(|t| t.0);
    terms.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 += later.1;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn grams_with(analyzer: NgramAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        analyzer.grams(text, &mut out);
        out.iter()
            .map(|(n, g)| g[..usize::from(*n)].iter().collect())
            .collect()
    }

    fn grams(text: &str) -> Vec<String> {
        grams_with(NgramAnalyzer::CHAR_WB_3, text)
    }

    #[test]
    fn other_ranges_match_scikit_learn() {
        // By hand from scikit-learn's `_char_wb_ngrams` / `_char_ngrams`.
        let wb = |lo, hi, t| {
            grams_with(
                NgramAnalyzer::CharWb {
                    min_n: lo,
                    max_n: hi,
                },
                t,
            )
        };
        assert_eq!(wb(2, 4, "ab"), [" a", "ab", "b ", " ab", "ab ", " ab "]);
        // " a " has 3 characters: the 4-gram is the padded word itself, once.
        assert_eq!(wb(3, 5, "a"), [" a "]);
        assert_eq!(wb(2, 3, "a b"), [" a", "a ", " a ", " b", "b ", " b "]);
        let ch = |lo, hi, t| {
            grams_with(
                NgramAnalyzer::Char {
                    min_n: lo,
                    max_n: hi,
                },
                t,
            )
        };
        assert_eq!(ch(3, 3, "A  bc"), ["a b", " bc"]);
        assert_eq!(ch(1, 2, "ab"), ["a", "b", "ab"]);
        assert_eq!(ch(3, 4, "ab"), Vec::<String>::new());
        // Clamping.
        assert_eq!(
            NgramAnalyzer::CharWb { min_n: 0, max_n: 9 }.range(),
            (1, MAX_NGRAM)
        );
        assert_eq!(NgramAnalyzer::Char { min_n: 4, max_n: 2 }.range(), (4, 4));
        assert_eq!(NgramAnalyzer::CHAR_WB_3.label(), "char_wb(3,3)");
    }

    #[test]
    fn char_wb_matches_scikit_learn() {
        // sklearn: TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).build_analyzer()
        assert_eq!(grams("Lido"), [" li", "lid", "ido", "do "]);
        assert_eq!(grams("a  Bc"), [" a ", " bc", "bc "]);
        assert_eq!(grams(" \t "), Vec::<String>::new());
        assert_eq!(grams("ÉTH"), [" ét", "éth", "th "]);
    }

    #[derive(serde::Deserialize)]
    struct Case {
        ids: Vec<String>,
        names: Vec<String>,
        queries: Vec<Query>,
    }

    #[derive(serde::Deserialize)]
    struct Query {
        symbol: String,
        /// Cosine with each name, in the order of `ids`/`names`.
        similarities: Vec<f64>,
        /// Argmax id (ties → smallest id string), or null when every similarity is 0.
        best: Option<String>,
    }

    #[test]
    fn golden_scikit_learn() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/tfidf.json");
        let cases: Vec<Case> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(cases.len() >= 3);
        let mut checked = 0;
        for case in &cases {
            let index = TfIdfIndex::new(
                case.ids
                    .iter()
                    .map(String::as_str)
                    .zip(case.names.iter().map(String::as_str)),
            );
            assert_eq!(index.len(), case.ids.len());
            for q in &case.queries {
                let (sims, ids) = index.similarities(&q.symbol);
                for (id, want) in case.ids.iter().zip(&q.similarities) {
                    let pos = ids.iter().position(|x| x == id).unwrap();
                    let got = sims[pos];
                    assert!(
                        (got - want).abs() <= 1e-12,
                        "{:?} vs {id}: {got} != {want}",
                        q.symbol
                    );
                    checked += 1;
                }
                let best = index.best(&q.symbol).map(|(id, _)| id.to_owned());
                assert_eq!(best, q.best, "{:?}", q.symbol);
            }
        }
        assert!(checked > 50);
    }
}
