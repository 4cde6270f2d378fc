"""Gradient-boosted trees, evaluated with numpy: the run-time half of an exported model.

A model file is JSON written by ``training/export.py`` from a scikit-learn
``HistGradientBoostingClassifier``: every tree's nodes as flat arrays, the baseline score per class,
the feature names it was trained on, and a few rows with the probabilities scikit-learn gave them
(``check``), so a test proves this evaluator reproduces the trained model without scikit-learn.
All trees walk at once, one depth level per step, over all rows: a page's lines cost a few numpy
calls, not a Python loop per node.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_FORMAT = "scraper-trees/1"


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Trees of one model. ``classes`` are the labels; binary models score the second one."""

    features: tuple[str, ...]
    classes: tuple[str, ...]
    baseline: np.ndarray  # (k,) raw score before any tree; k = 1 for a binary model
    feature: np.ndarray  # (nodes,) feature index tested at a node
    threshold: np.ndarray  # (nodes,) go left when value <= threshold
    missing_left: np.ndarray  # (nodes,) where a missing value (NaN) goes
    left: np.ndarray  # (nodes,) absolute index of the left child
    right: np.ndarray
    leaf: np.ndarray  # (nodes,) bool
    value: np.ndarray  # (nodes,) a leaf's score
    roots: np.ndarray  # (trees,) index of each tree's root
    tree_class: np.ndarray  # (trees,) which class's score a tree adds to
    depth: int
    meta: dict

    @classmethod
    def load(cls, path: Path) -> TreeEnsemble:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError(f"{path}: not a {_FORMAT} model file")
        nodes = data["nodes"]
        return cls(
            features=tuple(data["features"]),
            classes=tuple(data["classes"]),
            baseline=np.asarray(data["baseline"], dtype=np.float64),
            feature=np.asarray(nodes["feature"], dtype=np.intp),
            threshold=np.asarray(nodes["threshold"], dtype=np.float64),
            missing_left=np.asarray(nodes["missing_left"], dtype=bool),
            left=np.asarray(nodes["left"], dtype=np.intp),
            right=np.asarray(nodes["right"], dtype=np.intp),
            leaf=np.asarray(nodes["leaf"], dtype=bool),
            value=np.asarray(nodes["value"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.intp),
            tree_class=np.asarray(data["tree_class"], dtype=np.intp),
            depth=int(data["depth"]),
            meta=dict(data.get("meta", {})),
        )

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """Raw scores, shape (rows, k): the baseline plus every tree's leaf value."""
        rows = np.asarray(rows, dtype=np.float64)
        n = rows.shape[0]
        node = np.broadcast_to(self.roots, (n, self.roots.size)).copy()
        row_index = np.arange(n)[:, None]
        for _ in range(self.depth):
            at_leaf = self.leaf[node]
            if at_leaf.all():
                break
            value = rows[row_index, self.feature[node]]
            go_left = np.where(np.isnan(value), self.missing_left[node], value <= self.threshold[node])
            child = np.where(go_left, self.left[node], self.right[node])
            node = np.where(at_leaf, node, child)
        leaf_values = self.value[node]
        k = self.baseline.size
        scores = np.tile(self.baseline, (n, 1))
        for klass in range(k):
            scores[:, klass] += leaf_values[:, self.tree_class == klass].sum(axis=1)
        return scores

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (rows, classes)."""
        scores = self.raw(rows)
        if scores.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)
