//! Early-warning event studies (DESIGN.md §7): alerts from observed network measures and from
//! leak-free forecasts of them, around a market event ([`EarlyWarningStudy`]).
//!
//! For an event on date E (the first week on or after E is week e):
//! - **lead window**: the `lead_weeks` weeks before e (dates in [E − 7·lead, E)); an alert there
//!   is an early warning, and its lead time is E minus its date, in weeks;
//! - **reaction window**: weeks e … e + `after_weeks`;
//! - **training**: the forecaster (h = 1) is trained on the weeks before the lead window only
//!   (training and validation parts; the validation part is the last min(24, ⌊w/4⌋) of those
//!   w weeks), so no week of the lead window, the event or after enters the model;
//! - **study span**: from the first week of the lead window to `calm_weeks` weeks after the
//!   reaction window (or the series end): the out-of-sample weeks of the study;
//! - **calm weeks**: the weeks of the span outside the lead and reaction windows of *every*
//!   event in `events` (Terra and FTX by default); false alarms per year = alerts on calm weeks
//!   ÷ (calm weeks ÷ 52.1775).
//!
//! Alerts from observed measures use [`EarlyWarning`] on the observed series (an alert on week
//! t uses weeks ≤ t). Alerts from forecasts are dated by the week t the forecast was made
//! (the week the alert would be known): the forecast x̂ of week t + 1, made from weeks ≤ t, is
//! compared with the `window` observed values up to t (z-score rule), or x̂ − x_t with the
//! `window` observed one-week changes up to t (ΔHHI rule, for the HHI measures). So nothing
//! after an alert's date enters it; `tests/monitor.rs` checks it by truncating the input.

use dexposure_model::{
    Device, FeatureSet, ForecastSplit, ForecasterConfig, LinkRule, TrainConfig, Trainer,
};
use dexposure_snapshot::NaiveDate;
use dexposure_stress::{Alert, EarlyWarning};
use rayon::prelude::*;
use serde::Serialize;

use super::error::{MonitorError, Result};
use super::format::num;
use super::measures::{WeekMeasures, measure_names};
use super::run::MonitorData;

/// A dated market event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketEvent {
    /// Name for tables.
    pub name: String,
    /// Date of the event.
    pub date: NaiveDate,
}

impl MarketEvent {
    /// An event.
    pub fn new(name: impl Into<String>, date: NaiveDate) -> Self {
        Self {
            name: name.into(),
            date,
        }
    }

    /// The Terra/UST collapse, 2022-05-09.
    pub fn terra() -> Self {
        Self::new(
            "Terra",
            NaiveDate::from_ymd_opt(2022, 5, 9).unwrap_or_default(),
        )
    }

    /// The FTX collapse, 2022-11-07.
    pub fn ftx() -> Self {
        Self::new(
            "FTX",
            NaiveDate::from_ymd_opt(2022, 11, 7).unwrap_or_default(),
        )
    }
}

/// How an early-warning measure is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningRule {
    /// Rolling z-score of the level.
    ZScore,
    /// One-sided rise of the one-week change (ΔHHI rule).
    DeltaRise,
}

impl WarningRule {
    /// The alerts of this rule over an observed `series` of `measure`.
    pub fn alerts(
        self,
        config: &EarlyWarning,
        measure: &str,
        series: &[(NaiveDate, f64)],
    ) -> Result<Vec<Alert>> {
        Ok(match self {
            WarningRule::ZScore => config.zscore_alerts(measure, series)?,
            WarningRule::DeltaRise => config.delta_alerts(measure, series)?,
        })
    }

    /// Name for tables: `zscore` or `delta_rise`.
    pub fn name(self) -> &'static str {
        match self {
            WarningRule::ZScore => "zscore",
            WarningRule::DeltaRise => "delta_rise",
        }
    }
}

/// The measures watched and their rule: levels by z-score, concentration (HHI) by ΔHHI.
pub const WATCHED: [(&str, WarningRule); 8] = [
    ("total_tvl", WarningRule::ZScore),
    ("total_exposure", WarningRule::ZScore),
    ("links", WarningRule::ZScore),
    ("density", WarningRule::ZScore),
    ("mean_sis", WarningRule::ZScore),
    ("spillover_index", WarningRule::ZScore),
    ("tvl_hhi", WarningRule::DeltaRise),
    ("link_weight_hhi", WarningRule::DeltaRise),
];

