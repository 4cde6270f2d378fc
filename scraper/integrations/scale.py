"""One ``scraper warc`` run: WARC files → clean articles, in datatrove tasks (the ``[scale]`` extra).

A run is a pipeline of :mod:`scraper.integrations.datatrove` steps handed to a datatrove executor
(local processes, a Slurm job array, or a Ray cluster): task ``i`` of ``N`` reads every ``N``-th WARC
file from ``i`` on, so with as many tasks as files (the default) each task is one file and its output
``OUT/<task>.jsonl.gz``. datatrove keeps the run's logs, stats and one completion marker per task in
the logging folder (``OUT.scraper/datatrove/`` by default, beside the output as a crawl's work folder
is); running the same command again runs only the tasks without a marker. Which file a task reads
depends on the list of inputs, so the list is recorded there at the first run and a later run with
another list is refused (its tasks would not be the same ones).

The summary is read back from the per-task stats datatrove saves, so it covers every finished task,
this run's and earlier ones'.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import math
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper.errors import ConfigError, InputError
from scraper.io.warc import is_warc_name

EXECUTORS = ("local", "slurm", "ray")
INPUTS_FILE = "inputs.json"


@dataclass(frozen=True, slots=True)
class ScaleSettings:
    """How to clean and how to run: the ``scraper warc`` options as one value."""

    executor: str = "local"
    tasks: int | None = None  # None: one task per file
    workers: int = 1  # tasks running at once (local, ray); Slurm: -1 means no limit
    rules: tuple[str, ...] = ()
    model: bool = True
    drop_flagged: bool = False
    links: bool = False
    images: bool = False
    timeout: float | None = 30.0
    # Slurm and Ray only: what each task is given.
    partition: str | None = None
    time: str = "24:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2.0
    job_name: str = "scraper-warc"


@dataclass(slots=True)
class Summary:
    """What the finished tasks did, summed over their datatrove stats."""

    tasks: int = 0
    finished: int = 0
    pages: int = 0
    articles: int = 0
    failed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        """The report's last line: ``pages 120, articles 97, skipped 23 (not-html 12, ...), failed 0``."""
        reasons = ", ".join(f"{reason} {count}" for reason, count in self.skipped.most_common())
        skipped = sum(self.skipped.values())
        return (
            f"tasks {self.finished}/{self.tasks} done: pages {self.pages}, articles {self.articles}, "
            f"skipped {skipped}{f' ({reasons})' if reasons else ''}, failed {self.failed}"
        )


def expand_warc_inputs(patterns: tuple[str, ...] | list[str]) -> list[str]:
    """The WARC/ARC files the patterns name (globs expanded here, so quoted ones work), sorted.

    Raises :class:`InputError` for a pattern that names no such file.
    """
    found: set[str] = set()
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            matches = [str(p) for p in sorted(path.rglob("*")) if p.is_file() and is_warc_name(p.name)]
        else:
            matches = [m for m in glob.glob(pattern, recursive=True) if Path(m).is_file()]
        if not matches:
            raise InputError(f"{pattern}: no WARC or ARC file (.warc.gz, .warc, .arc.gz, .arc) matches")
        found.update(str(Path(m).resolve()) for m in matches)
    return sorted(found)


def default_logging_dir(out: Path) -> Path:
    """``OUT.scraper/datatrove``: beside the output, never in it (its files are not articles)."""
    return out.parent / f"{out.name}.scraper" / "datatrove"


def check_inputs(logging_dir: Path, paths: list[str], tasks: int) -> None:
    """Record the run's inputs and task count, or refuse a restart where either differs: task ``i``
    reads every ``tasks``-th file from ``i`` on, so another list or count would give the finished
    tasks' markers to other files (some cleaned twice, some never)."""
    record = logging_dir / INPUTS_FILE
    if record.exists():
        before = json.loads(record.read_text(encoding="utf-8"))
        if before.get("inputs") != paths:
            raise ConfigError(
                f"{logging_dir} belongs to a run over {len(before.get('inputs') or [])} other input files;"
                " finish it with the same inputs, or write to a new output folder (or remove that folder"
                " to start over)"
            )
        if before.get("tasks") != tasks:
            raise ConfigError(
                f"{logging_dir} belongs to a run of {before.get('tasks')} tasks, not {tasks}: finish it"
                f" with --tasks {before.get('tasks')}, or write to a new output folder"
            )
        return
    logging_dir.mkdir(parents=True, exist_ok=True)
    temporary = record.with_suffix(".tmp")
    temporary.write_text(json.dumps({"inputs": paths, "tasks": tasks}, indent=1), encoding="utf-8")
    temporary.replace(record)


