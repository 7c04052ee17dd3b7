//! Stress scenarios: which protocols lose how much (DESIGN.md §7), the standard library,
//! custom scenarios from TOML or JSON files, and the reverse stress test.
//!
//! A scenario selects nodes by any union of: protocol ids, the top-N nodes by TVL, detailed
//! DefiLlama categories (exact names, or a case-insensitive substring with `category_contains`),
//! broad sectors, and token issuers; every selected node loses `fraction` of its TVL.
//!
//! Detailed categories come from `meta_df.csv` through the catalog
//! ([`ProtocolInfo::detailed_category`]); without them, category-based scenarios select no node
//! and [`ScenarioShock::selected`] says so.
//!
//! A token-issuer scenario ("what if Lido's stETH loses 30%") shocks the issuing protocol's node:
//! the engines then pass the loss to the protocols exposed to it (its creditors in the graph).
//!
//! ```
//! use dexposure_stress::scenario::Scenario;
//! let file = r#"
//! [[scenario]]
//! name = "Lido and the two largest"
//! protocols = ["182"]
//! top_n = 2
//! fraction = 0.3
//! "#;
//! let scenarios = Scenario::from_toml_str(file, "inline.toml")?;
//! assert_eq!(scenarios[0].fraction, 0.3);
//! assert_eq!(Scenario::standard().len(), 6);
//! # Ok::<(), dexposure_stress::StressError>(())
//! ```
//!
//! [`ProtocolInfo::detailed_category`]: dexposure_snapshot::ProtocolInfo::detailed_category

use std::path::Path;

use dexposure_graph::ExposureGraph;
use dexposure_snapshot::{BroadCategory, ProtocolCatalog};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StressError};
use crate::shock::Shock;

/// One stress scenario. All selectors are optional; the selected set is their union.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name for reports.
    pub name: String,
    /// Loss as a fraction of TVL for every selected node, in [0, 1].
    pub fraction: f64,
    /// Protocol ids (e.g. `"182"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
    /// The N largest nodes by TVL (ties: lower node index first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n: Option<usize>,
    /// Detailed DefiLlama categories, matched exactly (ASCII case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Substrings of the detailed category, case-insensitive (e.g. `"bridge"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_contains: Vec<String>,
    /// Broad sectors, by display name (e.g. `"Asset Management"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// Token issuers: the protocol id issuing the token (the issuer's node is shocked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_issuers: Vec<String>,
}

/// The file layout of custom scenarios: `[[scenario]]` tables in TOML, or
/// `{"scenario": [...]}` in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    scenario: Vec<Scenario>,
}

/// A scenario applied to one graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioShock {
    /// Scenario name.
    pub name: String,
    /// Node indices selected, ascending.
    pub selected: Vec<usize>,
    /// Protocol ids the scenario names that are not in the graph (reported, not an error: a
    /// protocol may be absent in a given week).
    pub missing_protocols: Vec<String>,
    /// The initial shock.
    pub shock: Shock,
}

impl Scenario {
    /// The six standard scenarios of DESIGN.md §7, in this order: top-1 at 50%, top-5 at 30%,
    /// bridges at 100% (detailed category containing "bridge"), stablecoin de-peg
    /// {Algo-Stables, Decentralized Stablecoin, CDP} at 50%, lending {Lending, Uncollateralized
    /// Lending, RWA Lending, NFT Lending} at 30%, top-10 at 20%.
    pub fn standard() -> Vec<Scenario> {
        let named = |name: &str, fraction| Scenario {
            name: name.to_owned(),
            fraction,
            ..Default::default()
        };
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        vec![
            Scenario {
                top_n: Some(1),
                ..named("top-1 at 50%", 0.5)
            },
            Scenario {
                top_n: Some(5),
                ..named("top-5 at 30%", 0.3)
            },
            Scenario {
                category_contains: list(&["bridge"]),
                ..named("bridges at 100%", 1.0)
            },
            Scenario {
                categories: list(&["Algo-Stables", "Decentralized Stablecoin", "CDP"]),
                ..named("stablecoin de-peg at 50%", 0.5)
            },
            Scenario {
                categories: list(&[
                    "Lending",
                    "Uncollateralized Lending",
                    "RWA Lending",
                    "NFT Lending",
                ]),
                ..named("lending sector at 30%", 0.3)
            },
            Scenario {
                top_n: Some(10),
                ..named("top-10 at 20%", 0.2)
            },
        ]
    }

