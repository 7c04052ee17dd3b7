//! The simulated world's static tables: DefiLlama categories and how often they occur, the
//! holding behaviour of each kind of protocol, token kinds, chains, and name generation.

use crate::rng::SimRng;

/// Detailed DefiLlama categories with their share of protocols. The broad shares they add up
/// to are DESIGN.md §5's: Trading & Exchanges 42%, Asset Management 26%, Lending 15%,
/// Infrastructure 15%, Privacy & Others 2%.
pub const CATEGORY_MIX: &[(&str, f64)] = &[
    // Trading & Exchanges: 0.42
    ("Dexes", 0.22),
    ("Derivatives", 0.07),
    ("CEX", 0.04),
    ("Bridge", 0.03),
    ("Cross Chain", 0.02),
    ("DEX Aggregator", 0.015),
    ("Options", 0.01),
    ("Options Vault", 0.005),
    ("NFT Marketplace", 0.01),
    // Asset Management: 0.26
    ("Yield", 0.09),
    ("Liquid Staking", 0.05),
    ("Yield Aggregator", 0.04),
    ("Liquidity manager", 0.02),
    ("Synthetics", 0.015),
    ("Decentralized Stablecoin", 0.02),
    ("Algo-Stables", 0.01),
    ("Reserve Currency", 0.015),
    // Lending, Borrowing & RWA: 0.15
    ("Lending", 0.08),
    ("CDP", 0.03),
    ("Leveraged Farming", 0.01),
    ("RWA", 0.01),
    ("Restaking", 0.005),
    ("NFT Lending", 0.005),
    ("RWA Lending", 0.005),
    ("Uncollateralized Lending", 0.005),
    // Infrastructure, Services & Financial Products: 0.15
    ("Services", 0.03),
    ("Farm", 0.025),
    ("Staking Pool", 0.02),
    ("Launchpad", 0.015),
    ("Indexes", 0.01),
    ("Insurance", 0.01),
    ("Gaming", 0.01),
    ("Chain", 0.01),
    ("Infrastructure", 0.005),
    ("Oracle", 0.005),
    ("Payments", 0.005),
    ("Prediction Market", 0.005),
    // Privacy & Security, Others: 0.02
    ("Privacy", 0.01),
    ("SoFi", 0.01),
];

/// What a protocol of a category holds and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// AMMs and aggregators: the long tail of primary tokens.
    Dex,
    /// Centralised exchanges: many tokens, large balances.
    Cex,
    /// Bridges and cross-chain protocols: everything.
    Bridge,
    /// Perps and options: stablecoins and ETH.
    Derivatives,
    /// Money markets: collateral tokens.
    Lending,
    /// CDPs and stablecoin issuers: ETH, LSTs and stablecoins as collateral.
    Collateral,
    /// Yield vaults and managers: LSTs and LP tokens.
    Yield,
    /// Liquid staking: ETH.
    LiquidStaking,
    /// Everything else: a few tokens.
    Other,
}

impl Profile {
    /// The profile of a detailed category.
    pub fn of(category: &str) -> Profile {
        match category {
            "Dexes" | "DEX Aggregator" | "NFT Marketplace" | "Launchpad" => Profile::Dex,
            "CEX" => Profile::Cex,
            "Bridge" | "Cross Chain" | "Chain" => Profile::Bridge,
            "Derivatives" | "Options" | "Options Vault" | "Synthetics" | "Prediction Market" => {
                Profile::Derivatives
            }
            "Lending"
            | "Leveraged Farming"
            | "NFT Lending"
            | "RWA Lending"
            | "RWA"
            | "Uncollateralized Lending" => Profile::Lending,
            "CDP" | "Decentralized Stablecoin" | "Algo-Stables" | "Reserve Currency" => {
                Profile::Collateral
            }
            "Yield" | "Yield Aggregator" | "Liquidity manager" | "Farm" | "Indexes"
            | "Restaking" => Profile::Yield,
            "Liquid Staking" | "Staking Pool" => Profile::LiquidStaking,
            _ => Profile::Other,
        }
    }

