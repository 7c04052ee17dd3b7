//! Predictive stress evaluation (paper Task II, DESIGN.md §7).
//!
//! For an anchor week t and horizon h, the same [`Scenario`] is run with the same
//! [`ContagionEngine`] on three graphs, all restricted to the common node set
//! V_t ∩ V_t+h:
//! - G_t, the current week (the persistence baseline),
//! - Ĝ_t+h, a predicted week (any source: a [`Snapshot`] of the same series symbol table),
//! - G_t+h, the realised week.
//!
//! With L(·) the loss as a percentage of total TVL ([`StressResult::loss_pct_tvl`]), the
//! baseline error is e_b = |L(G_t) − L(G_t+h)| and the model error e_m = |L(Ĝ) − L(G_t+h)|.
//!
//! Choices:
//! - [`ShockSelection::EachGraph`] (default, the paper's choice): the scenario is applied on each
//!   restricted graph separately, so graph-dependent selections (top-N by TVL, categories) are
//!   re-evaluated per graph: "top-5" on Ĝ is Ĝ's own top 5 by *predicted* TVL;
//!   [`ShockSelection::CurrentWeek`]: the protocols the scenario selects on G_t are shocked on
//!   all three graphs (top-N by TVL at t, known when the forecast is made);
//! - nodes of V_t ∩ V_t+h absent from Ĝ are simply absent from the restricted Ĝ (the prediction
//!   did not forecast them); nodes of Ĝ outside V_t ∩ V_t+h are dropped;
//! - a link is kept when both endpoints are kept; nodes and links keep their size and token
//!   composition; dropped-link records and repair counts of the source week are not carried.
//!
//! [`StressResult::loss_pct_tvl`]: crate::StressResult::loss_pct_tvl

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{
    Link, NaiveDate, Node, ProtocolCatalog, ProtocolId, Snapshot, SymbolTable,
};
use serde::{Deserialize, Serialize};

use crate::bootstrap::{Interval, PercentileBootstrap};
use crate::engine::ContagionEngine;
use crate::error::{Result, StressError};
use crate::scenario::Scenario;
use crate::shock::Shock;

/// The protocols present in both weeks, sorted and without duplicates (V_a ∩ V_b).
pub fn common_nodes(a: &Snapshot, b: &Snapshot) -> Vec<ProtocolId> {
    let mut left: Vec<ProtocolId> = a.nodes.iter().map(|n| n.id).collect();
    left.sort_unstable();
    left.dedup();
    let mut right: Vec<ProtocolId> = b.nodes.iter().map(|n| n.id).collect();
    right.sort_unstable();
    right.dedup();
    left.retain(|id| right.binary_search(id).is_ok());
    left
}

/// A copy of `week` holding only the nodes whose id is in `keep` (a **sorted** slice, as
/// returned by [`common_nodes`]) and the links between two kept nodes. Nodes and links keep
/// their size and composition; node and link order is preserved.
pub fn restrict(week: &Snapshot, keep: &[ProtocolId]) -> Snapshot {
    let kept = |id: &ProtocolId| keep.binary_search(id).is_ok();
    let mut out = Snapshot::new(week.date);
    for node in week.nodes.iter().filter(|n| kept(&n.id)) {
        let composition = out.push_composition(week.composition(node.composition).iter().copied());
        out.nodes.push(Node {
            id: node.id,
            size: node.size,
            composition,
        });
    }
    for link in week
        .links
        .iter()
        .filter(|l| kept(&l.source) && kept(&l.target))
    {
        let composition = out.push_composition(week.composition(link.composition).iter().copied());
        out.links.push(Link {
            source: link.source,
            target: link.target,
            size: link.size,
            composition,
        });
    }
    out
}

/// One anchor: the current week G_t, a predicted week Ĝ_t+h and the realised week G_t+h.
#[derive(Debug, Clone, Copy)]
pub struct AnchorWeeks<'a> {
    /// G_t.
    pub current: &'a Snapshot,
    /// Ĝ_t+h (any source, same symbol table).
    pub predicted: &'a Snapshot,
    /// G_t+h.
    pub realised: &'a Snapshot,
}

