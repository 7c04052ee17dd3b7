//! How well the issuer map's later steps reproduce a published `token_to_protocol.json`, and the
//! tuning of their settings on half of it (docs/ISSUER_MAPPING.md).
//! See [`IssuerMapEvaluation`] for the definitions and [`IssuerMapTuning`] for the protocol.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::issuer::{CatalogText, IssuerResolver, ResolutionStep, ResolverSettings};
use super::tfidf::NgramAnalyzer;
use crate::metadata::{ProtocolCatalog, RevMap, TokenIssuerMap};

/// A deterministic split of a published map's symbols into two halves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldoutSplit {
    /// The seed it was made with.
    pub seed: u64,
    /// ⌊n/2⌋ symbols to choose settings on, sorted.
    pub tuning: Vec<String>,
    /// The other ⌈n/2⌉ symbols, only for reporting, sorted.
    pub held_out: Vec<String>,
}

impl HoldoutSplit {
    /// Splits the symbols of `published` (see [`IssuerMapEvaluation`]).
    pub fn new(published: &TokenIssuerMap, seed: u64) -> Self {
        Self::from_symbols(published.iter().map(|(s, _)| s), seed)
    }

    /// Splits any list of distinct symbols the same way.
    pub fn from_symbols<'a>(symbols: impl IntoIterator<Item = &'a str>, seed: u64) -> Self {
        let mut keyed: Vec<(u64, &str)> = symbols
            .into_iter()
            .map(|s| (split_key(s, seed), s))
            .collect();
        keyed.sort_unstable();
        let half = keyed.len() / 2;
        let mut tuning: Vec<String> = keyed[..half].iter().map(|(_, s)| (*s).to_owned()).collect();
        let mut held_out: Vec<String> =
            keyed[half..].iter().map(|(_, s)| (*s).to_owned()).collect();
        tuning.sort_unstable();
        held_out.sort_unstable();
        Self {
            seed,
            tuning,
            held_out,
        }
    }
}

/// FNV-1a of the symbol's bytes, xor the seed, through SplitMix64's finaliser.
fn split_key(symbol: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in symbol.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What kind of node a label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LabelClass {
    /// A DefiLlama protocol id ([`ProtocolCatalog::is_protocol_id`]).
    Protocol,
    /// The symbol itself (a primary token, its own node).
    OwnNode,
    /// Another pseudo node (`"USDT"` for `USDT.E`, `"WETH"` for `ETH`, `"TERRA"`, …).
    PseudoNode,
    /// `"LP"`.
    Lp,
    /// `"UNKNOWN"`.
    Unknown,
    /// `"OTHER"`.
    Other,
}

impl LabelClass {
    /// All classes, in enum order.
    pub const ALL: [LabelClass; 6] = [
        LabelClass::Protocol,
        LabelClass::OwnNode,
        LabelClass::PseudoNode,
        LabelClass::Lp,
        LabelClass::Unknown,
        LabelClass::Other,
    ];

    /// The class of `label` given to `symbol`.
    pub fn of(symbol: &str, label: &str) -> LabelClass {
        match label {
            "LP" => LabelClass::Lp,
            "UNKNOWN" => LabelClass::Unknown,
            "OTHER" => LabelClass::Other,
            _ if label == symbol => LabelClass::OwnNode,
            _ if ProtocolCatalog::is_protocol_id(label) => LabelClass::Protocol,
            _ => LabelClass::PseudoNode,
        }
    }
}

/// Counts for one step (see [`IssuerMapEvaluation`] for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepScore {
    /// The step.
    pub step: ResolutionStep,
    /// Symbols it decided.
    pub resolved: usize,
    /// Of those, symbols whose issuer equals the published one.
    pub correct: usize,
    /// Σ published frequency of the symbols it decided.
    pub resolved_weight: u64,
    /// Σ published frequency of the correct ones.
    pub correct_weight: u64,
}

/// Counts for one label class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassScore {
    /// The class.
    pub class: LabelClass,
    /// Symbols whose published label has this class.
    pub published: usize,
    /// Symbols whose resolved issuer has this class.
    pub predicted: usize,
    /// Symbols whose resolved issuer equals the published one and has this class.
    pub correct: usize,
}

