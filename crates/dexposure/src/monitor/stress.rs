//! Predictive stress evaluation (paper Task II) over every test anchor:
//! [`PredictiveStressTable`].

use dexposure_stress::bootstrap::PercentileBootstrap;
use dexposure_stress::{AnchorEvaluation, PredictiveSummary, ShockSelection, SummaryIntervals};
use serde::Serialize;

use super::format::{cell, mean_sd, multi_seed_horizons, num, with_interval};
use super::run::MeasuredAnchor;

/// One scenario through one engine with one shock selection, on one anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressCase {
    /// Scenario name.
    pub scenario: String,
    /// Engine name.
    pub engine: String,
    /// How the shocked protocols are chosen on Ĝ and G_t+h.
    pub selection: ShockSelection,
    /// Losses and errors of the anchor.
    pub evaluation: AnchorEvaluation,
}

/// The summary of one (horizon, seed, scenario, engine, selection) over its anchors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressRow {
    /// Horizon h.
    pub horizon: usize,
    /// Training seed of the forecaster.
    pub seed: u64,
    /// Scenario name.
    pub scenario: String,
    /// Engine name.
    pub engine: String,
    /// Shock selection.
    pub selection: ShockSelection,
    /// ΔMAE, win rates, worst 20%.
    pub summary: PredictiveSummary,
    /// Their bootstrap intervals.
    pub intervals: Option<SummaryIntervals>,
}

/// Predictive stress results for every case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictiveStressTable {
    /// One row per (horizon, seed, scenario, engine, selection), in run order.
    pub rows: Vec<StressRow>,
}

impl PredictiveStressTable {
    /// The table over measured anchors.
    pub fn from_anchors(
        anchors: &[MeasuredAnchor],
        bootstrap: &PercentileBootstrap,
    ) -> dexposure_stress::Result<Self> {
        let mut rows = Vec::new();
        for group in super::run::groups(anchors) {
            let cases = &group[0].stress;
            for (k, case) in cases.iter().enumerate() {
                let evaluations: Vec<AnchorEvaluation> = group
                    .iter()
                    .filter_map(|a| a.stress.get(k).map(|c| c.evaluation.clone()))
                    .collect();
                rows.push(StressRow {
                    horizon: group[0].horizon,
                    seed: group[0].seed,
                    scenario: case.scenario.clone(),
                    engine: case.engine.clone(),
                    selection: case.selection,
                    summary: PredictiveSummary::from_anchors(&evaluations)?,
                    intervals: SummaryIntervals::of(&evaluations, bootstrap),
                });
            }
        }
        Ok(Self { rows })
    }

    /// Markdown: one table per (horizon, seed).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let mut last = None;
        for r in &self.rows {
            if last != Some((r.horizon, r.seed)) {
                last = Some((r.horizon, r.seed));
                out.push_str(&format!(
                    "\n### h = {}, seed {} ({} anchors; losses in % of TVL)\n\n\
                     | scenario | engine | top-N chosen on | MAE persistence | MAE model | ΔMAE [95% CI] | win rate [95% CI] | worst-20% ΔMAE [95% CI] | worst-20% win rate |\n\
                     |---|---|---|---|---|---|---|---|---|\n",
                    r.horizon, r.seed, r.summary.anchors
                ));
            }
            let i = r.intervals;
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.scenario,
                r.engine,
                match r.selection {
                    ShockSelection::EachGraph => "each graph (Ĝ: predicted TVL)",
                    ShockSelection::CurrentWeek => "G_t (TVL at t)",
                },
                num(Some(r.summary.mae_baseline)),
                num(Some(r.summary.mae_model)),
                with_interval(r.summary.delta_mae, i.map(|i| i.delta_mae)),
                with_interval(r.summary.win_rate, i.map(|i| i.win_rate)),
                with_interval(r.summary.worst20.delta_mae, i.map(|i| i.worst20_delta_mae)),
                num(Some(r.summary.worst20.win_rate)),
            ));
        }
        out
    }

    /// Markdown summary over seeds, for horizons with at least two: per (scenario, engine,
    /// selection), ΔMAE overall and on the worst 20% as mean ± sd over seeds, and in how many
    /// seeds each is positive. Empty when every horizon has one seed.
    pub fn seeds_markdown(&self) -> String {
        let mut out = String::new();
        for (h, seeds) in multi_seed_horizons(self.rows.iter().map(|r| (r.horizon, r.seed))) {
            let first_seed = self.rows.iter().find(|r| r.horizon == h).map(|r| r.seed);
            out.push_str(&format!(
                "\n### h = {h}, over {seeds} seeds\n\n\
                 | scenario | engine | top-N chosen on | ΔMAE (mean ± sd) | seeds ΔMAE > 0 | worst-20% ΔMAE (mean ± sd) | seeds worst-20% ΔMAE > 0 |\n\
                 |---|---|---|---|---|---|---|\n"
            ));
            for key in self
                .rows
                .iter()
                .filter(|r| r.horizon == h && Some(r.seed) == first_seed)
            {
                let same: Vec<&StressRow> = self
                    .rows
                    .iter()
                    .filter(|r| {
                        r.horizon == h
                            && r.scenario == key.scenario
                            && r.engine == key.engine
                            && r.selection == key.selection
                    })
                    .collect();
                let all: Vec<f64> = same.iter().map(|r| r.summary.delta_mae).collect();
                let worst: Vec<f64> = same.iter().map(|r| r.summary.worst20.delta_mae).collect();
                let positive = |x: &[f64]| x.iter().filter(|d| **d > 0.0).count();
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {}/{} | {} | {}/{} |\n",
                    key.scenario,
                    key.engine,
                    key.selection.name(),
                    mean_sd(&all),
                    positive(&all),
                    all.len(),
                    mean_sd(&worst),
                    positive(&worst),
                    worst.len()
                ));
            }
        }
        out
    }

    /// CSV: one line per row.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "horizon,seed,scenario,engine,selection,anchors,mae_persistence,mae_model,delta_mae,delta_mae_low,delta_mae_high,win_rate,win_rate_low,win_rate_high,worst20_anchors,worst20_mae_persistence,worst20_mae_model,worst20_delta_mae,worst20_delta_mae_low,worst20_delta_mae_high,worst20_win_rate\n",
        );
        for r in &self.rows {
            let (s, i) = (&r.summary, r.intervals);
            let cells = [
                r.horizon.to_string(),
                r.seed.to_string(),
                format!("\"{}\"", r.scenario.replace('"', "\"\"")),
                r.engine.clone(),
                r.selection.name().to_owned(),
                s.anchors.to_string(),
                cell(Some(s.mae_baseline)),
                cell(Some(s.mae_model)),
                cell(Some(s.delta_mae)),
                cell(i.map(|i| i.delta_mae.low)),
                cell(i.map(|i| i.delta_mae.high)),
                cell(Some(s.win_rate)),
                cell(i.map(|i| i.win_rate.low)),
                cell(i.map(|i| i.win_rate.high)),
                s.worst20.anchors.to_string(),
                cell(Some(s.worst20.mae_baseline)),
                cell(Some(s.worst20.mae_model)),
                cell(Some(s.worst20.delta_mae)),
                cell(i.map(|i| i.worst20_delta_mae.low)),
                cell(i.map(|i| i.worst20_delta_mae.high)),
                cell(Some(s.worst20.win_rate)),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}
