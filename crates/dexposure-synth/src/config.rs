//! Simulator settings, the two presets, and the scripted stress events.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SynthError};
use crate::schedule::Schedule;

/// Which preset a configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The embedded default: 61 weeks (2021-11-01 … 2022-12-26) spanning Terra and FTX, a few
    /// hundred protocols.
    Sample,
    /// DESIGN.md §5's scale: 283 weeks, 2020-03-23 … 2025-08-18.
    Full,
}

impl Preset {
    /// Parses `sample` or `full`.
    pub fn from_name(name: &str) -> Option<Preset> {
        match name {
            "sample" => Some(Preset::Sample),
            "full" => Some(Preset::Full),
            _ => None,
        }
    }
}

/// Every knob of the model. Schedules are in calendar time so that the two presets share them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Preset this configuration started from.
    pub preset: Preset,
    /// Seed of every random choice.
    pub seed: u64,
    /// Date of the first snapshot (a Monday).
    pub start: NaiveDate,
    /// Number of weekly snapshots (the model runs one week more: the last week only closes the
    /// previous period, see the construction rules).
    pub weeks: usize,
    /// Multiplier on the protocol and token counts of the schedules.
    pub scale: f64,
    /// Live protocols over time, at scale 1.
    pub protocols: Schedule,
    /// Live primary tokens (tokens no protocol issues) over time, at scale 1.
    pub primary_tokens: Schedule,
    /// Multiplier on how many tokens each protocol holds, over time.
    pub breadth: Schedule,
    /// How much of a protocol's breadth is fixed at its birth (0: every protocol follows the
    /// `breadth` schedule; 1: a protocol keeps the schedule's value at its birth, so the
    /// network grows by newer, wider protocols rather than by old ones adding positions).
    /// The multiplier is `breadth(birth)^c · breadth(now)^(1 − c)`; market leaders use c = 0.
    pub breadth_cohort: f64,
    /// Log price level of the crypto market (ETH-like), over time.
    pub market: Schedule,
    /// Mean weekly log flow into holdings (deposits minus withdrawals), over time.
    pub inflow: Schedule,
    /// AR(1) coefficient of the market's deviation from its schedule.
    pub market_persistence: f64,
    /// Weekly standard deviation of the market shock.
    pub market_volatility: f64,
    /// Weekly standard deviation of each sector's price factor.
    pub sector_volatility: f64,
    /// Weekly standard deviation of a volatile token's own price noise.
    pub token_volatility: f64,
    /// Multiplier on `token_volatility` for the well-known volatile tokens (appeal of at least
    /// 30: LUNA, FTT and the rare most popular long-tail token): large caps follow the market
    /// more closely than the long tail, and do not jump. It keeps their
    /// weight in the network, and so the size of the scripted events, from drifting at random
    /// over the years before the event.
    pub large_cap_volatility: f64,
    /// Weekly probability of a price jump for a volatile token.
    pub jump_probability: f64,
    /// Standard deviation of a jump's log size.
    pub jump_size: f64,
    /// Weekly standard deviation of a protocol's common deposit/withdrawal flow, for a small
    /// protocol; it shrinks as `1 / sqrt(1 + share / established_share)` with the protocol's
    /// share of all value (many depositors average out).
    pub protocol_flow_volatility: f64,
    /// Stationary standard deviation of a protocol's deposit trend: a weekly log flow that
    /// lasts for months (a protocol gaining or losing users), added to its common flow. It is
    /// what keeps a holder–issuer pair's direction (the sign of the holding change) the same
    /// from week to week over any horizon, as on the real data, where trend-following price
    /// moves alone would make that persistence fade as market trends turn.
    pub flow_trend_volatility: f64,
    /// Weekly AR(1) coefficient of a protocol's deposit trend (0.995: its correlation halves in
    /// about 140 weeks, so it hardly changes over the 1–12-week horizons of the persistence
    /// targets). Trends are taken relative to the followers' value-weighted mean, so they move
    /// money between followers without changing the total; market leaders have none.
    pub flow_trend_persistence: f64,
    /// Weekly pull of a protocol's share of all value towards its share of the live
    /// protocols' birth sizes (flows subtract `size_reversion · ln(share / target share)`), so
    /// that sizes do not diffuse without bound over five years.
    pub size_reversion: f64,
    /// The same pull for market leaders, stronger: they keep their share (outside scripted
    /// event weeks, when every protocol gets `size_reversion`).
    pub leader_reversion: f64,
    /// Largest share of all value a follower (a protocol that is not a market leader) keeps:
    /// above it, the follower is pulled back with `leader_reversion` (outside scripted event
    /// weeks). Without it a follower with a lasting deposit trend can grow to rival the
    /// leaders, and the market's concentration becomes a matter of the seed.
    pub follower_ceiling: f64,
    /// Weekly share of the way each market leader's positions move towards equal dollar
    /// sizes (a leader keeps a diversified book, so no single token, LUNA or FTT say, comes to
    /// dominate it by outrunning the market).
    pub leader_rebalance: f64,
    /// Weekly standard deviation of a holding's own flow.
    pub holding_flow_volatility: f64,
    /// Weekly probability that a holding is closed (and replaced while below target breadth).
    pub turnover: f64,
    /// Weekly death probability of a protocol.
    pub protocol_hazard: f64,
    /// Share of all value at which a protocol counts as established: its weekly death
    /// probability is `protocol_hazard / (1 + share / established_share)`, so the background
    /// deaths are mostly of small protocols (a large one dies in a scripted event, or not at
    /// all), and no window's total hinges on which large protocol happened to die in it.
    pub established_share: f64,
    /// Weekly death probability of a primary token.
    pub token_hazard: f64,
    /// Market leaders: the first protocol of each listed detailed category becomes a leader
    /// whose flows pull it to the given share of all value (real DeFi is dominated by a few
    /// exchanges, staking and lending protocols; see the TVL HHI target). Leaders do not die,
    /// start with an even book (equal positions rather than Pareto-sized ones, so no single
    /// token dominates a fifth of the market) kept even by `leader_rebalance`, follow the
    /// current breadth schedule whatever their birth (they are the wide books), sell a closed
    /// position into the rest of their book, hold no token a scripted event names, and have
    /// no deposit trend.
    pub leaders: Vec<(String, f64)>,
    /// Pareto tail index of protocol sizes.
    pub size_tail: f64,
    /// USD size of the smallest new protocol at market level 0.
    pub min_protocol_usd: f64,
    /// Share of protocol governance tokens listed in the simulated `rev_map.json` (the rest are
    /// found by TF-IDF or become their own node, as in the real pipeline).
    pub rev_map_coverage: f64,
    /// Scripted stress events.
    pub events: Vec<StressEvent>,
}

