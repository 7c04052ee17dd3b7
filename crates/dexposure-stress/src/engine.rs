//! Contagion engines (DESIGN.md §7): the DeXposure-FM [`LossCascade`], [`DebtRank`]
//! (Battiston et al. 2012) and [`EisenbergNoe`] clearing, behind one [`ContagionEngine`] trait.
//!
//! Conventions shared by all engines:
//! - an edge c → d of merged weight w means creditor c is exposed to debtor d by w USD;
//! - self-loops are ignored (a node is never its own creditor), except by the published
//!   allocation of the [`LossCascade`], which keeps them as the published code does;
//! - a node's TVL is used only when it is finite and > 0; any other TVL counts as 0, and a node
//!   of zero TVL takes no loss and is never distressed;
//! - every node loss is capped at the node's TVL, so the total loss never exceeds total TVL;
//! - `loss_pct_tvl` is a percentage (0–100) of total TVL, 0 when total TVL is 0.

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::BroadCategory;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StressError};
use crate::shock::Shock;

/// A contagion model run on one exposure graph for one shock.
pub trait ContagionEngine {
    /// Short name of the engine, copied into [`StressResult::engine`].
    fn name(&self) -> &'static str;
    /// Runs the engine; the shock must have one fraction per node of `graph`.
    fn run(&self, graph: &ExposureGraph, shock: &Shock) -> Result<StressResult>;
}

/// Loss of one broad sector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorLoss {
    /// The sector.
    pub category: BroadCategory,
    /// Sum of the losses of its nodes (USD).
    pub loss_usd: f64,
}

/// One step of the propagation path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropagationStep {
    /// Round (0 = the initial shock; for Eisenberg–Noe, the Picard iteration).
    pub round: usize,
    /// Nodes newly distressed in this round (for round 0: the nodes the shock distresses).
    pub newly_distressed: Vec<usize>,
    /// Loss (USD) added in this round.
    pub loss_added_usd: f64,
}

/// Outcome of one engine run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressResult {
    /// Engine name.
    pub engine: String,
    /// Total loss (USD): initial shock plus contagion.
    pub total_loss_usd: f64,
    /// Loss of the initial shock alone (USD).
    pub initial_loss_usd: f64,
    /// Loss induced by contagion (USD): `total_loss_usd − initial_loss_usd`.
    pub contagion_loss_usd: f64,
    /// Total loss as a percentage of total TVL (0 when total TVL is 0).
    pub loss_pct_tvl: f64,
    /// Nodes with loss > 0.
    pub affected: usize,
    /// Nodes distressed (engine-specific meaning, see each engine).
    pub distressed: usize,
    /// Propagation rounds (or iterations) run.
    pub rounds: usize,
    /// Loss of each node (USD), in node index order.
    pub node_loss_usd: Vec<f64>,
    /// Loss per sector over [`BroadCategory::ALL`] (7 entries).
    pub sector_loss: Vec<SectorLoss>,
    /// Propagation path: round 0 (the shock), then one step per round run (cascade, DebtRank)
    /// or per Picard iteration that newly lowered a payment (Eisenberg–Noe).
    pub path: Vec<PropagationStep>,
}

