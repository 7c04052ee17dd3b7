//! The category taxonomy: 41 public DefiLlama categories grouped into 6 broad sectors.
//!
//! DeXposure reports exposure by *broad sector*. `id_to_info.json` already carries the broad
//! sector of each protocol; `meta_df.csv` carries the *detailed* DefiLlama category
//! (`"Liquid Staking"`, `"Dexes"`, …), which [`BroadCategory::from_detailed`] maps to its sector
//! with the table [`DETAILED_CATEGORIES`] (DESIGN.md §3). Anything outside the table — and any
//! protocol id missing from the metadata — is [`BroadCategory::Unknown`].
//!
//! ```
//! use dexposure_snapshot::taxonomy::BroadCategory;
//!
//! assert_eq!(BroadCategory::from_detailed("Liquid Staking"), BroadCategory::AssetManagement);
//! assert_eq!(BroadCategory::from_detailed(" dexes "), BroadCategory::TradingExchanges);
//! assert_eq!(BroadCategory::from_detailed("Memecoin"), BroadCategory::Unknown);
//! assert_eq!(BroadCategory::LendingBorrowingRwa.name(), "Lending, Borrowing & Real World Assets");
//! assert_eq!(BroadCategory::from_name("Privacy & Security"), BroadCategory::PrivacySecurity);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// One of the six broad DeXposure sectors, or `Unknown`.
///
/// Serialises (serde) and displays as its exact display name, e.g. `"Trading & Exchanges"`.
/// The derived order (`PartialOrd`/`Ord`) is the order of [`BroadCategory::ALL`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum BroadCategory {
    /// "Asset Management": liquid staking, stablecoin issuers, yield, synthetics, …
    #[serde(rename = "Asset Management")]
    AssetManagement,
    /// "Trading & Exchanges": DEXes, CEXes, bridges, derivatives, options, NFT marketplaces.
    #[serde(rename = "Trading & Exchanges")]
    TradingExchanges,
    /// "Lending, Borrowing & Real World Assets": lending, CDPs, RWA, restaking, …
    #[serde(rename = "Lending, Borrowing & Real World Assets")]
    LendingBorrowingRwa,
    /// "Infrastructure, Services & Financial Products": chains, oracles, insurance, wallets, …
    #[serde(rename = "Infrastructure, Services & Financial Products")]
    InfrastructureServices,
    /// "Privacy & Security": privacy protocols.
    #[serde(rename = "Privacy & Security")]
    PrivacySecurity,
    /// "Others": SoFi.
    #[serde(rename = "Others")]
    Others,
    /// "Unknown": unmapped category, blank category or protocol id absent from the metadata.
    #[default]
    #[serde(rename = "Unknown")]
    Unknown,
}

impl BroadCategory {
    /// All seven values, the six sectors in DESIGN.md order followed by `Unknown`.
    pub const ALL: [BroadCategory; 7] = [
        BroadCategory::AssetManagement,
        BroadCategory::TradingExchanges,
        BroadCategory::LendingBorrowingRwa,
        BroadCategory::InfrastructureServices,
        BroadCategory::PrivacySecurity,
        BroadCategory::Others,
        BroadCategory::Unknown,
    ];

