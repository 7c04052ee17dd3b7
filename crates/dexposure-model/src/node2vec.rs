//! Node2Vec (Grover & Leskovec) + logistic regression on `z_u ⊙ z_v`, a baseline of the
//! DeXposure paper.
//!
//! For each week, in order: biased second-order random walks (return parameter p, in-out
//! parameter q) on the week's undirected simple graph, then skip-gram with negative sampling
//! trained in burn on (centre, context) pairs drawn from the walks. Skip-gram embeddings are
//! only defined up to a rotation, and a logistic regression trained on some weeks must read
//! the embeddings of others, so each week starts from the previous week's embeddings of the
//! same protocols (new protocols start at small seeded random values): the coordinates stay
//! aligned from week to week, and the embedding of week t depends on weeks `0..=t` only
//! ([`Node2VecChain`]).
//!
//! The embeddings are fixed inputs to the [`HadamardHeads`](crate::gnn::HadamardHeads): the
//! exist logit is a logistic regression on `z_u ⊙ z_v`, trained with the weight and node
//! terms of the shared multi-task loss by [`StaticGnnTrainer`](crate::gnn::StaticGnnTrainer)
//! (node features are not used, as in the paper's baseline).

use std::sync::{Arc, Mutex};

use burn::module::Param;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;
use dexposure_graph::ExposureGraph;
use dexposure_graph::rng::SplitMix64;
use dexposure_snapshot::ProtocolId;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{ModelError, Result};
use crate::features::Neighbourhood;
use crate::forecast::{check_anchor, to_f64};
use crate::gnn::{NodeInputs, StaticGnn, WeekEncoder};
use crate::history::WeekGraphs;
use crate::model::{float_matrix, int_tensor};

/// Node2Vec's hyper-parameters: walks, skip-gram and its optimisation.
#[derive(Config, Debug, PartialEq)]
pub struct Node2VecConfig {
    /// Embedding width.
    #[config(default = 32)]
    pub dim: usize,
    /// Return parameter p (a walk steps back to the node it came from with weight 1/p).
    #[config(default = 1.0)]
    pub p: f64,
    /// In-out parameter q (a walk moves away from the previous node with weight 1/q; a
    /// neighbour of the previous node has weight 1).
    #[config(default = 1.0)]
    pub q: f64,
    /// Walks started from each node with a link.
    #[config(default = 4)]
    pub walks_per_node: usize,
    /// Nodes per walk.
    #[config(default = 20)]
    pub walk_length: usize,
    /// Skip-gram window: a context is at most this many steps from its centre.
    #[config(default = 5)]
    pub window: usize,
    /// Negative samples per (centre, context) pair, drawn from the walks' unigram
    /// distribution raised to 3/4.
    #[config(default = 5)]
    pub negatives: usize,
    /// (centre, context) pairs drawn per week (five times as many for a week that starts
    /// from an empty memory).
    #[config(default = 65_536)]
    pub pairs_per_week: usize,
    /// Pairs per optimisation step.
    #[config(default = 8_192)]
    pub batch: usize,
    /// Adam learning rate of the skip-gram embeddings.
    #[config(default = 0.01)]
    pub lr: f64,
    /// Seed of the walks, the pair draws and new protocols' initial embeddings.
    #[config(default = 23)]
    pub seed: u64,
    /// Adam learning rate of the logistic regression on `z_u ⊙ z_v` and the other heads.
    #[config(default = 0.01)]
    pub head_learning_rate: f64,
}

impl Node2VecConfig {
    /// An error when a size is zero or p, q, lr are not positive and finite.
    pub fn validate(&self) -> Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if [
            self.dim,
            self.walks_per_node,
            self.window,
            self.negatives,
            self.pairs_per_week,
            self.batch,
        ]
        .contains(&0)
            || self.walk_length < 2
            || !positive(self.p)
            || !positive(self.q)
            || !positive(self.lr)
            || !positive(self.head_learning_rate)
        {
            return Err(ModelError::InvalidArgument(format!(
                "Node2Vec needs positive sizes, walks of at least 2 nodes and positive p, q, lr: {self:?}"
            )));
        }
        Ok(())
    }

    /// The model: the embedding chain of this configuration on `device` as a fixed encoder,
    /// with fresh heads seeded by `head_seed`.
    pub fn init(&self, head_seed: u64, device: &Device) -> Result<StaticGnn<Node2VecEncoder>> {
        self.validate()?;
        let encoder = Node2VecEncoder {
            chain: Arc::new(Node2VecChain::new(self.clone(), device.clone())),
        };
        Ok(StaticGnn::new(encoder, head_seed, device))
    }
}

