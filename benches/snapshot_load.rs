//! Load-path benchmarks on a file of full-scale DeXposure shape.
//!
//! The file is generated on first use (deterministic, seed fixed) into `target/bench-data/`:
//! 283 weekly snapshots from 2020-03-23, links growing from ~3k to ~72k per week (mean ~30k),
//! nodes from ~1.2k to ~10k, Python `json.dump` formatting, ~1.2 GB at scale 1.0. It has the
//! *shape* of the real file, not its content: it exists to time parsing.
//!
//! ```text
//! cargo bench --bench snapshot_load                          # scale 0.1 (~110 MB), quick
//! DEXPOSURE_BENCH_SCALE=1 cargo bench --bench snapshot_load  # full scale (~1.2 GB)
//! DEXPOSURE_BENCH_SCALE=1 cargo bench --bench snapshot_load -- --list   # only writes the file
//! ```
//! The file path is printed; time `inspect` and Python on the same file for BENCHMARKS.md.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dexposure::snapshot::{QualityReport, SeriesLoader};

#[path = "fullscale_shape.rs"]
mod fullscale_shape;

fn load_paths(c: &mut Criterion) {
    let (path, size) = fullscale_shape::bench_file(0.1);
    let mut group = c.benchmark_group("snapshot_load");
    group.throughput(Throughput::Bytes(size));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("whole_file_1_thread", |b| {
        b.iter(|| SeriesLoader::new().threads(1).load(&path).expect("load"));
    });
    group.bench_function("whole_file_all_threads", |b| {
        b.iter(|| SeriesLoader::new().threads(0).load(&path).expect("load"));
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