/// Which protocols a scenario shocks on the predicted and realised graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShockSelection {
    /// Each graph selects its own nodes (top-N by that graph's TVL): the paper's choice.
    #[default]
    EachGraph,
    /// The nodes selected on G_t are shocked on every graph (top-N by TVL at t).
    CurrentWeek,
}

impl ShockSelection {
    /// Both choices, the default first.
    pub const ALL: [ShockSelection; 2] = [Self::EachGraph, Self::CurrentWeek];

    /// Name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Self::EachGraph => "each_graph",
            Self::CurrentWeek => "current_week",
        }
    }
}

/// The three graphs of one anchor, each restricted to V_t ∩ V_t+h, built once so that many
/// scenarios and engines can run on them.
#[derive(Debug, Clone)]
pub struct AnchorGraphs {
    /// Date of G_t.
    pub current_date: NaiveDate,
    /// Date of G_t+h.
    pub realised_date: NaiveDate,
    /// G_t restricted.
    pub current: ExposureGraph,
    /// Ĝ_t+h restricted.
    pub predicted: ExposureGraph,
    /// G_t+h restricted.
    pub realised: ExposureGraph,
}

impl AnchorGraphs {
    /// Restricts the three weeks to V_t ∩ V_t+h and builds their graphs (`symbols`: the series
    /// symbol table; `catalog`: categories for scenarios and sectors).
    pub fn new(
        weeks: AnchorWeeks<'_>,
        symbols: &SymbolTable,
        catalog: Option<&ProtocolCatalog>,
    ) -> Result<Self> {
        let keep = common_nodes(weeks.current, weeks.realised);
        let graph = |week: &Snapshot| -> Result<ExposureGraph> {
            Ok(ExposureGraph::from_snapshot(
                &restrict(week, &keep),
                symbols,
                catalog,
            )?)
        };
        Ok(Self {
            current_date: weeks.current.date,
            realised_date: weeks.realised.date,
            current: graph(weeks.current)?,
            predicted: graph(weeks.predicted)?,
            realised: graph(weeks.realised)?,
        })
    }
}

/// Result of one anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnchorEvaluation {
    /// Date of G_t.
    pub current_date: NaiveDate,
    /// Date of G_t+h.
    pub realised_date: NaiveDate,
    /// |V_t ∩ V_t+h|.
    pub common_nodes: usize,
    /// Nodes of the restricted Ĝ (≤ `common_nodes`).
    pub predicted_nodes: usize,
    /// L(G_t), % of total TVL.
    pub loss_current: f64,
    /// L(Ĝ_t+h), % of total TVL.
    pub loss_predicted: f64,
    /// L(G_t+h), % of total TVL.
    pub loss_realised: f64,
    /// e_b = |L(G_t) − L(G_t+h)|.
    pub error_baseline: f64,
    /// e_m = |L(Ĝ) − L(G_t+h)|.
    pub error_model: f64,
}

/// Errors over a set of anchors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Number of anchors.
    pub anchors: usize,
    /// MAE_b, mean of e_b.
    pub mae_baseline: f64,
    /// MAE_m, mean of e_m.
    pub mae_model: f64,
    /// ΔMAE = MAE_b − MAE_m (positive: the model beats persistence).
    pub delta_mae: f64,
    /// Share of anchors with e_m < e_b (strict).
    pub win_rate: f64,
}

impl ErrorSummary {
    fn of<'a>(anchors: impl IntoIterator<Item = &'a AnchorEvaluation>) -> Self {
        let (mut n, mut b, mut m, mut wins) = (0usize, 0.0, 0.0, 0usize);
        for a in anchors {
            n += 1;
            b += a.error_baseline;
            m += a.error_model;
            wins += usize::from(a.error_model < a.error_baseline);
        }
        if n == 0 {
            return Self {
                anchors: 0,
                mae_baseline: 0.0,
                mae_model: 0.0,
                delta_mae: 0.0,
                win_rate: 0.0,
            };
        }
        let nf = n as f64;
        let (mae_baseline, mae_model) = (b / nf, m / nf);
        Self {
            anchors: n,
            mae_baseline,
            mae_model,
            delta_mae: mae_baseline - mae_model,
            win_rate: wins as f64 / nf,
        }
    }
}