/// One week of a scripted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventWeek {
    /// Extra log return of the market. In an event week it replaces the random market shock
    /// (the scripted move is the week's news).
    pub market_return: f64,
    /// Extra log price change of named tokens.
    pub price_moves: Vec<(String, f64)>,
    /// Extra log flow of every protocol's holdings.
    pub flow: f64,
    /// Extra log flow of protocols of named detailed categories.
    pub category_flows: Vec<(String, f64)>,
    /// Probability that an exposed protocol dies this week: one on `exposed_chain`, or one
    /// holding more than a third of its value in `exposed_tokens`.
    pub exposed_death: f64,
    /// Chain whose protocols are exposed.
    pub exposed_chain: Option<String>,
    /// Tokens whose holders are "exposed" for `exposed_death`.
    pub exposed_tokens: Vec<String>,
    /// Multiplier on the week's holding turnover (`SimConfig::turnover`).
    pub turnover_multiplier: f64,
    /// Expected extra holdings each protocol opens this week (a flight to stablecoins).
    pub extra_holdings: f64,
    /// Multiplier on the refilling of closed holdings (0: nothing is reopened this week).
    pub refill_multiplier: f64,
}

impl Default for EventWeek {
    fn default() -> Self {
        Self {
            market_return: 0.0,
            price_moves: Vec::new(),
            flow: 0.0,
            category_flows: Vec::new(),
            exposed_death: 0.0,
            exposed_chain: None,
            exposed_tokens: Vec::new(),
            turnover_multiplier: 1.0,
            extra_holdings: 0.0,
            refill_multiplier: 1.0,
        }
    }
}

/// A scripted shock: consecutive weeks of effects from `date` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressEvent {
    /// Name for reports.
    pub name: String,
    /// Monday of the first week.
    pub date: NaiveDate,
    /// Effects of each week.
    pub weeks: Vec<EventWeek>,
}

