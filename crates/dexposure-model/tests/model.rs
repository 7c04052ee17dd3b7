//! Integration tests of dexposure-model on a small slice of the embedded sample: a short
//! training run, checkpoint round trips across backends, typed errors on damaged
//! checkpoints, and the leak-free forecast.

use std::path::{Path, PathBuf};

use dexposure_model::{
    BackendKind, Checkpoint, FeatureSet, ForecastSplit, ForecasterConfig, ModelError, SplitPart,
    TrainConfig, Trainer, TrainingData, TrainingState, WalkForward, WeekGraphs,
};
use dexposure_snapshot::{SeriesLoader, SeriesWriter, SnapshotSeries};

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample/network.json.gz")
}

/// The first `weeks` weeks of the embedded sample.
fn sample(weeks: usize) -> SnapshotSeries {
    let series = SnapshotSeries::load(sample_path()).expect("embedded sample loads");
    let last = series.snapshots()[weeks - 1].date;
    let mut out = Vec::new();
    SeriesWriter::new()
        .write_to(&series, &mut out)
        .expect("write");
    SeriesLoader::new()
        .to(last)
        .load_bytes(&out, "sample.json")
        .expect("reload")
}

fn tiny_model() -> ForecasterConfig {
    ForecasterConfig::new(0, 0)
        .with_d_model(8)
        .with_heads(2)
        .with_layers(1)
        .with_d_ff(16)
        .with_head_hidden(16)
}

fn tiny_training(h: usize) -> TrainConfig {
    TrainConfig {
        epochs: 2,
        patience: 2,
        pairs_per_step: 512,
        ..TrainConfig::new(h)
    }
}

fn cpu() -> burn::prelude::Device {
    BackendKind::default_cpu()
        .and_then(BackendKind::device)
        .expect("a CPU backend is compiled in")
}

/// A checkpoint of `state`, trained by `trainer` on `weeks`.
fn wrap(state: TrainingState, trainer: &Trainer<'_>, weeks: &WeekGraphs) -> Checkpoint {
    Checkpoint {
        data: TrainingData {
            description: "first weeks of the embedded sample (simulated)".into(),
            first_week: weeks.dates()[0],
            last_week: weeks.dates()[weeks.len() - 1],
            weeks: weeks.len(),
            split: trainer.split().clone(),
        },
        state,
        recorded_metrics: None,
    }
}

fn trained(weeks: &WeekGraphs, h: usize) -> Checkpoint {
    let trainer = Trainer::new(weeks, h, cpu()).expect("split");
    let state = trainer
        .init(FeatureSet::default(), &tiny_model(), tiny_training(h))
        .expect("init");
    let state = trainer.fit(state, 2).expect("fit");
    wrap(state, &trainer, weeks)
}

#[test]
fn short_training_run_learns_and_round_trips() {
    let series = sample(24);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let checkpoint = trained(&weeks, 1);
    let history = &checkpoint.state.history;
    assert_eq!(history.len(), 2);
    assert!(
        history
            .iter()
            .all(|e| e.train_loss.is_finite() && e.validation_auprc > 0.0)
    );
    // Better than chance on the 5:1 uniform + hard-negative validation pairs (chance ≈ 1/6).
    assert!(checkpoint.state.best_validation_auprc().expect("epochs") > 0.3);

    let dir = tempfile::tempdir().expect("tmp");
    checkpoint.save(dir.path()).expect("save");
    let loaded = Checkpoint::load(dir.path(), &cpu()).expect("load");
    assert_eq!(loaded.state.history, checkpoint.state.history);
    assert_eq!(loaded.state.scaling, checkpoint.state.scaling);
    let split = ForecastSplit::for_dates(weeks.dates(), 1).expect("split");
    let t = split.anchors(SplitPart::Test, 1)[0];
    let a = checkpoint
        .state
        .forecaster(&cpu())
        .forecast(&weeks, t)
        .expect("forecast");
    let b = loaded
        .state
        .forecaster(&cpu())
        .forecast(&weeks, t)
        .expect("forecast");
    assert_eq!(a.probabilities, b.probabilities);
    assert_eq!(a.snapshot, b.snapshot);

    // Training continues from a loaded checkpoint, epochs counted on.
    let trainer = Trainer::new(&weeks, 1, cpu()).expect("split");
    let resumed = trainer.fit(loaded.state, 1).expect("resume");
    assert_eq!(resumed.history.len(), 3);
    assert_eq!(resumed.history[2].epoch, 3);
}

