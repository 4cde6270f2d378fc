"""``scraper warc``: clean web archives at scale on datatrove (``pip install 'scraper[scale]'``).

A thin layer over :mod:`scraper.integrations.scale`; datatrove is imported only when the command
runs, so the rest of the CLI works without the extra, and this command says how to install it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from scraper.cli.options import (
    EXIT_CONFIG,
    EXIT_FAILED,
    Exit,
    no_model_option,
    rules_option,
    structure_options,
)
from scraper.errors import ConfigError, InputError, RuleError

INSTALL_HINT = "scraper warc needs datatrove: pip install 'scraper[scale]'"


@click.command("warc")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to: one OUT/<task>.jsonl.gz per task (created if needed).",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(["jsonl"]),
    default="jsonl",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "slurm", "ray"]),
    default="local",
    show_default=True,
    help="Where the tasks run: processes here, a Slurm job array, or a running Ray cluster.",
)
@click.option(
    "--tasks",
    type=click.IntRange(min=1),
    default=None,
    help="Number of tasks; each reads every N-th file.  [default: one task per file]",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Tasks running at once (local processes, Ray tasks, Slurm array jobs).",
)
@click.option(
    "--logging-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="datatrove's logs, stats and completion markers (shared by every node on Slurm or Ray)."
    "  [default: OUT.scraper/datatrove]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Give up on a page after this many seconds (it fails; the task goes on).",
)
@rules_option()
@no_model_option()
@structure_options()
@click.option("--partition", help="Slurm: the partition to submit to.")
@click.option(
    "--time", "time_limit", default="24:00:00", show_default=True, help="Slurm: each task's time limit."
)
@click.option("--cpus-per-task", type=click.IntRange(min=1), default=1, show_default=True, help="Slurm, Ray.")
@click.option(
    "--mem-per-cpu-gb", type=click.FloatRange(min=0.5), default=2.0, show_default=True, help="Slurm, Ray."
)
def warc_command(
    inputs: tuple[str, ...],
    out: Path,
    format: str,
    executor: str,
    tasks: int | None,
    workers: int,
    logging_dir: Path | None,
    timeout: float,
    rules: tuple[str, ...],
    no_model: bool,
    drop_flagged: bool,
    links: bool,
    images: bool,
    partition: str | None,
    time_limit: str,
    cpus_per_task: int,
    mem_per_cpu_gb: float,
) -> None:
    """Clean the HTML pages of WARC/ARC files (INPUTS: files, folders or quoted globs) on datatrove.

    One task per input file (or --tasks N, each reading every N-th file) writes
    OUT/<task>.jsonl.gz, the records of `scraper clean --format jsonl` with each article's
    warc_file, warc_record_id and warc_offset in its metadata. A task's file appears only when the
    task is done, and each done task is marked in the logging folder: run the same command
    again after a crash or a kill and only the unfinished tasks run, so no record is written
    twice. The summary counts pages, articles, skipped records and pages by reason, and failures.
    Needs the optional extra: pip install 'scraper[scale]'. Exit status: 0 when every task
    finished, 1 when some did not (run the command again), 2 for usage or configuration errors.

    \b
    Examples:
        scraper warc 'cc-news/*.warc.gz' -o out/ --workers 8
        scraper warc 'cc-news/*.warc.gz' -o out/ --executor slurm --partition cpu --workers 200
        scraper warc 'cc-news/*.warc.gz' -o out/ --executor ray --workers 64
    """
    if importlib.util.find_spec("datatrove") is None:
        raise Exit(INSTALL_HINT, EXIT_CONFIG)
    from scraper.integrations import scale
    from scraper.rules.book import load_rules

    try:
        load_rules(list(rules))  # every rule file checked before any task starts
        paths = scale.expand_warc_inputs(inputs)
    except RuleError as exc:
        raise Exit(f"bad rules: {exc}", EXIT_CONFIG) from None
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    settings = scale.ScaleSettings(
        executor=executor,
        tasks=tasks,
        workers=workers,
        rules=tuple(rules),
        model=not no_model,
        drop_flagged=drop_flagged,
        links=links,
        images=images,
        timeout=timeout,
        partition=partition,
        time=time_limit,
        cpus_per_task=cpus_per_task,
        mem_per_cpu_gb=mem_per_cpu_gb,
    )
    logs = logging_dir or scale.default_logging_dir(out)
    count = scale.task_count(paths, settings)
    try:
        scale.check_inputs(logs, paths, count)
        runner = scale.build_executor(scale.warc_pipeline(paths, out, settings), count, logs, settings)
    except ConfigError as exc:
        raise Exit(str(exc), EXIT_CONFIG) from None
    done = scale.read_summary(logs, count).finished
    click.echo(
        f"warc: {len(paths)} files, {count} tasks ({done} done before), {executor} executor, logs: {logs}",
        err=True,
    )
    try:
        runner.run()
    except Exception as exc:  # a task died (killed worker, full disk ...): the finished ones stay done
        click.echo(f"error: a task did not finish: {type(exc).__name__}: {exc}", err=True)
    if executor == "slurm":
        click.echo(
            "submitted to Slurm; when the job ends, the same command again prints the summary"
            " (and reruns only the tasks that did not finish)",
            err=True,
        )
        return
    summary = scale.read_summary(logs, count)
    click.echo(summary.line(), err=True)
    if summary.finished < summary.tasks:
        click.echo("some tasks did not finish: run the same command again to do only those", err=True)
        click.get_current_context().exit(EXIT_FAILED)