/// How the forecaster of a study is trained (h = 1 is forced).
#[derive(Debug, Clone)]
pub struct StudyTraining {
    /// Node and pair features.
    pub features: FeatureSet,
    /// Model sizes.
    pub model: ForecasterConfig,
    /// Training settings (its horizon is replaced by 1).
    pub train: TrainConfig,
}

/// Alerts of one measure from one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningRow {
    /// Measure name.
    pub measure: String,
    /// Rule applied.
    pub rule: WarningRule,
    /// "observed" or "forecast".
    pub source: &'static str,
    /// Alerts in the lead window, oldest first.
    pub lead_alerts: Vec<Alert>,
    /// Weeks from the first lead-window alert to the event (`None`: no early warning).
    pub lead_weeks: Option<f64>,
    /// Alerts in the reaction window.
    pub reaction_alerts: usize,
    /// Alerts on calm weeks of the span.
    pub calm_alerts: usize,
    /// Calm alerts per year.
    pub false_alarms_per_year: Option<f64>,
}

/// The result of one event study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventStudy {
    /// The event.
    pub event: MarketEvent,
    /// First and last week the forecaster was trained or validated on.
    pub trained_on: (NaiveDate, NaiveDate),
    /// First and last week of the lead window.
    pub lead_window: (NaiveDate, NaiveDate),
    /// First and last week of the study span.
    pub span: (NaiveDate, NaiveDate),
    /// Calm weeks in the span.
    pub calm_weeks: usize,
    /// The alert rule.
    pub rule: EarlyWarning,
    /// One row per watched measure and source.
    pub rows: Vec<WarningRow>,
    /// Every alert of the span (observed and forecast), for inspection.
    pub alerts: Vec<(String, Alert)>,
}

/// An early-warning event study around one event (see the module docs).
#[derive(Debug, Clone)]
pub struct EarlyWarningStudy {
    /// The event studied.
    pub event: MarketEvent,
    /// Every event whose windows are excluded from the calm weeks (the studied one included).
    pub events: Vec<MarketEvent>,
    /// Weeks before the event in which an alert is an early warning (default 8).
    pub lead_weeks: usize,
    /// Weeks after the event that are not calm (default 8).
    pub after_weeks: usize,
    /// Weeks after the reaction window that the study forecasts to count false alarms
    /// (default 104).
    pub calm_weeks: usize,
    /// The alert rule (default: 26 weeks, |z| > 2).
    pub rule: EarlyWarning,
    /// Link rule of the forecast graphs (default [`LinkRule::OutDegree`]).
    pub links: LinkRule,
}

impl EarlyWarningStudy {
    /// A study of `event` with the defaults, calm weeks excluding Terra and FTX windows.
    pub fn new(event: MarketEvent) -> Self {
        Self {
            events: vec![MarketEvent::terra(), MarketEvent::ftx(), event.clone()],
            event,
            lead_weeks: 8,
            after_weeks: 8,
            calm_weeks: 104,
            rule: EarlyWarning::default(),
            links: LinkRule::OutDegree,
        }
    }

    /// Position of the first week on or after `date` (the series length when none).
    fn position(dates: &[NaiveDate], date: NaiveDate) -> usize {
        dates.partition_point(|d| *d < date)
    }

    /// The training split: weeks before the lead window, the last min(24, ⌊w/4⌋) for
    /// validation; the test part (unused by training) is the rest of the series.
    pub fn training_split(&self, dates: &[NaiveDate]) -> Result<ForecastSplit> {
        let (lead_start, _) = self.windows(&self.event);
        let ws = Self::position(dates, lead_start);
        let validation = (ws / 4).min(24);
        if ws >= dates.len() || validation < 2 || ws - validation < 2 {
            return Err(MonitorError::Input(format!(
                "the {} study needs weeks before its lead window (from {lead_start}) to train on \
                 and at least the window's first week; the series has {} weeks before it and {} \
                 in all",
                self.event.name,
                ws,
                dates.len()
            )));
        }
        Ok(ForecastSplit {
            train: 0..ws - validation,
            validation: ws - validation..ws,
            test: ws..dates.len(),
        })
    }