#[cfg(all(feature = "ndarray", feature = "flex"))]
#[test]
fn checkpoint_written_on_one_cpu_backend_loads_on_the_other() {
    let series = sample(24);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let flex = BackendKind::Flex.device().expect("flex");
    let ndarray = BackendKind::Ndarray.device().expect("ndarray");
    let trainer = Trainer::new(&weeks, 1, flex.clone()).expect("split");
    let state = trainer
        .init(FeatureSet::default(), &tiny_model(), tiny_training(1))
        .expect("init");
    let state = trainer.fit(state, 1).expect("fit");
    let checkpoint = wrap(state, &trainer, &weeks);
    let dir = tempfile::tempdir().expect("tmp");
    checkpoint.save(dir.path()).expect("save on flex");
    let on_ndarray = Checkpoint::load(dir.path(), &ndarray).expect("load on ndarray");
    let t = trainer.split().anchors(SplitPart::Test, 1)[0];
    let p_flex = checkpoint
        .state
        .forecaster(&flex)
        .outputs(&weeks, t, &[(0, 1), (1, 0), (2, 3)])
        .expect("flex");
    let p_nd = on_ndarray
        .state
        .forecaster(&ndarray)
        .outputs(&weeks, t, &[(0, 1), (1, 0), (2, 3)])
        .expect("ndarray");
    for (a, b) in p_flex.probabilities.iter().zip(&p_nd.probabilities) {
        assert!((a - b).abs() < 1e-4, "flex {a} vs ndarray {b}");
    }
    // And back: saved from ndarray, loaded on flex, identical weights.
    let dir2 = tempfile::tempdir().expect("tmp");
    on_ndarray.save(dir2.path()).expect("save on ndarray");
    let back = Checkpoint::load(dir2.path(), &flex).expect("load on flex");
    let p_back = back
        .state
        .forecaster(&flex)
        .outputs(&weeks, t, &[(0, 1), (1, 0), (2, 3)])
        .expect("flex");
    assert_eq!(p_back.probabilities, p_flex.probabilities);
}

#[test]
fn damaged_checkpoints_are_typed_errors_naming_the_file() {
    let series = sample(24);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let trainer = Trainer::new(&weeks, 1, cpu()).expect("split");
    let state = trainer
        .init(
            FeatureSet::default(),
            &tiny_model(),
            TrainConfig {
                epochs: 1,
                ..tiny_training(1)
            },
        )
        .expect("init");
    let checkpoint = wrap(state, &trainer, &weeks);
    let dir = tempfile::tempdir().expect("tmp");
    checkpoint.save(dir.path()).expect("save");
    let model = dir.path().join("model.bpk");
    let good = std::fs::read(&model).expect("read");

    let expect_checkpoint_error =
        |what: &str, file: &str| match Checkpoint::load(dir.path(), &cpu()) {
            Err(ModelError::Checkpoint { path, .. }) => {
                assert!(path.ends_with(file), "{what}: {path:?}")
            }
            Err(ModelError::Io { path, .. }) => assert!(path.ends_with(file), "{what}: {path:?}"),
            Err(e) => panic!("{what}: unexpected error {e}"),
            Ok(_) => panic!("{what}: loaded"),
        };
    std::fs::write(&model, &good[..good.len() / 2]).expect("truncate");
    expect_checkpoint_error("truncated", "model.bpk");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xFF;
    std::fs::write(&model, &flipped).expect("corrupt");
    expect_checkpoint_error("corrupt", "model.bpk");
    std::fs::write(&model, &good).expect("restore");
    Checkpoint::load(dir.path(), &cpu()).expect("restored checkpoint loads");

    let meta_path = dir.path().join("checkpoint.json");
    let meta = std::fs::read_to_string(&meta_path).expect("meta");
    std::fs::write(&meta_path, &meta[..meta.len() / 3]).expect("truncate meta");
    expect_checkpoint_error("truncated json", "checkpoint.json");
    // A model of another size: the record does not fit.
    let mut value: serde_json::Value = serde_json::from_str(&meta).expect("json");
    value["model"]["d_model"] = serde_json::json!(16);
    value["model"]["d_ff"] = serde_json::json!(16);
    std::fs::write(&meta_path, serde_json::to_string(&value).expect("json")).expect("write");
    expect_checkpoint_error("mismatched sizes", "model.bpk");
    // A checkpoint for another feature set.
    let mut value: serde_json::Value = serde_json::from_str(&meta).expect("json");
    value["scaling"]["features"]["history_extras"] = serde_json::json!(false);
    std::fs::write(&meta_path, serde_json::to_string(&value).expect("json")).expect("write");
    expect_checkpoint_error("other feature set", "checkpoint.json");
    // Written before `pair_skip` existed: the default (off) is filled in and it loads; a
    // missing size is still an error.
    let mut value: serde_json::Value = serde_json::from_str(&meta).expect("json");
    let model_config = value["model"].as_object_mut().expect("model");
    assert_eq!(
        model_config.remove("pair_skip"),
        Some(serde_json::json!(false))
    );
    std::fs::write(&meta_path, serde_json::to_string(&value).expect("json")).expect("write");
    let old = Checkpoint::load(dir.path(), &cpu()).expect("an older checkpoint loads");
    assert!(!old.state.model_config.pair_skip);
    value["model"]
        .as_object_mut()
        .expect("model")
        .remove("node_features");
    std::fs::write(&meta_path, serde_json::to_string(&value).expect("json")).expect("write");
    expect_checkpoint_error("missing size", "checkpoint.json");
    std::fs::remove_file(&meta_path).expect("rm");
    expect_checkpoint_error("missing", "checkpoint.json");
}