    /// The exact display name, as written in `id_to_info.json` and in DeXposure's tables.
    pub const fn name(self) -> &'static str {
        match self {
            BroadCategory::AssetManagement => "Asset Management",
            BroadCategory::TradingExchanges => "Trading & Exchanges",
            BroadCategory::LendingBorrowingRwa => "Lending, Borrowing & Real World Assets",
            BroadCategory::InfrastructureServices => {
                "Infrastructure, Services & Financial Products"
            }
            BroadCategory::PrivacySecurity => "Privacy & Security",
            BroadCategory::Others => "Others",
            BroadCategory::Unknown => "Unknown",
        }
    }

    /// The category whose [`name`](Self::name) is exactly `name` (case and spaces matter);
    /// anything else is [`BroadCategory::Unknown`].
    pub fn from_name(name: &str) -> BroadCategory {
        BroadCategory::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .unwrap_or(BroadCategory::Unknown)
    }

    /// The broad sector of a detailed DefiLlama category, using [`DETAILED_CATEGORIES`].
    ///
    /// Matching is exact first; failing that, the input is trimmed of surrounding whitespace and
    /// compared ASCII-case-insensitively (so `" dexes "` is `Dexes`, `"liquidity Manager"` is
    /// `Liquidity manager`). Anything else, including the empty string, is
    /// [`BroadCategory::Unknown`].
    pub fn from_detailed(detailed: &str) -> BroadCategory {
        if let Some(&(_, broad)) = DETAILED_CATEGORIES
            .iter()
            .find(|(name, _)| *name == detailed)
        {
            return broad;
        }
        let trimmed = detailed.trim();
        DETAILED_CATEGORIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
            .map_or(BroadCategory::Unknown, |&(_, broad)| broad)
    }

    /// The detailed DefiLlama categories that map to this sector, in table order (none for
    /// `Unknown`).
    pub fn detailed_categories(self) -> impl Iterator<Item = &'static str> {
        DETAILED_CATEGORIES
            .iter()
            .filter(move |(_, broad)| *broad == self)
            .map(|&(name, _)| name)
    }
}