    /// First day of `event`'s lead window and last day of its reaction window.
    fn windows(&self, event: &MarketEvent) -> (NaiveDate, NaiveDate) {
        (
            event.date - chrono::Days::new(7 * self.lead_weeks as u64),
            event.date + chrono::Days::new(7 * self.after_weeks as u64),
        )
    }

    /// Whether `date` lies in the lead or reaction window of any event.
    fn in_any_window(&self, date: NaiveDate) -> bool {
        self.events.iter().any(|e| {
            let (from, to) = self.windows(e);
            date >= from && date <= to
        })
    }

    /// Trains the forecaster on the weeks before the lead window, forecasts every week of the
    /// span from the week before it, and tabulates the alerts.
    pub fn run(
        &self,
        data: MonitorData<'_>,
        training: &StudyTraining,
        device: &Device,
    ) -> Result<EventStudy> {
        let weeks = data.weeks;
        let dates = weeks.dates();
        let split = self.training_split(dates)?;
        let ws = split.test.start;
        let trainer = Trainer::with_split(weeks, split.clone(), 1, device.clone())?;
        let config = TrainConfig {
            horizon: 1,
            ..training.train.clone()
        };
        let epochs = config.epochs;
        let state = trainer.init(training.features.clone(), &training.model, config)?;
        let mut forecaster = trainer.fit(state, epochs)?.forecaster(device);
        forecaster.links = self.links;

        let event_pos = Self::position(dates, self.event.date);
        let span_end = (event_pos + self.after_weeks + 1 + self.calm_weeks).min(dates.len());
        let names = measure_names();
        let snapshots = data.series.snapshots();
        // Forecasts made at weeks ws − 1 … span_end − 1 (of the week after each; the last may
        // lie past the series: an alert is issued when the forecast is made).
        let first_forecast_anchor = ws.max(1) - 1;
        let forecasts: Vec<WeekMeasures> = (first_forecast_anchor..span_end)
            .map(|t| {
                let f = forecaster.forecast(weeks, t)?;
                WeekMeasures::of(&data.graph(&f.snapshot)?, &f.snapshot)
            })
            .collect::<Result<_>>()?;
        // Observed measures from the first week any rule reads (the window before the first
        // forecast anchor, one more for the changes) to the span's end.
        let start = first_forecast_anchor.saturating_sub(self.rule.window + 1);
        let observed: Vec<WeekMeasures> = (start..span_end)
            .into_par_iter()
            .map(|t| WeekMeasures::of(weeks.graph(t), &snapshots[t]))
            .collect::<Result<_>>()?;

        let (lead_start, reaction_end) = self.windows(&self.event);
        let calm: Vec<bool> = (0..span_end)
            .map(|t| t >= ws && !self.in_any_window(dates[t]))
            .collect();
        let calm_weeks = calm.iter().filter(|&&c| c).count();
        let in_span = |d: NaiveDate| d >= dates[ws] && d <= dates[span_end - 1];
        let mut rows = Vec::new();
        let mut all = Vec::new();
        for (measure, rule) in WATCHED {
            let k = names.iter().position(|n| *n == measure).ok_or_else(|| {
                MonitorError::Input(format!("{measure} is not a network measure"))
            })?;
            let series_obs: Vec<(NaiveDate, f64)> =
                observed.iter().map(|m| (m.date, m.values[k])).collect();
            let observed_alerts = rule.alerts(&self.rule, measure, &series_obs)?;
            let forecast_alerts: Vec<Alert> = forecasts
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let observed = &series_obs[..=first_forecast_anchor + i - start];
                    match rule {
                        WarningRule::ZScore => {
                            self.rule
                                .forecast_zscore_alert(measure, observed, f.values[k])
                        }
                        WarningRule::DeltaRise => {
                            self.rule
                                .forecast_delta_alert(measure, observed, f.values[k])
                        }
                    }
                })
                .collect::<std::result::Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            for (source, alerts) in [("observed", observed_alerts), ("forecast", forecast_alerts)] {
                let alerts: Vec<Alert> = alerts.into_iter().filter(|a| in_span(a.date)).collect();
                let lead_alerts: Vec<Alert> = alerts
                    .iter()
                    .filter(|a| a.date >= lead_start && a.date < self.event.date)
                    .cloned()
                    .collect();
                let calm_alerts = alerts
                    .iter()
                    .filter(|a| dates.binary_search(&a.date).is_ok_and(|t| calm[t]))
                    .count();
                rows.push(WarningRow {
                    measure: measure.to_owned(),
                    rule,
                    source,
                    lead_weeks: lead_alerts
                        .first()
                        .map(|a| (self.event.date - a.date).num_days() as f64 / 7.0),
                    lead_alerts,
                    reaction_alerts: alerts
                        .iter()
                        .filter(|a| a.date >= self.event.date && a.date <= reaction_end)
                        .count(),
                    calm_alerts,
                    false_alarms_per_year: (calm_weeks > 0)
                        .then(|| calm_alerts as f64 / (calm_weeks as f64 / 52.1775)),
                });
                all.extend(alerts.into_iter().map(|a| (source.to_owned(), a)));
            }
        }
        Ok(EventStudy {
            event: self.event.clone(),
            trained_on: (dates[0], dates[ws - 1]),
            lead_window: (dates[ws], dates[event_pos.saturating_sub(1).max(ws)]),
            span: (dates[ws], dates[span_end - 1]),
            calm_weeks,
            rule: self.rule,
            rows,
            alerts: all,
        })
    }
}