def warc_pipeline(paths: list[str], out: Path, settings: ScaleSettings) -> list[Any]:
    """The steps: read WARC, clean, write ``OUT/<task>.jsonl.gz`` atomically."""
    from scraper.integrations.datatrove import AtomicJsonlWriter, CleanArticles, WarcReader

    return [
        WarcReader(paths),
        CleanArticles(
            settings.rules,
            model=settings.model,
            links=settings.links,
            images=settings.images,
            drop_flagged=settings.drop_flagged,
            timeout=settings.timeout,
        ),
        AtomicJsonlWriter(out),
    ]


def task_count(paths: list[str], settings: ScaleSettings) -> int:
    """One task per file, unless fewer were asked for (never more: a task would have nothing)."""
    return min(settings.tasks or len(paths), len(paths))


def build_executor(pipeline: list[Any], tasks: int, logging_dir: Path, settings: ScaleSettings) -> Any:
    """The datatrove executor the settings ask for, ready to ``run()``.

    Raises :class:`ConfigError` when the executor cannot run here: Slurm without ``sbatch`` on the
    PATH or without ``--partition``, Ray without the ``ray`` package.
    """
    if settings.executor == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
            pipeline, tasks=tasks, workers=min(settings.workers, tasks), logging_dir=str(logging_dir)
        )
    if settings.executor == "slurm":
        if shutil.which("sbatch") is None:
            raise ConfigError(
                "--executor slurm needs Slurm's sbatch on the PATH: run this on a Slurm login node"
            )
        if not settings.partition:
            raise ConfigError("--executor slurm needs --partition (the Slurm partition to submit to)")
        from datatrove.executor import SlurmPipelineExecutor

        activate = Path(sys.prefix) / "bin" / "activate"
        return SlurmPipelineExecutor(
            pipeline,
            tasks=tasks,
            time=settings.time,
            partition=settings.partition,
            cpus_per_task=settings.cpus_per_task,
            mem_per_cpu_gb=math.ceil(max(1.0, settings.mem_per_cpu_gb)),  # datatrove takes whole GB
            workers=settings.workers,
            job_name=settings.job_name,
            logging_dir=str(logging_dir),
            venv_path=str(activate) if activate.exists() else None,
        )
    if settings.executor == "ray":
        if importlib.util.find_spec("ray") is None:
            raise ConfigError("--executor ray needs Ray: pip install 'ray[default]' (and a running cluster)")
        from datatrove.executor.ray import RayPipelineExecutor

        return RayPipelineExecutor(
            pipeline,
            tasks=tasks,
            workers=settings.workers,
            logging_dir=str(logging_dir),
            cpus_per_task=settings.cpus_per_task,
            mem_per_cpu_gb=settings.mem_per_cpu_gb,
        )
    raise ConfigError(f"unknown executor {settings.executor!r}: one of {', '.join(EXECUTORS)}")


def read_summary(logging_dir: Path, tasks: int) -> Summary:
    """Sum the stats of every finished task (those with a completion marker)."""
    summary = Summary(tasks=tasks)
    for rank in range(tasks):
        if not (logging_dir / "completions" / f"{rank:05d}").exists():
            continue
        summary.finished += 1
        stats_file = logging_dir / "stats" / f"{rank:05d}.json"
        if not stats_file.exists():
            continue
        for step in json.loads(stats_file.read_text(encoding="utf-8")):
            _add_step(summary, step.get("stats", {}))
    return summary


def _add_step(summary: Summary, stats: dict[str, Any]) -> None:
    for label, value in stats.items():
        count = int(value.get("total", 0)) if isinstance(value, dict) else int(value or 0)
        if label == "pages":
            summary.pages += count
        elif label == "articles":
            summary.articles += count
        elif label == "failed":
            summary.failed += count
        elif label.startswith("skipped:"):
            summary.skipped[label.removeprefix("skipped:")] += count
