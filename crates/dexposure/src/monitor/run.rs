//! The forecast-then-measure run: for every test anchor t of every forecaster, Ĝ_t+h, G_t and
//! G_t+h measured alike and stressed alike ([`ForecastThenMeasure`]).

use dexposure_graph::ExposureGraph;
use dexposure_model::{
    Checkpoint, Device, ForecastSplit, LinkRule, SplitPart, TrainedForecaster, WeekGraphs,
};
use dexposure_snapshot::{NaiveDate, ProtocolCatalog, SnapshotSeries};
use dexposure_stress::{
    AnchorGraphs, AnchorWeeks, CascadeAllocation, ContagionEngine, DebtRank, EisenbergNoe,
    LossCascade, PredictiveEvaluator, Scenario, ShockSelection,
};
use rayon::prelude::*;
use serde::Serialize;

use super::error::{MonitorError, Result};
use super::measures::WeekMeasures;
use super::stress::StressCase;

/// A trained forecaster with the seed it was trained with and the split it was trained on.
#[derive(Debug, Clone)]
pub struct ServedForecaster {
    /// Training seed (tables are per horizon and seed).
    pub seed: u64,
    /// The model.
    pub forecaster: TrainedForecaster,
    /// Its split: the anchors of [`ForecastThenMeasure::part`] of it are measured.
    pub split: ForecastSplit,
}

/// One unit of work: forecaster `forecaster` (index into [`ForecastThenMeasure::forecasters`])
/// at anchor week `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorJob {
    /// Index of the forecaster.
    pub forecaster: usize,
    /// Anchor week position.
    pub t: usize,
}

/// Everything measured at one anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredAnchor {
    /// Horizon h.
    pub horizon: usize,
    /// Training seed of the forecaster.
    pub seed: u64,
    /// Anchor week t.
    pub anchor: NaiveDate,
    /// Target week t + h.
    pub target: NaiveDate,
    /// G_t+h.
    pub realised: WeekMeasures,
    /// Ĝ_t+h (leak-free: made from weeks ≤ t).
    pub model: WeekMeasures,
    /// G_t, the persistence forecast.
    pub persistence: WeekMeasures,
    /// Every (scenario, engine, selection) on the anchor's three graphs restricted to
    /// V_t ∩ V_t+h, in [`ForecastThenMeasure::stress_cases`] order.
    pub stress: Vec<StressCase>,
}

/// The anchors grouped by (horizon, seed), in first-seen order.
pub(crate) fn groups(anchors: &[MeasuredAnchor]) -> Vec<Vec<&MeasuredAnchor>> {
    let mut out: Vec<Vec<&MeasuredAnchor>> = Vec::new();
    for a in anchors {
        match out
            .iter_mut()
            .find(|g| g[0].horizon == a.horizon && g[0].seed == a.seed)
        {
            Some(g) => g.push(a),
            None => out.push(vec![a]),
        }
    }
    out
}

/// The three engines of the predictive stress evaluation, the cascade with `allocation`.
pub fn standard_engines(
    allocation: CascadeAllocation,
) -> Vec<Box<dyn ContagionEngine + Send + Sync>> {
    vec![
        Box::new(LossCascade::new().with_allocation(allocation)),
        Box::new(DebtRank::default()),
        Box::new(EisenbergNoe::default()),
    ]
}

/// The data a monitor tool reads: the series, its graphs (built with `catalog`) and the
/// catalog (categories for scenarios and sector spillovers of forecast graphs).
#[derive(Debug, Clone, Copy)]
pub struct MonitorData<'a> {
    /// The weeks in the DeXposure format.
    pub series: &'a SnapshotSeries,
    /// Their graphs.
    pub weeks: &'a WeekGraphs,
    /// Categories.
    pub catalog: Option<&'a ProtocolCatalog>,
}