    /// Weights over [`TokenKind::HELD`] when the protocol picks a token to hold.
    pub fn affinity(self) -> [f64; 8] {
        // Eth, Stable, Lst, Governance, Primary, Lp, PairOther, Unknown
        match self {
            Profile::Dex => [0.06, 0.10, 0.02, 0.14, 0.58, 0.02, 0.05, 0.03],
            Profile::Cex => [0.05, 0.10, 0.02, 0.18, 0.60, 0.0, 0.02, 0.03],
            Profile::Bridge => [0.12, 0.18, 0.05, 0.17, 0.40, 0.02, 0.03, 0.03],
            Profile::Derivatives => [0.20, 0.45, 0.05, 0.10, 0.18, 0.0, 0.01, 0.01],
            Profile::Lending => [0.15, 0.28, 0.17, 0.17, 0.18, 0.02, 0.02, 0.01],
            Profile::Collateral => [0.30, 0.25, 0.25, 0.10, 0.08, 0.01, 0.01, 0.0],
            Profile::Yield => [0.08, 0.20, 0.18, 0.14, 0.10, 0.24, 0.05, 0.01],
            Profile::LiquidStaking => [0.85, 0.02, 0.05, 0.03, 0.05, 0.0, 0.0, 0.0],
            Profile::Other => [0.12, 0.22, 0.06, 0.20, 0.34, 0.03, 0.02, 0.01],
        }
    }

    /// Median number of distinct tokens held at full breadth.
    pub fn breadth(self) -> f64 {
        match self {
            Profile::Dex => 11.0,
            Profile::Cex => 40.0,
            Profile::Bridge => 20.0,
            Profile::Derivatives => 4.0,
            Profile::Lending => 8.0,
            Profile::Collateral => 4.0,
            Profile::Yield => 5.0,
            Profile::LiquidStaking => 1.0,
            Profile::Other => 2.5,
        }
    }

    /// Multiplier on the size of a new protocol.
    pub fn size(self) -> f64 {
        match self {
            Profile::Cex => 6.0,
            Profile::Bridge => 3.0,
            Profile::LiquidStaking | Profile::Lending | Profile::Collateral => 2.0,
            Profile::Dex => 1.2,
            _ => 1.0,
        }
    }

    /// Whether protocols of this profile can receive newly listed primary tokens.
    pub fn lists_tokens(self) -> bool {
        matches!(self, Profile::Dex | Profile::Cex | Profile::Bridge)
    }
}

/// What a token is; decides its price process and how it maps to an issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// ETH and WETH (the manual table maps both to the pseudo node `WETH`).
    Eth,
    /// Stablecoins: USDC, USDT (pseudo nodes), UST (`TERRA`) and protocol-issued ones.
    Stable,
    /// Liquid-staking tokens issued by liquid-staking protocols.
    Lst,
    /// Governance tokens issued by protocols.
    Governance,
    /// Primary tokens no protocol issues: each is its own node.
    Primary,
    /// LP receipt tokens (symbol contains `LP`).
    Lp,
    /// Pair tokens such as `ABC-XYZ` (the `OTHER` bucket).
    PairOther,
    /// Unlabelled tokens (the `UNKNOWN` bucket).
    Unknown,
}

impl TokenKind {
    /// Kinds in the order of [`Profile::affinity`].
    pub const HELD: [TokenKind; 8] = [
        TokenKind::Eth,
        TokenKind::Stable,
        TokenKind::Lst,
        TokenKind::Governance,
        TokenKind::Primary,
        TokenKind::Lp,
        TokenKind::PairOther,
        TokenKind::Unknown,
    ];

    /// Position in [`TokenKind::HELD`].
    pub fn slot(self) -> usize {
        self as usize
    }
}

/// Chains and how often a protocol calls one home.
pub const CHAINS: &[(&str, f64)] = &[
    ("Ethereum", 0.38),
    ("BSC", 0.12),
    ("Arbitrum", 0.08),
    ("Polygon", 0.07),
    ("Avalanche", 0.05),
    ("Solana", 0.05),
    ("Optimism", 0.04),
    ("Base", 0.04),
    ("Fantom", 0.03),
    ("Terra", 0.03),
    ("Tron", 0.02),
    ("Cronos", 0.02),
    ("Sui", 0.02),
    ("Aptos", 0.02),
    ("Blast", 0.01),
    ("Linea", 0.01),
];

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br",
    "cr", "dr", "fl", "gr", "kr", "pr", "st", "tr", "qu", "sh", "th", "x",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ae", "io", "y", "ou", "ei"];
