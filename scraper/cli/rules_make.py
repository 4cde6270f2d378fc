"""``scraper rules learn`` and ``scraper rules import-ftr``: commands that write rule files.

``learn`` drafts a site rule from saved pages of the site (:mod:`scraper.authoring.draft`);
``import-ftr`` converts fivefilters ftr-site-config files (:mod:`scraper.authoring.ftr`). Both write
with a temporary file and a rename, and never replace an existing file unless told to.
"""

from __future__ import annotations

from pathlib import Path

import click

from scraper.authoring.draft import SavedPage, draft_rule, site_of_pages
from scraper.authoring.ftr import import_ftr_dir
from scraper.errors import InputError
from scraper.extract.sitememory import learn_page, site_of
from scraper.io.atomic import atomic_write_text
from scraper.io.sources import expand_inputs


@click.command("learn")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--site", help="The site's host (default: the host most pages name).")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rule file to write [default: rules/<site>.toml].",
)
@click.option("--force", is_flag=True, help="Replace the rule file if it exists.")
def learn_command(inputs: tuple[str, ...], site: str | None, out: Path | None, force: bool) -> None:
    """Draft a site rule from saved pages of one site (INPUTS: files or folders).

    Text blocks repeated on most pages (at least 3) become `strip` selectors when a stable
    selector picks exactly them, else `drop_lines` patterns; tests are taken from the pages.
    Review the draft, then run `scraper rules check`.

    \b
    Example:
        scraper rules learn saved/example.org/ --site example.org -o rules/example.org.toml
    """
    try:
        items = expand_inputs(inputs).items
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    pages = []
    for item in items:
        path = getattr(item, "path", None)
        if path is None:
            why = "rules are drafted from page files, not stdin or archives"
            click.echo(f"skipped: {item.label}: {why}", err=True)
            continue
        try:
            pages.append(SavedPage(Path(path), item.read_page()))
        except InputError as exc:
            click.echo(f"skipped: {item.label}: {exc}", err=True)
    if site:
        pages = _of_site(pages, site)
    if len(pages) < 3:
        raise click.UsageError(f"{len(pages)} readable pages: learning needs at least 3 pages of the site")
    site = site or site_of_pages(pages)
    if not site:
        raise click.UsageError("the pages name no URL (no canonical link, no .page.json): give --site HOST")
    target = out or Path("rules") / f"{site}.toml"
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists: give --force to replace it, or -o another file")
    draft = draft_rule(pages, site, rule_path=target)
    atomic_write_text(target, draft.toml)
    made = f"{len(draft.selectors)} strip selectors, {len(draft.lines)} drop_lines patterns"
    learned = f"{draft.blocks} repeated blocks from {draft.pages} pages"
    click.echo(f"{target}: {learned} -> {made} (a draft: review it)", err=True)


def _of_site(pages: list[SavedPage], site: str) -> list[SavedPage]:
    """The pages of ``site`` (those naming no URL count as its: the user gave them); the others
    are skipped, named, so a folder of several sites drafts a rule from the one asked for."""
    wanted = site_of(f"https://{site}/") or site
    kept = []
    for saved in pages:
        named = learn_page(saved.page, "")[0]
        if named and named != wanted:
            click.echo(f"skipped: {saved.path}: a page of {named}, not of --site {site}", err=True)
            continue
        kept.append(saved)
    return kept


@click.command("import-ftr")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace rule files that exist in DEST.")
def import_ftr_command(src: Path, dest: Path, overwrite: bool) -> None:
    """Convert fivefilters ftr-site-config files (SRC/<host>.txt) into rule files in DEST.

    XPath becomes CSS where the translation is exact, and stays XPath (`strip_xpath`)
    otherwise; every line that could not be carried over is reported with its number.
    Put DEST in your own rules folder (`--rules DEST`); see the ftr-site-config licence.

    \b
    Example:
        scraper rules import-ftr ftr-site-config/ my-rules/
    """
    try:
        results = import_ftr_dir(src, dest, overwrite=overwrite)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    errors = written = css = xpath = skipped = 0
    for result in results:
        for note in result.notes:
            click.echo(f"{result.source.name}: {note}", err=True)
        if result.error:
            errors += 1
            click.echo(f"error: {result.source}: {result.error}", err=True)
        elif result.conversion is not None and not result.conversion.has_rules:
            errors += 1  # an ftr file of which nothing could be carried over failed to import
            click.echo(f"error: {result.source}: no body or strip line could be converted", err=True)
        if result.target is not None:
            written += 1
        if result.conversion is not None:
            css += result.conversion.css_count
            xpath += result.conversion.xpath_count
            skipped += result.conversion.skipped_count
    click.echo(
        f"imported {written} of {len(results)} files: {css} entries as CSS, {xpath} kept as XPath, "
        f"{skipped} skipped; {errors} errors",
        err=True,
    )
    if errors:
        click.get_current_context().exit(1)
