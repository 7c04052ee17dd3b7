//! The agent-based weekly model: protocols hold tokens, prices move, holders deposit and
//! withdraw, open and close positions, are born and die, and scripted events hit. Each week it
//! reports every holding as a [`HoldingRow`]; it never builds links itself.

use chrono::{Days, NaiveDate};
use dexposure_snapshot::construct::{HoldingRow, IssuerResolver, ResolutionStep, ResolverSettings};
use dexposure_snapshot::metadata::{ProtocolCatalog, ProtocolInfo, RevMap};
use dexposure_snapshot::taxonomy::BroadCategory;
use rustc_hash::FxHashSet;

use crate::config::{EventWeek, SimConfig};
use crate::pool::WeightedPool;
use crate::rng::SimRng;
use crate::universe::{
    CATEGORY_MIX, CHAINS, Profile, TokenKind, made_up_word, name_suffix, ticker,
};

/// First simulated protocol id; real DefiLlama ids are far below it, so a simulated id never
/// collides with a real one.
pub const FIRST_PROTOCOL_ID: u32 = 100_001;

/// Largest size of one protocol at market level 0, in USD.
const MAX_PROTOCOL_USD: f64 = 2.0e10;

/// Tokens with at least this appeal (LUNA, FTT and the other named tokens) are never delisted
/// or killed by the background hazard; only scripted events move them.
const WELL_KNOWN_APPEAL: f64 = 30.0;

/// Log USD price of ETH at market level 0 (ETH traded near $134 on 2020-03-23).
const ETH_LOG_PRICE: f64 = 4.9;

/// Largest size of a new protocol relative to the live protocols' birth sizes.
const MAX_ENTRY_SHARE: f64 = 0.005;

/// Weekly share of the gap to a protocol's target breadth that it closes.
const FILL_RATE: f64 = 0.25;

struct Protocol {
    id: String,
    category: &'static str,
    profile: Profile,
    chain: u16,
    alive: bool,
    /// Target number of tokens at breadth 1.
    breadth: f64,
    holdings: Vec<Holding>,
    /// Slot in the listing pool, for profiles that list new primary tokens.
    lister_slot: Option<usize>,
    /// Size drawn at birth; flows pull the protocol's share of all value towards its share
    /// of the live protocols' birth sizes.
    birth_size: f64,
    /// For a market leader, its target share of all value.
    leader_share: Option<f64>,
    /// Whether a leader has been brought to its share (done once, in its first week).
    settled: bool,
    /// Persistent deposit trend (weekly log flow), an AR(1) process.
    trend: f64,
    /// The breadth schedule's value at birth.
    birth_breadth: f64,
}

struct Holding {
    token: u32,
    chain: u16,
    quantity: f64,
}

struct Token {
    symbol: String,
    kind: TokenKind,
    log_price: f64,
    beta: f64,
    sector: usize,
    alive: bool,
    holders: u32,
    appeal: f64,
    slot: usize,
}

/// Counters of what happened, for reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorldStats {
    /// Protocols ever born.
    pub protocols_born: usize,
    /// Protocols that died.
    pub protocols_died: usize,
    /// Tokens ever created.
    pub tokens_created: usize,
    /// Primary tokens that died or were delisted.
    pub tokens_died: usize,
    /// Holding rows emitted.
    pub rows: u64,
}

/// The simulated world.
pub(crate) struct World {
    cfg: SimConfig,
    rng: SimRng,
    protocols: Vec<Protocol>,
    tokens: Vec<Token>,
    /// One pool per [`TokenKind::HELD`] slot; entries are token indices.
    pools: Vec<(WeightedPool, Vec<u32>)>,
    listers: (WeightedPool, Vec<u32>),
    /// Protocols born per entry of [`CATEGORY_MIX`].
    category_counts: Vec<usize>,
    used_symbols: FxHashSet<String>,
    catalog: ProtocolCatalog,
    rev_map: Vec<(String, String)>,
    market_deviation: f64,
    event_offset: f64,
    market_level: f64,
    alive_protocols: usize,
    alive_primaries: usize,
    manual: IssuerResolver,
    /// Tokens a scripted event names (LUNA, UST, FTT): market leaders do not hold them.
    event_tokens: FxHashSet<u32>,
    pub(crate) stats: WorldStats,
}