impl<'a> MonitorData<'a> {
    /// Checks that `weeks` are the graphs of `series` (same dates).
    pub fn new(
        series: &'a SnapshotSeries,
        weeks: &'a WeekGraphs,
        catalog: Option<&'a ProtocolCatalog>,
    ) -> Result<Self> {
        if !series.dates().eq(weeks.dates().iter().copied()) {
            return Err(MonitorError::Input(format!(
                "the graphs ({} weeks) are not those of the series ({} weeks)",
                weeks.len(),
                series.len()
            )));
        }
        Ok(Self {
            series,
            weeks,
            catalog,
        })
    }

    /// Ĝ (or any week of the series' symbol table) as a graph with the catalog's categories.
    pub fn graph(&self, week: &dexposure_snapshot::Snapshot) -> Result<ExposureGraph> {
        Ok(ExposureGraph::from_snapshot(
            week,
            self.series.symbols(),
            self.catalog,
        )?)
    }
}

/// Forecast-then-measure over the test (or validation) anchors of one or more trained forecasters.
pub struct ForecastThenMeasure<'a> {
    data: MonitorData<'a>,
    /// Stress scenarios (default: the six standard ones).
    pub scenarios: Vec<Scenario>,
    /// Engines (default: [`standard_engines`] with the published cascade).
    pub engines: Vec<Box<dyn ContagionEngine + Send + Sync>>,
    /// Shock selections (default: both).
    pub selections: Vec<ShockSelection>,
    /// The forecasters, one per (horizon, seed).
    pub forecasters: Vec<ServedForecaster>,
    /// Which weeks are measured: the test weeks (default; the results), or the validation
    /// weeks (to compare configurations without looking at the test weeks).
    pub part: SplitPart,
    /// The link rule of the forecasters added by [`Self::add_checkpoint`] (default:
    /// [`LinkRule::OutDegree`], chosen on validation weeks; see docs/BENCHMARKS.md).
    pub links: LinkRule,
}

impl std::fmt::Debug for ForecastThenMeasure<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForecastThenMeasure")
            .field("weeks", &self.data.weeks.len())
            .field("scenarios", &self.scenarios.len())
            .field(
                "engines",
                &self.engines.iter().map(|e| e.name()).collect::<Vec<_>>(),
            )
            .field("selections", &self.selections)
            .field("forecasters", &self.forecasters.len())
            .field("part", &self.part)
            .finish()
    }
}

impl<'a> ForecastThenMeasure<'a> {
    /// A run on `data` with the standard scenarios, engines and selections, and no forecaster
    /// yet.
    pub fn new(data: MonitorData<'a>) -> Self {
        Self {
            data,
            scenarios: Scenario::standard(),
            engines: standard_engines(CascadeAllocation::Published),
            selections: ShockSelection::ALL.to_vec(),
            forecasters: Vec::new(),
            part: SplitPart::Test,
            links: LinkRule::OutDegree,
        }
    }

    /// Adds a checkpoint, after checking it was trained on these weeks with the split used here
    /// (otherwise its "test" weeks may have been training weeks).
    pub fn add_checkpoint(&mut self, checkpoint: &Checkpoint, device: &Device) -> Result<()> {
        let state = &checkpoint.state;
        let h = state.train_config.horizon;
        let split = ForecastSplit::for_dates(self.data.weeks.dates(), h)?;
        let data = &checkpoint.data;
        let dates = self.data.weeks.dates();
        let same = data.weeks == dates.len()
            && dates.first() == Some(&data.first_week)
            && dates.last() == Some(&data.last_week)
            && data.split == split;
        if !same {
            return Err(MonitorError::Input(format!(
                "the h = {h} checkpoint was trained on {} ({} weeks, {} to {}, split {:?}); these \
                 data have {} weeks ({} to {}, split {:?}), so its test weeks are not these: \
                 train a checkpoint on these data",
                data.description,
                data.weeks,
                data.first_week,
                data.last_week,
                data.split,
                dates.len(),
                dates.first().copied().unwrap_or_default(),
                dates.last().copied().unwrap_or_default(),
                split
            )));
        }
        let mut forecaster = state.forecaster(device);
        forecaster.links = self.links;
        self.forecasters.push(ServedForecaster {
            seed: state.train_config.seed,
            forecaster,
            split,
        });
        Ok(())
    }

