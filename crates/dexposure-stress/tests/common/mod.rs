//! Graph builders shared by the engine tests.

#![allow(clippy::unwrap_used, dead_code)]

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{Link, NaiveDate, Node, Snapshot, SymbolTable};

/// A graph of `tvl.len()` nodes "p0", "p1", … and links (creditor, debtor, exposure).
pub fn graph(tvl: &[f64], links: &[(usize, usize, f64)]) -> ExposureGraph {
    let mut symbols = SymbolTable::new();
    let date: NaiveDate = "2024-01-01".parse().unwrap();
    let mut week = Snapshot::new(date);
    let ids: Vec<_> = (0..tvl.len())
        .map(|i| symbols.intern_protocol(&format!("p{i}")))
        .collect();
    for (i, &size) in tvl.iter().enumerate() {
        let composition = week.push_composition([]);
        week.nodes.push(Node {
            id: ids[i],
            size,
            composition,
        });
    }
    for &(s, t, size) in links {
        let composition = week.push_composition([]);
        week.links.push(Link {
            source: ids[s],
            target: ids[t],
            size,
            composition,
        });
    }
    ExposureGraph::from_snapshot(&week, &symbols, None).unwrap()
}
