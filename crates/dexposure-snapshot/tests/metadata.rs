//! Metadata loaders: real DefiLlama-derived files (when present) and small fixtures.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use dexposure_snapshot::SnapshotError;
use dexposure_snapshot::metadata::{
    ID_TO_INFO_FILE, META_DF_FILE, Metadata, ProtocolCatalog, ProtocolInfo, REV_MAP_FILE, RevMap,
    TOKEN_TO_PROTOCOL_FILE, TokenBucket, TokenIssuerMap,
};
use dexposure_snapshot::taxonomy::BroadCategory;

/// `/work/shared/data/mapping`, or `None` (after saying so) when it is not there.
fn mapping_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mapping");
    if dir.join(ID_TO_INFO_FILE).is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not found", dir.display());
        None
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/metadata")
        .join(name)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Asserts `err` is a `SnapshotError::Metadata` for `file` at a location containing `location`,
/// and that its message names both; returns the message.
fn assert_metadata_error(err: SnapshotError, file: &str, location: &str) -> String {
    let message = err.to_string();
    match &err {
        SnapshotError::Metadata {
            path,
            location: loc,
            problem,
        } => {
            assert_eq!(
                path.file_name().and_then(|f| f.to_str()),
                Some(file),
                "{message}"
            );
            assert!(
                loc.contains(location),
                "location {loc:?} lacks {location:?}: {message}"
            );
            assert!(!problem.is_empty());
        }
        other => panic!("expected SnapshotError::Metadata, got {other:?}"),
    }
    assert!(message.contains(file), "{message}");
    assert!(message.contains(location), "{message}");
    message
}

// ---------------------------------------------------------------------------------------------
// Real files
// ---------------------------------------------------------------------------------------------

