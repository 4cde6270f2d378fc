"""The line judge's threshold protocol (``training/lines.py``): the least leak that keeps recall and
F1, the fewest lines taken on a tie, and no threshold at all when every one costs the article."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parent.parent / "training" / "lines.py"


@pytest.fixture(scope="module")
def protocol():
    spec = importlib.util.spec_from_file_location("training_lines", TRAINING)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)  # puts the repo's benchmarks/ and training/ on sys.path
    finally:
        sys.path[:] = saved
    return module


def _figures(f1: float, recall: float, leak: float, fundus_recall: float = 0.978) -> dict[str, float]:
    return {
        "wcxb-dev F1": f1,
        "wcxb-dev P": 0.95,
        "wcxb-dev R": recall,
        "fundus-news F1": 0.967,
        "fundus-news P": 0.96,
        "fundus-news R": fundus_recall,
        "leak": leak,
        "promo": 0.02,
    }


def _choose(protocol, monkeypatch: pytest.MonkeyPatch, by_threshold: dict[float | None, dict[str, float]]) -> float:
    monkeypatch.setattr(protocol, "score", lambda table, keeps, threshold: by_threshold[threshold])
    monkeypatch.setattr(protocol, "THRESHOLDS", tuple(t for t in by_threshold if t is not None))
    return protocol.choose_threshold([], [])[0]


def test_the_least_leak_within_the_slacks_wins_and_the_lowest_threshold_on_a_tie(protocol, monkeypatch) -> None:
    chosen = _choose(
        protocol,
        monkeypatch,
        {
            None: _figures(0.9500, 0.9627, 0.0259),
            0.1: _figures(0.9501, 0.9626, 0.0255),
            0.5: _figures(0.9499, 0.9619, 0.0246),  # F1 0.0001 lower: noise, within the slack
            0.8: _figures(0.9499, 0.9610, 0.0246),  # the same leak for more lines taken
        },
    )
    assert chosen == 0.5


def test_a_threshold_that_costs_recall_or_f1_is_never_chosen(protocol, monkeypatch) -> None:
    chosen = _choose(
        protocol,
        monkeypatch,
        {
            None: _figures(0.9500, 0.9627, 0.0259),
            0.3: _figures(0.9500, 0.9539, 0.0200),  # wcxb-dev recall below bare trafilatura's
            0.5: _figures(0.9490, 0.9600, 0.0190),  # F1 a point lower
            0.7: _figures(0.9500, 0.9620, 0.0180, fundus_recall=0.970),  # fundus-news recall lost
        },
    )
    assert chosen == 0.0  # the model takes nothing
