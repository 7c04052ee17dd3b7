//! Next week's forecast, measured and stressed next to persistence: [`Outlook`] (the
//! quickstart's forecast-then-measure block).

use dexposure_model::TrainedForecaster;
use dexposure_snapshot::NaiveDate;
use dexposure_stress::{ContagionEngine, Scenario};
use serde::Serialize;

use super::error::{MonitorError, Result};
use super::measures::WeekMeasures;
use super::run::MonitorData;

/// One scenario's loss on the forecast and on the current week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlookLoss {
    /// Scenario name.
    pub scenario: String,
    /// Loss on Ĝ_t+h, % of Ĝ's TVL (top-N chosen by predicted TVL).
    pub forecast_pct: f64,
    /// Loss on G_t, % of TVL (the persistence forecast).
    pub persistence_pct: f64,
}

/// The forecast Ĝ_t+h made at week t, measured and stressed, next to G_t.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outlook {
    /// Week t.
    pub anchor: NaiveDate,
    /// Week t + h.
    pub target: NaiveDate,
    /// Measures of Ĝ_t+h.
    pub forecast: WeekMeasures,
    /// Measures of G_t.
    pub persistence: WeekMeasures,
    /// Scenario losses, in scenario order.
    pub losses: Vec<OutlookLoss>,
}

impl Outlook {
    /// The outlook from week `t` with `forecaster`, stressing both graphs with `engine` under
    /// every scenario.
    pub fn new(
        data: MonitorData<'_>,
        forecaster: &TrainedForecaster,
        t: usize,
        engine: &dyn ContagionEngine,
        scenarios: &[Scenario],
    ) -> Result<Self> {
        let current = data.series.snapshots().get(t).ok_or_else(|| {
            MonitorError::Input(format!("week {t} is past the {} weeks", data.series.len()))
        })?;
        let forecast = forecaster.forecast(data.weeks, t)?;
        let predicted = data.graph(&forecast.snapshot)?;
        let now = data.weeks.graph(t);
        let losses = scenarios
            .iter()
            .map(|s| {
                let on = |g| -> Result<f64> {
                    Ok(engine
                        .run(g, &s.apply(g, data.catalog)?.shock)?
                        .loss_pct_tvl)
                };
                Ok(OutlookLoss {
                    scenario: s.name.clone(),
                    forecast_pct: on(&predicted)?,
                    persistence_pct: on(now)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            anchor: forecast.anchor,
            target: forecast.target,
            forecast: WeekMeasures::of(&predicted, &forecast.snapshot)?,
            persistence: WeekMeasures::of(now, current)?,
            losses,
        })
    }
}