/// Summary over many anchors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictiveSummary {
    /// Number of anchors.
    pub anchors: usize,
    /// MAE_b over all anchors.
    pub mae_baseline: f64,
    /// MAE_m over all anchors.
    pub mae_model: f64,
    /// MAE_b − MAE_m over all anchors.
    pub delta_mae: f64,
    /// Share of all anchors with e_m < e_b.
    pub win_rate: f64,
    /// The same on the worst 20% of anchors by e_b: the ⌈0.2·n⌉ (at least 1) anchors of largest
    /// e_b, ties kept in anchor order.
    pub worst20: ErrorSummary,
}

impl PredictiveSummary {
    /// Summarises anchor results; an empty slice is an error.
    pub fn from_anchors(anchors: &[AnchorEvaluation]) -> Result<Self> {
        if anchors.is_empty() {
            return Err(StressError::InvalidParameter(
                "predictive summary over no anchor".to_owned(),
            ));
        }
        let all = ErrorSummary::of(anchors);
        let k = ((anchors.len() as f64) * 0.2).ceil().max(1.0) as usize;
        let mut order: Vec<usize> = (0..anchors.len()).collect();
        // Stable sort: ties keep anchor order.
        order.sort_by(|&a, &b| {
            anchors[b]
                .error_baseline
                .total_cmp(&anchors[a].error_baseline)
        });
        let worst20 = ErrorSummary::of(order.iter().take(k).map(|&i| &anchors[i]));
        Ok(Self {
            anchors: all.anchors,
            mae_baseline: all.mae_baseline,
            mae_model: all.mae_model,
            delta_mae: all.delta_mae,
            win_rate: all.win_rate,
            worst20,
        })
    }
}

/// Bootstrap intervals of a [`PredictiveSummary`]: anchors resampled with replacement, the
/// worst 20% re-chosen on each resample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SummaryIntervals {
    /// ΔMAE over all anchors.
    pub delta_mae: Interval,
    /// Win rate over all anchors.
    pub win_rate: Interval,
    /// ΔMAE on the worst 20% by e_b.
    pub worst20_delta_mae: Interval,
    /// Win rate on the worst 20% by e_b.
    pub worst20_win_rate: Interval,
}

impl SummaryIntervals {
    /// The intervals over `anchors`; `None` when there is no anchor.
    pub fn of(anchors: &[AnchorEvaluation], bootstrap: &PercentileBootstrap) -> Option<Self> {
        let stat = |pick: fn(&PredictiveSummary) -> f64| {
            move |idx: &[usize]| {
                let sample: Vec<AnchorEvaluation> =
                    idx.iter().map(|&i| anchors[i].clone()).collect();
                PredictiveSummary::from_anchors(&sample).map_or(f64::NAN, |s| pick(&s))
            }
        };
        let n = anchors.len();
        Some(Self {
            delta_mae: bootstrap.interval(n, stat(|s| s.delta_mae))?,
            win_rate: bootstrap.interval(n, stat(|s| s.win_rate))?,
            worst20_delta_mae: bootstrap.interval(n, stat(|s| s.worst20.delta_mae))?,
            worst20_win_rate: bootstrap.interval(n, stat(|s| s.worst20.win_rate))?,
        })
    }
}

/// Per-anchor results and their summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictiveReport {
    /// Scenario name.
    pub scenario: String,
    /// Engine name.
    pub engine: String,
    /// One entry per anchor, in input order.
    pub anchors: Vec<AnchorEvaluation>,
    /// Summary over `anchors`.
    pub summary: PredictiveSummary,
}

/// Runs a scenario with an engine on restricted weeks (see the module docs).
#[derive(Clone, Copy)]
pub struct PredictiveEvaluator<'a> {
    engine: &'a dyn ContagionEngine,
    symbols: &'a SymbolTable,
    catalog: Option<&'a ProtocolCatalog>,
    selection: ShockSelection,
}