/// A resolver scored against a published map on a set of symbols.
///
/// # Definitions
///
/// The published map gives each symbol σ a label P(σ) (a protocol id, a pseudo node, the symbol
/// itself for a primary token, or a bucket `LP` / `UNKNOWN` / `OTHER`). A resolver *without*
/// the published map (override list, `rev_map.json`, manual table, TF-IDF, buckets) gives each
/// symbol an issuer R(σ), decided by exactly one step. On a set S of N symbols, per step s:
///
/// - **resolved**(s) = #{σ ∈ S : s decided σ};
/// - **correct**(s) = #{σ ∈ S : s decided σ and R(σ) = P(σ)} (exact string equality);
/// - **coverage**(s) = resolved(s) / N;
/// - **precision**(s) = correct(s) / resolved(s) (undefined when resolved(s) = 0);
/// - **recall**(s) = correct(s) / N: the share of all symbols this step gets right. The steps'
///   recalls add up to the overall **agreement** #{R = P} / N (each symbol gets one label, so
///   overall precision = overall recall = agreement).
///
/// Per label class c ([`LabelClass`] of P(σ) for the truth, of R(σ) for the prediction):
/// precision(c) = #{R = P, class(R) = c} / #{class(R) = c} and recall(c) = #{R = P, class(P) =
/// c} / #{class(P) = c}. Weighted variants use the published `frequency` (how many holdings rows
/// carried the symbol) as the weight of a symbol.
///
/// # Split and tuning
///
/// [`HoldoutSplit`] orders the published symbols by a seeded 64-bit hash (FNV-1a of the symbol,
/// mixed with the seed by SplitMix64's finaliser; ties by symbol) and puts the first ⌊n/2⌋ in
/// the tuning half, the rest in the held-out half: deterministic, exactly half, independent of
/// the file's order. [`IssuerMapTuning::run`] scores every setting of a [`TuningGrid`] on the
/// tuning half only, picks the one with the most correct symbols (ties: the first in grid
/// order) and then evaluates that one, and the DESIGN.md settings for comparison, on both
/// halves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuerMapEvaluation {
    /// N: symbols scored (those of the set that the published map has).
    pub symbols: usize,
    /// Symbols of the set that the published map lacks (not scored).
    pub skipped: usize,
    /// Σ published frequency of the scored symbols.
    pub weight: u64,
    /// One entry per [`ResolutionStep::ALL`], in that order (zeros included).
    pub steps: Vec<StepScore>,
    /// One entry per [`LabelClass::ALL`], in that order.
    pub classes: Vec<ClassScore>,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn ratio_w(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl IssuerMapEvaluation {
    /// Scores `resolver` (which should not hold `published` itself) on `symbols` against
    /// `published`.
    pub fn new<'a>(
        resolver: &IssuerResolver,
        published: &TokenIssuerMap,
        symbols: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self::tally(
            published,
            symbols.into_iter().map(|s| (s, resolver.resolve(s))),
        )
    }

    fn tally<'a>(
        published: &TokenIssuerMap,
        resolved: impl IntoIterator<Item = (&'a str, super::Resolution)>,
    ) -> Self {
        let mut steps: Vec<StepScore> = ResolutionStep::ALL
            .iter()
            .map(|&step| StepScore {
                step,
                resolved: 0,
                correct: 0,
                resolved_weight: 0,
                correct_weight: 0,
            })
            .collect();
        let mut classes: Vec<ClassScore> = LabelClass::ALL
            .iter()
            .map(|&class| ClassScore {
                class,
                published: 0,
                predicted: 0,
                correct: 0,
            })
            .collect();
        let (mut symbols, mut skipped, mut weight) = (0, 0, 0u64);
        for (symbol, r) in resolved {
            let Some(truth) = published.get(symbol) else {
                skipped += 1;
                continue;
            };
            symbols += 1;
            weight += truth.frequency;
            let correct = r.issuer == truth.issuer;
            let s = &mut steps[r.step.index()];
            s.resolved += 1;
            s.resolved_weight += truth.frequency;
            if correct {
                s.correct += 1;
                s.correct_weight += truth.frequency;
            }
            let gold = LabelClass::of(symbol, &truth.issuer) as usize;
            let predicted = LabelClass::of(symbol, &r.issuer) as usize;
            classes[gold].published += 1;
            classes[predicted].predicted += 1;
            if correct {
                classes[predicted].correct += 1;
            }
        }
        Self {
            symbols,
            skipped,
            weight,
            steps,
            classes,
        }
    }

    /// The counts of `step`.
    pub fn step(&self, step: ResolutionStep) -> &StepScore {
        &self.steps[step.index()]
    }

    /// Symbols whose resolved issuer equals the published one.
    pub fn correct(&self) -> usize {
        self.steps.iter().map(|s| s.correct).sum()
    }

    /// correct / N (`None` for an empty set).
    pub fn agreement(&self) -> Option<f64> {
        ratio(self.correct(), self.symbols)
    }

    /// Frequency-weighted agreement.
    pub fn weighted_agreement(&self) -> Option<f64> {
        ratio_w(
            self.steps.iter().map(|s| s.correct_weight).sum(),
            self.weight,
        )
    }

    /// resolved(step) / N.
    pub fn coverage(&self, step: ResolutionStep) -> Option<f64> {
        ratio(self.step(step).resolved, self.symbols)
    }

    /// correct(step) / resolved(step).
    pub fn precision(&self, step: ResolutionStep) -> Option<f64> {
        let s = self.step(step);
        ratio(s.correct, s.resolved)
    }

    /// correct(step) / N.
    pub fn recall(&self, step: ResolutionStep) -> Option<f64> {
        ratio(self.step(step).correct, self.symbols)
    }

    /// Frequency-weighted precision of `step`.
    pub fn weighted_precision(&self, step: ResolutionStep) -> Option<f64> {
        let s = self.step(step);
        ratio_w(s.correct_weight, s.resolved_weight)
    }

    /// Precision of a label class: correct / predicted.
    pub fn class_precision(&self, class: LabelClass) -> Option<f64> {
        let c = &self.classes[class as usize];
        ratio(c.correct, c.predicted)
    }

    /// Recall of a label class: correct / published.
    pub fn class_recall(&self, class: LabelClass) -> Option<f64> {
        let c = &self.classes[class as usize];
        ratio(c.correct, c.published)
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

impl fmt::Display for IssuerMapEvaluation {
    /// Two Markdown tables: per step, then per label class.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| step | resolved | coverage | correct | precision | recall | weighted precision |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---:|")?;
        for s in &self.steps {
            if s.step == ResolutionStep::PublishedMap {
                continue;
            }
            writeln!(
                f,
                "| {:?} | {} | {} | {} | {} | {} | {} |",
                s.step,
                s.resolved,
                pct(self.coverage(s.step)),
                s.correct,
                pct(self.precision(s.step)),
                pct(self.recall(s.step)),
                pct(self.weighted_precision(s.step)),
            )?;
        }
        writeln!(
            f,
            "| **all** | {} | 100% | {} | {} | {} | {} |",
            self.symbols,
            self.correct(),
            pct(self.agreement()),
            pct(self.agreement()),
            pct(self.weighted_agreement()),
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "| label class | published | resolved to | correct | precision | recall |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|")?;
        for c in &self.classes {
            writeln!(
                f,
                "| {:?} | {} | {} | {} | {} | {} |",
                c.class,
                c.published,
                c.predicted,
                c.correct,
                pct(self.class_precision(c.class)),
                pct(self.class_recall(c.class)),
            )?;
        }
        Ok(())
    }
}

/// The settings [`IssuerMapTuning::run`] tries: every combination of the lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningGrid {
    /// Analyzers.
    pub analyzers: Vec<NgramAnalyzer>,
    /// Catalog texts.
    pub texts: Vec<CatalogText>,
    /// Thresholds (`f64::INFINITY`: TF-IDF never accepts).
    pub thresholds: Vec<f64>,
    /// Values of [`ResolverSettings::manual_first`].
    pub manual_first: Vec<bool>,
    /// Values of [`ResolverSettings::name_buckets_first`].
    pub name_buckets_first: Vec<bool>,
    /// Values of [`ResolverSettings::overrides`].
    pub overrides: Vec<bool>,
}

