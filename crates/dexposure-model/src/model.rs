//! The graph-tabular transformer (DESIGN.md §9) in Burn: per-feature tokens, feature
//! attention, sparse edge-weighted graph attention over in- and out-edges, pre-LN residual
//! blocks with zero-initialised output projections, and the link and node heads.
//!
//! The graph attention gathers per-edge queries and keys with `select` and scatters the
//! softmax-weighted messages back with `select_assign` (add), so memory is O(N + E): no
//! N × N tensor is ever formed.

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{gelu, softmax};
use dexposure_graph::ExposureGraph;
use dexposure_graph::rng::SplitMix64;

use crate::features::ln1p;

/// Sizes of the model. `node_features` and `pair_features` come from the
/// [`FeatureSet`](crate::FeatureSet); the rest are hyper-parameters.
#[derive(Config, Debug, PartialEq)]
pub struct ForecasterConfig {
    /// Node-feature columns (feature tokens per node).
    pub node_features: usize,
    /// Pair-feature columns fed to the link head.
    pub pair_features: usize,
    /// Token width.
    #[config(default = 32)]
    pub d_model: usize,
    /// Attention heads (must divide `d_model`).
    #[config(default = 4)]
    pub heads: usize,
    /// Residual blocks.
    #[config(default = 2)]
    pub layers: usize,
    /// Hidden width of the blocks' feed-forward layers.
    #[config(default = 64)]
    pub d_ff: usize,
    /// Hidden width of the heads.
    #[config(default = 64)]
    pub head_hidden: usize,
    /// Adds a linear path from the pair features straight to the link outputs (a "wide"
    /// part next to the deep head), zero-initialised, or set to the fitted pair-feature
    /// logistic model with `TrainConfig::pair_warm_start`. Off by default: on its own it
    /// changed the sample's validation AUPRC by +0.002 (noise), see docs/BENCHMARKS.md.
    #[config(default = false)]
    pub pair_skip: bool,
    /// Seed of the weight initialisation (identical on every backend).
    #[config(default = 7)]
    pub init_seed: u64,
}