#[test]
fn forecast_at_t_ignores_weeks_after_t() {
    let full = sample(30);
    let weeks_full = WeekGraphs::new(&full, None).expect("graphs");
    let checkpoint = trained(&weeks_full, 1);
    let forecaster = checkpoint.state.forecaster(&cpu());
    let date = full.snapshots()[20].date;
    let truncated = sample(21);
    let weeks_cut = WeekGraphs::new(&truncated, None).expect("graphs");
    let write = |weeks: &WeekGraphs| {
        let t = weeks.position(date).expect("date");
        let forecast = forecaster.forecast(weeks, t).expect("forecast");
        let mut bytes = Vec::new();
        SeriesWriter::new()
            .write_to(&forecast.to_series(weeks).expect("series"), &mut bytes)
            .expect("write");
        (forecast.probabilities, bytes)
    };
    let (p_full, bytes_full) = write(&weeks_full);
    let (p_cut, bytes_cut) = write(&weeks_cut);
    assert!(!bytes_full.is_empty());
    assert_eq!(
        p_full.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        p_cut.iter().map(|p| p.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(
        bytes_full, bytes_cut,
        "Ĝ must not depend on weeks after its anchor"
    );
    // The forecast graph is dated t + h and only holds nodes of week t.
    let t = weeks_cut.position(date).expect("date");
    let forecast = forecaster.forecast(&weeks_cut, t).expect("forecast");
    assert_eq!(forecast.target, date + chrono::Days::new(7));
    assert_eq!(forecast.graph.node_count(), weeks_cut.graph(t).node_count());
}

#[test]
fn clear_errors_for_dates_and_horizons() {
    let series = sample(24);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let err = weeks
        .position("2030-01-07".parse().expect("date"))
        .expect_err("outside");
    assert!(
        err.to_string().contains("not a week of the series"),
        "{err}"
    );
    let err = Trainer::new(&weeks, 12, cpu()).expect_err("h = 12 on 24 weeks");
    assert!(matches!(err, ModelError::NotEnoughWeeks(_)), "{err}");
    assert!("cuda".parse::<BackendKind>().is_err());
}

#[test]
fn warm_started_model_ranks_as_the_pair_logistic_model() {
    use dexposure_model::Forecaster;
    use dexposure_model::baselines::PairLogistic;

    let series = sample(20);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let h = 1;
    let trainer = Trainer::new(&weeks, h, cpu()).expect("split");
    let config = TrainConfig {
        pair_warm_start: true,
        ..tiny_training(h)
    };
    // Without the pair path there is nothing to warm-start.
    let err = trainer
        .init(FeatureSet::default(), &tiny_model(), config.clone())
        .expect_err("warm start needs the pair path");
    assert!(err.to_string().contains("pair_skip"), "{err}");
    let state = trainer
        .init(
            FeatureSet::default(),
            &tiny_model().with_pair_skip(true),
            config.clone(),
        )
        .expect("init");
    let anchors = trainer.split().anchors(SplitPart::Train, h);
    let logistic = PairLogistic::fit(&weeks, &FeatureSet::default(), &anchors, h, config.seed)
        .expect("logistic");
    let t = trainer.split().anchors(SplitPart::Validation, h)[0];
    let g = weeks.graph(t);
    let pairs: Vec<(u32, u32)> = (0..g.node_count() as u32)
        .flat_map(|u| {
            [
                (u, (u + 1) % g.node_count() as u32),
                (u, (u * 7 + 3) % g.node_count() as u32),
            ]
        })
        .filter(|(u, v)| u != v)
        .collect();
    let model = state
        .forecaster(&cpu())
        .predict_pairs(&weeks, t, &pairs)
        .expect("model");
    let reference = logistic.predict_pairs(&weeks, t, &pairs).expect("logistic");
    for (k, (a, b)) in model.scores.iter().zip(&reference.scores).enumerate() {
        assert!(
            (a - b).abs() < 1e-4,
            "pair {k}: model {a}, pair_logistic {b}"
        );
    }
    // Training keeps the starting weights (epoch 0) unless an epoch beats them on validation.
    let start = state
        .forecaster(&cpu())
        .predict_pairs(&weeks, t, &pairs)
        .expect("start");
    let fitted = trainer.fit(state, 1).expect("fit");
    let after = fitted
        .forecaster(&cpu())
        .predict_pairs(&weeks, t, &pairs)
        .expect("after");
    let epochs: Vec<usize> = fitted.history.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs, vec![0, 1]);
    assert_eq!(fitted.history[0].steps, 0);
    let (warm, trained) = (&fitted.history[0], &fitted.history[1]);
    if trained.validation_auprc > warm.validation_auprc {
        assert_ne!(
            start.scores, after.scores,
            "the better epoch-1 weights are kept"
        );
    } else {
        assert_eq!(start.scores, after.scores, "the warm start is kept");
    }
}

#[test]
fn trains_on_a_walk_forward_fold() {
    let series = sample(30);
    let weeks = WeekGraphs::new(&series, None).expect("graphs");
    let folds = WalkForward {
        min_train: 12,
        validation: 4,
        test: Some(4),
        step: 6,
    }
    .folds(weeks.len(), 1)
    .expect("folds");
    // 12 + 4 + 4 weeks, then 18 + 4 + 4; a third fold would need 32 weeks.
    assert_eq!(folds.len(), 2);
    let fold = folds[1].clone();
    let trainer = Trainer::with_split(&weeks, fold.clone(), 1, cpu()).expect("trainer");
    assert_eq!(trainer.split(), &fold);
    let state = trainer
        .init(FeatureSet::default(), &tiny_model(), tiny_training(1))
        .expect("init");
    let state = trainer.fit(state, 1).expect("fit");
    assert_eq!(state.history.len(), 1);
    // A split past the series, or a part without an anchor, is an error.
    let past = ForecastSplit {
        test: 26..31,
        ..fold.clone()
    };
    assert!(Trainer::with_split(&weeks, past, 1, cpu()).is_err());
    let short = ForecastSplit {
        validation: 18..19,
        test: 19..23,
        ..fold
    };
    let err = Trainer::with_split(&weeks, short, 1, cpu()).expect_err("no validation anchor");
    assert!(matches!(err, ModelError::NotEnoughWeeks(_)), "{err}");
}

/// Scores of a ring of pairs of week t (the first 30 weeks of the sample): probabilities and
/// non-negative log-weights, the same without the weeks after t, a node prediction per node,
/// errors for a pair or a week out of range. Returns the scores and the pairs.
fn scores_without_looking_ahead(
    forecaster: &dyn dexposure_model::Forecaster,
    weeks: &WeekGraphs,
    t: usize,
) -> (dexposure_model::PairForecast, Vec<(u32, u32)>) {
    let name = forecaster.name();
    let n = weeks.graph(t).node_count() as u32;
    let pairs: Vec<(u32, u32)> = (0..n).map(|u| (u, (u + 1) % n)).collect();
    let scores = forecaster.predict_pairs(weeks, t, &pairs).expect("scores");
    assert_eq!(scores.scores.len(), pairs.len());
    assert!(scores.scores.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(scores.log_weights.iter().all(|w| *w >= 0.0));
    let cut = sample(t + 1);
    let weeks_cut = WeekGraphs::new(&cut, None).expect("graphs");
    assert_eq!(
        scores,
        forecaster
            .predict_pairs(&weeks_cut, t, &pairs)
            .expect("cut"),
        "{name} at t must not read weeks after t"
    );
    assert_eq!(
        forecaster.predict_nodes(weeks, t).expect("nodes").len(),
        n as usize
    );
    assert!(forecaster.predict_pairs(weeks, t, &[(0, n)]).is_err());
    assert!(
        forecaster
            .predict_pairs(weeks, weeks.len(), &pairs)
            .is_err()
    );
    (scores, pairs)
}

mod roland {
    use super::*;
    use dexposure_model::Forecaster;
    use dexposure_model::gcn::GcnPropagation;
    use dexposure_model::roland::{RolandMemory, RolandRun};
    use dexposure_model::{RolandConfig, RolandTrainer};

    fn tiny_roland() -> RolandConfig {
        RolandConfig::new(0)
            .with_mlp_hidden(8)
            .with_mlp_out(6)
            .with_gcn1(5)
            .with_gcn2(4)
    }

    /// Week 0: a, b, c; week 1: a and a new d (b and c leave); week 2: a and b (b returns).
    fn churning_weeks() -> WeekGraphs {
        let json = br#"{"data": {
          "2024-01-01": {"nodes": [{"id": "a", "size": 5.0, "composition": {}}, {"id": "b", "size": 2.0, "composition": {}},
                                   {"id": "c", "size": 3.0, "composition": {}}],
                         "links": [{"source": "a", "target": "b", "size": 1.0, "composition": {}},
                                   {"source": "c", "target": "a", "size": 2.0, "composition": {}}]},
          "2024-01-08": {"nodes": [{"id": "a", "size": 6.0, "composition": {}}, {"id": "d", "size": 1.0, "composition": {}}],
                         "links": [{"source": "d", "target": "a", "size": 1.0, "composition": {}}]},
          "2024-01-15": {"nodes": [{"id": "a", "size": 7.0, "composition": {}}, {"id": "b", "size": 2.0, "composition": {}}],
                         "links": [{"source": "a", "target": "b", "size": 3.0, "composition": {}}]}}}"#;
        let series = SeriesLoader::new()
            .load_bytes(json, "churn.json")
            .expect("series");
        WeekGraphs::new(&series, None).expect("graphs")
    }

    #[test]
    fn a_protocol_keeps_its_state_through_node_churn() {
        let weeks = churning_weeks();
        let device = cpu();
        let features = FeatureSet::default();
        let normalizer = features
            .fit_node_normalizer(&weeks, 0..3)
            .expect("normalizer");
        let config = RolandConfig {
            node_features: normalizer.dim(),
            ..tiny_roland()
        };
        let model = config.init(&device).expect("model");
        let inputs = dexposure_model::roland::RolandInputs {
            weeks: &weeks,
            features: &features,
            normalizer: &normalizer,
            config: &config,
        };
        let id = |t: usize, name: &str| {
            let g = weeks.graph(t);
            g.protocol(g.index_of_name(name).expect("node"))
        };
        let mut run = RolandRun::new();
        run.run_to(&model, &inputs, 0, &device).expect("week 0");
        assert_eq!(run.memory.len(), 3);
        let a_week0 = run.memory.state(id(0, "a")).expect("a").1.to_vec();
        run.run_to(&model, &inputs, 1, &device).expect("week 1");
        // b and c left and are forgotten; d is new; a is kept.
        assert_eq!(run.memory.len(), 2);
        assert!(run.memory.state(id(0, "b")).is_none());
        assert!(run.memory.state(id(1, "d")).is_some());
        let a_week1 = run.memory.state(id(1, "a")).expect("a").1.to_vec();
        // The state a carried changed its week-1 state: running week 1 from an empty memory
        // (what a reset on a node-count change would do) gives another state.
        let g1 = weeks.graph(1);
        let reset = RolandMemory::default().gather(g1, &config, &device);
        let from_zero = model.step(
            inputs_matrix(&features, &normalizer, &weeks, 1, &device),
            &GcnPropagation::new(g1, &device),
            reset,
        );
        let mut scratch = RolandMemory::default();
        scratch.replace(g1, &from_zero).expect("replace");
        let a_reset = scratch.state(id(1, "a")).expect("a").1.to_vec();
        assert_ne!(a_week1, a_reset, "a's memory must survive the churn");
        // Carrying a's week-0 state by hand gives exactly the run's state.
        let mut week0_run = RolandRun::new();
        week0_run
            .run_to(&model, &inputs, 0, &device)
            .expect("week 0");
        let by_hand = model.step(
            inputs_matrix(&features, &normalizer, &weeks, 1, &device),
            &GcnPropagation::new(g1, &device),
            week0_run.memory.gather(g1, &config, &device),
        );
        let mut check = RolandMemory::default();
        check.replace(g1, &by_hand).expect("replace");
        assert_eq!(check.state(id(1, "a")).expect("a").1, a_week1.as_slice());
        assert_ne!(a_week0, a_week1);
        // b returns at week 2 and starts from zero again: its gathered state is all zeros.
        let g2 = weeks.graph(2);
        let gathered = run.memory.gather(g2, &config, &device);
        let rows = gathered
            .second
            .into_data()
            .try_to_vec::<f32>()
            .expect("rows");
        let b = g2.index_of_name("b").expect("b");
        assert!(rows[b * 4..(b + 1) * 4].iter().all(|&v| v == 0.0));
        let a = g2.index_of_name("a").expect("a");
        assert_eq!(&rows[a * 4..(a + 1) * 4], a_week1.as_slice());
        // Asking for an earlier week of the same run is an error, not a silent reuse.
        run.run_to(&model, &inputs, 1, &device)
            .expect("already run");
        assert!(run.run_to(&model, &inputs, 0, &device).is_err());
    }

    fn inputs_matrix(
        features: &FeatureSet,
        normalizer: &dexposure_model::Normalizer,
        weeks: &WeekGraphs,
        t: usize,
        device: &burn::prelude::Device,
    ) -> burn::prelude::Tensor<2> {
        let mut x = features.node_features(weeks, t);
        normalizer.apply(&mut x);
        burn::prelude::Tensor::from_data(
            burn::prelude::TensorData::new(x, [weeks.graph(t).node_count(), normalizer.dim()]),
            device,
        )
    }

    #[test]
    fn roland_trains_and_scores_without_looking_ahead() {
        let full = sample(30);
        let weeks = WeekGraphs::new(&full, None).expect("graphs");
        let split = ForecastSplit::for_dates(weeks.dates(), 1).expect("split");
        let trainer = RolandTrainer::new(&weeks, split.clone(), cpu());
        let forecaster = trainer
            .fit(&FeatureSet::default(), &tiny_roland(), &tiny_training(1))
            .expect("fit");
        assert_eq!(forecaster.name(), "roland");
        assert!(!forecaster.history.is_empty());
        assert!(forecaster.history.iter().all(|e| e.train_loss.is_finite()));
        let t = split.anchors(SplitPart::Test, 1)[0];
        let (first, pairs) = scores_without_looking_ahead(&forecaster, &weeks, t);
        // An earlier anchor restarts the run; asking again gives the same numbers.
        forecaster
            .predict_pairs(&weeks, t - 3, &pairs[..2])
            .expect("earlier");
        let again = forecaster.predict_pairs(&weeks, t, &pairs).expect("again");
        assert_eq!(first, again);
    }
}

