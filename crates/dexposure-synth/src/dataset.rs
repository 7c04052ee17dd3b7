//! Running the simulator through the construction pipeline, and the files it writes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use dexposure_snapshot::construct::{
    ConstructionOptions, ConstructionReport, IssuerResolver, NetworkBuilder, ResolverSettings,
};
use dexposure_snapshot::metadata::{
    ID_TO_INFO_FILE, META_DF_FILE, ProtocolCatalog, REV_MAP_FILE, RevMap,
};
use dexposure_snapshot::{SeriesWriter, SnapshotSeries};
use serde::Serialize;

use crate::config::{Preset, SimConfig};
use crate::error::{Result, SynthError};
use crate::world::{World, WorldStats};

/// File name of the simulated network (`.json`, or `.json.gz` when gzipped).
pub const NETWORK_STEM: &str = "network";
/// File name of the run record (configuration, world counters, construction report).
pub const RUN_FILE: &str = "simulation.json";

/// Runs the model and the construction pipeline.
///
/// ```
/// use dexposure_synth::{Preset, SimConfig, Simulator};
/// let mut config = SimConfig::preset(Preset::Sample, 7);
/// config.weeks = 3;
/// config.scale = 0.02;
/// let data = Simulator::new(config)?.run()?;
/// assert_eq!(data.series.len(), 3);
/// # Ok::<(), dexposure_synth::SynthError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Simulator {
    config: SimConfig,
}

impl Simulator {
    /// A simulator with `config` (validated).
    pub fn new(config: SimConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }

    /// A simulator of `preset` with `seed`.
    pub fn preset(preset: Preset, seed: u64) -> Result<Self> {
        Self::new(SimConfig::preset(preset, seed))
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Simulates the holdings and builds the weekly networks from them (DESIGN.md §4, with the
    /// simulated `rev_map` and catalog as the issuer metadata).
    pub fn run(&self) -> Result<SimulatedDataset> {
        // The world creates protocols and tokens as it goes, but the issuer metadata must be
        // complete before the first row is resolved (TF-IDF compares a symbol with every
        // protocol name). So the model runs twice with the same seed: once to collect the
        // metadata, once to stream its rows into the builder. Memory stays at about two weeks
        // of holdings.
        let mut scout = World::new(self.config.clone());
        scout.run(|_| Ok::<(), SynthError>(()))?;
        let catalog = scout.catalog().clone();
        let rev_map = scout.rev_map();
        // Built as DeXposure built the published dataset (DESIGN.md §4: TF-IDF at 0.2, no
        // override list), since the simulator is calibrated to that dataset's statistics; the
        // library's tuned default (docs/ISSUER_MAPPING.md) would map fewer simulated symbols
        // to protocols and change them.
        let resolver = IssuerResolver::from_parts_with(
            Some(&rev_map),
            Some(&catalog),
            &ResolverSettings::DESIGN,
        );
        let options = ConstructionOptions {
            time_ordered: true,
            ..ConstructionOptions::default()
        };
        let mut builder = NetworkBuilder::new(resolver, options);
        let mut world = World::new(self.config.clone());
        world.run(|row| builder.push(row))?;
        let construction = builder.finish()?;
        Ok(SimulatedDataset {
            config: self.config.clone(),
            series: construction.series,
            catalog,
            rev_map,
            construction: construction.report,
            stats: world.stats.clone(),
        })
    }
}

/// What a simulation produced.
#[derive(Debug, Clone)]
pub struct SimulatedDataset {
    /// The configuration it ran with.
    pub config: SimConfig,
    /// The weekly networks, in the real DeXposure format.
    pub series: SnapshotSeries,
    /// The simulated protocols (names, broad and detailed categories).
    pub catalog: ProtocolCatalog,
    /// The simulated `rev_map.json`.
    pub rev_map: RevMap,
    /// What the construction pipeline did.
    pub construction: ConstructionReport,
    /// What the model did.
    pub stats: WorldStats,
}

/// Paths written by [`SimulatedDataset::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFiles {
    /// The network file.
    pub network: PathBuf,
    /// `id_to_info.json`.
    pub id_to_info: PathBuf,
    /// `meta_df.csv`.
    pub meta_df: PathBuf,
    /// `rev_map.json`.
    pub rev_map: PathBuf,
    /// `simulation.json`.
    pub run: PathBuf,
}

#[derive(Serialize)]
struct RunRecord<'a> {
    note: &'static str,
    config: &'a SimConfig,
    stats: &'a WorldStats,
    construction: &'a ConstructionReport,
}

impl SimulatedDataset {
    /// Writes the network (`network.json`, or `network.json.gz` with `gzip`), the metadata
    /// files in the real formats (`id_to_info.json`, `meta_df.csv`, `rev_map.json`) and
    /// `simulation.json` into `dir` (created if needed). Output is byte-identical for the same
    /// configuration.
    pub fn write(&self, dir: impl AsRef<Path>, gzip: bool) -> Result<DatasetFiles> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
        let files = DatasetFiles {
            network: dir.join(if gzip {
                format!("{NETWORK_STEM}.json.gz")
            } else {
                format!("{NETWORK_STEM}.json")
            }),
            id_to_info: dir.join(ID_TO_INFO_FILE),
            meta_df: dir.join(META_DF_FILE),
            rev_map: dir.join(REV_MAP_FILE),
            run: dir.join(RUN_FILE),
        };
        SeriesWriter::new()
            .gzip(gzip)
            .write(&self.series, &files.network)?;
        write_file(
            &files.id_to_info,
            self.catalog.to_id_to_info_json().as_bytes(),
        )?;
        write_file(&files.meta_df, self.catalog.to_meta_df_csv().as_bytes())?;
        write_file(&files.rev_map, self.rev_map.to_json().as_bytes())?;
        let record = RunRecord {
            note: "simulated by dexposure-synth; not real DeXposure data",
            config: &self.config,
            stats: &self.stats,
            construction: &self.construction,
        };
        let text = serde_json::to_string_pretty(&record).unwrap_or_default();
        write_file(&files.run, text.as_bytes())?;
        Ok(files)
    }
}

fn io(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(path).map_err(|e| io(path, e))?;
    file.write_all(bytes).map_err(|e| io(path, e))
}