impl EventStudy {
    /// CSV header of [`EventStudy::csv_rows`].
    pub const CSV_HEADER: &'static str = "event,event_date,measure,rule,source,lead_alert_dates,lead_weeks,reaction_alerts,calm_alerts,calm_weeks,false_alarms_per_year";

    /// CSV lines (no header): one per watched measure and source; lead-window alert dates are
    /// separated by spaces.
    pub fn csv_rows(&self) -> String {
        let mut out = String::new();
        for r in &self.rows {
            let dates: Vec<String> = r.lead_alerts.iter().map(|a| a.date.to_string()).collect();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                self.event.name,
                self.event.date,
                r.measure,
                match r.rule {
                    WarningRule::ZScore => "zscore",
                    WarningRule::DeltaRise => "delta_hhi",
                },
                r.source,
                dates.join(" "),
                r.lead_weeks.map_or(String::new(), |w| w.to_string()),
                r.reaction_alerts,
                r.calm_alerts,
                self.calm_weeks,
                r.false_alarms_per_year
                    .map_or(String::new(), |f| format!("{f:?}")),
            ));
        }
        out
    }

    /// Markdown: one line per watched measure and source.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "### {} ({})\n\nForecaster (h = 1) trained on {} … {}; lead window {} … {}; study span {} … {} ({} calm weeks); rule: window {} weeks, threshold {}.\n\n\
             | measure | rule | source | early alerts (lead window) | lead (weeks) | alerts in reaction window | calm alerts | false alarms / year |\n\
             |---|---|---|---|---|---|---|---|\n",
            self.event.name,
            self.event.date,
            self.trained_on.0,
            self.trained_on.1,
            self.lead_window.0,
            self.lead_window.1,
            self.span.0,
            self.span.1,
            self.calm_weeks,
            self.rule.window,
            self.rule.threshold
        );
        for r in &self.rows {
            let dates: Vec<String> = r.lead_alerts.iter().map(|a| a.date.to_string()).collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.measure,
                match r.rule {
                    WarningRule::ZScore => "z-score",
                    WarningRule::DeltaRise => "ΔHHI",
                },
                r.source,
                if dates.is_empty() {
                    "none".to_owned()
                } else {
                    dates.join(", ")
                },
                num(r.lead_weeks),
                r.reaction_alerts,
                r.calm_alerts,
                num(r.false_alarms_per_year),
            ));
        }
        out
    }
}