/// TVL usable as a loss cap: finite and > 0, else 0.
fn clean_tvl(graph: &ExposureGraph) -> Vec<f64> {
    graph
        .tvl()
        .iter()
        .map(|&t| if t.is_finite() && t > 0.0 { t } else { 0.0 })
        .collect()
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// What an engine hands to [`finish`].
struct Raw {
    node_loss: Vec<f64>,
    initial_loss: f64,
    distressed: usize,
    rounds: usize,
    path: Vec<PropagationStep>,
}

fn finish(engine: &'static str, graph: &ExposureGraph, tvl: &[f64], raw: Raw) -> StressResult {
    let Raw {
        node_loss,
        initial_loss,
        distressed,
        rounds,
        path,
    } = raw;
    let node_loss: Vec<f64> = node_loss.into_iter().map(finite_or_zero).collect();
    let total: f64 = node_loss.iter().sum();
    let total_tvl: f64 = tvl.iter().sum();
    let mut sectors = [0.0; 7];
    for (i, &cat) in graph.categories().iter().enumerate() {
        if let Some(k) = BroadCategory::ALL.iter().position(|&c| c == cat) {
            sectors[k] += node_loss.get(i).copied().unwrap_or(0.0);
        }
    }
    let pct = if total_tvl > 0.0 {
        finite_or_zero(100.0 * total / total_tvl)
    } else {
        0.0
    };
    StressResult {
        engine: engine.to_owned(),
        total_loss_usd: total,
        initial_loss_usd: initial_loss,
        contagion_loss_usd: (total - initial_loss).max(0.0),
        loss_pct_tvl: pct,
        affected: node_loss.iter().filter(|&&l| l > 0.0).count(),
        distressed,
        rounds,
        node_loss_usd: node_loss,
        sector_loss: BroadCategory::ALL
            .iter()
            .zip(sectors)
            .map(|(&category, loss_usd)| SectorLoss { category, loss_usd })
            .collect(),
        path,
    }
}

fn check_fraction(name: &str, x: f64, low_open: bool) -> Result<()> {
    let ok = x.is_finite() && x <= 1.0 && if low_open { x > 0.0 } else { x >= 0.0 };
    if ok {
        Ok(())
    } else {
        Err(StressError::InvalidParameter(format!(
            "{name} = {x} is out of {}",
            if low_open { "(0, 1]" } else { "[0, 1]" }
        )))
    }
}

/// How a [`LossCascade`] divides a debtor's loss among its creditors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeAllocation {
    /// The published rule of DeXposure-FM (`macroprudential_tools.simulate_contagion`, with
    /// its 2026-09 fix): the debtor's whole cumulative loss is split among its creditors in
    /// proportion to their exposure, with no cap at the exposure. Self-loops count as an
    /// exposure of the debtor to itself, as in the published code.
    #[default]
    Published,
    /// Capped at exposure: a creditor loses at most its exposure to the debtor, `min(w, share)`;
    /// self-loops are ignored. Economically sounder; never the default.
    CappedAtExposure,
}

impl CascadeAllocation {
    /// Both rules, the default first.
    pub const ALL: [CascadeAllocation; 2] = [Self::Published, Self::CappedAtExposure];

    /// Name in files and on the command line: `published` or `capped`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::CappedAtExposure => "capped",
        }
    }

    /// One line saying which rule ran, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Published => {
                "published DeXposure-FM rule (whole loss pro rata to exposure, no cap at the exposure)"
            }
            Self::CappedAtExposure => {
                "capped at exposure (a creditor loses at most its exposure to the debtor)"
            }
        }
    }
}

impl std::fmt::Display for CascadeAllocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CascadeAllocation {
    type Err = StressError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "published" => Ok(Self::Published),
            "capped" | "capped_at_exposure" => Ok(Self::CappedAtExposure),
            other => Err(StressError::InvalidParameter(format!(
                "unknown cascade allocation {other:?} (expected published or capped)"
            ))),
        }
    }
}

/// The DeXposure-FM loss cascade (DESIGN.md §7), with the published allocation by default.
///
/// Exact rule:
/// 1. Round 0: every node i with shock fraction `f_i > 0` and `TVL_i > 0` loses `f_i · TVL_i`
///    and is distressed and active, whatever the threshold (as the published code).
/// 2. Each round r = 1..=`max_rounds`, the nodes activated in round r − 1 propagate once, in
///    ascending node index. Each passes its loss `L_d` as it stands when it propagates (its
///    cumulative loss, including what it received earlier in the same round) to its creditors,
///    the sources c of its in-edges of weight w(c→d) > 0: creditor c receives
///    `L_d · w(c→d) / Σ_c' w(c'→d)` under [`CascadeAllocation::Published`] (self-loops count:
///    the debtor receives its own share), and `min(w(c→d), that share)` with self-loops ignored
///    under [`CascadeAllocation::CappedAtExposure`].
/// 3. Every transfer is applied at once and each node's loss is capped at its TVL; a node of
///    TVL > 0 whose loss then exceeds `threshold · TVL` (strict) is distressed and becomes
///    active for the next round. Each node activates once.
/// 4. Stop after `max_rounds` rounds or as soon as a round activates no node.
///
/// `distressed` counts the nodes distressed at the end (shocked nodes included); `rounds`
/// counts the propagation rounds run, the last one included even when it activated no node
/// (the published code's `propagation_rounds` leaves that one out).
///
/// The published code iterates the active set in Python set order, which is not reproducible
/// across runs for string ids; ascending node index is the deterministic order used here. The
/// order matters only when two nodes active in the same round are linked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossCascade {
    max_rounds: usize,
    threshold: f64,
    allocation: CascadeAllocation,
}