mod static_gnn {
    use super::*;
    use dexposure_model::gnn::{StaticGnn, StaticGnnTrainer, WeekEncoder};
    use dexposure_model::node2vec::Node2VecChain;
    use dexposure_model::{Forecaster, GatConfig, GcnConfig, Node2VecConfig};

    fn tiny_node2vec() -> Node2VecConfig {
        Node2VecConfig::new()
            .with_dim(4)
            .with_walks_per_node(2)
            .with_walk_length(6)
            .with_window(2)
            .with_pairs_per_week(512)
            .with_batch(256)
    }

    /// Trains `model` on the first 30 weeks at h = 1 and checks the forecaster's outputs and
    /// that its scores at a test anchor do not change without the weeks after it.
    fn trains_and_scores<E: WeekEncoder + 'static>(
        build: impl Fn(usize) -> StaticGnn<E>,
        name: &str,
    ) {
        let full = sample(30);
        let weeks = WeekGraphs::new(&full, None).expect("graphs");
        let split = ForecastSplit::for_dates(weeks.dates(), 1).expect("split");
        let trainer = StaticGnnTrainer::new(&weeks, split.clone(), cpu());
        let features = FeatureSet::default();
        let normalizer = trainer.normalizer(&features).expect("normalizer");
        let model = build(normalizer.dim());
        let forecaster = trainer
            .fit(model, &features, normalizer, &tiny_training(1))
            .expect("fit");
        assert_eq!(forecaster.name(), name);
        assert!(!forecaster.history.is_empty());
        assert!(forecaster.history.iter().all(|e| e.train_loss.is_finite()));
        assert!(forecaster.best_validation_auprc().is_some());
        let t = split.anchors(SplitPart::Test, 1)[0];
        scores_without_looking_ahead(&forecaster, &weeks, t);
    }

    #[test]
    fn gcn_trains_and_scores_without_looking_ahead() {
        let ad = cpu().autodiff();
        trains_and_scores(
            |f| {
                GcnConfig::new(f)
                    .with_hidden(8)
                    .with_out(4)
                    .init(&ad)
                    .expect("gcn")
            },
            "gcn",
        );
        assert!(GcnConfig::new(3).with_out(0).init(&ad).is_err());
    }

    #[test]
    fn gat_trains_and_scores_without_looking_ahead() {
        let ad = cpu().autodiff();
        trains_and_scores(
            |f| {
                GatConfig::new(f)
                    .with_heads(2)
                    .with_head_width(4)
                    .with_out(4)
                    .init(&ad)
                    .expect("gat")
            },
            "gat",
        );
        assert!(
            GatConfig::new(3)
                .with_negative_slope(1.5)
                .init(&ad)
                .is_err()
        );
    }

    #[test]
    fn node2vec_trains_and_scores_without_looking_ahead() {
        let device = cpu();
        let ad = device.clone().autodiff();
        trains_and_scores(
            |_| tiny_node2vec().init(7, &ad).expect("node2vec"),
            "node2vec",
        );
        // The embeddings of week t from a chain that never saw a later week equal those of a
        // chain that ran the whole series (the forecaster above caches its chain, so this is
        // the leak check for the embeddings themselves).
        let full = sample(30);
        let weeks = WeekGraphs::new(&full, None).expect("graphs");
        let t = 20;
        let whole = Node2VecChain::new(tiny_node2vec(), device.clone());
        whole.embeddings(&weeks, weeks.len() - 1).expect("whole");
        let cut = sample(t + 1);
        let weeks_cut = WeekGraphs::new(&cut, None).expect("graphs");
        let prefix = Node2VecChain::new(tiny_node2vec(), device.clone());
        assert_eq!(
            whole.embeddings(&weeks, t).expect("t"),
            prefix.embeddings(&weeks_cut, t).expect("cut")
        );
        // Past the last week is an error; so are invalid settings.
        assert!(whole.embeddings(&weeks, weeks.len()).is_err());
        assert!(Node2VecConfig::new().with_p(0.0).validate().is_err());
        assert!(
            Node2VecConfig::new()
                .with_walk_length(1)
                .validate()
                .is_err()
        );
    }
}