impl std::fmt::Debug for PredictiveEvaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PredictiveEvaluator")
            .field("engine", &self.engine.name())
            .field("catalog", &self.catalog.is_some())
            .field("selection", &self.selection)
            .finish()
    }
}

impl<'a> PredictiveEvaluator<'a> {
    /// An evaluator with `engine` and [`ShockSelection::EachGraph`]; `symbols` is the series
    /// symbol table of every week and `catalog` gives categories to scenarios and graphs.
    pub fn new(
        engine: &'a dyn ContagionEngine,
        symbols: &'a SymbolTable,
        catalog: Option<&'a ProtocolCatalog>,
    ) -> Self {
        Self {
            engine,
            symbols,
            catalog,
            selection: ShockSelection::EachGraph,
        }
    }

    /// Sets how the shocked nodes are chosen on Ĝ and G_t+h.
    pub fn with_selection(mut self, selection: ShockSelection) -> Self {
        self.selection = selection;
        self
    }

    /// L(graph) for `scenario`, in % of total TVL; `chosen` (protocols selected on G_t) replaces
    /// the scenario's own selection under [`ShockSelection::CurrentWeek`].
    fn loss(
        &self,
        scenario: &Scenario,
        graph: &ExposureGraph,
        chosen: &[ProtocolId],
    ) -> Result<f64> {
        let shock = match self.selection {
            ShockSelection::EachGraph => scenario.apply(graph, self.catalog)?.shock,
            ShockSelection::CurrentWeek => {
                let mut shock = Shock::none(graph.node_count());
                for i in chosen.iter().filter_map(|&id| graph.index_of(id)) {
                    shock.hit(i, scenario.fraction)?;
                }
                shock
            }
        };
        Ok(self.engine.run(graph, &shock)?.loss_pct_tvl)
    }

    /// Evaluates one anchor on graphs built once ([`AnchorGraphs`]).
    pub fn evaluate_graphs(
        &self,
        scenario: &Scenario,
        graphs: &AnchorGraphs,
    ) -> Result<AnchorEvaluation> {
        let chosen: Vec<ProtocolId> = match self.selection {
            ShockSelection::EachGraph => Vec::new(),
            ShockSelection::CurrentWeek => scenario
                .apply(&graphs.current, self.catalog)?
                .selected
                .iter()
                .map(|&i| graphs.current.protocol(i))
                .collect(),
        };
        let loss_current = self.loss(scenario, &graphs.current, &chosen)?;
        let loss_predicted = self.loss(scenario, &graphs.predicted, &chosen)?;
        let loss_realised = self.loss(scenario, &graphs.realised, &chosen)?;
        Ok(AnchorEvaluation {
            current_date: graphs.current_date,
            realised_date: graphs.realised_date,
            common_nodes: graphs.current.node_count(),
            predicted_nodes: graphs.predicted.node_count(),
            loss_current,
            loss_predicted,
            loss_realised,
            error_baseline: (loss_current - loss_realised).abs(),
            error_model: (loss_predicted - loss_realised).abs(),
        })
    }

    /// Evaluates one anchor.
    pub fn anchor(&self, scenario: &Scenario, weeks: AnchorWeeks<'_>) -> Result<AnchorEvaluation> {
        let graphs = AnchorGraphs::new(weeks, self.symbols, self.catalog)?;
        self.evaluate_graphs(scenario, &graphs)
    }

    /// Evaluates every anchor and summarises; no anchor is an error.
    pub fn evaluate(
        &self,
        scenario: &Scenario,
        anchors: &[AnchorWeeks<'_>],
    ) -> Result<PredictiveReport> {
        let evaluations = anchors
            .iter()
            .map(|&w| self.anchor(scenario, w))
            .collect::<Result<Vec<_>>>()?;
        let summary = PredictiveSummary::from_anchors(&evaluations)?;
        Ok(PredictiveReport {
            scenario: scenario.name.clone(),
            engine: self.engine.name().to_owned(),
            anchors: evaluations,
            summary,
        })
    }
}