/// The walks of one week on its undirected simple graph.
#[derive(Debug)]
struct Walks {
    /// Every walk, node indices of the week.
    walks: Vec<Vec<u32>>,
}

impl Walks {
    /// `walks_per_node` biased walks from every node with a neighbour, seeded per (week seed,
    /// start node, walk).
    fn generate(nbrs: &Neighbourhood, n: usize, config: &Node2VecConfig, seed: u64) -> Self {
        let (return_weight, away_weight) = (1.0 / config.p, 1.0 / config.q);
        let ceiling = return_weight.max(away_weight).max(1.0);
        let walks = (0..n)
            .into_par_iter()
            .filter(|&i| nbrs.degree(i) > 0)
            .flat_map_iter(|start| {
                (0..config.walks_per_node).map(move |k| {
                    let mut rng = SplitMix64::new(
                        seed ^ (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                            ^ (k as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
                    );
                    let mut walk = Vec::with_capacity(config.walk_length);
                    walk.push(start as u32);
                    while walk.len() < config.walk_length {
                        let current = walk[walk.len() - 1] as usize;
                        let options = nbrs.neighbours(current);
                        if options.is_empty() {
                            break;
                        }
                        let next = match walk.len() {
                            1 => options[rng.below(options.len())],
                            len => {
                                let previous = walk[len - 2];
                                // Rejection sampling of the second-order transition.
                                loop {
                                    let x = options[rng.below(options.len())];
                                    let weight = if x == previous {
                                        return_weight
                                    } else if nbrs
                                        .neighbours(previous as usize)
                                        .binary_search(&x)
                                        .is_ok()
                                    {
                                        1.0
                                    } else {
                                        away_weight
                                    };
                                    if rng.unit() * ceiling < weight {
                                        break x;
                                    }
                                }
                            }
                        };
                        walk.push(next);
                    }
                    walk
                })
            })
            .collect();
        Self { walks }
    }

    /// `count` (centre, context) pairs drawn uniformly over walk positions and offsets.
    fn pairs(&self, count: usize, window: usize, rng: &mut SplitMix64) -> Vec<(u32, u32)> {
        let usable: Vec<&Vec<u32>> = self.walks.iter().filter(|w| w.len() > 1).collect();
        if usable.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|_| {
                let walk = usable[rng.below(usable.len())];
                let i = rng.below(walk.len());
                let lo = i.saturating_sub(window);
                let hi = (i + window).min(walk.len() - 1);
                let mut j = lo + rng.below(hi - lo);
                if j >= i {
                    j += 1;
                }
                (walk[i], walk[j])
            })
            .collect()
    }

    /// Cumulative unigram^¾ weights over the week's nodes (for negative draws).
    fn noise(&self, n: usize) -> Vec<f64> {
        let mut counts = vec![0.0f64; n];
        for &v in self.walks.iter().flatten() {
            counts[v as usize] += 1.0;
        }
        let mut total = 0.0;
        counts
            .into_iter()
            .map(|c| {
                total += c.powf(0.75);
                total
            })
            .collect()
    }
}

/// Skip-gram embeddings of one week: centre (the node embedding) and context vectors.
#[derive(Module, Debug)]
struct SkipGram {
    centre: Param<Tensor<2>>,
    context: Param<Tensor<2>>,
}

impl SkipGram {
    /// Negative-sampling loss of a batch: `−mean(log σ(u·v) + Σ_k log σ(−u·n_k))`.
    fn loss(
        &self,
        centres: Tensor<1, Int>,
        contexts: Tensor<1, Int>,
        negative_centres: Tensor<1, Int>,
        negatives: Tensor<1, Int>,
        batch: usize,
    ) -> Tensor<1> {
        let dot = |a: Tensor<1, Int>, b: Tensor<1, Int>| -> Tensor<1> {
            let u = self.centre.val().select(0, a);
            let v = self.context.val().select(0, b);
            let [m, _] = u.dims();
            (u * v).sum_dim(1).reshape([m])
        };
        let positive = log_sigmoid(dot(centres, contexts)).sum();
        let negative = log_sigmoid(dot(negative_centres, negatives).neg()).sum();
        (positive + negative).neg() / batch as f64
    }
}

/// The state carried from one week to the next: centre and context vectors per protocol.
type Memory = FxHashMap<ProtocolId, (Vec<f32>, Vec<f32>)>;

#[derive(Debug, Default)]
struct ChainState {
    next_week: usize,
    memory: Memory,
    /// Centre embeddings `[N_t · dim]` of every week run.
    embeddings: Vec<Arc<Vec<f32>>>,
}

/// The week-by-week Node2Vec embeddings of a series, each week warm-started from the one
/// before, computed on demand and cached (week t is computed from weeks `0..=t` only).
#[derive(Debug)]
pub struct Node2VecChain {
    config: Node2VecConfig,
    device: Device,
    state: Mutex<ChainState>,
}

impl Node2VecChain {
    /// An empty chain of `config` that trains on `device` (with autodiff).
    pub fn new(config: Node2VecConfig, device: Device) -> Self {
        Self {
            config,
            device,
            state: Mutex::new(ChainState::default()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Node2VecConfig {
        &self.config
    }

    /// Centre embeddings of week t, `[N_t · dim]` row-major (running the weeks not yet run).
    pub fn embeddings(&self, weeks: &WeekGraphs, t: usize) -> Result<Arc<Vec<f32>>> {
        check_anchor(weeks, t)?;
        let mut state = self
            .state
            .lock()
            .map_err(|_| ModelError::InvalidArgument("a Node2Vec run panicked".into()))?;
        while state.next_week <= t {
            let s = state.next_week;
            let embedding = self.run_week(weeks.graph(s), s, &mut state.memory)?;
            state.embeddings.push(Arc::new(embedding));
            state.next_week += 1;
        }
        Ok(state.embeddings[t].clone())
    }

    /// Trains week s from `memory` and replaces `memory` by its result.
    fn run_week(&self, g: &ExposureGraph, s: usize, memory: &mut Memory) -> Result<Vec<f32>> {
        let c = &self.config;
        let (n, d) = (g.node_count(), c.dim);
        let week_seed = c.seed ^ (s as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
        let cold = memory.is_empty();
        // Initial vectors: the protocol's previous ones, else word2vec's (centre uniform in
        // ±0.5/d, context zero).
        let (mut centre, mut context) = (Vec::with_capacity(n * d), Vec::with_capacity(n * d));
        for i in 0..n {
            let id = g.protocol(i);
            match memory.get(&id) {
                Some((a, b)) => {
                    centre.extend_from_slice(a);
                    context.extend_from_slice(b);
                }
                None => {
                    let mut rng = SplitMix64::new(c.seed ^ (id.index() as u64 + 1) << 20);
                    centre.extend((0..d).map(|_| ((rng.unit() - 0.5) / d as f64) as f32));
                    context.extend(std::iter::repeat_n(0.0, d));
                }
            }
        }
        let nbrs = Neighbourhood::of(g);
        let walks = Walks::generate(&nbrs, n, c, week_seed);
        let mut rng = SplitMix64::new(week_seed ^ 0x5851_F42D_4C95_7F2D);
        let count = if cold {
            5 * c.pairs_per_week
        } else {
            c.pairs_per_week
        };
        let pairs = walks.pairs(count, c.window, &mut rng);
        if !pairs.is_empty() {
            (centre, context) =
                self.train(centre, context, n, &pairs, &walks.noise(n), &mut rng)?;
        }
        memory.clear();
        for i in 0..n {
            memory.insert(
                g.protocol(i),
                (
                    centre[i * d..(i + 1) * d].to_vec(),
                    context[i * d..(i + 1) * d].to_vec(),
                ),
            );
        }
        Ok(centre)
    }

    /// Skip-gram with negative sampling over `pairs`, in batches, with Adam.
    fn train(
        &self,
        centre: Vec<f32>,
        context: Vec<f32>,
        n: usize,
        pairs: &[(u32, u32)],
        noise: &[f64],
        rng: &mut SplitMix64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let c = &self.config;
        let ad = self.device.clone().autodiff();
        let mut model = SkipGram {
            centre: Param::from_tensor(float_matrix(centre, n, c.dim, &ad)),
            context: Param::from_tensor(float_matrix(context, n, c.dim, &ad)),
        };
        let mut optimizer = AdamConfig::new().init();
        let total = noise.last().copied().unwrap_or(0.0);
        for batch in pairs.chunks(c.batch) {
            let index = |f: &dyn Fn(&(u32, u32)) -> u32| -> Tensor<1, Int> {
                int_tensor(batch.iter().map(|p| i64::from(f(p))).collect(), &ad)
            };
            let mut negative_centres = Vec::with_capacity(batch.len() * c.negatives);
            let mut negatives = Vec::with_capacity(batch.len() * c.negatives);
            for &(u, _) in batch {
                for _ in 0..c.negatives {
                    let r = rng.unit() * total;
                    let v = noise.partition_point(|&x| x <= r).min(n - 1);
                    negative_centres.push(i64::from(u));
                    negatives.push(v as i64);
                }
            }
            let loss = model.loss(
                index(&|p| p.0),
                index(&|p| p.1),
                int_tensor(negative_centres, &ad),
                int_tensor(negatives, &ad),
                batch.len(),
            );
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(c.lr, model, grads);
        }
        let read = |p: &Param<Tensor<2>>| -> Result<Vec<f32>> {
            Ok(to_f64(p.val())?.into_iter().map(|v| v as f32).collect())
        };
        let (centre, context) = (read(&model.centre)?, read(&model.context)?);
        if centre.iter().chain(&context).any(|v| !v.is_finite()) {
            return Err(ModelError::InvalidArgument(
                "Node2Vec embeddings diverged (non-finite values); lower its learning rate".into(),
            ));
        }
        Ok((centre, context))
    }
}

/// Node2Vec as a fixed week encoder: week t's embeddings from the chain, no trainable
/// parameter (the heads are the logistic regression).
#[derive(Module, Debug)]
pub struct Node2VecEncoder {
    #[module(skip)]
    chain: Arc<Node2VecChain>,
}

impl Node2VecEncoder {
    /// The embedding chain.
    pub fn chain(&self) -> &Node2VecChain {
        &self.chain
    }
}

impl WeekEncoder for Node2VecEncoder {
    type Week = Tensor<2>;

    fn name(&self) -> String {
        "node2vec".into()
    }

    fn width(&self) -> usize {
        self.chain.config.dim
    }

    fn prepare(&self, inputs: &NodeInputs<'_>, t: usize, device: &Device) -> Result<Self::Week> {
        let z = self.chain.embeddings(inputs.weeks, t)?;
        let n = inputs.weeks.graph(t).node_count();
        Ok(float_matrix(
            z.as_ref().clone(),
            n,
            self.chain.config.dim,
            device,
        ))
    }

    fn encode(&self, week: &Self::Week) -> Tensor<2> {
        week.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_series::series;

    /// Share of second-order steps that return to the node the walk came from.
    fn return_share(p: f64, q: f64) -> f64 {
        // A ring of 8 protocols with chords: every node has neighbours that are and are not
        // neighbours of the previous node.
        let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let nodes: Vec<(&str, f64)> = names.iter().map(|&n| (n, 1.0)).collect();
        let mut links = Vec::new();
        for k in 0..names.len() {
            links.push((names[k], names[(k + 1) % 8], 1.0));
            links.push((names[k], names[(k + 3) % 8], 1.0));
        }
        let s = series(&[("2024-01-01", &nodes, &links)]);
        let weeks = WeekGraphs::new(&s, None).expect("graphs");
        let nbrs = Neighbourhood::of(weeks.graph(0));
        let config = Node2VecConfig::new()
            .with_p(p)
            .with_q(q)
            .with_walks_per_node(50)
            .with_walk_length(30);
        let walks = Walks::generate(&nbrs, 8, &config, 5);
        assert_eq!(walks.walks.len(), 8 * 50);
        let (mut returns, mut steps) = (0, 0);
        for w in &walks.walks {
            assert_eq!(w.len(), 30);
            for k in 2..w.len() {
                assert!(
                    nbrs.neighbours(w[k - 1] as usize)
                        .binary_search(&w[k])
                        .is_ok()
                );
                returns += usize::from(w[k] == w[k - 2]);
                steps += 1;
            }
        }
        returns as f64 / steps as f64
    }

    #[test]
    fn walks_follow_the_return_and_in_out_parameters() {
        // Four neighbours each: an unbiased walk returns about a quarter of the time.
        let unbiased = return_share(1.0, 1.0);
        assert!((unbiased - 0.25).abs() < 0.05, "{unbiased}");
        // p small: mostly back; p large with q small: rarely back.
        assert!(return_share(0.05, 1.0) > 0.8);
        assert!(return_share(20.0, 0.2) < 0.03);
        // Seeded: the same walks twice.
        let again = return_share(1.0, 1.0);
        assert_eq!(unbiased, again);
    }
}