mod benchmark {
    use super::*;
    use dexposure_model::benchmark::{
        Benchmark, BenchmarkModel, BenchmarkPlan, BenchmarkResults, CellResult,
    };
    use dexposure_model::experiment::DataLabel;
    use dexposure_model::{GatConfig, GcnConfig, Node2VecConfig, RolandConfig};

    fn tiny_plan() -> BenchmarkPlan {
        BenchmarkPlan {
            train: TrainConfig {
                epochs: 1,
                patience: 1,
                pairs_per_step: 256,
                ..TrainConfig::new(1)
            },
            transformer: tiny_model(),
            roland: RolandConfig::new(0)
                .with_mlp_hidden(8)
                .with_mlp_out(8)
                .with_gcn1(8)
                .with_gcn2(4),
            gcn: GcnConfig::new(0).with_hidden(8).with_out(4),
            gat: GatConfig::new(0)
                .with_heads(2)
                .with_head_width(4)
                .with_out(4),
            node2vec: Node2VecConfig::new()
                .with_dim(4)
                .with_walks_per_node(1)
                .with_walk_length(5)
                .with_pairs_per_week(256)
                .with_batch(256),
            ..BenchmarkPlan::new(vec![1], vec![42])
        }
    }

    /// `plan` run on the first 30 weeks of the sample, in a temporary folder.
    fn run_on_30_weeks(plan: BenchmarkPlan) -> BenchmarkResults {
        let series = sample(30);
        let weeks = WeekGraphs::new(&series, None).expect("graphs");
        let dir = tempfile::tempdir().expect("tmp");
        Benchmark::new(&weeks, cpu(), plan, dir.path(), "plan.json")
            .expect("plan")
            .run(false)
            .expect("run")
    }

