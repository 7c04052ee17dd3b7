//! TF-IDF over character 3-grams of protocol names, as scikit-learn's
//! `TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3))` with its defaults (lowercase,
//! smooth idf, raw term counts, L2 norm), and an inverted index to find the most similar name.
//!
//! The vocabulary and idf come from the protocol names only (the vectorizer is fitted on them);
//! a query's n-grams that are not in that vocabulary are ignored before it is normalised, which
//! is what `vectorizer.transform([symbol])` does. The cosine of two L2-normalised vectors is
//! their dot product.

use rustc_hash::FxHashMap;

/// One character 3-gram (Unicode scalar values, as Python indexes strings).
type Gram = [char; 3];

/// Characters Python's `str.split()` treats as whitespace: Rust's `White_Space` plus the four
/// information separators U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The `char_wb` 3-grams of `text`, in order, repeats included: the text is lowercased, split
/// on whitespace, and each word padded with one space on each side.
pub(crate) fn char_wb_grams(text: &str, out: &mut Vec<Gram>) {
    out.clear();
    let lower = text.to_lowercase();
    let mut padded: Vec<char> = Vec::new();
    for word in lower.split(is_python_space).filter(|w| !w.is_empty()) {
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        // A padded word has at least 3 characters, so it always yields at least one gram.
        out.extend(padded.windows(3).map(|w| [w[0], w[1], w[2]]));
    }
}

/// Fitted TF-IDF vectors of a list of documents (protocol names) with an inverted index.
#[derive(Debug, Clone, Default)]
pub(crate) struct TfIdfIndex {
    /// Document ids (protocol ids), sorted by id string; a document's position is its number.
    ids: Vec<String>,
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
    pub(crate) fn new<'a>(docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut docs: Vec<(&str, &str)> = docs.into_iter().collect();
        docs.sort_unstable();
        let n = docs.len();
        let mut vocabulary: FxHashMap<Gram, u32> = FxHashMap::default();
        let mut df: Vec<u32> = Vec::new();
        // Per document: (column, count), columns distinct.
        let mut doc_terms: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
        let mut grams = Vec::new();
        for (_, text) in &docs {
            char_wb_grams(text, &mut grams);
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
        char_wb_grams(query, &mut grams);
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

    fn grams(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        char_wb_grams(text, &mut out);
        out.iter().map(|g| g.iter().collect()).collect()
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