impl StressEvent {
    /// The Terra collapse from 2022-05-09: UST loses its peg and LUNA goes to zero over three
    /// weeks, the market falls, Terra-chain and UST-heavy protocols die, holders withdraw and
    /// rush into other stablecoins.
    pub fn terra() -> Self {
        let moves = |ust: f64, luna: f64| vec![("UST".to_owned(), ust), ("LUNA".to_owned(), luna)];
        let exposed = vec!["UST".to_owned(), "LUNA".to_owned()];
        let week = |market, ust, luna, flow, death, turnover, extra| EventWeek {
            market_return: market,
            price_moves: moves(ust, luna),
            flow,
            exposed_death: death,
            exposed_chain: Some("Terra".to_owned()),
            exposed_tokens: exposed.clone(),
            turnover_multiplier: turnover,
            extra_holdings: extra,
            ..EventWeek::default()
        };
        Self {
            name: "Terra".to_owned(),
            date: date("2022-05-09"),
            weeks: vec![
                week(-0.01, -0.6, -2.5, -0.075, 0.15, 4.5, 0.55),
                week(0.0, -1.6, -3.0, -0.075, 0.35, 4.5, 0.45),
                week(0.0, -0.8, -0.5, -0.065, 0.20, 3.0, 0.3),
            ],
        }
    }

    /// The FTX collapse from 2022-11-07: FTT collapses, FTT-heavy protocols die, protocols
    /// de-risk (close positions without reopening them), and capital moves on-chain: deposits
    /// into every protocol and more into exchanges' reserves (the published window shows total
    /// TVL up by 46% and links down by 1.8%). The scripted market move is small (−5%): the
    /// window's change is the deposits', and a larger market move would make it depend on how
    /// much of each seed's market sits in stablecoins.
    pub fn ftx() -> Self {
        let week = |market, ftt, flow, cex, turnover| EventWeek {
            market_return: market,
            price_moves: vec![("FTT".to_owned(), ftt)],
            flow,
            category_flows: vec![("CEX".to_owned(), cex)],
            exposed_death: 0.3,
            exposed_tokens: vec!["FTT".to_owned()],
            turnover_multiplier: turnover,
            refill_multiplier: 0.0,
            ..EventWeek::default()
        };
        Self {
            name: "FTX".to_owned(),
            date: date("2022-11-07"),
            weeks: vec![
                week(-0.04, -1.8, 0.165, 0.1, 16.0),
                week(-0.01, -0.5, 0.165, 0.08, 16.0),
                week(0.0, -0.1, 0.03, 0.04, 10.0),
            ],
        }
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or(NaiveDate::MIN)
}

impl SimConfig {
    /// The settings of `preset` with `seed`.
    pub fn preset(preset: Preset, seed: u64) -> Self {
        let (start, weeks, scale) = match preset {
            Preset::Sample => (date("2021-11-01"), 61, 0.08),
            Preset::Full => (date("2020-03-23"), 283, 1.0),
        };
        Self {
            preset,
            seed,
            start,
            weeks,
            scale,
            protocols: Schedule::new(&[
                ("2020-03-23", 260.0),
                ("2020-12-28", 900.0),
                ("2021-12-27", 1900.0),
                ("2022-05-02", 2150.0),
                ("2023-06-26", 2700.0),
                ("2024-06-24", 3200.0),
                ("2025-08-18", 3650.0),
            ]),
            primary_tokens: Schedule::new(&[
                ("2020-03-23", 350.0),
                ("2020-12-28", 1300.0),
                ("2021-12-27", 2900.0),
                ("2022-05-02", 3300.0),
                ("2023-06-26", 4200.0),
                ("2024-06-24", 5300.0),
                ("2025-08-18", 6800.0),
            ]),
            breadth: Schedule::new(&[
                ("2020-03-23", 0.42),
                ("2021-12-27", 0.95),
                ("2023-06-26", 2.1),
                ("2024-12-30", 4.8),
            ]),
            breadth_cohort: 1.0,
            market: Schedule::new(&[
                ("2020-03-23", 0.0),
                ("2020-09-07", 1.1),
                ("2021-05-10", 3.3),
                ("2021-11-08", 3.5),
                ("2022-05-02", 3.07),
                ("2022-06-13", 2.5),
                ("2022-10-31", 2.45),
                ("2023-06-26", 2.6),
                ("2024-03-11", 3.37),
                ("2024-09-09", 2.9),
                ("2024-12-16", 3.37),
                ("2025-04-07", 2.5),
                ("2025-08-18", 3.5),
            ]),
            inflow: Schedule::new(&[
                ("2020-03-23", 0.0035),
                ("2021-12-27", -0.001),
                ("2022-06-13", -0.006),
                ("2023-06-26", -0.004),
                ("2025-08-18", -0.002),
            ]),
            market_persistence: 0.85,
            market_volatility: 0.08,
            sector_volatility: 0.02,
            token_volatility: 0.045,
            large_cap_volatility: 0.3,
            jump_probability: 0.01,
            jump_size: 0.3,
            protocol_flow_volatility: 0.04,
            flow_trend_volatility: 0.028,
            flow_trend_persistence: 0.995,
            size_reversion: 0.01,
            leader_reversion: 0.3,
            follower_ceiling: 0.03,
            leader_rebalance: 0.05,
            holding_flow_volatility: 0.05,
            turnover: 0.001,
            protocol_hazard: 0.002,
            established_share: 0.002,
            token_hazard: 0.02,
            leaders: [
                ("CEX", 0.20),
                ("Lending", 0.11),
                ("Liquid Staking", 0.08),
                ("Dexes", 0.06),
                ("CDP", 0.05),
            ]
            .iter()
            .map(|(c, s)| ((*c).to_owned(), *s))
            .collect(),
            size_tail: 1.05,
            min_protocol_usd: 9.2e6,
            rev_map_coverage: 0.75,
            events: vec![StressEvent::terra(), StressEvent::ftx()],
        }
    }