    /// The whole benchmark on a tiny configuration (30 weeks, one horizon, one seed): every
    /// row, one result file per cell, tables, resumption and a plan mismatch.
    #[test]
    fn tiny_benchmark_runs_every_row_and_resumes() {
        let series = sample(30);
        let weeks = WeekGraphs::new(&series, None).expect("graphs");
        let dir = tempfile::tempdir().expect("tmp");
        let plan = tiny_plan();
        let benchmark =
            Benchmark::new(&weeks, cpu(), plan.clone(), dir.path(), "plan.json").expect("plan");
        let cells = benchmark.cells().expect("cells");
        assert_eq!(cells.len(), BenchmarkModel::all().len());
        let results = benchmark.run(false).expect("run");
        assert_eq!(results.cells.len(), cells.len());
        let table = results.table();
        for model in BenchmarkModel::all() {
            let row = table.row(&model.name(), 1).expect("a row per model");
            let auroc = row.metric("uniform_auroc").and_then(|m| m.mean);
            assert!(auroc.is_some_and(|a| (0.0..=1.0).contains(&a)), "{model:?}");
            let train = row.metric("train_seconds").and_then(|m| m.mean);
            let predict = row.metric("predict_seconds").and_then(|m| m.mean);
            assert!(train.is_some_and(|s| s >= 0.0) && predict.is_some_and(|s| s >= 0.0));
            assert!(
                dir.path()
                    .join("cells")
                    .join(format!("{}_h1_s42.json", model.name()))
                    .is_file()
            );
        }
        let trained = results
            .cells
            .iter()
            .filter(|c| c.validation_auprc.is_some())
            .count();
        assert_eq!(
            trained, 5,
            "transformer, ROLAND, GCN, GAT and Node2Vec stop early on validation"
        );

        // Resuming reads finished cells back instead of recomputing them.
        let path = dir.path().join("cells/gcn_h1_s42.json");
        let mut cell: CellResult =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("parse");
        cell.scores.train_seconds = Some(12345.0);
        std::fs::write(&path, serde_json::to_string(&cell).expect("json")).expect("write");
        let again = Benchmark::new(&weeks, cpu(), plan.clone(), dir.path(), "plan.json")
            .expect("same plan")
            .run(false)
            .expect("resume");
        let gcn = again.table();
        let gcn = gcn.row("gcn", 1).expect("gcn");
        assert_eq!(
            gcn.metric("train_seconds").and_then(|m| m.mean),
            Some(12345.0)
        );

        // Another plan in the same folder is refused; a shard with its own plan file is not,
        // and gathering reads every cell there.
        let other = BenchmarkPlan {
            seeds: vec![7],
            models: vec![BenchmarkModel::Heuristic(
                dexposure_graph::linkpred::Scorer::Jaccard,
            )],
            ..plan.clone()
        };
        assert!(Benchmark::new(&weeks, cpu(), other.clone(), dir.path(), "plan.json").is_err());
        Benchmark::new(&weeks, cpu(), other, dir.path(), "plan-b.json")
            .expect("shard")
            .run(false)
            .expect("shard run");
        let gathered = BenchmarkResults::read(dir.path(), plan).expect("gather");
        assert_eq!(gathered.cells.len(), cells.len() + 1);

        // Tables: the banner, a row per model, wide CSV columns.
        let label = DataLabel::new("first 30 weeks of the embedded sample", true);
        let markdown = results.to_markdown(&label);
        assert!(markdown.contains("SIMULATED"));
        assert!(markdown.contains("| node2vec |") && markdown.contains("| roland |"));
        let csv = results.to_csv();
        assert!(csv.starts_with("model,h1_runs,h1_uniform_auroc_mean,h1_uniform_auroc_sd"));
        assert_eq!(csv.lines().count(), 1 + BenchmarkModel::all().len());
        results
            .write(&dir.path().join("benchmark"), &label)
            .expect("write");
        for ext in ["md", "csv", "json"] {
            assert!(dir.path().join(format!("benchmark.{ext}")).is_file());
        }
    }