impl Default for TuningGrid {
    /// `char_wb` (3,3), (2,2), (4,4), (2,4), (3,5) and `char` (3,3); names and names +
    /// `rev_map` symbols; thresholds 0.20, 0.25, …, 0.95 and off; both lookup orders; both
    /// bucket orders; overrides on.
    fn default() -> Self {
        let wb = |min_n, max_n| NgramAnalyzer::CharWb { min_n, max_n };
        let mut thresholds: Vec<f64> = (4..=19).map(|i| f64::from(i) / 20.0).collect();
        thresholds.push(f64::INFINITY);
        Self {
            analyzers: vec![
                wb(3, 3),
                wb(2, 2),
                wb(4, 4),
                wb(2, 4),
                wb(3, 5),
                NgramAnalyzer::Char { min_n: 3, max_n: 3 },
            ],
            texts: vec![CatalogText::Names, CatalogText::NamesAndRevMapSymbols],
            thresholds,
            manual_first: vec![false, true],
            name_buckets_first: vec![false, true],
            overrides: vec![true],
        }
    }
}

/// One setting scored on the tuning half.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TuningCandidate {
    /// The setting.
    pub settings: ResolverSettings,
    /// Correct symbols on the tuning half.
    pub correct: usize,
    /// Agreement on the tuning half.
    pub agreement: f64,
}

