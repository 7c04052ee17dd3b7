//! GCN (Kipf & Welling), a static baseline of the DeXposure paper: two graph-convolution
//! layers on the z-scored node features of one week, `z = Â · relu(Â X W₁) · W₂` with the
//! symmetric-normalised propagation `Â = D^-½ (A + I) D^-½` of the week's undirected simple
//! graph, and the Hadamard heads of [`gnn`](crate::gnn). Train it with
//! [`StaticGnnTrainer`](crate::gnn::StaticGnnTrainer).

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu;
use dexposure_graph::ExposureGraph;
use dexposure_graph::rng::SplitMix64;

use crate::error::{ModelError, Result};
use crate::features::Neighbourhood;
use crate::gnn::{NodeInputs, StaticGnn, WeekEncoder};
use crate::model::{NeighbourMean, linear};

/// Sizes of the GCN (the DeXposure paper's baseline: two layers).
#[derive(Config, Debug, PartialEq)]
pub struct GcnConfig {
    /// Node-feature columns.
    pub node_features: usize,
    /// Width of the first layer.
    #[config(default = 64)]
    pub hidden: usize,
    /// Width of the second layer (the embedding width).
    #[config(default = 32)]
    pub out: usize,
    /// Seed of the weight initialisation (identical on every backend).
    #[config(default = 13)]
    pub init_seed: u64,
    /// Adam learning rate of the encoder and the heads (the GCN's customary 0.01; the
    /// transformer's rates are for a deeper model).
    #[config(default = 0.01)]
    pub learning_rate: f64,
}

impl GcnConfig {
    /// The model with seeded weights and heads on `device`; an error on a zero width.
    pub fn init(&self, device: &Device) -> Result<StaticGnn<GcnEncoder>> {
        if [self.node_features, self.hidden, self.out].contains(&0) {
            return Err(ModelError::InvalidArgument(format!(
                "every GCN width must be positive: {self:?}"
            )));
        }
        let mut rng = SplitMix64::new(self.init_seed);
        let encoder = GcnEncoder {
            first: linear(&mut rng, self.node_features, self.hidden, false, device),
            second: linear(&mut rng, self.hidden, self.out, false, device),
            out: self.out,
        };
        Ok(StaticGnn::new(encoder, rng.next_u64(), device))
    }
}

/// The two graph-convolution layers.
#[derive(Module, Debug)]
pub struct GcnEncoder {
    first: Linear,
    second: Linear,
    #[module(skip)]
    out: usize,
}

impl WeekEncoder for GcnEncoder {
    type Week = (Tensor<2>, GcnPropagation);

    fn name(&self) -> String {
        "gcn".into()
    }

    fn width(&self) -> usize {
        self.out
    }

    fn prepare(&self, inputs: &NodeInputs<'_>, t: usize, device: &Device) -> Result<Self::Week> {
        Ok((
            inputs.node_matrix(t, device),
            GcnPropagation::new(inputs.weeks.graph(t), device),
        ))
    }

    fn encode(&self, (x, graph): &Self::Week) -> Tensor<2> {
        let hidden = relu(graph.apply(self.first.forward(x.clone())));
        graph.apply(self.second.forward(hidden))
    }
}

/// The symmetric-normalised GCN propagation `D^-½ (A + I) D^-½` of a week's undirected simple
/// graph (every link counts once whatever its weight or direction), as a gather/scatter over
/// its edges: O(N + E) memory.
#[derive(Debug, Clone)]
pub struct GcnPropagation {
    scatter: NeighbourMean,
}

impl GcnPropagation {
    /// The propagation of `g` on `device`.
    pub fn new(g: &ExposureGraph, device: &Device) -> Self {
        let nbrs = Neighbourhood::of(g);
        let degree: Vec<f64> = (0..g.node_count())
            .map(|i| 1.0 + nbrs.degree(i) as f64)
            .collect();
        let (mut dst, mut src, mut coefficient) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..g.node_count() {
            for j in std::iter::once(i).chain(nbrs.neighbours(i).iter().map(|&j| j as usize)) {
                dst.push(i as i64);
                src.push(j as i64);
                coefficient.push((1.0 / (degree[i] * degree[j]).sqrt()) as f32);
            }
        }
        Self {
            scatter: NeighbourMean::from_edges(dst, src, coefficient, device),
        }
    }

    /// `Â x`.
    pub fn apply(&self, x: Tensor<2>) -> Tensor<2> {
        self.scatter.apply(x)
    }
}
