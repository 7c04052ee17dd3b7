//! The four metadata readers of `dexposure_snapshot::metadata` on the same bytes:
//! `ProtocolCatalog::from_id_to_info_str` (id_to_info.json), `ProtocolCatalog::from_meta_df_reader`
//! (meta_df.csv), `TokenIssuerMap::from_json_str` (token_to_protocol.json) and
//! `RevMap::from_json_str` (rev_map.json). Ok or a typed error, never a panic; what loads is
//! queried as the resolver would, and the writers next to the readers read back what they wrote.
#![no_main]

use std::collections::BTreeMap;

use dexposure_snapshot::{IssuerResolver, ProtocolCatalog, RevMap, TokenIssuerMap};
use libfuzzer_sys::fuzz_target;

/// id → (name, broad category name, detailed category).
fn entries(c: &ProtocolCatalog) -> BTreeMap<String, (String, String, Option<String>)> {
    c.iter()
        .map(|(id, info)| {
            (
                id.to_owned(),
                (
                    info.name.clone(),
                    info.category.name().to_owned(),
                    info.detailed_category.clone(),
                ),
            )
        })
        .collect()
}

fn use_catalog(c: &ProtocolCatalog) {
    let _ = c.category_counts();
    let _ = c.unrecognised_categories();
    for (id, _) in c.iter() {
        assert!(c.contains(id));
        let _ = c.category(id);
        let _ = ProtocolCatalog::is_protocol_id(id);
    }
    let resolver = IssuerResolver::from_parts(None, Some(c));
    for (_, info) in c.iter().take(8) {
        let _ = resolver.resolve(&info.name);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(catalog) = ProtocolCatalog::from_id_to_info_str(text, "id_to_info.json") {
            use_catalog(&catalog);
            let json = catalog.to_id_to_info_json();
            let back = ProtocolCatalog::from_id_to_info_str(&json, "copy.json")
                .unwrap_or_else(|e| panic!("to_id_to_info_json does not read back: {e}\n{json}"));
            let strip = |m: BTreeMap<String, (String, String, Option<String>)>| {
                m.into_iter()
                    .map(|(id, (name, broad, _))| (id, (name, broad)))
                    .collect::<BTreeMap<_, _>>()
            };
            assert_eq!(
                strip(entries(&catalog)),
                strip(entries(&back)),
                "id_to_info round trip"
            );
        }
        if let Ok(map) = TokenIssuerMap::from_json_str(text, "token_to_protocol.json") {
            let _ = map.bucket_counts();
            let _ = map.conflicts();
            for (token, issuer) in map.iter() {
                assert_eq!(map.get(token), Some(issuer));
            }
            let resolver = IssuerResolver::from_token_map(&map);
            for (token, _) in map.iter().take(8) {
                let _ = resolver.resolve(token);
            }
        }
        if let Ok(rev) = RevMap::from_json_str(text, "rev_map.json") {
            let json = rev.to_json();
            let back = RevMap::from_json_str(&json, "copy.json")
                .unwrap_or_else(|e| panic!("RevMap::to_json does not read back: {e}\n{json}"));
            let a: BTreeMap<_, _> = rev.iter().collect();
            let b: BTreeMap<_, _> = back.iter().collect();
            assert_eq!(a, b, "rev_map round trip");
            let resolver = IssuerResolver::from_parts(Some(&rev), None);
            for (symbol, _) in rev.iter().take(8) {
                let _ = resolver.resolve(symbol);
            }
        }
    }
    if let Ok(catalog) = ProtocolCatalog::from_meta_df_reader(data, "meta_df.csv") {
        use_catalog(&catalog);
        let csv = catalog.to_meta_df_csv();
        let back = ProtocolCatalog::from_meta_df_reader(csv.as_bytes(), "copy.csv")
            .unwrap_or_else(|e| panic!("to_meta_df_csv does not read back: {e}\n{csv}"));
        assert_eq!(entries(&catalog), entries(&back), "meta_df round trip");
    }
});