/// The tuning of the resolver's settings on one half of a published map, and the chosen
/// setting's scores on the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuerMapTuning {
    /// The split's seed.
    pub seed: u64,
    /// Symbols in the tuning half.
    pub tuning_symbols: usize,
    /// Symbols in the held-out half.
    pub held_out_symbols: usize,
    /// Every grid setting with its tuning-half score, in grid order.
    pub candidates: Vec<TuningCandidate>,
    /// The chosen setting (most correct on the tuning half; ties: first in grid order).
    pub chosen: ResolverSettings,
    /// The chosen setting on the tuning half.
    pub chosen_tuning: IssuerMapEvaluation,
    /// The chosen setting on the held-out half.
    pub chosen_held_out: IssuerMapEvaluation,
    /// [`ResolverSettings::DESIGN`] on the tuning half.
    pub design_tuning: IssuerMapEvaluation,
    /// [`ResolverSettings::DESIGN`] on the held-out half.
    pub design_held_out: IssuerMapEvaluation,
}

impl IssuerMapTuning {
    /// Splits `published` with `seed`, scores every setting of `grid` on the tuning half with
    /// resolvers built from `rev_map` and `catalog` (never from `published`), and evaluates the
    /// chosen one and [`ResolverSettings::DESIGN`] on both halves.
    ///
    /// An empty grid list is replaced by the default setting's value for that knob.
    pub fn run(
        published: &TokenIssuerMap,
        rev_map: Option<&RevMap>,
        catalog: &ProtocolCatalog,
        grid: &TuningGrid,
        seed: u64,
    ) -> Self {
        let split = HoldoutSplit::new(published, seed);
        let d = ResolverSettings::DEFAULT;
        // An empty axis of the grid means "the default only".
        fn or<T: Clone>(v: &[T], default: T) -> Vec<T> {
            if v.is_empty() {
                vec![default]
            } else {
                v.to_vec()
            }
        }
        let analyzers = or(&grid.analyzers, d.analyzer);
        let texts = or(&grid.texts, d.text);
        let thresholds = or(&grid.thresholds, d.threshold);
        let manual_first = or(&grid.manual_first, d.manual_first);
        let buckets_first = or(&grid.name_buckets_first, d.name_buckets_first);
        let overrides = or(&grid.overrides, d.overrides);

        let mut candidates = Vec::new();
        for &analyzer in &analyzers {
            for &text in &texts {
                let base = ResolverSettings {
                    analyzer,
                    text,
                    ..d
                };
                let resolver = IssuerResolver::from_parts_with(rev_map, Some(catalog), &base);
                // One TF-IDF query per symbol, shared by every threshold and order.
                let best: Vec<Option<(String, f64)>> = split
                    .tuning
                    .iter()
                    .map(|s| resolver.tfidf_best(s))
                    .collect();
                for &threshold in &thresholds {
                    for &manual in &manual_first {
                        for &buckets in &buckets_first {
                            for &ov in &overrides {
                                let settings = ResolverSettings {
                                    threshold,
                                    manual_first: manual,
                                    name_buckets_first: buckets,
                                    overrides: ov,
                                    ..base
                                };
                                let r = resolver.clone().with_settings(&settings);
                                let eval = IssuerMapEvaluation::tally(
                                    published,
                                    split.tuning.iter().zip(&best).map(|(s, b)| {
                                        let b = b.as_ref().map(|(id, x)| (id.as_str(), *x));
                                        (s.as_str(), r.resolve_with_best(s, b))
                                    }),
                                );
                                candidates.push(TuningCandidate {
                                    settings,
                                    correct: eval.correct(),
                                    agreement: eval.agreement().unwrap_or(0.0),
                                });
                            }
                        }
                    }
                }
            }
        }
        let chosen = candidates
            .iter()
            .fold(None::<&TuningCandidate>, |best, c| match best {
                Some(b) if b.correct >= c.correct => Some(b),
                _ => Some(c),
            })
            .map_or(d, |c| c.settings);
        let eval = |settings: &ResolverSettings, symbols: &[String]| {
            let r = IssuerResolver::from_parts_with(rev_map, Some(catalog), settings);
            IssuerMapEvaluation::new(&r, published, symbols.iter().map(String::as_str))
        };
        Self {
            seed,
            tuning_symbols: split.tuning.len(),
            held_out_symbols: split.held_out.len(),
            chosen_tuning: eval(&chosen, &split.tuning),
            chosen_held_out: eval(&chosen, &split.held_out),
            design_tuning: eval(&ResolverSettings::DESIGN, &split.tuning),
            design_held_out: eval(&ResolverSettings::DESIGN, &split.held_out),
            candidates,
            chosen,
        }
    }

    /// The `n` best candidates on the tuning half (stable: grid order among equals).
    pub fn top(&self, n: usize) -> Vec<TuningCandidate> {
        let mut sorted = self.candidates.clone();
        sorted.sort_by_key(|c| std::cmp::Reverse(c.correct));
        sorted.truncate(n);
        sorted
    }
}