impl World {
    pub(crate) fn new(cfg: SimConfig) -> Self {
        let rng = SimRng::new(cfg.seed);
        let mut world = Self {
            rng,
            protocols: Vec::new(),
            tokens: Vec::new(),
            pools: (0..TokenKind::HELD.len())
                .map(|_| (WeightedPool::default(), Vec::new()))
                .collect(),
            listers: (WeightedPool::default(), Vec::new()),
            category_counts: vec![0; CATEGORY_MIX.len()],
            used_symbols: FxHashSet::default(),
            catalog: ProtocolCatalog::new(),
            rev_map: Vec::new(),
            market_deviation: 0.0,
            event_offset: 0.0,
            market_level: cfg.market.at(cfg.start),
            alive_protocols: 0,
            alive_primaries: 0,
            manual: IssuerResolver::new().with_settings(&ResolverSettings::DESIGN),
            event_tokens: FxHashSet::default(),
            stats: WorldStats::default(),
            cfg,
        };
        // Tokens everybody knows; the manual table maps them to pseudo nodes.
        let event_named: FxHashSet<String> = world
            .cfg
            .events
            .iter()
            .flat_map(|e| &e.weeks)
            .flat_map(|w| w.exposed_tokens.iter().cloned())
            .collect();
        for (symbol, kind, appeal) in [
            ("WETH", TokenKind::Eth, 400.0),
            ("ETH", TokenKind::Eth, 150.0),
            ("USDC", TokenKind::Stable, 500.0),
            ("USDT", TokenKind::Stable, 400.0),
            ("UST", TokenKind::Stable, 120.0),
            ("LUNA", TokenKind::Primary, 60.0),
            ("FTT", TokenKind::Primary, 30.0),
        ] {
            let t = world.add_token(symbol.to_owned(), kind, appeal, None);
            if event_named.contains(symbol) {
                world.event_tokens.insert(t as u32);
            }
        }
        world
    }

    /// The protocols' metadata, as `id_to_info.json` and `meta_df.csv` would carry it.
    pub(crate) fn catalog(&self) -> &ProtocolCatalog {
        &self.catalog
    }

    /// The symbol → issuer map, as `rev_map.json` would carry it.
    pub(crate) fn rev_map(&self) -> RevMap {
        self.rev_map.iter().cloned().collect()
    }