impl ForecasterConfig {
    /// Checks the sizes.
    pub fn validate(&self) -> crate::Result<()> {
        if self.d_model == 0 || self.heads == 0 || !self.d_model.is_multiple_of(self.heads) {
            return Err(crate::ModelError::InvalidArgument(format!(
                "d_model ({}) must be a positive multiple of heads ({})",
                self.d_model, self.heads
            )));
        }
        if self.node_features == 0 || self.d_ff == 0 || self.head_hidden == 0 {
            return Err(crate::ModelError::InvalidArgument(
                "node_features, d_ff and head_hidden must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The model with seeded initial weights on `device`.
    pub fn init(&self, device: &Device) -> GraphTabularTransformer {
        let mut rng = SplitMix64::new(self.init_seed);
        let d = self.d_model;
        let encoder = Encoder {
            tokens: FeatureTokens {
                scale: uniform_param(&mut rng, [self.node_features, d], 1.0, device),
                shift: uniform_param(&mut rng, [self.node_features, d], 1.0, device),
            },
            blocks: (0..self.layers)
                .map(|_| EncoderBlock::init(self, &mut rng, device))
                .collect(),
            final_norm: LayerNormConfig::new(d).init(device),
        };
        let link_in = 4 * d + self.pair_features;
        let heads = ForecastHeads {
            link_hidden: linear(&mut rng, link_in, self.head_hidden, false, device),
            link_hidden2: linear(&mut rng, self.head_hidden, self.head_hidden, false, device),
            link_out: linear(&mut rng, self.head_hidden, 2, true, device),
            pair_skip: self
                .pair_skip
                .then(|| linear(&mut rng, self.pair_features, 2, true, device)),
            node_hidden: linear(&mut rng, 3 * d, self.head_hidden, false, device),
            node_out: linear(&mut rng, self.head_hidden, 1, true, device),
        };
        GraphTabularTransformer { encoder, heads }
    }
}

/// Uniform(−k, k) weights with k = 1/√fan_in drawn from `rng` (so every backend starts from
/// the same numbers), or zeros.
pub(crate) fn linear(
    rng: &mut SplitMix64,
    d_in: usize,
    d_out: usize,
    zero: bool,
    device: &Device,
) -> Linear {
    let k = 1.0 / (d_in as f64).sqrt();
    let (weight, bias) = if zero {
        (
            zeros_param([d_in, d_out], device),
            zeros_param([d_out], device),
        )
    } else {
        (
            uniform_param(rng, [d_in, d_out], k, device),
            uniform_param(rng, [d_out], k, device),
        )
    };
    Linear {
        weight,
        bias: Some(bias),
    }
}

pub(crate) fn uniform_param<const D: usize>(
    rng: &mut SplitMix64,
    shape: [usize; D],
    k: f64,
    device: &Device,
) -> Param<Tensor<D>> {
    let count: usize = shape.iter().product();
    let values: Vec<f32> = (0..count)
        .map(|_| ((2.0 * rng.unit() - 1.0) * k) as f32)
        .collect();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

fn zeros_param<const D: usize>(shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::zeros(shape, device))
}

/// The whole model: encoder and heads (two parameter groups with their own learning rates).
#[derive(Module, Debug)]
pub struct GraphTabularTransformer {
    /// Node encoder.
    pub encoder: Encoder,
    /// Link and node heads.
    pub heads: ForecastHeads,
}

/// Per-feature tokens: token f of node i is `x[i, f] · scale[f] + shift[f]`.
#[derive(Module, Debug)]
pub struct FeatureTokens {
    scale: Param<Tensor<2>>,
    shift: Param<Tensor<2>>,
}

impl FeatureTokens {
    fn forward(&self, x: Tensor<2>) -> Tensor<3> {
        let x: Tensor<3> = x.unsqueeze_dim(2);
        x * self.scale.val().unsqueeze_dim::<3>(0) + self.shift.val().unsqueeze_dim::<3>(0)
    }
}

/// A pre-LN block: feature attention, graph attention, feed-forward, each a residual branch
/// whose output projection starts at zero.
#[derive(Module, Debug)]
pub struct EncoderBlock {
    feature_norm: LayerNorm,
    feature_qkv: Linear,
    feature_out: Linear,
    graph_norm: LayerNorm,
    graph_query: Linear,
    in_key_value: Linear,
    out_key_value: Linear,
    in_edge_bias: Param<Tensor<1>>,
    out_edge_bias: Param<Tensor<1>>,
    graph_out: Linear,
    ff_norm: LayerNorm,
    ff_in: Linear,
    ff_out: Linear,
    #[module(skip)]
    heads: usize,
}

impl EncoderBlock {
    fn init(c: &ForecasterConfig, rng: &mut SplitMix64, device: &Device) -> Self {
        let d = c.d_model;
        Self {
            feature_norm: LayerNormConfig::new(d).init(device),
            feature_qkv: linear(rng, d, 3 * d, false, device),
            feature_out: linear(rng, d, d, true, device),
            graph_norm: LayerNormConfig::new(d).init(device),
            graph_query: linear(rng, d, 2 * d, false, device),
            in_key_value: linear(rng, d, 2 * d, false, device),
            out_key_value: linear(rng, d, 2 * d, false, device),
            in_edge_bias: zeros_param([c.heads], device),
            out_edge_bias: zeros_param([c.heads], device),
            graph_out: linear(rng, 2 * d, d, true, device),
            ff_norm: LayerNormConfig::new(d).init(device),
            ff_in: linear(rng, d, c.d_ff, false, device),
            ff_out: linear(rng, c.d_ff, d, true, device),
            heads: c.heads,
        }
    }

    fn forward(&self, h: Tensor<3>, graph: &GraphTensors) -> Tensor<3> {
        let [n, f, d] = h.dims();
        let heads = self.heads;
        let dh = d / heads;
        // Feature attention among the tokens of each node.
        let x = self.feature_norm.forward(h.clone());
        let qkv = self.feature_qkv.forward(x);
        let split = |k: usize| {
            qkv.clone()
                .narrow(2, k * d, d)
                .reshape([n, f, heads, dh])
                .swap_dims(1, 2)
        };
        let (q, k, v) = (split(0), split(1), split(2));
        let attention = softmax(q.matmul(k.swap_dims(2, 3)) / (dh as f64).sqrt(), 3);
        let mixed = attention.matmul(v).swap_dims(1, 2).reshape([n, f, d]);
        let h = h + self.feature_out.forward(mixed);

        // Sparse graph attention over in- and out-edges.
        let summary: Tensor<2> = self
            .graph_norm
            .forward(h.clone())
            .mean_dim(1)
            .reshape([n, d]);
        let queries = self.graph_query.forward(summary.clone());
        let from_in = edge_attention(
            queries.clone().narrow(1, 0, d),
            self.in_key_value.forward(summary.clone()),
            self.in_edge_bias.val(),
            &graph.incoming,
            heads,
        );
        let from_out = edge_attention(
            queries.narrow(1, d, d),
            self.out_key_value.forward(summary),
            self.out_edge_bias.val(),
            &graph.outgoing,
            heads,
        );
        let update = self
            .graph_out
            .forward(Tensor::cat(vec![from_in, from_out], 1));
        let h = h + update.unsqueeze_dim::<3>(1);

        // Feed-forward.
        let x = self.ff_norm.forward(h.clone());
        h + self.ff_out.forward(gelu(self.ff_in.forward(x)))
    }
}

/// Attention of each node (`dst`) over the edges listed for it (`src`, including itself):
/// score = q·k/√dh + bias_head · ln(1 + w)/10, bounded by 5·tanh(·/5) before the exponential so
/// the per-node softmax (exp / scatter-added sum) cannot overflow.
fn edge_attention(
    queries: Tensor<2>,
    key_value: Tensor<2>,
    bias: Tensor<1>,
    edges: &EdgeList,
    heads: usize,
) -> Tensor<2> {
    let [n, d] = queries.dims();
    let dh = d / heads;
    let e = edges.len;
    let q = queries.select(0, edges.dst.clone()).reshape([e, heads, dh]);
    let kv = key_value.select(0, edges.src.clone());
    let k = kv.clone().narrow(1, 0, d).reshape([e, heads, dh]);
    let v = kv.narrow(1, d, d).reshape([e, heads, dh]);
    let raw: Tensor<2> = (q * k).sum_dim(2).reshape([e, heads]) / (dh as f64).sqrt()
        + edges.log_weight.clone() * bias.unsqueeze_dim::<2>(0);
    let scores = (raw / 5.0).tanh() * 5.0;
    let weights = scores.exp();
    let totals = scatter_add(n, &edges.dst, weights.clone());
    let alpha = weights / totals.select(0, edges.dst.clone());
    let messages = (v * alpha.unsqueeze_dim::<3>(2)).reshape([e, d]);
    scatter_add(n, &edges.dst, messages)
}

/// `out[dst[e]] += values[e]` into `rows` zero rows: the per-node sum over its edges.
pub(crate) fn scatter_add(rows: usize, dst: &Tensor<1, Int>, values: Tensor<2>) -> Tensor<2> {
    let [_, width] = values.dims();
    Tensor::<2>::zeros([rows, width], &values.device()).select_assign(
        0,
        dst.clone(),
        values,
        IndexingUpdateOp::Add,
    )
}

/// Node encoder.
#[derive(Module, Debug)]
pub struct Encoder {
    tokens: FeatureTokens,
    blocks: Vec<EncoderBlock>,
    final_norm: LayerNorm,
}

impl Encoder {
    /// Node embeddings `[N, d]` (mean over the feature tokens) from z-scored node features
    /// `[N, F]`.
    pub fn forward(&self, x: Tensor<2>, graph: &GraphTensors) -> Tensor<2> {
        let mut h = self.tokens.forward(x);
        for block in &self.blocks {
            h = block.forward(h, graph);
        }
        let [n, _, d] = h.dims();
        self.final_norm.forward(h).mean_dim(1).reshape([n, d])
    }
}

/// The link head (exist logit and log-weight residual per pair) and the node head (Δ ln TVL).
#[derive(Module, Debug)]
pub struct ForecastHeads {
    link_hidden: Linear,
    link_hidden2: Linear,
    link_out: Linear,
    pair_skip: Option<Linear>,
    node_hidden: Linear,
    node_out: Linear,
}

impl ForecastHeads {
    /// `[P, 2]`: exist logit and ln-weight residual of the pairs `(sources, targets)` (node
    /// indices) with z-scored pair features `[P, pair_dim]`.
    pub fn links(
        &self,
        z: Tensor<2>,
        sources: Tensor<1, Int>,
        targets: Tensor<1, Int>,
        pair_features: Tensor<2>,
    ) -> Tensor<2> {
        let zu = z.clone().select(0, sources);
        let zv = z.select(0, targets);
        let x = Tensor::cat(
            vec![
                zu.clone(),
                zv.clone(),
                zu.clone() * zv.clone(),
                (zu - zv).abs(),
                pair_features.clone(),
            ],
            1,
        );
        let x = gelu(self.link_hidden.forward(x));
        let x = gelu(self.link_hidden2.forward(x));
        let deep = self.link_out.forward(x);
        match &self.pair_skip {
            Some(wide) => deep + wide.forward(pair_features),
            None => deep,
        }
    }

    /// `[N]`: Δ ln(1 + TVL) per node from its embedding and the weighted means of its in- and
    /// out-neighbours' embeddings.
    pub fn nodes(&self, z: Tensor<2>, graph: &GraphTensors) -> Tensor<1> {
        let [n, _] = z.dims();
        let x = Tensor::cat(
            vec![
                z.clone(),
                graph.incoming_mean.apply(z.clone()),
                graph.outgoing_mean.apply(z),
            ],
            1,
        );
        self.node_out
            .forward(gelu(self.node_hidden.forward(x)))
            .reshape([n])
    }
}

impl GraphTabularTransformer {
    /// The model with the exist-logit column of its linear pair path set to `coefficients`
    /// (one per pair feature, on the model's z-scoring) and `intercept`; the log-weight column
    /// is zeroed. With the deep head's zero-initialised output, a fresh model then scores pairs
    /// exactly as that linear model. Errors when the model has no pair path
    /// (`ForecasterConfig::pair_skip`) or the widths differ.
    pub fn with_pair_path(self, coefficients: &[f64], intercept: f64) -> crate::Result<Self> {
        let Some(path) = &self.heads.pair_skip else {
            return Err(crate::ModelError::InvalidArgument(
                "the model has no linear pair path (ForecasterConfig::pair_skip is off)".into(),
            ));
        };
        let [d_in, d_out] = path.weight.dims();
        if d_in != coefficients.len() || d_out != 2 {
            return Err(crate::ModelError::InvalidArgument(format!(
                "the pair path takes {d_in} features, got {} coefficients",
                coefficients.len()
            )));
        }
        let device = path.weight.device();
        let weight: Vec<f32> = coefficients.iter().flat_map(|&c| [c as f32, 0.0]).collect();
        let pair_skip = Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(weight, [d_in, 2]),
                &device,
            )),
            bias: Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![intercept as f32, 0.0], [2]),
                &device,
            ))),
        };
        Ok(Self {
            heads: ForecastHeads {
                pair_skip: Some(pair_skip),
                ..self.heads
            },
            ..self
        })
    }

    /// Node embeddings of a week.
    pub fn embed(&self, x: Tensor<2>, graph: &GraphTensors) -> Tensor<2> {
        self.encoder.forward(x, graph)
    }
}

