//! GAT (Veličković et al.), a static baseline of the DeXposure paper: two graph-attention
//! layers on the z-scored node features of one week. Each node attends over itself and its
//! neighbours in the week's undirected simple graph; the first layer has `heads` heads of
//! `head_width` (concatenated, then ELU), the second one head of width `out` (the embedding).
//! Attention: `e_ij = LeakyReLU(a_dst · W h_i + a_src · W h_j)`, softmax over the neighbours
//! j of i. The Hadamard heads of [`gnn`](crate::gnn) sit on top; train it with
//! [`StaticGnnTrainer`](crate::gnn::StaticGnnTrainer).

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{elu, leaky_relu};
use dexposure_graph::ExposureGraph;
use dexposure_graph::rng::SplitMix64;

use crate::error::{ModelError, Result};
use crate::features::Neighbourhood;
use crate::gnn::{NodeInputs, StaticGnn, WeekEncoder};
use crate::model::{int_tensor, linear, scatter_add, uniform_param};

/// Sizes of the GAT (two layers).
#[derive(Config, Debug, PartialEq)]
pub struct GatConfig {
    /// Node-feature columns.
    pub node_features: usize,
    /// Attention heads of the first layer.
    #[config(default = 4)]
    pub heads: usize,
    /// Width of each head of the first layer (the layer's width is `heads · head_width`).
    #[config(default = 16)]
    pub head_width: usize,
    /// Width of the second layer (one head; the embedding width).
    #[config(default = 32)]
    pub out: usize,
    /// Negative slope of the LeakyReLU on attention logits.
    #[config(default = 0.2)]
    pub negative_slope: f64,
    /// Seed of the weight initialisation (identical on every backend).
    #[config(default = 17)]
    pub init_seed: u64,
    /// Adam learning rate of the encoder and the heads (the GAT paper's 0.005).
    #[config(default = 0.005)]
    pub learning_rate: f64,
}

impl GatConfig {
    /// The model with seeded weights and heads on `device`; an error on a zero width or a
    /// negative slope outside [0, 1).
    pub fn init(&self, device: &Device) -> Result<StaticGnn<GatEncoder>> {
        if [self.node_features, self.heads, self.head_width, self.out].contains(&0)
            || !(0.0..1.0).contains(&self.negative_slope)
        {
            return Err(ModelError::InvalidArgument(format!(
                "GAT widths must be positive and the negative slope in [0, 1): {self:?}"
            )));
        }
        let mut rng = SplitMix64::new(self.init_seed);
        let encoder = GatEncoder {
            first: GatLayer::init(
                &mut rng,
                self.node_features,
                self.heads,
                self.head_width,
                self.negative_slope,
                device,
            ),
            second: GatLayer::init(
                &mut rng,
                self.heads * self.head_width,
                1,
                self.out,
                self.negative_slope,
                device,
            ),
        };
        Ok(StaticGnn::new(encoder, rng.next_u64(), device))
    }
}

/// One multi-head graph-attention layer (heads concatenated).
#[derive(Module, Debug)]
pub struct GatLayer {
    projection: Linear,
    attend_source: Param<Tensor<2>>,
    attend_target: Param<Tensor<2>>,
    #[module(skip)]
    heads: usize,
    #[module(skip)]
    head_width: usize,
    #[module(skip)]
    negative_slope: f64,
}

impl GatLayer {
    fn init(
        rng: &mut SplitMix64,
        d_in: usize,
        heads: usize,
        head_width: usize,
        negative_slope: f64,
        device: &Device,
    ) -> Self {
        let k = 1.0 / (head_width as f64).sqrt();
        Self {
            projection: linear(rng, d_in, heads * head_width, false, device),
            attend_source: uniform_param(rng, [heads, head_width], k, device),
            attend_target: uniform_param(rng, [heads, head_width], k, device),
            heads,
            head_width,
            negative_slope,
        }
    }

    /// `[N, heads · head_width]`.
    fn forward(&self, x: Tensor<2>, edges: &AttentionEdges) -> Tensor<2> {
        let [n, _] = x.dims();
        let (heads, dh) = (self.heads, self.head_width);
        let projected = self.projection.forward(x).reshape([n, heads, dh]);
        // Per-node attention terms [N, heads], then per edge.
        let term = |a: &Param<Tensor<2>>| -> Tensor<2> {
            (projected.clone() * a.val().unsqueeze_dim::<3>(0))
                .sum_dim(2)
                .reshape([n, heads])
        };
        let source_term = term(&self.attend_source).select(0, edges.src.clone());
        let target_term = term(&self.attend_target).select(0, edges.dst.clone());
        let logits = leaky_relu(source_term + target_term, self.negative_slope);
        // Bounded before the exponential so the per-node softmax (exp / scatter-added sum)
        // cannot overflow.
        let weights = ((logits / 5.0).tanh() * 5.0).exp();
        let totals = scatter_add(n, &edges.dst, weights.clone());
        let alpha = weights / totals.select(0, edges.dst.clone());
        let messages = projected.select(0, edges.src.clone()) * alpha.unsqueeze_dim::<3>(2);
        let e = edges.len;
        scatter_add(n, &edges.dst, messages.reshape([e, heads * dh]))
    }
}

/// The two attention layers.
#[derive(Module, Debug)]
pub struct GatEncoder {
    first: GatLayer,
    second: GatLayer,
}

impl WeekEncoder for GatEncoder {
    type Week = (Tensor<2>, AttentionEdges);

    fn name(&self) -> String {
        "gat".into()
    }

    fn width(&self) -> usize {
        self.second.head_width
    }

    fn prepare(&self, inputs: &NodeInputs<'_>, t: usize, device: &Device) -> Result<Self::Week> {
        Ok((
            inputs.node_matrix(t, device),
            AttentionEdges::new(inputs.weeks.graph(t), device),
        ))
    }

    fn encode(&self, (x, edges): &Self::Week) -> Tensor<2> {
        let hidden = elu(self.first.forward(x.clone(), edges), 1.0);
        self.second.forward(hidden, edges)
    }
}

/// Who attends to whom in one week: node `dst[e]` over `src[e]`, for every node itself and
/// each of its neighbours in the undirected simple graph.
#[derive(Debug, Clone)]
pub struct AttentionEdges {
    len: usize,
    dst: Tensor<1, Int>,
    src: Tensor<1, Int>,
}

impl AttentionEdges {
    /// The attention edges of `g` on `device`.
    pub fn new(g: &ExposureGraph, device: &Device) -> Self {
        let nbrs = Neighbourhood::of(g);
        let (mut dst, mut src) = (Vec::new(), Vec::new());
        for i in 0..g.node_count() {
            for j in std::iter::once(i).chain(nbrs.neighbours(i).iter().map(|&j| j as usize)) {
                dst.push(i as i64);
                src.push(j as i64);
            }
        }
        Self {
            len: dst.len(),
            dst: int_tensor(dst, device),
            src: int_tensor(src, device),
        }
    }
}