    /// Runs the model for `weeks + 1` weeks and hands every holding of every week to `emit`.
    pub(crate) fn run<E>(
        &mut self,
        mut emit: impl FnMut(HoldingRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for week in 0..=self.cfg.weeks {
            let date = self
                .cfg
                .start
                .checked_add_days(Days::new(7 * week as u64))
                .unwrap_or(NaiveDate::MAX);
            let event = self.event_week(date);
            self.move_prices(date, event.as_ref());
            self.births_and_deaths(date, event.as_ref());
            self.move_holdings(date, event.as_ref());
            for p in self.protocols.iter().filter(|p| p.alive) {
                for h in &p.holdings {
                    let token = &self.tokens[h.token as usize];
                    let price = token.log_price.exp();
                    self.stats.rows += 1;
                    emit(HoldingRow {
                        date,
                        protocol: &p.id,
                        chain: CHAINS[usize::from(h.chain)].0,
                        token: &token.symbol,
                        quantity: h.quantity,
                        usd: h.quantity * price,
                    })?;
                }
            }
        }
        Ok(())
    }

    fn event_week(&self, date: NaiveDate) -> Option<EventWeek> {
        self.cfg.events.iter().find_map(|e| {
            let days = (date - e.date).num_days();
            (days >= 0 && days % 7 == 0)
                .then(|| e.weeks.get((days / 7) as usize).cloned())
                .flatten()
        })
    }

    // ------------------------------------------------------------------------------------
    // Prices
    // ------------------------------------------------------------------------------------

    fn move_prices(&mut self, date: NaiveDate, event: Option<&EventWeek>) {
        let cfg = &self.cfg;
        // In a scripted event week the scripted return is the market's only news: the random
        // deviation is frozen, so that the event's window moves the market by the schedule and
        // the script alone, whatever the seed. The shock is drawn anyway, so that an event
        // does not shift every later draw of the stream.
        let shock = cfg.market_volatility * self.rng.normal();
        if event.is_none() {
            self.market_deviation = cfg.market_persistence * self.market_deviation + shock;
        }
        self.event_offset = 0.97 * self.event_offset + event.map_or(0.0, |e| e.market_return);
        let level = cfg.market.at(date) + self.market_deviation + self.event_offset;
        let market_return = level - self.market_level;
        self.market_level = level;
        let sectors: Vec<f64> = (0..7)
            .map(|_| cfg.sector_volatility * self.rng.normal())
            .collect();
        for token in &mut self.tokens {
            if !token.alive {
                continue;
            }
            match token.kind {
                TokenKind::Eth => token.log_price = level + ETH_LOG_PRICE,
                TokenKind::Lst => {
                    token.log_price = level + ETH_LOG_PRICE + 0.003 * self.rng.normal();
                }
                TokenKind::Stable => token.log_price = 0.001 * self.rng.normal(),
                TokenKind::Lp => {
                    token.log_price += 0.5 * market_return + 0.01 * self.rng.normal();
                }
                _ => {
                    let jump = if self.rng.chance(cfg.jump_probability) {
                        cfg.jump_size * self.rng.normal()
                    } else {
                        0.0
                    };
                    let (own, jump) = if token.appeal >= WELL_KNOWN_APPEAL {
                        (cfg.large_cap_volatility * cfg.token_volatility, 0.0)
                    } else {
                        (cfg.token_volatility, jump)
                    };
                    token.log_price += token.beta * market_return
                        + sectors[token.sector]
                        + own * self.rng.normal()
                        + jump;
                }
            }
        }
        // Scripted moves accumulate on top (a de-pegged stablecoin stays de-pegged).
        for (symbol, mv) in event.map_or(&[][..], |e| &e.price_moves[..]) {
            if let Some(t) = self.tokens.iter_mut().find(|t| &t.symbol == symbol) {
                if t.kind == TokenKind::Stable {
                    t.kind = TokenKind::Primary; // a broken peg floats from now on
                    t.beta = 1.0;
                }
                t.log_price += mv;
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Births and deaths
    // ------------------------------------------------------------------------------------

    fn births_and_deaths(&mut self, date: NaiveDate, event: Option<&EventWeek>) {
        // Deaths: the background hazard, lower for established protocols, and the event's
        // exposed protocols.
        let values = self.protocol_values();
        let total = values.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        for (i, value) in values.iter().enumerate() {
            if !self.protocols[i].alive || self.protocols[i].leader_share.is_some() {
                continue;
            }
            let share = value / total;
            let mut hazard = self.cfg.protocol_hazard / (1.0 + share / self.cfg.established_share);
            if let Some(e) = event
                && e.exposed_death > 0.0
                && self.is_exposed(i, e)
            {
                hazard = hazard.max(e.exposed_death);
            }
            if self.rng.chance(hazard) {
                self.kill_protocol(i);
            }
        }
        // Births up to the schedule.
        let target = (self.cfg.protocols.at(date) * self.cfg.scale).round() as usize;
        while self.alive_protocols < target {
            self.birth(date);
        }
        // Primary tokens: deaths, then launches up to the schedule.
        for t in 0..self.tokens.len() {
            let token = &self.tokens[t];
            if token.alive
                && token.kind == TokenKind::Primary
                && token.appeal < WELL_KNOWN_APPEAL
                && self.rng.chance(self.cfg.token_hazard)
            {
                self.kill_token(t);
            }
        }
        let target = (self.cfg.primary_tokens.at(date) * self.cfg.scale).round() as usize;
        let mut attempts = 0;
        while self.alive_primaries < target && attempts < 10 * target {
            attempts += 1;
            let symbol = self.fresh_symbol(ticker);
            let appeal = self.rng.pareto(1.2);
            let t = self.add_token(symbol, TokenKind::Primary, appeal, None);
            // A new token is listed somewhere at once.
            let u = self.rng.unit();
            if let Some(slot) = self.listers.0.find(u) {
                let holder = self.listers.1[slot] as usize;
                let share = 0.002 * self.rng.pareto(1.5).min(50.0);
                let usd = self.protocol_usd(holder) * share;
                self.fund(holder, share);
                self.open_holding(holder, t, usd.max(1.0));
            }
        }
        // A pair token or an unlabelled token now and then.
        if self.rng.chance(0.2 * self.cfg.scale.min(1.0) * 5.0) {
            let kind = if self.rng.chance(0.7) {
                TokenKind::PairOther
            } else {
                TokenKind::Unknown
            };
            let symbol = match kind {
                TokenKind::PairOther => {
                    self.fresh_symbol(|rng| format!("{}-{}", ticker(rng), ticker(rng)))
                }
                _ => self.fresh_symbol(|rng| format!("UNKNOWN ({:06x})", rng.below(1 << 24))),
            };
            let appeal = self.rng.pareto(1.5);
            self.add_token(symbol, kind, appeal, None);
        }
    }

    fn is_exposed(&self, i: usize, event: &EventWeek) -> bool {
        let p = &self.protocols[i];
        if event
            .exposed_chain
            .as_deref()
            .is_some_and(|c| CHAINS[usize::from(p.chain)].0 == c)
        {
            return true;
        }
        let mut exposed = 0.0;
        let mut total = 0.0;
        for h in &p.holdings {
            let token = &self.tokens[h.token as usize];
            let usd = h.quantity * token.log_price.exp();
            total += usd;
            if event.exposed_tokens.contains(&token.symbol) {
                exposed += usd;
            }
        }
        total > 0.0 && exposed > total / 3.0
    }

    fn birth(&mut self, date: NaiveDate) {
        let index = self.protocols.len();
        let id = (FIRST_PROTOCOL_ID as usize + index).to_string();
        // Categories follow the published mix closely even for a few hundred protocols: each
        // is drawn in proportion to how far its count lags its share (plus a little of its
        // share, so the order stays random).
        let born = self.protocols.len() as f64 + 1.0;
        let weights: Vec<f64> = CATEGORY_MIX
            .iter()
            .zip(&self.category_counts)
            .map(|((_, share), count)| (share * born - *count as f64).max(0.0) + 0.1 * share)
            .collect();
        let drawn = self.rng.weighted(&weights).unwrap_or(0);
        self.category_counts[drawn] += 1;
        let category = CATEGORY_MIX[drawn].0;
        let profile = Profile::of(category);
        let chain_weights: Vec<f64> = CHAINS
            .iter()
            .map(|(name, w)| if self.chain_open(name, date) { *w } else { 0.0 })
            .collect();
        let chain = self.rng.weighted(&chain_weights).unwrap_or(0) as u16;
        let stem = loop {
            let syllables = 2 + self.rng.below(2);
            let stem = made_up_word(&mut self.rng, syllables);
            if !self.used_symbols.contains(&stem.to_uppercase()) {
                break stem;
            }
        };
        let name = format!("{stem} {}", name_suffix(category, &mut self.rng));
        self.catalog.insert(
            id.clone(),
            ProtocolInfo {
                name,
                category: BroadCategory::from_detailed(category),
                detailed_category: Some(category.to_owned()),
            },
        );
        let breadth = profile.breadth() * (0.6 * self.rng.normal()).exp();
        let lister_slot = profile.lists_tokens().then(|| {
            self.listers.1.push(index as u32);
            self.listers.0.push(breadth)
        });
        self.protocols.push(Protocol {
            id: id.clone(),
            category,
            profile,
            chain,
            alive: true,
            breadth,
            holdings: Vec::new(),
            lister_slot,
            birth_size: 0.0,
            leader_share: None,
            settled: false,
            trend: 0.0,
            birth_breadth: self.cfg.breadth.at(date),
        });
        self.alive_protocols += 1;
        self.stats.protocols_born += 1;
        self.issue_tokens(index, &stem, &id);
        // Initial portfolio.
        // A new protocol is at most `MAX_ENTRY_SHARE` of the live protocols' birth sizes, so
        // that one lucky draw cannot dominate the market for years.
        let market: f64 = self
            .protocols
            .iter()
            .filter(|p| p.alive)
            .map(|p| p.birth_size)
            .sum();
        // While the market is still being populated, its sum says little: the first protocols
        // are capped at a typical size (leaders are brought to their share separately).
        let cap = if self.alive_protocols >= 50 {
            (MAX_ENTRY_SHARE * market).min(MAX_PROTOCOL_USD)
        } else {
            100.0 * self.cfg.min_protocol_usd
        };
        let size =
            (self.cfg.min_protocol_usd * self.rng.pareto(self.cfg.size_tail) * profile.size())
                .min(cap.max(self.cfg.min_protocol_usd));
        self.protocols[index].birth_size = size;
        let leader_taken = |share_category: &str, protocols: &[Protocol]| {
            protocols
                .iter()
                .any(|p| p.leader_share.is_some() && p.category == share_category)
        };
        if let Some((_, share)) = self
            .cfg
            .leaders
            .iter()
            .find(|(c, _)| c == category && !leader_taken(c, &self.protocols))
        {
            self.protocols[index].leader_share = Some(*share);
        } else {
            // A new protocol starts somewhere in its trend's stationary distribution.
            self.protocols[index].trend = self.cfg.flow_trend_volatility * self.rng.normal();
        }
        let target = self.target_breadth(index, date).max(1);
        // A market leader starts with an even book; others with Pareto position sizes.
        let leader = self.protocols[index].leader_share.is_some();
        let shares: Vec<f64> = (0..target)
            .map(|_| if leader { 1.0 } else { self.rng.pareto(1.3) })
            .collect();
        let total: f64 = shares.iter().sum();
        for share in shares {
            if let Some(t) = self.pick_token(index, None) {
                self.open_holding(index, t, size * share / total);
            }
        }
    }

    fn chain_open(&self, chain: &str, date: NaiveDate) -> bool {
        let after = |d: &str| d.parse::<NaiveDate>().is_ok_and(|d| date >= d);
        match chain {
            "Terra" => !after("2022-05-09"),
            "Base" => after("2023-08-07"),
            "Blast" => after("2024-03-04"),
            "Sui" | "Aptos" => after("2022-10-17"),
            "Linea" => after("2023-07-17"),
            _ => true,
        }
    }

    fn issue_tokens(&mut self, index: usize, stem: &str, id: &str) {
        let profile = self.protocols[index].profile;
        let base: String = stem
            .to_uppercase()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(4)
            .collect();
        let governance_odds = match profile {
            Profile::Dex | Profile::Lending | Profile::Derivatives => 0.6,
            Profile::Yield | Profile::Collateral | Profile::LiquidStaking => 0.45,
            _ => 0.3,
        };
        let mut issued = Vec::new();
        if self.rng.chance(governance_odds) {
            let listed = self.rng.chance(self.cfg.rev_map_coverage);
            issued.push((TokenKind::Governance, base.clone(), listed));
        }
        match profile {
            Profile::LiquidStaking => issued.push((TokenKind::Lst, format!("ST{base}ETH"), true)),
            Profile::Collateral => issued.push((TokenKind::Stable, format!("{base}USD"), true)),
            Profile::Dex if self.rng.chance(0.7) => {
                let listed = self.rng.chance(0.5);
                issued.push((TokenKind::Lp, format!("{base}LP"), listed));
            }
            _ => {}
        }
        for (kind, wanted, listed) in issued {
            let symbol = self.fresh_symbol_from(&wanted);
            let appeal = self.rng.pareto(1.1) * if kind == TokenKind::Lst { 3.0 } else { 1.0 };
            self.add_token(symbol.clone(), kind, appeal, Some(index));
            if listed {
                self.rev_map.push((symbol, id.to_owned()));
            }
        }
    }

    fn kill_protocol(&mut self, i: usize) {
        let holdings = std::mem::take(&mut self.protocols[i].holdings);
        for h in holdings {
            self.token_lost_holder(h.token as usize);
        }
        let p = &mut self.protocols[i];
        p.alive = false;
        if let Some(slot) = p.lister_slot {
            self.listers.0.set(slot, 0.0);
        }
        self.alive_protocols -= 1;
        self.stats.protocols_died += 1;
    }

    fn kill_token(&mut self, t: usize) {
        let token = &mut self.tokens[t];
        if !token.alive {
            return;
        }
        token.alive = false;
        let slot = token.slot;
        let kind = token.kind;
        self.pools[kind.slot()].0.set(slot, 0.0);
        if kind == TokenKind::Primary {
            self.alive_primaries -= 1;
        }
        self.stats.tokens_died += 1;
    }

    fn add_token(
        &mut self,
        symbol: String,
        kind: TokenKind,
        appeal: f64,
        issuer: Option<usize>,
    ) -> usize {
        let index = self.tokens.len();
        let sector = match issuer {
            Some(p) => self.catalog.category(&self.protocols[p].id) as usize,
            None => self.rng.below(6),
        };
        // Tokens that track something start at its price; others anywhere in 2 cents … $55.
        let log_price = match kind {
            TokenKind::Eth | TokenKind::Lst => self.market_level + ETH_LOG_PRICE,
            TokenKind::Stable => 0.0,
            _ => 8.0 * self.rng.unit() - 4.0,
        };
        let (pool, members) = &mut self.pools[kind.slot()];
        let slot = pool.push(appeal);
        members.push(index as u32);
        self.used_symbols.insert(symbol.clone());
        self.tokens.push(Token {
            symbol,
            kind,
            log_price,
            beta: 0.5 + 0.5 * self.rng.unit(),
            sector,
            alive: true,
            holders: 0,
            appeal,
            slot,
        });
        if kind == TokenKind::Primary {
            self.alive_primaries += 1;
        }
        self.stats.tokens_created += 1;
        index
    }

    /// A symbol not used yet and not in the resolver's manual table (the manual table would
    /// send it to a real protocol the simulated catalog does not have).
    fn fresh_symbol(&mut self, mut make: impl FnMut(&mut SimRng) -> String) -> String {
        loop {
            let symbol = make(&mut self.rng);
            if self.symbol_free(&symbol) {
                return symbol;
            }
        }
    }

    fn fresh_symbol_from(&mut self, wanted: &str) -> String {
        if self.symbol_free(wanted) {
            return wanted.to_owned();
        }
        self.fresh_symbol(|rng| format!("{wanted}{}", 2 + rng.below(98)))
    }

    fn symbol_free(&self, symbol: &str) -> bool {
        !self.used_symbols.contains(symbol)
            && self.manual.resolve(symbol).step != ResolutionStep::ManualTable
    }

    // ------------------------------------------------------------------------------------
    // Holdings
    // ------------------------------------------------------------------------------------

    fn target_breadth(&self, i: usize, date: NaiveDate) -> usize {
        let p = &self.protocols[i];
        // Market leaders are the wide books: they follow the schedule whenever they were born.
        let c = match p.leader_share {
            Some(_) => 0.0,
            None => self.cfg.breadth_cohort,
        };
        let multiplier = p.birth_breadth.powf(c) * self.cfg.breadth.at(date).powf(1.0 - c);
        (p.breadth * multiplier).round() as usize
    }

    fn protocol_usd(&self, i: usize) -> f64 {
        self.protocols[i]
            .holdings
            .iter()
            .map(|h| h.quantity * self.tokens[h.token as usize].log_price.exp())
            .sum()
    }

    /// Every protocol's value (0 for dead ones), by index.
    fn protocol_values(&self) -> Vec<f64> {
        (0..self.protocols.len())
            .map(|i| {
                if self.protocols[i].alive {
                    self.protocol_usd(i)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// A token for protocol `i` to open, by category affinity and preferential attachment;
    /// `kind` forces the kind. `None` if nothing suitable is found.
    fn pick_token(&mut self, i: usize, kind: Option<TokenKind>) -> Option<usize> {
        let profile = self.protocols[i].profile;
        for attempt in 0..16 {
            let kind = match kind {
                Some(k) => k,
                None => {
                    let affinity = profile.affinity();
                    TokenKind::HELD[self.rng.weighted(&affinity)?]
                }
            };
            let (pool, members) = &self.pools[kind.slot()];
            // Preferential attachment first; a holder that already has the popular tokens
            // (a wide exchange portfolio) then takes any live token of the kind.
            let slot = if attempt < 8 {
                pool.find(self.rng.unit())
            } else {
                let slot = self.rng.below(members.len());
                (pool.weight(slot) > 0.0).then_some(slot)
            };
            let Some(slot) = slot else {
                continue;
            };
            let t = members[slot] as usize;
            // A scripted event's victims are followers: were a leader (held to its share) to
            // hold LUNA or FTT, the event's size would hinge on which leader drew it.
            if self.protocols[i].leader_share.is_some() && self.event_tokens.contains(&(t as u32)) {
                continue;
            }
            if !self.protocols[i]
                .holdings
                .iter()
                .any(|h| h.token as usize == t)
            {
                return Some(t);
            }
        }
        None
    }

    /// Sells `share` of every holding of protocol `i` to pay for a new position: opening a
    /// position is a swap, not new money.
    fn fund(&mut self, i: usize, share: f64) {
        for h in &mut self.protocols[i].holdings {
            h.quantity *= 1.0 - share;
        }
    }

    fn open_holding(&mut self, i: usize, t: usize, usd: f64) {
        let home = self.protocols[i].chain;
        let chain = if self.rng.chance(0.2) {
            self.rng.below(CHAINS.len()) as u16
        } else {
            home
        };
        let price = self.tokens[t].log_price.exp();
        self.protocols[i].holdings.push(Holding {
            token: t as u32,
            chain,
            quantity: usd / price,
        });
        let token = &mut self.tokens[t];
        token.holders += 1;
        let weight = token.appeal * f64::from(1 + token.holders);
        let (kind, slot) = (token.kind, token.slot);
        if token.alive {
            self.pools[kind.slot()].0.set(slot, weight);
        }
    }

    fn token_lost_holder(&mut self, t: usize) {
        let token = &mut self.tokens[t];
        token.holders = token.holders.saturating_sub(1);
        let weight = token.appeal * f64::from(1 + token.holders);
        let (kind, slot, alive, holders) = (token.kind, token.slot, token.alive, token.holders);
        if alive {
            self.pools[kind.slot()].0.set(slot, weight);
            // A primary token nobody holds any more is delisted.
            if kind == TokenKind::Primary
                && holders == 0
                && self.tokens[t].appeal < WELL_KNOWN_APPEAL
            {
                self.kill_token(t);
            }
        }
    }

    /// Moves every position of protocol `i` (worth `value` in all) `leader_rebalance` of the
    /// way to an equal share of `value`: a leader keeps a diversified book, so a token that
    /// outran the market does not come to dominate it.
    fn rebalance(&mut self, i: usize, value: f64) {
        let rate = self.cfg.leader_rebalance;
        let holdings = &mut self.protocols[i].holdings;
        let even = value / holdings.len().max(1) as f64;
        for h in holdings.iter_mut() {
            let usd = h.quantity * self.tokens[h.token as usize].log_price.exp();
            if usd > 0.0 {
                h.quantity *= ((1.0 - rate) * usd + rate * even) / usd;
            }
        }
    }

    fn move_holdings(&mut self, date: NaiveDate, event: Option<&EventWeek>) {
        let inflow = self.cfg.inflow.at(date) + event.map_or(0.0, |e| e.flow);
        let turnover = self.cfg.turnover * event.map_or(1.0, |e| e.turnover_multiplier);
        let extra = event.map_or(0.0, |e| e.extra_holdings);
        let refill = FILL_RATE * event.map_or(1.0, |e| e.refill_multiplier);
        let mut values = self.protocol_values();
        let mut total: f64 = values.iter().sum();
        // Reversion targets: leaders their configured share, the others their share of the
        // remaining value in proportion to their birth sizes.
        let (mut leader_total, mut others_birth) = (0.0, 0.0);
        for p in self.protocols.iter().filter(|p| p.alive) {
            match p.leader_share {
                Some(share) => leader_total += share,
                None => others_birth += p.birth_size,
            }
        }
        // Deposit trends move money between followers: each follower's trend is taken
        // relative to the followers' value-weighted mean, so trends shift shares, not the
        // total, and leave the leaders' shares alone (leaders have no trend).
        let phi = self.cfg.flow_trend_persistence;
        let innovation = self.cfg.flow_trend_volatility * (1.0 - phi * phi).sqrt();
        let (mut weighted_trend, mut followers_total) = (0.0, 0.0);
        let ceiling = self.cfg.follower_ceiling * total;
        for (p, value) in self.protocols.iter_mut().zip(&values) {
            if p.alive && p.leader_share.is_none() {
                p.trend = phi * p.trend + innovation * self.rng.normal();
                // A follower at the ceiling attracts no more deposits than the average one.
                if *value > ceiling {
                    p.trend = p.trend.min(0.0);
                }
                weighted_trend += p.trend * value;
                followers_total += value;
            }
        }
        let mean_trend = weighted_trend / followers_total.max(f64::MIN_POSITIVE);
        for (i, value) in values.iter_mut().enumerate() {
            if !self.protocols[i].alive {
                continue;
            }
            if let (Some(target), false) =
                (self.protocols[i].leader_share, self.protocols[i].settled)
            {
                // A new leader starts at its share: scale its holdings once.
                let others = total - *value;
                if *value > 0.0 && others > 0.0 {
                    let factor = target * others / ((1.0 - target) * *value);
                    for h in &mut self.protocols[i].holdings {
                        h.quantity *= factor;
                    }
                    total += (factor - 1.0) * *value;
                    *value *= factor;
                    self.protocols[i].settled = true;
                }
            }
            let share = *value / total.max(f64::MIN_POSITIVE);
            let anchor = match self.protocols[i].leader_share {
                Some(s) => s,
                None => {
                    (1.0 - leader_total) * self.protocols[i].birth_size
                        / others_birth.max(f64::MIN_POSITIVE)
                }
            };
            // Scripted events move money freely; leaders are held to their share otherwise.
            let strength = match (self.protocols[i].leader_share, event) {
                (Some(_), None) => self.cfg.leader_reversion,
                _ => self.cfg.size_reversion,
            };
            let reversion = if share > 0.0 && anchor > 0.0 {
                -strength * (share / anchor).ln()
            } else {
                0.0
            };
            let category_flow = event.map_or(0.0, |e| {
                e.category_flows
                    .iter()
                    .filter(|(c, _)| c == self.protocols[i].category)
                    .map(|c| c.1)
                    .sum()
            });
            // An established protocol's many depositors make its common flow steadier. Flow
            // noise is zero-mean in dollars: its log mean is −σ²/2, so that noisier flows do
            // not add up to growth of the total.
            let flow_volatility = self.cfg.protocol_flow_volatility
                / (1.0 + share / self.cfg.established_share).sqrt();
            let noise_drift =
                0.5 * (flow_volatility.powi(2) + self.cfg.holding_flow_volatility.powi(2));
            let trend = match self.protocols[i].leader_share {
                Some(_) => 0.0,
                None => self.protocols[i].trend - mean_trend,
            };
            let common =
                inflow + category_flow + reversion + trend + flow_volatility * self.rng.normal()
                    - noise_drift;
            if self.protocols[i].leader_share.is_some() {
                self.rebalance(i, *value);
            }
            // Flows, closures (turnover and dead tokens).
            let mut holdings = std::mem::take(&mut self.protocols[i].holdings);
            let mut closed = Vec::new();
            let (mut sold, mut kept) = (0.0, 0.0);
            let mut k = 0;
            while k < holdings.len() {
                let token = &self.tokens[holdings[k].token as usize];
                let usd = holdings[k].quantity * token.log_price.exp();
                if !token.alive {
                    closed.push(holdings.swap_remove(k).token);
                    continue;
                }
                if holdings.len() > 1 && self.rng.chance(turnover) {
                    closed.push(holdings.swap_remove(k).token);
                    sold += usd;
                    continue;
                }
                let own = self.cfg.holding_flow_volatility * self.rng.normal();
                holdings[k].quantity *= (common + own).exp();
                kept += usd;
                k += 1;
            }
            // A closed position is sold into the rest of the book: money leaves a protocol
            // through its flows, not through the positions it drops (a dead token's value is
            // lost), so a week's total does not hinge on which large positions were closed.
            if sold > 0.0 && kept > 0.0 {
                let factor = 1.0 + sold / kept;
                for h in &mut holdings {
                    h.quantity *= factor;
                }
            }
            self.protocols[i].holdings = holdings;
            for t in closed {
                self.token_lost_holder(t as usize);
            }
            // Openings: towards the target breadth, plus the event's flight to stablecoins.
            let usd = self.protocol_usd(i);
            let held = self.protocols[i].holdings.len();
            let gap = self.target_breadth(i, date).saturating_sub(held) as f64;
            let opens = self.rng.poisson(refill * gap);
            let flights = self.rng.poisson(extra);
            for n in 0..opens + flights {
                let kind = (n >= opens).then_some(TokenKind::Stable);
                let Some(t) = self.pick_token(i, kind) else {
                    continue;
                };
                if event.is_some_and(|e| e.exposed_tokens.contains(&self.tokens[t].symbol)) {
                    continue;
                }
                let k = self.protocols[i].holdings.len().max(1) as f64;
                let share = (0.5 / k * self.rng.pareto(1.5)).min(0.5);
                self.fund(i, share);
                self.open_holding(i, t, (usd * share).max(1.0));
            }
        }
    }
}
