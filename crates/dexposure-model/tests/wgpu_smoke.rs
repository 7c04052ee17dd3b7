//! Opt-in smoke test of the wgpu backend (cargo feature `wgpu`): a checkpoint trained on the
//! CPU loads on the GPU device and gives the same link probabilities, and a training step runs
//! on the GPU and its checkpoint loads back on the CPU. It runs only when
//! `DEXPOSURE_WGPU_SMOKE=1` (CI sets it after installing Mesa's software Vulkan driver,
//! `mesa-vulkan-drivers libvulkan1`; on a real GPU it runs as is); otherwise it says it skipped.
#![cfg(feature = "wgpu")]

use dexposure_model::{
    BackendKind, Checkpoint, FeatureSet, ForecasterConfig, TrainConfig, Trainer, TrainingData,
    WeekGraphs,
};
use dexposure_snapshot::{SeriesLoader, SeriesWriter, SnapshotSeries};

fn sample(weeks: usize) -> SnapshotSeries {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/sample/network.json.gz");
    let series = SnapshotSeries::load(path).expect("embedded sample");
    let mut bytes = Vec::new();
    SeriesWriter::new()
        .write_to(&series, &mut bytes)
        .expect("write");
    SeriesLoader::new()
        .to(series.snapshots()[weeks - 1].date)
        .load_bytes(&bytes, "sample.json")
        .expect("reload")
}

fn checkpoint(weeks: &WeekGraphs, device: dexposure_model::Device) -> (Checkpoint, Trainer<'_>) {
    let trainer = Trainer::new(weeks, 1, device).expect("split");
    let config = ForecasterConfig::new(0, 0)
        .with_d_model(8)
        .with_heads(2)
        .with_layers(1)
        .with_d_ff(16)
        .with_head_hidden(16);
    let train = TrainConfig {
        epochs: 1,
        pairs_per_step: 256,
        anchors_per_epoch: Some(2),
        ..TrainConfig::new(1)
    };
    let state = trainer
        .init(FeatureSet::default(), &config, train)
        .expect("init");
    let state = trainer.fit(state, 1).expect("fit");
    let data = TrainingData {
        description: "wgpu smoke test".into(),
        first_week: weeks.dates()[0],
        last_week: weeks.dates()[weeks.len() - 1],
        weeks: weeks.len(),
        split: trainer.split().clone(),
    };
    (
        Checkpoint {
            state,
            data,
            recorded_metrics: None,
        },
        trainer,
    )
}

#[test]
fn wgpu_matches_cpu_and_trains() {
    if std::env::var("DEXPOSURE_WGPU_SMOKE").as_deref() != Ok("1") {
        eprintln!("skipped: set DEXPOSURE_WGPU_SMOKE=1 to run the wgpu smoke test");
        return;
    }
    let series = sample(20);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let cpu = BackendKind::default_cpu()
        .and_then(BackendKind::device)
        .expect("cpu");
    let gpu = BackendKind::Wgpu.device().expect("wgpu compiled in");
    let pairs = [(0u32, 1u32), (1, 0), (2, 3), (3, 2)];
    let t = weeks.len() - 2;

    let (on_cpu, _) = checkpoint(&weeks, cpu.clone());
    let dir = tempfile::tempdir().expect("tmp");
    on_cpu.save(dir.path()).expect("save");
    let on_gpu = Checkpoint::load(dir.path(), &gpu).expect("CPU checkpoint loads on wgpu");
    let p_cpu = on_cpu
        .state
        .forecaster(&cpu)
        .outputs(&weeks, t, &pairs)
        .expect("cpu");
    let p_gpu = on_gpu
        .state
        .forecaster(&gpu)
        .outputs(&weeks, t, &pairs)
        .expect("gpu");
    assert_close(
        &p_cpu.probabilities,
        &p_gpu.probabilities,
        "CPU checkpoint on wgpu",
    );

    let (trained_on_gpu, _) = checkpoint(&weeks, gpu.clone());
    assert!(trained_on_gpu.state.history[0].train_loss.is_finite());
    let dir = tempfile::tempdir().expect("tmp");
    trained_on_gpu.save(dir.path()).expect("save from wgpu");
    let back = Checkpoint::load(dir.path(), &cpu).expect("wgpu checkpoint loads on the CPU");
    let a = trained_on_gpu
        .state
        .forecaster(&gpu)
        .outputs(&weeks, t, &pairs)
        .expect("gpu");
    let b = back
        .state
        .forecaster(&cpu)
        .outputs(&weeks, t, &pairs)
        .expect("cpu");
    assert_close(
        &a.probabilities,
        &b.probabilities,
        "wgpu checkpoint on the CPU",
    );
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-3, "{what}: {x} vs {y}");
    }
}
