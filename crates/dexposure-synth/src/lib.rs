//! A calibrated agent-based simulator of DeFi token holdings. Its weekly holdings go through
//! the DeXposure network construction ([`dexposure_snapshot::construct`]), so it produces
//! exposure networks the same way the real dataset was made, and every other crate reads its
//! output like the real data. It is the embedded default dataset of `dexposure`.
//!
//! ```
//! use dexposure_synth::{Preset, SimConfig, Simulator};
//!
//! let mut config = SimConfig::preset(Preset::Sample, 42);
//! config.weeks = 4; // a short run for the example
//! config.scale = 0.03;
//! let data = Simulator::new(config)?.run()?;
//! assert_eq!(data.series.len(), 4);
//! let week = data.series.first().ok_or("no week")?;
//! assert!(!week.nodes.is_empty() && !week.links.is_empty());
//! // Every simulated protocol has a name and a detailed DefiLlama category.
//! let (id, info) = data.catalog.iter().next().ok_or("empty catalog")?;
//! assert!(id.parse::<u32>().is_ok() && info.detailed_category.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The model (one step per week)
//! - **Protocols** are born to follow a schedule of live protocols (a few hundred in 2020 to
//!   ~3,650 in 2025 at full scale) and die with a small weekly hazard. Each gets a detailed
//!   DefiLlama category drawn from [`universe::CATEGORY_MIX`] (broad shares as published), a
//!   home chain, a Pareto-distributed size, a made-up name and numeric id from
//!   [`world::FIRST_PROTOCOL_ID`] (never a real DefiLlama id).
//! - **Tokens** and their issuers: ETH/WETH, USDC, USDT, UST, LUNA and FTT (which the
//!   construction's manual table maps to pseudo nodes), governance tokens of protocols,
//!   liquid-staking tokens of liquid-staking protocols, stablecoins of CDP and stablecoin
//!   protocols, LP tokens of DEXes, a growing long tail of primary tokens that no protocol
//!   issues (their own nodes), pair tokens (`ABC-XYZ`, the `OTHER` bucket) and unlabelled
//!   tokens (`UNKNOWN`). A share of protocol tokens is left out of the simulated `rev_map`, so
//!   the TF-IDF step and the buckets of the construction are exercised as on real data.
//! - **Holdings**: each protocol keeps a target number of tokens (by category profile, times a
//!   breadth schedule that grows over time; with [`SimConfig::breadth_cohort`] = 1 a protocol
//!   keeps the schedule's value at its birth, so the network grows through newer, wider
//!   protocols rather than old ones piling up positions). It picks tokens by category affinity
//!   (lending holds collateral, yield vaults hold LSTs and LP tokens, bridges hold everything,
//!   …) and preferential attachment (weight = appeal × (1 + holders)). Each week a holding is
//!   closed with a small probability and gaps to the target are refilled.
//! - **Prices**: a market factor (a scheduled log level plus an AR(1) deviation), sector
//!   factors, idiosyncratic noise and jumps; ETH-like tokens track the market, stablecoins stay
//!   at 1, LP tokens move half as much, the well-known large caps (LUNA, FTT) have less
//!   idiosyncratic noise.
//! - **Flows**: each protocol's quantities move by a common deposit/withdrawal flow (scheduled
//!   mean, a persistent deposit trend and noise) and a per-holding flow; the noise is zero-mean
//!   in dollars, and smaller for established protocols, and the trends only move money among
//!   followers.
//! - **Market structure**: the first protocol of each of five categories is a market leader
//!   ([`SimConfig::leaders`]) pulled to a fixed share of all value, with a wide, diversified
//!   book that holds no token a scripted event names; a follower stops attracting deposits at
//!   [`SimConfig::follower_ceiling`]; established protocols rarely die
//!   ([`SimConfig::established_share`]). This is what keeps the market's concentration and the
//!   event windows from hinging on the seed.
//! - **Events** ([`StressEvent`]): Terra from 2022-05-09 (UST/LUNA collapse, market fall,
//!   Terra-chain and UST-heavy protocols die, withdrawals, a flight to other stablecoins) and
//!   FTX from 2022-11-07 (FTT collapse, FTT-heavy protocols die, de-risking, inflows into
//!   exchanges). In an event week the scripted market move is the market's only news: the
//!   random deviation is frozen.
//!
//! The model reports holdings only; links come from the construction's rules (a link's
//! direction follows the sign of the holding's USD change), which is what makes directed
//! persistence a weak predictor, as on the real data. The price/flow mix sets how weak, and how
//! it depends on the horizon: price moves that follow market trends keep a direction for a few
//! weeks and then turn with the trend, so on their own they make persistence decay with h; a
//! wide market noise plus slow protocol deposit trends keep the same moderate persistence at
//! every horizon from 1 to 12 weeks, as published.
//!
//! # Presets and reproducibility
//! [`Preset::Sample`] is the embedded default (61 weeks around Terra and FTX, a few hundred
//! protocols); [`Preset::Full`] has DESIGN.md §5's scale (283 weeks from 2020-03-23). All
//! randomness comes from one seed through [`rng::SimRng`]; the same configuration gives
//! byte-identical files.
//!
//! # Calibration
//! [`CalibrationReport::measure`] puts every published statistic of DESIGN.md §5 next to the
//! generated value with its tolerance.

mod calibration;
mod config;
mod dataset;
mod error;
pub mod pool;
pub mod rng;
mod schedule;
pub mod universe;
pub mod world;

pub use calibration::{
    CalibrationReport, CalibrationRow, EVENT_TOLERANCE, HORIZONS, LEVEL_TOLERANCE, PAIR_SEED,
    PERSISTENCE_TOLERANCE, PUBLISHED_PERSISTENCE,
};
pub use config::{EventWeek, Preset, SimConfig, StressEvent};
pub use dataset::{DatasetFiles, NETWORK_STEM, RUN_FILE, SimulatedDataset, Simulator};
pub use error::{Result, SynthError};
pub use schedule::Schedule;
pub use world::WorldStats;