impl fmt::Display for BroadCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The 41 public DefiLlama categories and their broad sector (DESIGN.md §3), grouped by sector
/// in [`BroadCategory::ALL`] order. Names are spelled as DefiLlama spells them (note the lower
/// case in `"Liquidity manager"`, and `"Liquid Restaking"`, which DESIGN.md §3 misspells
/// "Liquidity Restaking": under that name ether.fi, Renzo, Kelp DAO and the other liquid
/// restaking protocols were left Unknown upstream).
pub const DETAILED_CATEGORIES: [(&str, BroadCategory); 41] = {
    use BroadCategory::{
        AssetManagement as Am, InfrastructureServices as Is, LendingBorrowingRwa as Lb,
        Others as Ot, PrivacySecurity as Ps, TradingExchanges as Te,
    };
    [
        // Asset Management (8)
        ("Algo-Stables", Am),
        ("Decentralized Stablecoin", Am),
        ("Liquid Staking", Am),
        ("Liquidity manager", Am),
        ("Reserve Currency", Am),
        ("Synthetics", Am),
        ("Yield", Am),
        ("Yield Aggregator", Am),
        // Trading & Exchanges (9)
        ("Bridge", Te),
        ("CEX", Te),
        ("DEX Aggregator", Te),
        ("Cross Chain", Te),
        ("Dexes", Te),
        ("Derivatives", Te),
        ("Options", Te),
        ("Options Vault", Te),
        ("NFT Marketplace", Te),
        // Lending, Borrowing & Real World Assets (9)
        ("CDP", Lb),
        ("Lending", Lb),
        ("Leveraged Farming", Lb),
        ("NFT Lending", Lb),
        ("RWA Lending", Lb),
        ("Uncollateralized Lending", Lb),
        ("RWA", Lb),
        ("Liquid Restaking", Lb),
        ("Restaking", Lb),
        // Infrastructure, Services & Financial Products (13)
        ("Chain", Is),
        ("Infrastructure", Is),
        ("Oracle", Is),
        ("Payments", Is),
        ("Services", Is),
        ("Farm", Is),
        ("Gaming", Is),
        ("Indexes", Is),
        ("Insurance", Is),
        ("Launchpad", Is),
        ("Prediction Market", Is),
        ("Staking Pool", Is),
        ("Wallets", Is),
        // Privacy & Security (1)
        ("Privacy", Ps),
        // Others (1)
        ("SoFi", Ot),
    ]
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_has_41_unique_entries() {
        assert_eq!(DETAILED_CATEGORIES.len(), 41);
        let exact: HashSet<&str> = DETAILED_CATEGORIES.iter().map(|(n, _)| *n).collect();
        assert_eq!(exact.len(), 41, "duplicate detailed name");
        // Case-insensitive matching must stay unambiguous.
        let folded: HashSet<String> = DETAILED_CATEGORIES
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        assert_eq!(folded.len(), 41, "two detailed names differ only by case");
        for (name, _) in DETAILED_CATEGORIES {
            assert_eq!(name, name.trim(), "{name:?} has surrounding whitespace");
        }
    }

    #[test]
    fn sector_counts() {
        let count = |b: BroadCategory| DETAILED_CATEGORIES.iter().filter(|(_, c)| *c == b).count();
        assert_eq!(count(BroadCategory::AssetManagement), 8);
        assert_eq!(count(BroadCategory::TradingExchanges), 9);
        assert_eq!(count(BroadCategory::LendingBorrowingRwa), 9);
        assert_eq!(count(BroadCategory::InfrastructureServices), 13);
        assert_eq!(count(BroadCategory::PrivacySecurity), 1);
        assert_eq!(count(BroadCategory::Others), 1);
        assert_eq!(count(BroadCategory::Unknown), 0);
        assert_eq!(
            BroadCategory::TradingExchanges
                .detailed_categories()
                .count(),
            9
        );
        assert_eq!(BroadCategory::Unknown.detailed_categories().count(), 0);
    }

    #[test]
    fn table_is_grouped_in_all_order() {
        let order: Vec<BroadCategory> = DETAILED_CATEGORIES.iter().map(|(_, b)| *b).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }

    #[test]
    fn name_round_trip() {
        let names: HashSet<&str> = BroadCategory::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), 7);
        for c in BroadCategory::ALL {
            assert_eq!(BroadCategory::from_name(c.name()), c);
            assert_eq!(c.to_string(), c.name());
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.name()));
            let back: BroadCategory = serde_json::from_str(&json).unwrap();
            assert_eq!(back, c);
        }
        assert_eq!(
            BroadCategory::from_name("asset management"),
            BroadCategory::Unknown
        );
        assert_eq!(BroadCategory::from_name(""), BroadCategory::Unknown);
        assert_eq!(BroadCategory::from_name("Dexes"), BroadCategory::Unknown);
        assert_eq!(BroadCategory::default(), BroadCategory::Unknown);
    }

    #[test]
    fn all_order() {
        let mut sorted = BroadCategory::ALL;
        sorted.sort();
        assert_eq!(sorted, BroadCategory::ALL);
        assert_eq!(BroadCategory::ALL[6], BroadCategory::Unknown);
    }

    #[test]
    fn detailed_matching() {
        for (name, broad) in DETAILED_CATEGORIES {
            assert_eq!(BroadCategory::from_detailed(name), broad, "{name}");
            assert_eq!(
                BroadCategory::from_detailed(&name.to_ascii_uppercase()),
                broad
            );
            assert_eq!(BroadCategory::from_detailed(&format!("  {name}\t")), broad);
        }
        assert_eq!(
            BroadCategory::from_detailed("Liquidity Manager"),
            BroadCategory::AssetManagement
        );
        assert_eq!(
            BroadCategory::from_detailed("RWA"),
            BroadCategory::LendingBorrowingRwa
        );
        assert_eq!(BroadCategory::from_detailed("SoFi"), BroadCategory::Others);
        assert_eq!(
            BroadCategory::from_detailed("Privacy"),
            BroadCategory::PrivacySecurity
        );
        assert_eq!(BroadCategory::from_detailed(""), BroadCategory::Unknown);
        assert_eq!(BroadCategory::from_detailed("   "), BroadCategory::Unknown);
        assert_eq!(
            BroadCategory::from_detailed("Memecoin"),
            BroadCategory::Unknown
        );
        assert_eq!(BroadCategory::from_detailed("Dex"), BroadCategory::Unknown);
        // DefiLlama's spelling, not DESIGN.md's misspelt "Liquidity Restaking".
        assert_eq!(
            BroadCategory::from_detailed("Liquid Restaking"),
            BroadCategory::LendingBorrowingRwa
        );
        assert_eq!(
            BroadCategory::from_detailed("Liquidity Restaking"),
            BroadCategory::Unknown
        );
        // Broad names are not detailed names.
        assert_eq!(
            BroadCategory::from_detailed("Asset Management"),
            BroadCategory::Unknown
        );
    }
}
