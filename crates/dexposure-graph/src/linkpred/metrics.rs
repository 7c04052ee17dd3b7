//! Ranking and regression metrics for link prediction, computed as scikit-learn does.

use serde::{Deserialize, Serialize};

use crate::error::{GraphError, Result};

fn check(scores: &[f64], labels: &[bool]) -> Result<()> {
    if scores.len() != labels.len() {
        return Err(GraphError::InvalidArgument(format!(
            "{} scores for {} labels",
            scores.len(),
            labels.len()
        )));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(GraphError::InvalidArgument(format!(
            "score {i} is {}",
            scores[i]
        )));
    }
    Ok(())
}

/// Positions sorted by decreasing score, then groups of equal scores as `(start, end)` ranges.
fn ranked_groups(scores: &[f64]) -> (Vec<usize>, Vec<(usize, usize)>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut groups = Vec::new();
    let mut start = 0;
    for k in 1..=order.len() {
        if k == order.len() || scores[order[k]] != scores[order[start]] {
            groups.push((start, k));
            start = k;
        }
    }
    (order, groups)
}

/// Area under the ROC curve, ties counted half (= `sklearn.metrics.roc_auc_score`). None when
/// only one class is present (scikit-learn raises there).
pub fn auroc(scores: &[f64], labels: &[bool]) -> Result<Option<f64>> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Ok(None);
    }
    // Walk groups from the highest score: each positive outranks the negatives below it and
    // ties with the negatives of its own group (half credit).
    let (order, groups) = ranked_groups(scores);
    let mut negatives_below = negatives as f64;
    let mut area = 0.0;
    for (start, end) in groups {
        let pos = order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        let neg = (end - start) as f64 - pos;
        negatives_below -= neg;
        area += pos * (negatives_below + 0.5 * neg);
    }
    Ok(Some(area / (positives as f64 * negatives as f64)))
}

/// Average precision with the step rule, `Σ_n (R_n − R_{n−1}) P_n` over distinct score
/// thresholds (= `sklearn.metrics.average_precision_score`). None without positives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<Option<f64>> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return Ok(None);
    }
    let (order, groups) = ranked_groups(scores);
    let (mut tp, mut ap, mut last_recall) = (0usize, 0.0, 0.0);
    for (start, end) in groups {
        tp += order[start..end].iter().filter(|&&i| labels[i]).count();
        let seen = end;
        let recall = tp as f64 / positives as f64;
        ap += (recall - last_recall) * (tp as f64 / seen as f64);
        last_recall = recall;
    }
    Ok(Some(ap))
}

/// Share of all positives found among the `k` highest scores (ties broken by position).
/// None without positives.
pub fn recall_at_k(scores: &[f64], labels: &[bool], k: usize) -> Result<Option<f64>> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return Ok(None);
    }
    let (order, _) = ranked_groups(scores);
    let found = order.iter().take(k).filter(|&&i| labels[i]).count();
    Ok(Some(found as f64 / positives as f64))
}

/// Regression errors of predictions against targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionErrors {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Σ w |y − ŷ| / Σ w (equal to MAE without weights).
    pub weighted_mae: f64,
    /// Number of pairs.
    pub count: usize,
}

impl RegressionErrors {
    /// Errors of `predicted` against `actual`, optionally weighted (weights ≥ 0, finite, not all
    /// zero). None for empty input.
    pub fn compute(
        predicted: &[f64],
        actual: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Option<Self>> {
        if predicted.len() != actual.len() || weights.is_some_and(|w| w.len() != actual.len()) {
            return Err(GraphError::InvalidArgument(
                "predictions, targets and weights differ in length".into(),
            ));
        }
        if predicted.iter().chain(actual).any(|x| !x.is_finite()) {
            return Err(GraphError::InvalidArgument(
                "non-finite prediction or target".into(),
            ));
        }
        if predicted.is_empty() {
            return Ok(None);
        }
        let n = predicted.len() as f64;
        let errors: Vec<f64> = predicted
            .iter()
            .zip(actual)
            .map(|(p, a)| (p - a).abs())
            .collect();
        let mae = errors.iter().sum::<f64>() / n;
        let rmse = (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt();
        let weighted_mae = match weights {
            None => mae,
            Some(w) => {
                if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
                    return Err(GraphError::InvalidArgument(
                        "weights must be finite and non-negative".into(),
                    ));
                }
                let total: f64 = w.iter().sum();
                if total <= 0.0 {
                    return Err(GraphError::InvalidArgument("weights sum to zero".into()));
                }
                errors.iter().zip(w).map(|(e, w)| e * w).sum::<f64>() / total
            }
        };
        Ok(Some(Self {
            mae,
            rmse,
            weighted_mae,
            count: predicted.len(),
        }))
    }
}