    /// Walk-forward folds: a cell per fold, each scored on its own test weeks, and the
    /// per-fold table.
    #[test]
    fn walk_forward_benchmark_has_a_cell_per_fold() {
        let folds = WalkForward {
            min_train: 12,
            validation: 4,
            test: Some(4),
            step: 6,
        };
        let plan = BenchmarkPlan {
            models: BenchmarkModel::parse_list("gcn,undirected_persistence").expect("models"),
            folds: Some(folds),
            ..tiny_plan()
        };
        let results = run_on_30_weeks(plan);
        // Two folds fit 30 weeks (see trains_on_a_walk_forward_fold).
        assert_eq!(results.cells.len(), 2 * 2);
        let splits = folds.folds(30, 1).expect("folds");
        for cell in &results.cells {
            let k = cell.cell.fold.expect("a fold");
            assert_eq!(cell.split, splits[k]);
            assert_eq!(
                cell.scores.anchors,
                splits[k].anchors(SplitPart::Test, 1).len()
            );
        }
        let per_fold = results.folds_markdown().expect("per-fold table");
        assert_eq!(per_fold.lines().count(), 2 + 2 * 2);
        assert!(per_fold.contains("| gcn | 1 |"));
        let table = results.table();
        assert_eq!(
            table.row("gcn", 1).expect("gcn").seeds.len(),
            2,
            "folds pooled"
        );
    }

