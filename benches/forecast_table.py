"""Condenses the JSON results tables written by `forecast evaluate --out STEM` into the Markdown
tables of docs/BENCHMARKS.md (one table per horizon, key columns, mean ± sd over seeds).

    python3 benches/forecast_table.py results-h1.json results-h4.json ...
"""
import json
import sys

COLUMNS = [
    ("uniform_auroc", "AUROC (a)"),
    ("uniform_auprc", "AUPRC (a)"),
    ("hard_auprc", "AUPRC hard (b)"),
    ("new_link_auprc", "AUPRC new (c)"),
    ("direction_accuracy", "direction (d)"),
    ("ranking_precision", "P@|E| (e)"),
    ("weight_mae", "weight MAE"),
    ("node_mae", "node MAE"),
    ("exposure_ratio", "pred/actual exposure"),
]
ORDER = [
    "uniform_auroc", "uniform_auprc", "uniform_recall_at_k", "hard_auroc", "hard_auprc",
    "new_link_auroc", "new_link_auprc", "direction_accuracy", "ranking_precision",
    "ranking_recall", "weight_mae", "weight_rmse", "weight_weighted_mae", "node_mae",
    "node_rmse", "actual_exposure", "predicted_exposure", "exposure_ratio",
]


def cell(m):
    if m["mean"] is None:
        return "–"
    if m["sd"] is None:
        return f"{m['mean']:.3f}"
    return f"{m['mean']:.3f} ± {m['sd']:.3f}"


for path in sys.argv[1:]:
    table = json.load(open(path))
    rows = table["rows"]
    print(f"\nh = {rows[0]['horizon']} ({len(rows[0]['seeds'])} seeds: {', '.join(map(str, rows[0]['seeds']))})\n")
    print("| model | " + " | ".join(label for _, label in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for row in rows:
        cells = [cell(row["metrics"][ORDER.index(key)]) for key, _ in COLUMNS]
        print(f"| {row['model']} | " + " | ".join(cells) + " |")