/// Edge lists of one attention direction on the device: node `dst[e]` attends over `src[e]`.
#[derive(Debug, Clone)]
pub struct EdgeList {
    len: usize,
    dst: Tensor<1, Int>,
    src: Tensor<1, Int>,
    log_weight: Tensor<2>,
}

/// Per-node weighted neighbour means as a scatter: `out[dst] += w[e] · z[src]`, weights summing
/// to 1 per node that has neighbours.
#[derive(Debug, Clone)]
pub struct NeighbourMean {
    len: usize,
    dst: Tensor<1, Int>,
    src: Tensor<1, Int>,
    weight: Tensor<2>,
}

impl NeighbourMean {
    /// The scatter `out[dst[e]] += weight[e] · z[src[e]]` over the given edges.
    pub(crate) fn from_edges(
        dst: Vec<i64>,
        src: Vec<i64>,
        weight: Vec<f32>,
        device: &Device,
    ) -> Self {
        Self {
            len: dst.len(),
            dst: int_tensor(dst, device),
            src: int_tensor(src, device),
            weight: float_column(weight, device),
        }
    }

    pub(crate) fn apply(&self, z: Tensor<2>) -> Tensor<2> {
        let [n, d] = z.dims();
        let device = z.device();
        if self.len == 0 {
            return Tensor::zeros([n, d], &device);
        }
        let msg = z.select(0, self.src.clone()) * self.weight.clone();
        scatter_add(n, &self.dst, msg)
    }
}