    /// Custom scenarios from a TOML or JSON file (by extension: `.json` is JSON, anything else
    /// TOML).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Vec<Scenario>> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| StressError::ScenarioFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Self::from_json_str(&text, path)
        } else {
            Self::from_toml_str(&text, path)
        }
    }

    /// Custom scenarios from TOML text (`[[scenario]]` tables). `label` names it in errors.
    pub fn from_toml_str(text: &str, label: impl AsRef<Path>) -> Result<Vec<Scenario>> {
        let file: ScenarioFile =
            toml::from_str(text).map_err(|e| file_error(label.as_ref(), e.to_string()))?;
        validate(file.scenario, label.as_ref())
    }

    /// Custom scenarios from JSON text (`{"scenario": [...]}`). `label` names it in errors.
    pub fn from_json_str(text: &str, label: impl AsRef<Path>) -> Result<Vec<Scenario>> {
        let file: ScenarioFile =
            serde_json::from_str(text).map_err(|e| file_error(label.as_ref(), e.to_string()))?;
        validate(file.scenario, label.as_ref())
    }

    /// The nodes this scenario selects in `graph` and the resulting shock. `catalog` gives
    /// detailed categories (for `categories` / `category_contains`).
    pub fn apply(
        &self,
        graph: &ExposureGraph,
        catalog: Option<&ProtocolCatalog>,
    ) -> Result<ScenarioShock> {
        check_fraction(self.fraction, &self.name)?;
        let n = graph.node_count();
        let mut chosen = vec![false; n];
        let mut missing_protocols = Vec::new();
        for id in self.protocols.iter().chain(&self.token_issuers) {
            match graph.index_of_name(id) {
                Some(i) => chosen[i] = true,
                None => missing_protocols.push(id.clone()),
            }
        }
        if let Some(k) = self.top_n {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| graph.tvl()[b].total_cmp(&graph.tvl()[a]).then(a.cmp(&b)));
            for &i in order.iter().take(k) {
                chosen[i] = true;
            }
        }
        let sectors: Vec<BroadCategory> = self
            .sectors
            .iter()
            .map(|s| BroadCategory::from_name(s))
            .collect();
        let exact: Vec<String> = self
            .categories
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let contains: Vec<String> = self
            .category_contains
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let by_category = !(exact.is_empty() && contains.is_empty());
        for (i, slot) in chosen.iter_mut().enumerate() {
            if sectors.contains(&graph.categories()[i]) {
                *slot = true;
            }
            if !by_category {
                continue;
            }
            let detailed = catalog
                .and_then(|c| c.get(graph.name(i)))
                .and_then(|info| info.detailed_category.as_deref())
                .map(|d| d.trim().to_ascii_lowercase());
            if let Some(d) = detailed
                && (exact.contains(&d) || contains.iter().any(|c| d.contains(c.as_str())))
            {
                *slot = true;
            }
        }
        let selected: Vec<usize> = (0..n).filter(|&i| chosen[i]).collect();
        let mut shock = Shock::none(n);
        for &i in &selected {
            shock.hit(i, self.fraction)?;
        }
        Ok(ScenarioShock {
            name: self.name.clone(),
            selected,
            missing_protocols,
            shock,
        })
    }
}

fn file_error(path: &Path, message: String) -> StressError {
    StressError::ScenarioFile {
        path: path.display().to_string(),
        message,
    }
}

fn check_fraction(fraction: f64, name: &str) -> Result<()> {
    if (0.0..=1.0).contains(&fraction) {
        Ok(())
    } else {
        Err(StressError::InvalidParameter(format!(
            "scenario {name:?}: fraction {fraction} is not in [0, 1]"
        )))
    }
}

fn validate(scenarios: Vec<Scenario>, path: &Path) -> Result<Vec<Scenario>> {
    for (k, s) in scenarios.iter().enumerate() {
        check_fraction(s.fraction, &s.name)
            .map_err(|e| file_error(path, format!("scenario {k}: {e}")))?;
        let selects_nothing = s.protocols.is_empty()
            && s.top_n.is_none()
            && s.categories.is_empty()
            && s.category_contains.is_empty()
            && s.sectors.is_empty()
            && s.token_issuers.is_empty();
        if selects_nothing {
            return Err(file_error(
                path,
                format!("scenario {k} ({:?}) selects nothing", s.name),
            ));
        }
        if let Some(bad) = s.sectors.iter().find(|x| {
            BroadCategory::from_name(x) == BroadCategory::Unknown && x.as_str() != "Unknown"
        }) {
            return Err(file_error(
                path,
                format!("scenario {k}: {bad:?} is not a broad sector name"),
            ));
        }
    }
    Ok(scenarios)
}

/// The smallest shock fraction on `targets` (node indices) for which `system_loss_pct` exceeds
/// `threshold_pct`, found by bisection to `tolerance`; `None` when even a 100% shock stays at
/// or below the threshold. `system_loss_pct` runs an engine on a shock and returns the loss in %
/// of total TVL; it must be non-decreasing in the fraction (every engine here is).
pub fn reverse_stress(
    node_count: usize,
    targets: &[usize],
    threshold_pct: f64,
    tolerance: f64,
    mut system_loss_pct: impl FnMut(&Shock) -> Result<f64>,
) -> Result<Option<f64>> {
    if !(tolerance > 0.0 && tolerance < 1.0 && threshold_pct.is_finite()) {
        return Err(StressError::InvalidParameter(format!(
            "reverse stress needs 0 < tolerance < 1 and a finite threshold, got {tolerance} and {threshold_pct}"
        )));
    }
    let mut shock_at = |fraction: f64| -> Result<f64> {
        let mut shock = Shock::none(node_count);
        for &i in targets {
            shock.hit(i, fraction)?;
        }
        system_loss_pct(&shock)
    };
    if shock_at(1.0)? <= threshold_pct {
        return Ok(None);
    }
    if shock_at(0.0)? > threshold_pct {
        return Ok(Some(0.0));
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while hi - lo > tolerance {
        let mid = 0.5 * (lo + hi);
        if shock_at(mid)? > threshold_pct {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}