impl Default for LossCascade {
    fn default() -> Self {
        Self {
            max_rounds: 10,
            threshold: 0.1,
            allocation: CascadeAllocation::Published,
        }
    }
}

impl LossCascade {
    /// Default cascade: the published allocation, 10 rounds, distress threshold 0.1.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the allocation rule.
    pub fn with_allocation(mut self, allocation: CascadeAllocation) -> Self {
        self.allocation = allocation;
        self
    }

    /// Sets the round cap.
    pub fn with_max_rounds(mut self, max_rounds: usize) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    /// Sets the distress threshold (fraction of TVL, in [0, 1]).
    pub fn with_threshold(mut self, threshold: f64) -> Result<Self> {
        check_fraction("threshold", threshold, false)?;
        self.threshold = threshold;
        Ok(self)
    }

    /// Round cap.
    pub fn max_rounds(&self) -> usize {
        self.max_rounds
    }

    /// Distress threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Allocation rule.
    pub fn allocation(&self) -> CascadeAllocation {
        self.allocation
    }
}

impl ContagionEngine for LossCascade {
    fn name(&self) -> &'static str {
        match self.allocation {
            CascadeAllocation::Published => "loss_cascade",
            CascadeAllocation::CappedAtExposure => "loss_cascade_capped",
        }
    }

    fn run(&self, graph: &ExposureGraph, shock: &Shock) -> Result<StressResult> {
        let n = graph.node_count();
        shock.check_len(n)?;
        let tvl = clean_tvl(graph);
        let capped = self.allocation == CascadeAllocation::CappedAtExposure;
        let mut loss = vec![0.0; n];
        let mut distressed = vec![false; n];
        let mut frontier = Vec::new();
        for (i, &f) in shock.fractions().iter().enumerate() {
            if f > 0.0 && tvl[i] > 0.0 {
                loss[i] = (f * tvl[i]).min(tvl[i]);
                distressed[i] = true;
                frontier.push(i);
            }
        }
        let initial: f64 = loss.iter().sum();
        let mut path = vec![PropagationStep {
            round: 0,
            newly_distressed: frontier.clone(),
            loss_added_usd: initial,
        }];
        let in_csr = graph.in_csr();
        let is_creditor =
            |c: usize, d: usize, w: f64| w > 0.0 && w.is_finite() && !(capped && c == d);
        let mut rounds = 0;
        while rounds < self.max_rounds && !frontier.is_empty() {
            rounds += 1;
            let mut next = Vec::new();
            let mut added = 0.0;
            for &d in &frontier {
                let debtor_loss = loss[d];
                let total_w: f64 = in_csr
                    .row(d)
                    .filter(|&(c, w)| is_creditor(c, d, w))
                    .map(|(_, w)| w)
                    .sum();
                if !(debtor_loss > 0.0 && total_w > 0.0 && total_w.is_finite()) {
                    continue;
                }
                for (c, w) in in_csr.row(d).filter(|&(c, w)| is_creditor(c, d, w)) {
                    let share = debtor_loss * w / total_w;
                    let received = finite_or_zero(if capped { share.min(w) } else { share });
                    let new = (loss[c] + received).min(tvl[c]);
                    added += new - loss[c];
                    loss[c] = new;
                    if !distressed[c] && tvl[c] > 0.0 && loss[c] > self.threshold * tvl[c] {
                        distressed[c] = true;
                        next.push(c);
                    }
                }
            }
            next.sort_unstable();
            path.push(PropagationStep {
                round: rounds,
                newly_distressed: next.clone(),
                loss_added_usd: added,
            });
            frontier = next;
        }
        let count = distressed.iter().filter(|&&d| d).count();
        Ok(finish(
            self.name(),
            graph,
            &tvl,
            Raw {
                node_loss: loss,
                initial_loss: initial,
                distressed: count,
                rounds,
                path,
            },
        ))
    }
}

