//! The taxonomy against the real id_to_info.json (skipped, loudly, when the file is absent).
//!
//! The real file carries *broad* sectors only (`"Asset Management"`, …, and `"Unknown"`), not
//! DefiLlama's detailed categories, so "no known DefiLlama category maps to Unknown" cannot be
//! checked on it literally. What it does allow, and what is checked here:
//! 1. every label in the file is a broad name or `"Unknown"` (nothing unrecognised), and our
//!    reading of each protocol equals its label: we turn nothing known into Unknown;
//! 2. the remaining Unknown protocols are exactly those the file itself labels `"Unknown"`
//!    (upstream's own mapping left them so); they are printed with their names;
//! 3. at least 11 of those are liquid-restaking protocols by name, and giving them DefiLlama's
//!    detailed category `"Liquid Restaking"` (through `meta_df.csv`, as the loader merges it)
//!    places every one of them in a sector: the misspelling upstream is what left them Unknown.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use dexposure_snapshot::ProtocolCatalog;
use dexposure_snapshot::metadata::{ID_TO_INFO_FILE, META_DF_FILE, Metadata};
use dexposure_snapshot::taxonomy::{BroadCategory, DETAILED_CATEGORIES};

fn mapping_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mapping");
    if dir.join(ID_TO_INFO_FILE).is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} not found; the taxonomy was not checked against the real file",
            dir.join(ID_TO_INFO_FILE).display()
        );
        None
    }
}

/// Protocols the real file labels Unknown whose names say they are liquid restaking (their
/// DefiLlama category is "Liquid Restaking"). ClayStack ETH, Wasabi, Envelop and nftperp are
/// left out: their names do not say, and their DefiLlama categories are not in this repository.
const LIQUID_RESTAKING: [(&str, &str); 11] = [
    ("2626", "ether.fi"),
    ("3933", "Renzo"),
    ("4088", "Puffer Finance"),
    ("3946", "Kelp DAO"),
    ("4075", "Eigenpie"),
    ("4078", "Swell Liquid Restaking"),
    ("2832", "Bedrock uniETH"),
    ("4103", "Prime Staked ETH"),
    ("4127", "Restake Finance"),
    ("4081", "InceptionLRT"),
    ("4030", "Genesis LRT"),
];

#[test]
fn real_file_leaves_nothing_known_unknown() {
    let Some(dir) = mapping_dir() else { return };
    let path = dir.join(ID_TO_INFO_FILE);
    let catalog = ProtocolCatalog::from_id_to_info(&path).unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let entries = value.as_object().unwrap();

    // 1. Labels, counted straight from the JSON.
    let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, entry) in entries {
        let label = entry["category"].as_str().unwrap();
        *labels.entry(label).or_default() += 1;
        let expected = match BroadCategory::from_name(label) {
            BroadCategory::Unknown => BroadCategory::from_detailed(label),
            broad => broad,
        };
        assert_eq!(catalog.category(id), expected, "{id} {label:?}");
        if label != "Unknown" {
            assert_ne!(
                catalog.category(id),
                BroadCategory::Unknown,
                "{id}: {label:?} read as Unknown"
            );
        }
    }
    eprintln!("category labels in the real id_to_info.json: {labels:?}");
    assert_eq!(catalog.unrecognised_categories(), 0);
    let detailed = labels
        .keys()
        .filter(|l| {
            DETAILED_CATEGORIES
                .iter()
                .any(|(d, _)| d.eq_ignore_ascii_case(l.trim()))
        })
        .count();
    eprintln!("labels that are detailed DefiLlama categories: {detailed} (the file is broad-only)");
    for label in labels.keys() {
        assert!(
            BroadCategory::from_name(label) != BroadCategory::Unknown || *label == "Unknown",
            "{label:?} is not a broad name"
        );
    }

    // 2. What remains Unknown is what the file says is Unknown.
    let mut unknown: Vec<(&str, &str)> = catalog
        .iter()
        .filter(|(_, p)| p.category == BroadCategory::Unknown)
        .map(|(id, p)| (id, p.name.as_str()))
        .collect();
    unknown.sort();
    eprintln!(
        "remaining Unknown categories: {{\"Unknown\" (as labelled upstream): {}}}",
        unknown.len()
    );
    for (id, name) in &unknown {
        eprintln!("  {id} {name}");
    }
    assert_eq!(unknown.len(), labels.get("Unknown").copied().unwrap_or(0));

    // 3. The liquid-restaking ones, given DefiLlama's detailed category, leave Unknown.
    for (id, name) in LIQUID_RESTAKING {
        assert_eq!(catalog.name(id), Some(name), "{id}");
        assert_eq!(catalog.category(id), BroadCategory::Unknown, "{id} {name}");
    }
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(&path, tmp.path().join(ID_TO_INFO_FILE)).unwrap();
    let mut csv = String::from("id,name,category\n");
    for (id, name) in LIQUID_RESTAKING {
        csv.push_str(&format!("{id},{name},Liquid Restaking\n"));
    }
    fs::write(tmp.path().join(META_DF_FILE), csv).unwrap();
    let merged = Metadata::from_dir(tmp.path()).unwrap().catalog;
    for (id, name) in LIQUID_RESTAKING {
        assert_eq!(
            merged.category(id),
            BroadCategory::LendingBorrowingRwa,
            "{id} {name}"
        );
    }
    let left: Vec<&str> = merged
        .iter()
        .filter(|(_, p)| p.category == BroadCategory::Unknown)
        .map(|(_, p)| p.name.as_str())
        .collect();
    eprintln!("still Unknown once the liquid-restaking protocols have their category: {left:?}");
    assert_eq!(left.len(), unknown.len() - LIQUID_RESTAKING.len());
}
