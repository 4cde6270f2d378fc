"""Export a fitted scikit-learn ``HistGradientBoostingClassifier`` to the JSON that
:class:`scraper.extract.model.trees.TreeEnsemble` evaluates with numpy (no scikit-learn at run time)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CHECK_ROWS = 32


def _tree_depth(nodes: np.ndarray) -> int:
    depth = 0
    stack = [(0, 0)]
    while stack:
        index, level = stack.pop()
        depth = max(depth, level)
        if not nodes["is_leaf"][index]:
            stack += [(int(nodes["left"][index]), level + 1), (int(nodes["right"][index]), level + 1)]
    return depth


def export(model, features: list[str], rows: np.ndarray, path: Path, meta: dict) -> None:
    """Write ``model`` to ``path``; ``rows`` (training rows) give the check probabilities."""
    columns = {
        name: [] for name in ("feature", "threshold", "missing_left", "left", "right", "leaf", "value")
    }
    roots, tree_class, depth = [], [], 0
    for iteration in model._predictors:
        for klass, predictor in enumerate(iteration):
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported by the exporter")
            offset = len(columns["feature"])
            roots.append(offset)
            tree_class.append(klass)
            depth = max(depth, _tree_depth(nodes))
            leaf = nodes["is_leaf"].astype(bool)
            columns["feature"] += [int(v) for v in nodes["feature_idx"]]
            columns["threshold"] += [float(v) for v in nodes["num_threshold"]]
            columns["missing_left"] += [int(v) for v in nodes["missing_go_to_left"]]
            columns["left"] += [
                int(v) + offset if not lf else 0 for v, lf in zip(nodes["left"], leaf, strict=True)
            ]
            columns["right"] += [
                int(v) + offset if not lf else 0 for v, lf in zip(nodes["right"], leaf, strict=True)
            ]
            columns["leaf"] += [int(v) for v in leaf]
            columns["value"] += [float(v) for v in nodes["value"]]
    picks = np.linspace(0, len(rows) - 1, num=min(CHECK_ROWS, len(rows))).astype(int)
    check_rows = rows[picks]
    data = {
        "format": "scraper-trees/1",
        "features": list(features),
        "classes": [str(c) for c in model.classes_],
        "baseline": [float(v) for v in np.ravel(model._baseline_prediction)],
        "roots": roots,
        "tree_class": tree_class,
        "depth": depth,
        "nodes": columns,
        "meta": meta,
        "check": {
            "rows": [[None if np.isnan(v) else float(v) for v in row] for row in check_rows],
            "probabilities": [[float(p) for p in row] for row in model.predict_proba(check_rows)],
        },
    }
    partial = path.with_suffix(".json.tmp")  # the package never sees a half-written model
    partial.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    partial.replace(path)