/// DebtRank (Battiston et al. 2012).
///
/// Exact rule:
/// - capital `E_i = capital_fraction · TVL_i` (default fraction 1);
/// - impact of j on i: `W_ij = min(1, w(i→j) / E_i)` (exposure of creditor i to debtor j over
///   i's capital; 0 when `E_i = 0` or i = j);
/// - `h_i(0) = f_i` (0 when `E_i = 0`); nodes with `h > 0` are distressed, others undistressed;
/// - each step: `h_i(t+1) = min(1, h_i(t) + Σ_{j distressed} W_ij h_j(t))`; distressed nodes
///   then become inactive (each node propagates once, its level when distressed); undistressed
///   nodes with `h > 0` become distressed; stop when none is distressed.
///
/// Losses in USD: node loss `h_i · E_i`; `initial_loss_usd = Σ f_i E_i`; `contagion_loss_usd`
/// is the rest (the DebtRank proper, in USD). `distressed` counts the nodes ever distressed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DebtRank {
    capital_fraction: f64,
}

impl Default for DebtRank {
    fn default() -> Self {
        Self {
            capital_fraction: 1.0,
        }
    }
}

impl DebtRank {
    /// DebtRank with capital = TVL.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets capital as a fraction of TVL, in (0, 1].
    pub fn with_capital_fraction(mut self, fraction: f64) -> Result<Self> {
        check_fraction("capital_fraction", fraction, true)?;
        self.capital_fraction = fraction;
        Ok(self)
    }

    /// Capital as a fraction of TVL.
    pub fn capital_fraction(&self) -> f64 {
        self.capital_fraction
    }
}

impl ContagionEngine for DebtRank {
    fn name(&self) -> &'static str {
        "debtrank"
    }

    fn run(&self, graph: &ExposureGraph, shock: &Shock) -> Result<StressResult> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            Undistressed,
            Distressed,
            Inactive,
        }
        let n = graph.node_count();
        shock.check_len(n)?;
        let tvl = clean_tvl(graph);
        let capital: Vec<f64> = tvl.iter().map(|t| t * self.capital_fraction).collect();
        let mut h: Vec<f64> = shock
            .fractions()
            .iter()
            .zip(&capital)
            .map(|(&f, &e)| if e > 0.0 { f } else { 0.0 })
            .collect();
        let initial: f64 = h.iter().zip(&capital).map(|(h, e)| h * e).sum();
        let mut state: Vec<State> = h
            .iter()
            .map(|&x| {
                if x > 0.0 {
                    State::Distressed
                } else {
                    State::Undistressed
                }
            })
            .collect();
        let first: Vec<usize> = (0..n).filter(|&i| state[i] == State::Distressed).collect();
        let mut path = vec![PropagationStep {
            round: 0,
            newly_distressed: first.clone(),
            loss_added_usd: initial,
        }];
        let mut ever = first.len();
        let out = graph.out_csr();
        let mut rounds = 0;
        let mut total = initial;
        loop {
            if !state.contains(&State::Distressed) {
                break;
            }
            rounds += 1;
            let mut next = h.clone();
            for i in 0..n {
                if capital[i] <= 0.0 {
                    continue;
                }
                let mut inc = 0.0;
                for (j, w) in out.row(i) {
                    if j != i && state[j] == State::Distressed {
                        inc += (w / capital[i]).min(1.0) * h[j];
                    }
                }
                if inc > 0.0 {
                    next[i] = finite_or_zero((h[i] + inc).min(1.0));
                }
            }
            let mut newly = Vec::new();
            for i in 0..n {
                state[i] = match state[i] {
                    State::Distressed | State::Inactive => State::Inactive,
                    State::Undistressed if next[i] > 0.0 => {
                        newly.push(i);
                        State::Distressed
                    }
                    State::Undistressed => State::Undistressed,
                };
            }
            h = next;
            let now: f64 = h.iter().zip(&capital).map(|(h, e)| h * e).sum();
            ever += newly.len();
            path.push(PropagationStep {
                round: rounds,
                newly_distressed: newly,
                loss_added_usd: (now - total).max(0.0),
            });
            total = now;
        }
        let loss = h.iter().zip(&capital).map(|(h, e)| h * e).collect();
        Ok(finish(
            self.name(),
            graph,
            &tvl,
            Raw {
                node_loss: loss,
                initial_loss: initial,
                distressed: ever,
                rounds,
                path,
            },
        ))
    }
}