    /// The horizons served, ascending, without repeats.
    pub fn horizons(&self) -> Vec<usize> {
        let mut h: Vec<usize> = self
            .forecasters
            .iter()
            .map(|f| f.forecaster.horizon)
            .collect();
        h.sort_unstable();
        h.dedup();
        h
    }

    /// Every anchor of [`Self::part`] of every forecaster, by horizon, then seed, then week.
    pub fn jobs(&self) -> Vec<AnchorJob> {
        let mut order: Vec<usize> = (0..self.forecasters.len()).collect();
        order.sort_by_key(|&k| {
            (
                self.forecasters[k].forecaster.horizon,
                self.forecasters[k].seed,
            )
        });
        order
            .into_iter()
            .flat_map(|k| {
                let f = &self.forecasters[k];
                f.split
                    .anchors(self.part, f.forecaster.horizon)
                    .into_iter()
                    .map(move |t| AnchorJob { forecaster: k, t })
            })
            .collect()
    }

    /// The (scenario, engine, selection) names of [`MeasuredAnchor::stress`], in order.
    pub fn stress_cases(&self) -> Vec<(String, &'static str, ShockSelection)> {
        self.cases()
            .into_iter()
            .map(|(selection, scenario, engine)| (scenario.name.clone(), engine.name(), selection))
            .collect()
    }

    /// Every (selection, scenario, engine), selections outermost, engines innermost.
    fn cases(
        &self,
    ) -> Vec<(
        ShockSelection,
        &Scenario,
        &(dyn ContagionEngine + Send + Sync),
    )> {
        let mut out = Vec::new();
        for &selection in &self.selections {
            for scenario in &self.scenarios {
                for engine in &self.engines {
                    out.push((selection, scenario, engine.as_ref()));
                }
            }
        }
        out
    }

    /// Forecasts, measures and stresses one anchor.
    pub fn measure(&self, job: AnchorJob) -> Result<MeasuredAnchor> {
        let served = self
            .forecasters
            .get(job.forecaster)
            .ok_or_else(|| MonitorError::Input(format!("no forecaster {}", job.forecaster)))?;
        let h = served.forecaster.horizon;
        let t = job.t;
        let weeks = self.data.series.snapshots();
        let (current, realised) = match (weeks.get(t), weeks.get(t + h)) {
            (Some(c), Some(r)) => (c, r),
            _ => {
                return Err(MonitorError::Input(format!(
                    "anchor {t} + h = {h} is past the {} weeks of the series",
                    weeks.len()
                )));
            }
        };
        let forecast = served.forecaster.forecast(self.data.weeks, t)?;
        let symbols = self.data.series.symbols();
        let catalog = self.data.catalog;
        let predicted = self.data.graph(&forecast.snapshot)?;
        let graphs = AnchorGraphs::new(
            AnchorWeeks {
                current,
                predicted: &forecast.snapshot,
                realised,
            },
            symbols,
            catalog,
        )?;
        let stress = self
            .cases()
            .into_par_iter()
            .map(|(selection, scenario, engine)| {
                let evaluation = PredictiveEvaluator::new(engine, symbols, catalog)
                    .with_selection(selection)
                    .evaluate_graphs(scenario, &graphs)?;
                Ok(StressCase {
                    scenario: scenario.name.clone(),
                    engine: engine.name().to_owned(),
                    selection,
                    evaluation,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (realised_m, (persistence_m, model_m)) = rayon::join(
            || WeekMeasures::of(self.data.weeks.graph(t + h), realised),
            || {
                rayon::join(
                    || WeekMeasures::of(self.data.weeks.graph(t), current),
                    || WeekMeasures::of(&predicted, &forecast.snapshot),
                )
            },
        );
        Ok(MeasuredAnchor {
            horizon: h,
            seed: served.seed,
            anchor: forecast.anchor,
            target: forecast.target,
            realised: realised_m?,
            model: model_m?,
            persistence: persistence_m?,
            stress,
        })
    }
}