const CODAS: &[&str] = &["", "", "", "n", "r", "x", "s", "l", "m", "th", "nd", "rk"];

/// A pronounceable made-up word of `syllables` syllables, capitalised.
pub fn made_up_word(rng: &mut SimRng, syllables: usize) -> String {
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(ONSETS[rng.below(ONSETS.len())]);
        word.push_str(VOWELS[rng.below(VOWELS.len())]);
    }
    word.push_str(CODAS[rng.below(CODAS.len())]);
    let mut chars = word.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A suffix that makes a protocol name read like its category.
pub fn name_suffix(category: &str, rng: &mut SimRng) -> &'static str {
    let options: &[&'static str] = match Profile::of(category) {
        Profile::Dex => &["Swap", "Exchange", "DEX", "AMM", "Trade"],
        Profile::Cex => &["Exchange", "CEX", "Markets"],
        Profile::Bridge => &["Bridge", "Portal", "Link"],
        Profile::Derivatives => &["Perps", "Options", "Futures", "Protocol"],
        Profile::Lending => &["Lend", "Finance", "Money Market", "Credit"],
        Profile::Collateral => &["Dollar", "Protocol", "Stable"],
        Profile::Yield => &["Yield", "Vaults", "Farm", "Capital"],
        Profile::LiquidStaking => &["Staking", "Staked ETH", "Stake"],
        Profile::Other => &["Protocol", "Network", "DAO", "Labs"],
    };
    options[rng.below(options.len())]
}

/// A random uppercase ticker of 3–4 consonants (like BTC, GMX, SNX) that cannot fall into a
/// name bucket. Generated protocol names have a vowel in every syllable, so a ticker shares
/// few character trigrams with them and the TF-IDF step rarely mistakes it for a protocol
/// token.
pub fn ticker(rng: &mut SimRng) -> String {
    const LETTERS: &[u8] = b"BCDFGHJKMNQRSTVWXZ"; // no L or P: never spells "LP"
    let len = 3 + rng.below(2);
    (0..len)
        .map(|_| char::from(LETTERS[rng.below(LETTERS.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dexposure_snapshot::BroadCategory;

    #[test]
    fn category_mix_matches_the_published_broad_shares() {
        let total: f64 = CATEGORY_MIX.iter().map(|c| c.1).sum();
        assert!((total - 1.0).abs() < 1e-12, "mix sums to {total}");
        let share = |broad: BroadCategory| -> f64 {
            CATEGORY_MIX
                .iter()
                .filter(|(c, _)| BroadCategory::from_detailed(c) == broad)
                .map(|c| c.1)
                .sum()
        };
        assert!((share(BroadCategory::TradingExchanges) - 0.42).abs() < 1e-12);
        assert!((share(BroadCategory::AssetManagement) - 0.26).abs() < 1e-12);
        assert!((share(BroadCategory::LendingBorrowingRwa) - 0.15).abs() < 1e-12);
        assert!((share(BroadCategory::InfrastructureServices) - 0.15).abs() < 1e-12);
        assert!(
            CATEGORY_MIX
                .iter()
                .all(|(c, _)| BroadCategory::from_detailed(c) != BroadCategory::Unknown),
            "every simulated category is in the taxonomy"
        );
        assert!(
            CHAINS.iter().any(|c| c.0 == "Terra"),
            "the Terra event needs its chain"
        );
    }

    #[test]
    fn tickers_never_fall_into_a_bucket() {
        let mut rng = SimRng::new(3);
        for _ in 0..10_000 {
            let t = ticker(&mut rng);
            assert!(
                !t.contains("LP") && !t.contains('-') && !t.contains("UNKNOWN"),
                "{t}"
            );
        }
    }
}