/// Eisenberg–Noe clearing.
///
/// Mapping from the exposure graph:
/// - nominal liability of debtor d to creditor c: `L_dc = w(c→d)` (self-loops ignored);
///   total liability `p̄_d = Σ_{c≠d} w(c→d)`; relative liabilities `Π_dc = L_dc / p̄_d`;
/// - external assets `e_i = TVL_i · (1 − f_i)` (the shock destroys external assets);
/// - clearing vector: greatest fixed point of `p = min(p̄, max(0, e + Πᵀp))`, by synchronous
///   Picard iteration. The no-shock clearing `p⁰` (e = TVL) is computed first from p̄, then
///   the shocked clearing starts from p⁰ (a valid upper bound). Convergence: max change of p
///   ≤ `tolerance · max(1, max p̄)`; reaching `max_iterations` first is an error.
/// - loss of node i: `min(TVL_i, f_i TVL_i + Σ_{d≠i} w(i→d) · (p⁰_d − p_d) / p̄_d)`: the
///   external shock plus its pro-rata share of the shortfall the shock adds to each debtor
///   (the shortfall already present without shock is the baseline, not a stress loss).
///
/// `distressed` counts the debtors whose payment the shock lowers (by more than the
/// tolerance); `rounds` is the number of Picard iterations of the shocked run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EisenbergNoe {
    tolerance: f64,
    max_iterations: usize,
}