/// One week's graph on the device, in the form the encoder and node head take.
#[derive(Debug, Clone)]
pub struct GraphTensors {
    incoming: EdgeList,
    outgoing: EdgeList,
    incoming_mean: NeighbourMean,
    outgoing_mean: NeighbourMean,
}

impl GraphTensors {
    /// From the merged CSR of `g` (self-loops of the data dropped; every node attends to
    /// itself with weight 0).
    pub fn new(g: &ExposureGraph, device: &Device) -> Self {
        let n = g.node_count();
        let direction = |csr: &dexposure_graph::Csr| {
            let (mut dst, mut src, mut lw) = (Vec::new(), Vec::new(), Vec::new());
            let (mut mdst, mut msrc, mut mw) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..n {
                dst.push(i as i64);
                src.push(i as i64);
                lw.push(0.0f32);
                let total: f64 = csr.row(i).filter(|&(j, _)| j != i).map(|(_, w)| w).sum();
                let count = csr.row(i).filter(|&(j, _)| j != i).count();
                for (j, w) in csr.row(i) {
                    if j == i {
                        continue;
                    }
                    dst.push(i as i64);
                    src.push(j as i64);
                    lw.push((ln1p(w) / 10.0) as f32);
                    mdst.push(i as i64);
                    msrc.push(j as i64);
                    let share = if total > 0.0 {
                        w / total
                    } else {
                        1.0 / count as f64
                    };
                    mw.push(share as f32);
                }
            }
            let edges = EdgeList {
                len: dst.len(),
                dst: int_tensor(dst, device),
                src: int_tensor(src, device),
                log_weight: float_column(lw, device),
            };
            let mean = NeighbourMean::from_edges(mdst, msrc, mw, device);
            (edges, mean)
        };
        // A node attends over the sources of its in-edges (in-CSR row) and over the targets
        // of its out-edges (out-CSR row).
        let (incoming, incoming_mean) = direction(g.in_csr());
        let (outgoing, outgoing_mean) = direction(g.out_csr());
        Self {
            incoming,
            outgoing,
            incoming_mean,
            outgoing_mean,
        }
    }
}

/// Source and target node indices of `pairs` as two Int vectors on the device.
pub fn pair_indices(pairs: &[(u32, u32)], device: &Device) -> (Tensor<1, Int>, Tensor<1, Int>) {
    (
        int_tensor(pairs.iter().map(|&(u, _)| i64::from(u)).collect(), device),
        int_tensor(pairs.iter().map(|&(_, v)| i64::from(v)).collect(), device),
    )
}

/// An Int vector on the device.
pub fn int_tensor(values: Vec<i64>, device: &Device) -> Tensor<1, Int> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

fn float_column(values: Vec<f32>, device: &Device) -> Tensor<2> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n, 1]), device)
}

/// A row-major f32 matrix on the device.
pub fn float_matrix(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}