    /// Checks the settings: positive counts and scale, probabilities in [0, 1], valid
    /// schedules, a Monday start.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(SynthError::Config(what));
        if self.weeks == 0 {
            return bad("weeks must be at least 1".into());
        }
        if !(self.scale > 0.0 && self.scale.is_finite()) {
            return bad(format!("scale must be positive, got {}", self.scale));
        }
        if chrono::Datelike::weekday(&self.start) != chrono::Weekday::Mon {
            return bad(format!("start {} is not a Monday", self.start));
        }
        for (name, s) in [
            ("protocols", &self.protocols),
            ("primary_tokens", &self.primary_tokens),
            ("breadth", &self.breadth),
            ("market", &self.market),
            ("inflow", &self.inflow),
        ] {
            s.validate(name).map_err(SynthError::Config)?;
        }
        for (name, p) in [
            ("turnover", self.turnover),
            ("protocol_hazard", self.protocol_hazard),
            ("token_hazard", self.token_hazard),
            ("jump_probability", self.jump_probability),
            ("rev_map_coverage", self.rev_map_coverage),
            ("market_persistence", self.market_persistence),
            ("flow_trend_persistence", self.flow_trend_persistence),
            ("breadth_cohort", self.breadth_cohort),
            ("follower_ceiling", self.follower_ceiling),
            ("leader_rebalance", self.leader_rebalance),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} must be in [0, 1], got {p}"));
            }
        }
        for (name, v) in [
            ("market_volatility", self.market_volatility),
            ("sector_volatility", self.sector_volatility),
            ("token_volatility", self.token_volatility),
            ("large_cap_volatility", self.large_cap_volatility),
            ("jump_size", self.jump_size),
            ("protocol_flow_volatility", self.protocol_flow_volatility),
            ("flow_trend_volatility", self.flow_trend_volatility),
            ("holding_flow_volatility", self.holding_flow_volatility),
            ("size_reversion", self.size_reversion),
            ("leader_reversion", self.leader_reversion),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(format!(
                    "{name} must be a finite non-negative number, got {v}"
                ));
            }
        }
        let leader_total: f64 = self.leaders.iter().map(|l| l.1).sum();
        if self.leaders.iter().any(|l| l.1.is_nan() || l.1 <= 0.0) || leader_total >= 1.0 {
            return bad(format!(
                "leader shares must be positive and sum below 1, got {leader_total}"
            ));
        }
        if !(self.size_tail > 0.0 && self.min_protocol_usd > 0.0 && self.established_share > 0.0) {
            return bad(
                "size_tail, min_protocol_usd and established_share must be positive".into(),
            );
        }
        Ok(())
    }
}