impl Default for EisenbergNoe {
    fn default() -> Self {
        Self {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

impl EisenbergNoe {
    /// Default clearing: tolerance 1e-10, 1000 iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the relative tolerance (finite, > 0).
    pub fn with_tolerance(mut self, tolerance: f64) -> Result<Self> {
        if !(tolerance.is_finite() && tolerance > 0.0) {
            return Err(StressError::InvalidParameter(format!(
                "tolerance = {tolerance} must be finite and > 0"
            )));
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// Sets the iteration cap (≥ 1).
    pub fn with_max_iterations(mut self, max_iterations: usize) -> Result<Self> {
        if max_iterations == 0 {
            return Err(StressError::InvalidParameter(
                "max_iterations must be >= 1".to_owned(),
            ));
        }
        self.max_iterations = max_iterations;
        Ok(self)
    }

    /// Relative tolerance.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Iteration cap.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }
}

/// Picard iteration on payment ratios `r_d = p_d / p̄_d`; calls `step(k, r)` after each
/// iteration. Returns the iterations used.
fn clear(
    graph: &ExposureGraph,
    pbar: &[f64],
    external: &[f64],
    r: &mut [f64],
    tol_abs: f64,
    max_iterations: usize,
    mut step: impl FnMut(usize, &[f64]),
) -> Result<usize> {
    let n = pbar.len();
    let out = graph.out_csr();
    let mut next = vec![1.0; n];
    for k in 1..=max_iterations {
        let mut change: f64 = 0.0;
        for i in 0..n {
            if pbar[i] <= 0.0 {
                next[i] = 1.0;
                continue;
            }
            let inflow: f64 = out
                .row(i)
                .filter(|&(d, _)| d != i)
                .map(|(d, w)| w * r[d])
                .sum();
            let ratio = finite_or_zero((external[i] + inflow) / pbar[i]).clamp(0.0, 1.0);
            // Monotone from an upper bound: never let rounding raise a payment.
            next[i] = ratio.min(r[i]);
            change = change.max((r[i] - next[i]).abs() * pbar[i]);
        }
        r.copy_from_slice(&next);
        step(k, r);
        if change <= tol_abs {
            return Ok(k);
        }
    }
    Err(StressError::NoConvergence {
        engine: "Eisenberg–Noe clearing",
        iterations: max_iterations,
        tolerance: tol_abs,
    })
}

impl ContagionEngine for EisenbergNoe {
    fn name(&self) -> &'static str {
        "eisenberg_noe"
    }

    fn run(&self, graph: &ExposureGraph, shock: &Shock) -> Result<StressResult> {
        let n = graph.node_count();
        shock.check_len(n)?;
        let tvl = clean_tvl(graph);
        let f = shock.fractions();
        let initial_loss: Vec<f64> = f.iter().zip(&tvl).map(|(f, t)| (f * t).min(*t)).collect();
        let initial: f64 = initial_loss.iter().sum();
        let in_csr = graph.in_csr();
        let pbar: Vec<f64> = (0..n)
            .map(|d| finite_or_zero(in_csr.row(d).filter(|&(c, _)| c != d).map(|(_, w)| w).sum()))
            .collect();
        let max_pbar = pbar.iter().copied().fold(1.0, f64::max);
        let tol_abs = self.tolerance * max_pbar;
        let mut path = vec![PropagationStep {
            round: 0,
            newly_distressed: Vec::new(),
            loss_added_usd: initial,
        }];
        if shock.hit_nodes().next().is_none() {
            return Ok(finish(
                self.name(),
                graph,
                &tvl,
                Raw {
                    node_loss: initial_loss,
                    initial_loss: initial,
                    distressed: 0,
                    rounds: 0,
                    path,
                },
            ));
        }
        let mut r0 = vec![1.0; n];
        clear(
            graph,
            &pbar,
            &tvl,
            &mut r0,
            tol_abs,
            self.max_iterations,
            |_, _| {},
        )?;
        let external: Vec<f64> = tvl.iter().zip(f).map(|(t, f)| t * (1.0 - f)).collect();
        let out = graph.out_csr();
        let losses = |r: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let contagion: f64 = out
                        .row(i)
                        .filter(|&(d, _)| d != i && pbar[d] > 0.0)
                        .map(|(d, w)| w * (r0[d] - r[d]).max(0.0))
                        .sum();
                    finite_or_zero((initial_loss[i] + contagion).min(tvl[i]))
                })
                .collect()
        };
        let mut r = r0.clone();
        let mut flagged = vec![false; n];
        let mut last_total = initial;
        let rounds = clear(
            graph,
            &pbar,
            &external,
            &mut r,
            tol_abs,
            self.max_iterations,
            |k, r| {
                let newly: Vec<usize> = (0..n)
                    .filter(|&d| !flagged[d] && (r0[d] - r[d]) * pbar[d] > tol_abs)
                    .collect();
                if newly.is_empty() {
                    return;
                }
                let total: f64 = losses(r).iter().sum();
                for &d in &newly {
                    flagged[d] = true;
                }
                path.push(PropagationStep {
                    round: k,
                    newly_distressed: newly,
                    loss_added_usd: (total - last_total).max(0.0),
                });
                last_total = total;
            },
        )?;
        let loss = losses(&r);
        let total: f64 = loss.iter().sum();
        if let Some(last) = path.last_mut() {
            last.loss_added_usd += (total - last_total).max(0.0);
        }
        let distressed = flagged.iter().filter(|&&d| d).count();
        Ok(finish(
            self.name(),
            graph,
            &tvl,
            Raw {
                node_loss: loss,
                initial_loss: initial,
                distressed,
                rounds,
                path,
            },
        ))
    }
}