    /// With tuning, the trained rows record the option chosen on validation weeks.
    #[test]
    fn tuning_records_the_choice() {
        let results = run_on_30_weeks(BenchmarkPlan {
            models: BenchmarkModel::parse_list("gcn,node2vec,pair_logistic").expect("models"),
            tune: true,
            ..tiny_plan()
        });
        let chosen: Vec<Option<String>> = results.cells.iter().map(|c| c.chosen.clone()).collect();
        assert!(
            chosen[0]
                .as_deref()
                .is_some_and(|c| c.starts_with("learning rate x")),
            "{chosen:?}"
        );
        assert!(
            chosen[1].as_deref().is_some_and(|c| c.starts_with("p=")),
            "{chosen:?}"
        );
        assert_eq!(chosen[2], None, "nothing to choose for pair_logistic");
    }

    #[test]
    fn model_lists_parse_and_name_rows() {
        let models = BenchmarkModel::parse_list("transformer, heuristics,gcn,gcn").expect("list");
        assert_eq!(models.len(), 1 + 7 + 1);
        assert_eq!(models[0].name(), "graph_tabular_transformer");
        assert_eq!(
            BenchmarkModel::parse_list("all").expect("all"),
            BenchmarkModel::all()
        );
        assert!(BenchmarkModel::parse_list("gcn,bogus").is_err());
        assert!(BenchmarkModel::parse_list(" , ").is_err());
        for m in BenchmarkModel::all() {
            let json = serde_json::to_string(&m).expect("json");
            assert_eq!(
                serde_json::from_str::<BenchmarkModel>(&json).expect("back"),
                m
            );
        }
        let mut plan = BenchmarkPlan::new(vec![1], vec![1]);
        plan.anchor_stride = 0;
        assert!(plan.validate().is_err());
    }
}
