//! Load-path benchmarks on the simulator's full preset: 283 weekly networks in the real
//! DeXposure format (seed 42, ~1.2 GB of JSON, compositions as the simulator writes them).
//!
//! The file is simulated on first use into `target/bench-data/sim-full-seed42/` (about 15 s);
//! delete that folder after changing the simulator. `DEXPOSURE_BENCH_FILE=PATH` benches another
//! file instead (the real `network_data.json`, say).
//!
//! ```text
//! cargo bench --bench snapshot_load
//! DEXPOSURE_BENCH_FILE=network_data.json cargo bench --bench snapshot_load
//! ```
//! Time `inspect` and Python's `json.load` on the same file for BENCHMARKS.md.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dexposure::snapshot::{QualityReport, SeriesLoader};
use dexposure::synth::{Preset, Simulator};

/// The file to load: `DEXPOSURE_BENCH_FILE` (a relative path is taken from the workspace root,
/// since cargo runs benches in the package's folder), or the full preset, simulated if absent.
fn bench_file() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(path) = std::env::var_os("DEXPOSURE_BENCH_FILE") {
        return root.join(path);
    }
    let dir = root.join("target/bench-data/sim-full-seed42");
    let path = dir.join("network.json");
    if !path.exists() {
        eprintln!(
            "simulating the full preset (seed 42) into {}",
            dir.display()
        );
        let data = Simulator::preset(Preset::Full, 42)
            .and_then(|s| s.run())
            .expect("simulate the full preset");
        data.write(&dir, false).expect("write the full preset");
    }
    path
}

fn load_paths(c: &mut Criterion) {
    let path = bench_file();
    let size = std::fs::metadata(&path).expect("bench file").len();
    eprintln!("benching {} ({size} bytes)", path.display());
    let mut group = c.benchmark_group("snapshot_load");
    group.throughput(Throughput::Bytes(size));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("whole_file_all_threads", |b| {
        b.iter(|| SeriesLoader::new().threads(0).load(&path).expect("load"));
    });
    group.bench_function("whole_file_1_thread", |b| {
        b.iter(|| SeriesLoader::new().threads(1).load(&path).expect("load"));
    });
    group.bench_function("stream_1_thread", |b| {
        b.iter(|| {
            let mut stream = SeriesLoader::new().stream(&path).expect("open");
            let mut links = 0usize;
            while let Some(week) = stream.next_week().expect("week") {
                links += week.links.len();
            }
            links
        });
    });
    group.bench_function("stream_quality_report", |b| {
        b.iter(|| {
            QualityReport::from_stream(SeriesLoader::new().stream(&path).expect("open"), None)
                .expect("report")
        });
    });
    group.finish();
}

criterion_group!(benches, load_paths);
criterion_main!(benches);