#[test]
fn real_id_to_info() {
    let Some(dir) = mapping_dir() else { return };
    let path = dir.join(ID_TO_INFO_FILE);
    let catalog = ProtocolCatalog::from_id_to_info(&path).unwrap();
    assert_eq!(catalog.len(), 4127);
    assert_eq!(catalog.name("182"), Some("Lido"));
    assert_eq!(catalog.category("182"), BroadCategory::AssetManagement);
    assert_eq!(catalog.name("2269"), Some("Binance CEX"));
    assert_eq!(catalog.category("2269"), BroadCategory::TradingExchanges);
    assert_eq!(catalog.category("no such id"), BroadCategory::Unknown);
    assert_eq!(catalog.unrecognised_categories(), 0);
    assert!(catalog.iter().all(|(_, p)| p.detailed_category.is_none()));

    // Independent count straight from the JSON.
    let value = read_json(&path);
    let mut expected: HashMap<String, usize> = HashMap::new();
    for entry in value.as_object().unwrap().values() {
        *expected
            .entry(entry["category"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(expected.values().sum::<usize>(), 4127);
    let counts = catalog.category_counts();
    for (category, n) in counts {
        assert_eq!(
            n,
            expected.get(category.name()).copied().unwrap_or(0),
            "{category}"
        );
    }
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 4127);
    assert_eq!(catalog.category_counts()[6], (BroadCategory::Unknown, 15));
}

#[test]
fn real_token_to_protocol() {
    let Some(dir) = mapping_dir() else { return };
    let tokens = TokenIssuerMap::from_file(dir.join(TOKEN_TO_PROTOCOL_FILE)).unwrap();
    assert_eq!(tokens.len(), 21_683);
    assert_eq!(tokens.conflicts(), 0);
    assert_eq!(
        tokens.bucket_counts(),
        [
            (TokenBucket::Map, 1751),
            (TokenBucket::Lp, 1040),
            (TokenBucket::Unknown, 6493),
            (TokenBucket::Primary, 9719),
            (TokenBucket::Other, 2680),
        ]
    );
    let meth = tokens.get("METH").unwrap();
    assert_eq!(
        (meth.issuer.as_str(), meth.frequency, meth.bucket),
        ("3882", 3421, TokenBucket::Map)
    );
    let usdc = tokens.get("USDC").unwrap();
    assert_eq!(
        (usdc.issuer.as_str(), usdc.bucket),
        ("USDC", TokenBucket::Primary)
    );
    assert_eq!(tokens.get("FLP").unwrap().issuer, "LP");
    assert_eq!(tokens.get("dice-bot").unwrap().issuer, "OTHER");
    assert!(tokens.get("meth").is_none(), "lookups are case-sensitive");

    // Independent count straight from the JSON.
    let value = read_json(&dir.join(TOKEN_TO_PROTOCOL_FILE));
    for (bucket, n) in tokens.bucket_counts() {
        assert_eq!(
            value[bucket.name()].as_object().unwrap().len(),
            n,
            "{bucket}"
        );
    }
}

#[test]
fn real_rev_map() {
    let Some(dir) = mapping_dir() else { return };
    let rev = RevMap::from_file(dir.join(REV_MAP_FILE)).unwrap();
    assert_eq!(rev.len(), 2367);
    assert_eq!(rev.get("LDO"), Some("182"));
    assert_eq!(rev.get("AAVE"), Some("1839"));
    // The pandas artefact is kept verbatim.
    assert_eq!(rev.get("nan"), Some("2527"));
    assert_eq!(rev.get("ldo"), None);
}

#[test]
fn real_from_dir() {
    let Some(dir) = mapping_dir() else { return };
    let meta = Metadata::from_dir(&dir).unwrap();
    assert_eq!(meta.catalog.len(), 4127);
    assert_eq!(meta.tokens.as_ref().map(TokenIssuerMap::len), Some(21_683));
    assert_eq!(meta.rev_map.as_ref().map(RevMap::len), Some(2367));
    assert_eq!(meta.issuer_of("LDO"), Some("182"));
    // Values checked against the files with Python: STETH is only in PRIMARY, with id 2908
    // ("stETH.win"), and is not in rev_map; WSTETH is in PRIMARY with id 182 (Lido).
    assert_eq!(meta.issuer_of("STETH"), Some("2908"));
    assert_eq!(meta.catalog.name("2908"), Some("stETH.win"));
    assert_eq!(meta.issuer_of("WSTETH"), Some("182"));
    // rev_map wins over token_to_protocol (which says 1838 for AAVE).
    assert_eq!(
        meta.tokens.as_ref().unwrap().get("AAVE").unwrap().issuer,
        "1838"
    );
    assert_eq!(meta.issuer_of("AAVE"), Some("1839"));
    assert_eq!(meta.issuer_of("METH"), Some("3882"));
    assert_eq!(meta.issuer_of("USDC"), Some("USDC"));
    assert_eq!(meta.issuer_of("definitely-not-a-token"), None);
    // Every rev_map id is a known protocol.
    let rev = meta.rev_map.as_ref().unwrap();
    assert!(rev.iter().all(|(_, id)| meta.catalog.contains(id)));
}

#[test]
fn real_from_dir_with_meta_df() {
    let Some(dir) = mapping_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for name in [ID_TO_INFO_FILE, TOKEN_TO_PROTOCOL_FILE, REV_MAP_FILE] {
        fs::copy(dir.join(name), tmp.path().join(name)).unwrap();
    }
    fs::write(
        tmp.path().join(META_DF_FILE),
        "id,name,category\n182,Lido,Liquid Staking\n3933,Renzo,Restaking\n\
         2626,ether.fi,Liquid Restaking\n2269,Binance CEX,Dexes\n999999,\"New, Protocol\",Yield\n",
    )
    .unwrap();
    let meta = Metadata::from_dir(tmp.path()).unwrap();
    let c = &meta.catalog;
    assert_eq!(c.len(), 4128);
    assert_eq!(
        c.get("182").unwrap().detailed_category.as_deref(),
        Some("Liquid Staking")
    );
    // id_to_info says Unknown for Renzo: meta_df's detailed category decides.
    assert_eq!(c.category("3933"), BroadCategory::LendingBorrowingRwa);
    // Both known and different: id_to_info wins, the detailed category is still recorded.
    assert_eq!(c.category("2269"), BroadCategory::TradingExchanges);
    assert_eq!(
        c.get("2269").unwrap().detailed_category.as_deref(),
        Some("Dexes")
    );
    // Only in meta_df: added.
    assert_eq!(c.name("999999"), Some("New, Protocol"));
    assert_eq!(c.category("999999"), BroadCategory::AssetManagement);
    // id_to_info says Unknown for ether.fi (upstream misspelt DefiLlama's "Liquid Restaking"):
    // its detailed category places it in Lending, Borrowing & RWA like the other restaking.
    assert_eq!(c.category("2626"), BroadCategory::LendingBorrowingRwa);
    assert_eq!(
        c.get("2626").unwrap().detailed_category.as_deref(),
        Some("Liquid Restaking")
    );
    assert_eq!(c.unrecognised_categories(), 0);
    assert_eq!(c.category_counts()[6], (BroadCategory::Unknown, 13));
}

// ---------------------------------------------------------------------------------------------
// meta_df.csv fixtures
// ---------------------------------------------------------------------------------------------

fn check_meta_df_fixture(catalog: &ProtocolCatalog) {
    assert_eq!(catalog.len(), 7);
    let lido = catalog.get("182").unwrap();
    assert_eq!(lido.name, "Lido");
    assert_eq!(lido.category, BroadCategory::AssetManagement);
    assert_eq!(lido.detailed_category.as_deref(), Some("Liquid Staking"));
    assert_eq!(catalog.category("2269"), BroadCategory::TradingExchanges);
    assert_eq!(catalog.category("3933"), BroadCategory::LendingBorrowingRwa);
    // Quoted name with a comma.
    assert_eq!(catalog.name("7"), Some("Foo, Bar & Co"));
    assert_eq!(catalog.category("7"), BroadCategory::TradingExchanges);
    // Blank category.
    let blank = catalog.get("8").unwrap();
    assert_eq!(
        (blank.category, blank.detailed_category.as_deref()),
        (BroadCategory::Unknown, None)
    );
    // Unknown detailed category: Unknown, text kept, counted.
    let meme = catalog.get("9").unwrap();
    assert_eq!(meme.category, BroadCategory::Unknown);
    assert_eq!(meme.detailed_category.as_deref(), Some("Memecoin"));
    assert_eq!(catalog.unrecognised_categories(), 1);
    // pandas float id and lower-case detailed category.
    assert_eq!(catalog.name("10"), Some("Float Id"));
    assert_eq!(catalog.category("10"), BroadCategory::LendingBorrowingRwa);
    assert!(catalog.get("10.0").is_none());
}

#[test]
fn meta_df_plain() {
    let catalog = ProtocolCatalog::from_meta_df(fixture("meta_df.csv")).unwrap();
    check_meta_df_fixture(&catalog);
}

#[test]
fn meta_df_with_pandas_index_column() {
    let with_index = ProtocolCatalog::from_meta_df(fixture("meta_df_pandas_index.csv")).unwrap();
    check_meta_df_fixture(&with_index);
    let plain = ProtocolCatalog::from_meta_df(fixture("meta_df.csv")).unwrap();
    assert_eq!(with_index, plain);
}

#[test]
fn meta_df_reader_bom_and_column_order() {
    let text = "\u{feff}category,name,id\nDexes,Uniswap,1\n";
    let catalog = ProtocolCatalog::from_meta_df_reader(text.as_bytes(), "meta_df.csv").unwrap();
    assert_eq!(catalog.name("1"), Some("Uniswap"));
    assert_eq!(catalog.category("1"), BroadCategory::TradingExchanges);
}

#[test]
fn meta_df_missing_column() {
    let err = ProtocolCatalog::from_meta_df(fixture("meta_df_missing_column.csv")).unwrap_err();
    let msg = assert_metadata_error(err, "meta_df_missing_column.csv", "line 1");
    assert!(msg.contains("category"), "{msg}");
}

#[test]
fn meta_df_short_row() {
    let err = ProtocolCatalog::from_meta_df(fixture("meta_df_short_row.csv")).unwrap_err();
    let msg = assert_metadata_error(err, "meta_df_short_row.csv", "line 3");
    assert!(
        msg.contains("expected 3 fields") && msg.contains("found 2"),
        "{msg}"
    );
}

#[test]
fn meta_df_duplicate_id() {
    let err = ProtocolCatalog::from_meta_df(fixture("meta_df_duplicate_id.csv")).unwrap_err();
    let msg = assert_metadata_error(err, "meta_df_duplicate_id.csv", "line 4");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn meta_df_empty_and_empty_id() {
    let err = ProtocolCatalog::from_meta_df_reader(&b""[..], "meta_df.csv").unwrap_err();
    assert_metadata_error(err, "meta_df.csv", "line 1");
    let err =
        ProtocolCatalog::from_meta_df_reader(&b"id,name,category\n ,X,Dexes\n"[..], "meta_df.csv")
            .unwrap_err();
    let msg = assert_metadata_error(err, "meta_df.csv", "line 2");
    assert!(msg.contains("empty id"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn id_to_info_not_json() {
    let err = ProtocolCatalog::from_id_to_info(fixture("not_json.json")).unwrap_err();
    let msg = assert_metadata_error(err, "not_json.json", "line 2, column");
    assert!(msg.contains("not valid JSON"), "{msg}");
}

#[test]
fn id_to_info_array_root() {
    let err = ProtocolCatalog::from_id_to_info(fixture("array_root.json")).unwrap_err();
    let msg = assert_metadata_error(err, "array_root.json", "root");
    assert!(
        msg.contains("expected a JSON object") && msg.contains("found an array"),
        "{msg}"
    );
}

#[test]
fn id_to_info_category_not_string() {
    let err = ProtocolCatalog::from_id_to_info(fixture("category_not_string.json")).unwrap_err();
    let msg = assert_metadata_error(err, "category_not_string.json", r#""2269".category"#);
    assert!(
        msg.contains("expected a string") && msg.contains("found a number"),
        "{msg}"
    );
}

#[test]
fn id_to_info_missing_name() {
    let err = ProtocolCatalog::from_id_to_info(fixture("missing_name.json")).unwrap_err();
    let msg = assert_metadata_error(err, "missing_name.json", r#""2269".name"#);
    assert!(msg.contains("missing"), "{msg}");
}

#[test]
fn token_map_missing_frequency() {
    let err = TokenIssuerMap::from_file(fixture("token_missing_frequency.json")).unwrap_err();
    assert_metadata_error(
        err,
        "token_missing_frequency.json",
        r#""PRIMARY"."USDC".frequency"#,
    );
}

#[test]
fn rev_map_bad_value() {
    let err = RevMap::from_file(fixture("rev_map_bad_value.json")).unwrap_err();
    let msg = assert_metadata_error(err, "rev_map_bad_value.json", r#""AAVE""#);
    assert!(msg.contains("found an object"), "{msg}");
}

#[test]
fn wrong_file_kind_is_a_metadata_error() {
    // A token map is not an id_to_info map.
    let err =
        ProtocolCatalog::from_id_to_info(fixture("small/token_to_protocol.json")).unwrap_err();
    // Which bucket is reported first depends on map order; each one lacks "name".
    assert_metadata_error(err, "token_to_protocol.json", ".name");
    // An id_to_info map is not a rev_map.
    let err = RevMap::from_file(fixture("small/id_to_info.json")).unwrap_err();
    assert_metadata_error(err, "id_to_info.json", r#""182""#);
}

#[test]
fn missing_file_is_io_error() {
    let err = ProtocolCatalog::from_id_to_info(fixture("does_not_exist.json")).unwrap_err();
    assert!(matches!(err, SnapshotError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("does_not_exist.json"));
}

// ---------------------------------------------------------------------------------------------
// Metadata::from_dir on fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn from_dir_small_fixture() {
    let meta = Metadata::from_dir(fixture("small")).unwrap();
    let c = &meta.catalog;
    // 3 ids from id_to_info.json (all also in meta_df.csv) + 4 more from meta_df.csv.
    assert_eq!(c.len(), 7);
    assert_eq!(c.category("3933"), BroadCategory::LendingBorrowingRwa);
    assert_eq!(
        c.get("182").unwrap().detailed_category.as_deref(),
        Some("Liquid Staking")
    );
    assert_eq!(c.name("7"), Some("Foo, Bar & Co"));
    let tokens = meta.tokens.as_ref().unwrap();
    assert_eq!(tokens.len(), 7);
    assert_eq!(
        tokens.bucket_counts().map(|(_, n)| n),
        [2, 1, 1, 2, 1],
        "MAP, LP, UNKNOWN, PRIMARY, OTHER"
    );
    assert_eq!(meta.rev_map.as_ref().unwrap().len(), 3);
    assert_eq!(meta.issuer_of("LDO"), Some("182"));
    assert_eq!(meta.issuer_of("AAVE"), Some("1839"));
    assert_eq!(meta.issuer_of("WSTETH"), Some("182"));
    assert_eq!(meta.issuer_of("METH"), Some("3882"));
    assert_eq!(meta.issuer_of("STETH"), None);
}

#[test]
fn from_dir_partial_and_empty() {
    let tmp = tempfile::tempdir().unwrap();
    // Neither catalog file: error naming the folder.
    let err = Metadata::from_dir(tmp.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SnapshotError::Metadata { .. }), "{msg}");
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(
        msg.contains(ID_TO_INFO_FILE) && msg.contains(META_DF_FILE),
        "{msg}"
    );

    // meta_df.csv alone is enough; the optional files stay None.
    fs::copy(fixture("meta_df.csv"), tmp.path().join(META_DF_FILE)).unwrap();
    let meta = Metadata::from_dir(tmp.path()).unwrap();
    check_meta_df_fixture(&meta.catalog);
    assert!(meta.tokens.is_none() && meta.rev_map.is_none());
    assert_eq!(meta.issuer_of("LDO"), None);

    // A broken optional file is an error, not silently skipped.
    fs::write(tmp.path().join(REV_MAP_FILE), "[]").unwrap();
    let err = Metadata::from_dir(tmp.path()).unwrap_err();
    assert_metadata_error(err, REV_MAP_FILE, "root");
}

// ---------------------------------------------------------------------------------------------
// No input makes a loader panic
// ---------------------------------------------------------------------------------------------

proptest::proptest! {
    #[test]
    fn loaders_never_panic(text in "[{}\\[\\]\":,0-9a-zA-Z \n.\\-]{0,80}") {
        let _ = ProtocolCatalog::from_id_to_info_str(&text, "id_to_info.json");
        let _ = TokenIssuerMap::from_json_str(&text, "token_to_protocol.json");
        let _ = RevMap::from_json_str(&text, "rev_map.json");
        let _ = ProtocolCatalog::from_meta_df_reader(text.as_bytes(), "meta_df.csv");
    }

    #[test]
    fn meta_df_never_panics_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..120)) {
        let mut input = b"id,name,category\n".to_vec();
        input.extend_from_slice(&bytes);
        let _ = ProtocolCatalog::from_meta_df_reader(&input[..], "meta_df.csv");
        let _ = ProtocolCatalog::from_meta_df_reader(&bytes[..], "meta_df.csv");
    }
}

#[test]
fn written_metadata_reads_back() {
    let mut catalog = ProtocolCatalog::new();
    for (id, name, detailed) in [
        ("182", "Lido", Some("Liquid Staking")),
        ("2626", "ether.fi", Some("Liquid Restaking")),
        ("31", "Say \"hi\", Protocol", None),
        ("100006", "Kibykrael Yield", Some("Restaking")),
    ] {
        let category = detailed.map_or(BroadCategory::Unknown, BroadCategory::from_detailed);
        catalog.insert(
            id,
            ProtocolInfo {
                name: name.to_owned(),
                category,
                detailed_category: detailed.map(str::to_owned),
            },
        );
    }
    let json = catalog.to_id_to_info_json();
    assert!(
        json.starts_with(r#"{"100006":"#),
        "ids in text order: {json}"
    );
    let csv = catalog.to_meta_df_csv();
    assert!(
        csv.starts_with("id,name,category\n31,\"Say \"\"hi\"\", Protocol\",\n182,"),
        "quoted, ids in numeric order: {csv}"
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(ID_TO_INFO_FILE), &json).unwrap();
    fs::write(dir.path().join(META_DF_FILE), &csv).unwrap();
    let rev: RevMap = [("LDO", "182"), ("EETH", "2626"), ("ABC", "31")]
        .into_iter()
        .map(|(s, i)| (s.to_owned(), i.to_owned()))
        .collect();
    assert_eq!(rev.to_json(), r#"{"ABC":"31","EETH":"2626","LDO":"182"}"#);
    fs::write(dir.path().join(REV_MAP_FILE), rev.to_json()).unwrap();
    fs::write(dir.path().join(TOKEN_TO_PROTOCOL_FILE), "{}").unwrap();
    let read = Metadata::from_dir(dir.path()).unwrap();
    for (id, info) in catalog.iter() {
        assert_eq!(read.catalog.get(id), Some(info), "{id}");
    }
    assert_eq!(read.catalog.len(), catalog.len());
    assert_eq!(
        read.rev_map
            .and_then(|r| r.get("EETH").map(str::to_owned))
            .as_deref(),
        Some("2626")
    );
}
