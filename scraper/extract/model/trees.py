"""Gradient-boosted trees, evaluated with numpy: the run-time half of an exported model.

A model file is JSON written by ``training/export.py`` from a scikit-learn
``HistGradientBoostingClassifier``: every tree's nodes as flat arrays, the baseline score per class,
the feature names it was trained on, and a few rows with the probabilities scikit-learn gave them
(``check``), so a test proves this evaluator reproduces the trained model without scikit-learn.

All trees walk at once, one depth level per step, over all rows: a page's lines cost a few numpy
calls, not a Python loop per node. To keep each step to a handful of calls, the nodes are laid out
again when the file is read: a node's two children sit side by side (the right one is the left one
plus 1, so "go right" is an addition), and a leaf is its own child behind an infinite threshold,
so rows that reached a leaf stay there without a test.
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
    feature: np.ndarray  # (nodes,) feature index tested at a node (0 at a leaf)
    threshold: np.ndarray  # (nodes,) go left when value <= threshold (+inf at a leaf)
    missing_right: np.ndarray  # (nodes,) 1 where a missing value (NaN) goes right (0 at a leaf)
    first_child: np.ndarray  # (nodes,) the left child; the right one follows it (a leaf: itself)
    value: np.ndarray  # (nodes,) a leaf's score
    roots: np.ndarray  # (trees,) index of each tree's root
    tree_classes: np.ndarray  # (trees, k) 1 where a tree adds to a class's score
    depth: int
    meta: dict

    @classmethod
    def load(cls, path: Path) -> TreeEnsemble:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError(f"{path}: not a {_FORMAT} model file")
        nodes = data["nodes"]
        leaf = np.asarray(nodes["leaf"], dtype=bool)
        left, right = nodes["left"], nodes["right"]
        # Breadth first from all roots, so each node's children take two adjacent places.
        order = [int(root) for root in data["roots"]]
        for old in order:  # the list grows while it is read
            if not leaf[old]:
                order += [int(left[old]), int(right[old])]
        new_index = np.empty(len(leaf), dtype=np.intp)
        new_index[order] = np.arange(len(order))
        old = np.asarray(order, dtype=np.intp)
        is_leaf = leaf[old]
        first_child = np.where(is_leaf, np.arange(len(old)), new_index[np.asarray(left, dtype=np.intp)[old]])
        classes = len(data["baseline"])
        tree_class = np.asarray(data["tree_class"], dtype=np.intp)
        tree_classes = np.zeros((tree_class.size, classes))
        tree_classes[np.arange(tree_class.size), tree_class] = 1.0
        return cls(
            features=tuple(data["features"]),
            classes=tuple(data["classes"]),
            baseline=np.asarray(data["baseline"], dtype=np.float64),
            feature=np.where(is_leaf, 0, np.asarray(nodes["feature"], dtype=np.intp)[old]),
            threshold=np.where(is_leaf, np.inf, np.asarray(nodes["threshold"], dtype=np.float64)[old]),
            missing_right=np.where(is_leaf, 0, 1 - np.asarray(nodes["missing_left"], dtype=np.intp)[old]),
            first_child=first_child.astype(np.intp),
            value=np.asarray(nodes["value"], dtype=np.float64)[old],
            roots=new_index[np.asarray(data["roots"], dtype=np.intp)],
            tree_classes=tree_classes,
            depth=int(data["depth"]),
            meta=dict(data.get("meta", {})),
        )

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """Raw scores, shape (rows, k): the baseline plus every tree's leaf value."""
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        n, width = rows.shape
        flat = rows.ravel()
        row_start = (np.arange(n) * width)[:, None]
        missing = bool(np.isnan(flat).any())
        node = np.broadcast_to(self.roots, (n, self.roots.size))
        for _ in range(self.depth):
            value = flat[row_start + self.feature[node]]
            go_right = value > self.threshold[node]  # False for NaN, which goes where it was trained to
            if missing:
                go_right = np.where(np.isnan(value), self.missing_right[node], go_right)
            node = self.first_child[node] + go_right
        return self.baseline + self.value[node] @ self.tree_classes

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (rows, classes)."""
        scores = self.raw(rows)
        if scores.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)
