"""The crawl state: one SQLite file that remembers every URL, robots.txt and run between cron runs.

A crawl is started by cron every few minutes and may be killed at any moment (``kill -9``,
a reboot, a full disk). So the store keeps three promises:

- every public write method is one transaction, committed before it returns: a kill between
  two calls loses at most the call in flight, and never leaves a URL half recorded;
- the database runs in WAL mode with ``synchronous=NORMAL``: a killed *process* loses nothing
  already committed (only a power cut may lose the last commits, never corrupt the file);
- nothing here decides policy. The crawler says when a URL is due again, what counts as a
  failure worth retrying, and when to give up; the store records the values it is given.

Times are epoch seconds (``float``) passed in by the caller, so tests use fixed clocks.
Only the standard library's :mod:`sqlite3` is used. A connection belongs to the thread
that opened it (the sqlite3 default).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import Any

from scraper.crawler.fatal import sidecars, state_problem
from scraper.crawler.schema import (
    ADOPT_WRITTEN,
    INSERT_NEW_URL,
    MIGRATIONS,
    SCHEMA,
    SCHEMA_VERSION,
    SITE_MEMORY,
    UPDATE_KNOWN_URL,
)
from scraper.errors import InputError
from scraper.extract.sitememory import MAX_BLOCKS_PER_SITE, LearnedBlocks, pages_needed
from scraper.web.urls import origin

BUSY_TIMEOUT_MS = 10_000
KINDS = ("article", "seed")

# What happened on a URL's last fetch. ``new``: never fetched; ``fetched``: a seed (feed,
# sitemap, start page) read for its links; ``writing``: an article's output was being written
# when the run stopped (see :meth:`CrawlState.begin_write`); ``deferred``: an AMP copy waiting
# for its canonical URL to be read (see :mod:`scraper.crawler.canonical`).
STATUSES = (
    "new",
    "fetched",
    "writing",
    "written",
    "unchanged",
    "duplicate",
    "not-article",
    "skipped-robots",
    "failed",
    "gave-up",
    "gone",
    "deferred",
)
# Outcomes that count as a consecutive failure; every other outcome resets the count.
FAILURE_STATUSES = frozenset({"failed", "gave-up"})
# Outcomes that end a URL's life: never due, whatever its next_fetch_at says.
FINAL_STATUSES = ("gave-up", "gone", "duplicate")
# Outcomes whose text and canonical URL are on disk (or being written: a write in flight claims
# its text, so a second URL with the same article cannot be written alongside it).
OWNER_STATUSES = ("written", "unchanged", "writing")
# Statuses record_fetch may not set: a row is born ``new``; ``writing`` comes from begin_write.
_NOT_OUTCOMES = frozenset({"new", "writing"})


@dataclass(frozen=True, slots=True)
class Discovered:
    """A URL found by discovery (a feed, a sitemap, a start page or the command line).

    ``url`` must already be normalised: it is the row's key. ``lastmod`` is the feed's or
    sitemap's modification time in epoch seconds, when it gave one.
    """

    url: str
    kind: str = "article"
    source: str = ""
    depth: int = 0
    lastmod: float | None = None


@dataclass(frozen=True, slots=True)
class UrlRecord:
    """One row of the ``urls`` table; ``output`` is the list of paths written for the URL."""

    url: str
    origin: str
    kind: str
    source: str
    depth: int
    discovered_at: float
    lastmod: float | None
    status: str
    http_status: int | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    text_hash: str | None
    canonical_url: str | None
    attempts: int
    next_fetch_at: float | None
    last_fetched_at: float | None
    last_error: str | None
    output: tuple[str, ...]
    updated_at: float
    warc_file: str | None = None  # the WARC file and offset of the article's response record
    warc_offset: int | None = None


@dataclass(frozen=True, slots=True)
class WrittenArticle:
    """An article already in the output folder, for :meth:`CrawlState.adopt`."""

    url: str
    text_hash: str
    canonical_url: str | None
    output: tuple[str, ...]
    source: str
    written_at: float | None = None


@dataclass(frozen=True, slots=True)
class RobotsEntry:
    """A cached robots.txt answer for one origin (``scheme://host:port``)."""

    origin: str
    fetched_at: float
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One crawl run; ``finished_at`` stays ``None`` when the run was killed or is still going."""

    id: int
    started_at: float
    finished_at: float | None
    report: dict[str, Any] | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


_URL_COLUMNS = ", ".join(field.name for field in fields(UrlRecord))


def _url_record(row: sqlite3.Row) -> UrlRecord:
    values = dict(row)
    values["output"] = tuple(json.loads(values["output"])) if values["output"] is not None else ()
    return UrlRecord(**values)


class CrawlState:
    """The crawl state file: URLs, robots.txt answers and runs.

    Open it with :meth:`open`, preferably as a context manager::

        with CrawlState.open(out_dir / "state.sqlite") as state:
            state.add([Discovered(url, source="cli")], now=time.time())
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # ``identity``: a random id born with the file, so an output folder can tell which state
        # wrote it; ``created``: the file was empty when opened (a new state, or an emptied one).
        self.identity = ""
        self.created = False

    # -- opening and closing -------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> CrawlState:
        """Open (or create, with its parent folder) the state file at ``path``.

        Raises :class:`~scraper.errors.InputError` naming the path when it is not a SQLite
        database, belongs to another program, or was written by a newer version of scraper.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{path}: cannot create the crawl state's folder: {exc}") from exc
        wal = sidecars(path)[0]
        if not path.exists() and wal.exists() and wal.stat().st_size:
            # SQLite would replay the old state's log into the new file: half of an old state.
            raise InputError(
                f"{path}: missing, but {wal.name} of a previous state is beside it; "
                "move that aside too (or put the state back)"
            )
        try:
            connection = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(state_problem(path, exc)) from exc
        return cls.on(connection, path)

    @classmethod
    def on(cls, connection: sqlite3.Connection, path: Path) -> CrawlState:
        """The state in the database ``connection`` holds (the file at ``path``, or a copy of it
        in memory for a dry run), its schema created or checked; the connection is closed if
        that fails. Raises :class:`~scraper.errors.InputError` as :meth:`open` does."""
        state = cls(connection, path)
        try:
            state._prepare()
        except sqlite3.Error as exc:
            connection.close()
            raise InputError(state_problem(path, exc)) from exc
        except BaseException:
            connection.close()
            raise
        return state

    def _prepare(self) -> None:
        """Set the pragmas, then create the schema or check the version of the one found."""
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        with self._transaction():
            tables = {
                row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            self.created = not tables
            if self.created:
                for statement in (*SCHEMA, *SITE_MEMORY):
                    self._db.execute(statement)
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            else:
                self._check_version(tables)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()
            if row is None:  # a new state, or one older than identities
                row = (uuid.uuid4().hex,)
                self._db.execute("INSERT INTO meta (key, value) VALUES ('state_id', ?)", row)
            self.identity = str(row[0])

    def _check_version(self, tables: set[str]) -> None:
        if "meta" not in tables:
            raise InputError(f"{self.path}: a SQLite database of another program, not a crawl state")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None and str(row[0]).isdigit() else None
        if version is None:
            raise InputError(f"{self.path}: the crawl state has no readable schema version")
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: written by a newer scraper (schema version {version}, this one reads "
                f"up to {SCHEMA_VERSION}); upgrade scraper or use another state file"
            )
        if version < min(MIGRATIONS, default=SCHEMA_VERSION):
            raise InputError(f"{self.path}: schema version {version} is older than any this scraper can read")
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                self._db.execute(statement)
        if version < SCHEMA_VERSION:
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        """Close the file; committed writes are already safe, so this only frees the handle."""
        self._db.close()

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: taken at once (IMMEDIATE) so it never fails half-way on a lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- URLs ----------------------------------------------------------------------------------

    def add(self, items: Iterable[Discovered], now: float) -> int:
        """Record discovered URLs; return how many were not known before.

        A new URL gets status ``new`` and is due at ``now``. A known one keeps its status and
        its first source, but takes the smallest depth seen, becomes a ``seed`` if added as
        one, and stores a later ``lastmod``. When that later ``lastmod`` is also after the
        URL's last fetch, the page changed since we read it, so it becomes due at ``now``.
        """
        batch = list(items)
        for item in batch:
            if item.kind not in KINDS:
                raise ValueError(f"{item.url}: kind must be one of {', '.join(KINDS)}, not {item.kind!r}")
            if item.depth < 0:
                raise ValueError(f"{item.url}: depth cannot be negative ({item.depth})")
        rows = [
            {
                "url": item.url,
                "origin": origin(item.url),
                "kind": item.kind,
                "source": item.source,
                "depth": item.depth,
                "lastmod": item.lastmod,
                "now": now,
            }
            for item in batch
        ]
        with self._transaction():
            inserted = self._db.executemany(INSERT_NEW_URL, rows).rowcount
            self._db.executemany(UPDATE_KNOWN_URL, rows)
        return inserted

    def seeds_from(self, source: str) -> list[str]:
        """The seeds (child sitemaps) that ``source`` (a sitemap index) listed, in URL order."""
        rows = self._db.execute(
            "SELECT url FROM urls WHERE kind = 'seed' AND source = ? ORDER BY url", (source,)
        )
        return [row[0] for row in rows]

    def get(self, url: str) -> UrlRecord | None:
        row = self._db.execute(f"SELECT {_URL_COLUMNS} FROM urls WHERE url = ?", (url,)).fetchone()
        return _url_record(row) if row is not None else None

    def due(self, now: float, *, kind: str | None = None, limit: int | None = None) -> list[UrlRecord]:
        """URLs to fetch at ``now``: never-fetched ones first, then the longest overdue.

        Rows whose ``next_fetch_at`` is ``None`` (never again) or whose status is final
        (``gave-up``, ``gone``, ``duplicate``) are never due. Rows left ``writing`` by a killed
        run stay due, so they are fetched again if the crawler does not reconcile them first.
        """
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        final = ", ".join("?" for _ in FINAL_STATUSES)
        rows = self._db.execute(
            f"""SELECT {_URL_COLUMNS} FROM urls
                WHERE next_fetch_at <= ? AND status NOT IN ({final}) AND (? IS NULL OR kind = ?)
                ORDER BY last_fetched_at IS NOT NULL, next_fetch_at, url
                LIMIT ?""",
            (now, *FINAL_STATUSES, kind, kind, -1 if limit is None else limit),
        )
        return [_url_record(row) for row in rows]

    def record_fetch(
        self,
        url: str,
        *,
        status: str,
        now: float,
        next_fetch_at: float | None,
        http_status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
        text_hash: str | None = None,
        canonical_url: str | None = None,
        output: list[str] | None = None,
        error: str | None = None,
        attempt: bool = True,
        warc: tuple[str, int] | None = None,
    ) -> UrlRecord:
        """Record the outcome of one fetch of ``url`` (already added) and return the new row.

        ``status`` ``failed`` or ``gave-up`` adds one to ``attempts`` (unless ``attempt`` is False:
        the URL itself was never tried, its host being down); any other outcome resets it to 0.
        ``next_fetch_at=None`` means never again. ``http_status`` and ``error`` are stored as
        given (so a success clears the last error); the other values are kept from the previous
        fetch when passed as ``None``, so a failure or a 304 does not forget the ETag, the
        hashes or the written paths.
        """
        if status not in STATUSES or status in _NOT_OUTCOMES:
            outcomes = ", ".join(s for s in STATUSES if s not in _NOT_OUTCOMES)
            raise ValueError(f"{url}: status must be one of {outcomes}, not {status!r}")
        with self._transaction():
            self._db.execute(
                """UPDATE urls SET
                       status = :status,
                       http_status = :http_status,
                       etag = COALESCE(:etag, etag),
                       last_modified = COALESCE(:last_modified, last_modified),
                       content_hash = COALESCE(:content_hash, content_hash),
                       text_hash = COALESCE(:text_hash, text_hash),
                       canonical_url = COALESCE(:canonical_url, canonical_url),
                       output = COALESCE(:output, output),
                       warc_file = COALESCE(:warc_file, warc_file),
                       warc_offset = COALESCE(:warc_offset, warc_offset),
                       attempts = CASE WHEN :failure THEN attempts + :step ELSE 0 END,
                       next_fetch_at = :next_fetch_at,
                       last_fetched_at = :now,
                       last_error = :error,
                       updated_at = :now
                   WHERE url = :url""",
                {
                    "url": url,
                    "status": status,
                    "http_status": http_status,
                    "etag": etag,
                    "last_modified": last_modified,
                    "content_hash": content_hash,
                    "text_hash": text_hash,
                    "canonical_url": canonical_url,
                    "output": json.dumps(output) if output is not None else None,
                    "failure": status in FAILURE_STATUSES,
                    "step": 1 if attempt else 0,
                    "next_fetch_at": next_fetch_at,
                    "now": now,
                    "error": error,
                    **dict(zip(("warc_file", "warc_offset"), warc or (None, None), strict=True)),
                },
            )
            record = self.get(url)
            if record is None:
                raise ValueError(
                    f"{url}: not in the crawl state {self.path}; add() it before recording a fetch"
                )
        return record

    # -- crash safety of appended output -------------------------------------------------------

    def begin_write(
        self,
        url: str,
        text_hash: str,
        now: float,
        *,
        output: list[str] | None = None,
        canonical_url: str | None = None,
    ) -> None:
        """Mark that ``url``'s article (``text_hash``) is about to be written to ``output``.

        Call it before appending to a shared file (``articles.jsonl``), then :meth:`record_fetch`
        once the write is done. A row still ``writing`` on the next start (see
        :meth:`pending_writes`) was interrupted: the crawler checks whether the output holds
        that text and records the outcome either way.
        """
        with self._transaction():
            changed = self._db.execute(
                """UPDATE urls SET status = 'writing', text_hash = ?, output = COALESCE(?, output),
                       canonical_url = COALESCE(?, canonical_url), updated_at = ?
                   WHERE url = ?""",
                (text_hash, json.dumps(output) if output is not None else None, canonical_url, now, url),
            ).rowcount
            if not changed:
                raise ValueError(f"{url}: not in the crawl state {self.path}; add() it before writing it")

    def adopt(self, articles: Iterable[WrittenArticle], now: float, *, next_fetch_at: float | None) -> int:
        """Record articles found in the output folder as written (a state rebuilt from its
        output), so their URLs are not fetched as new and their text is not written again.
        Returns how many records were read; committed in chunks, so memory stays flat."""
        count = 0
        chunk: list[dict[str, Any]] = []
        for article in chain(articles, [None]):
            if article is not None:
                count += 1
                chunk.append(
                    {
                        "url": article.url,
                        "origin": origin(article.url),
                        "source": article.source,
                        "text_hash": article.text_hash,
                        "canonical_url": article.canonical_url,
                        "output": json.dumps(list(article.output)),
                        "next_fetch_at": next_fetch_at,
                        "written_at": article.written_at,
                        "now": now,
                    }
                )
            if chunk and (article is None or len(chunk) >= 1000):
                with self._transaction():
                    self._db.executemany(ADOPT_WRITTEN, chunk)
                chunk = []
        return count

    def pending_writes(self) -> list[UrlRecord]:
        """Rows a killed run left ``writing``, oldest first."""
        rows = self._db.execute(
            f"SELECT {_URL_COLUMNS} FROM urls WHERE status = 'writing' ORDER BY updated_at, url"
        )
        return [_url_record(row) for row in rows]

    # -- duplicates ----------------------------------------------------------------------------

    def owner_of_text(self, text_hash: str, *, excluding: str | None = None) -> str | None:
        """The first-discovered URL (other than ``excluding``) already written with this text."""
        return self._owner("text_hash", text_hash, excluding)

    def owner_of_canonical(self, canonical_url: str, *, excluding: str | None = None) -> str | None:
        """The first-discovered URL (other than ``excluding``) already written with this canonical URL."""
        return self._owner("canonical_url", canonical_url, excluding)

    def _owner(self, column: str, value: str, excluding: str | None) -> str | None:
        owners = ", ".join("?" for _ in OWNER_STATUSES)
        row = self._db.execute(
            f"""SELECT url FROM urls
                WHERE {column} = ? AND status IN ({owners}) AND url IS NOT ?
                ORDER BY discovered_at, url LIMIT 1""",
            (value, *OWNER_STATUSES, excluding),
        ).fetchone()
        return row[0] if row is not None else None

    # -- site memory ---------------------------------------------------------------------------

    def add_site_page(self, site: str, keys: Iterable[str]) -> None:
        """Count one more page of ``site`` and each block on it (bounded as :class:`SiteMemory` is)."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO site_pages (site, pages) VALUES (?, 1) "
                "ON CONFLICT (site) DO UPDATE SET pages = pages + 1",
                (site,),
            )
            self._db.executemany(
                "INSERT INTO site_blocks (site, key, pages) VALUES (?, ?, 1) "
                "ON CONFLICT (site, key) DO UPDATE SET pages = pages + 1",
                ((site, key) for key in set(keys)),
            )
            (count,) = self._db.execute("SELECT COUNT(*) FROM site_blocks WHERE site = ?", (site,)).fetchone()
            if count > MAX_BLOCKS_PER_SITE:  # forget the blocks seen on fewest pages
                self._db.execute(
                    """DELETE FROM site_blocks WHERE site = ? AND key NOT IN (
                           SELECT key FROM site_blocks WHERE site = ? ORDER BY pages DESC LIMIT ?)""",
                    (site, site, MAX_BLOCKS_PER_SITE // 2),
                )

    def learned_blocks(self, site: str) -> LearnedBlocks | None:
        """The blocks of ``site`` with enough evidence to be removed (:mod:`scraper.extract.sitememory`)."""
        row = self._db.execute("SELECT pages FROM site_pages WHERE site = ?", (site,)).fetchone()
        if row is None:
            return None
        pages = row[0]
        rows = self._db.execute(
            "SELECT key, pages FROM site_blocks WHERE site = ? AND pages >= ?",
            (site, pages_needed(pages)),
        ).fetchall()
        return LearnedBlocks(dict(rows), pages) if rows else None

    # -- robots.txt cache ----------------------------------------------------------------------

    def robots_get(self, origin: str) -> RobotsEntry | None:
        row = self._db.execute(
            "SELECT origin, fetched_at, status, body FROM robots WHERE origin = ?", (origin,)
        ).fetchone()
        return RobotsEntry(row[0], row[1], row[2], bytes(row[3])) if row is not None else None

    def robots_put(self, origin: str, *, fetched_at: float, status: int, body: bytes) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)",
                (origin, fetched_at, status, body),
            )

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, now: float) -> int:
        """Record that a run started; a run killed before :meth:`finish_run` keeps ``finished_at`` NULL."""
        with self._transaction():
            self._db.execute("INSERT INTO runs (started_at) VALUES (?)", (now,))
            run_id: int = self._db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return run_id

    def finish_run(self, run_id: int, now: float, report: dict[str, Any]) -> None:
        with self._transaction():
            changed = self._db.execute(
                "UPDATE runs SET finished_at = ?, report = ? WHERE id = ?",
                (now, json.dumps(report, ensure_ascii=False), run_id),
            ).rowcount
            if not changed:
                raise ValueError(f"run {run_id} is not in the crawl state {self.path}")

    def last_runs(self, n: int) -> list[RunRecord]:
        """The ``n`` most recent runs, newest first."""
        rows = self._db.execute(
            "SELECT id, started_at, finished_at, report FROM runs ORDER BY id DESC LIMIT ?", (n,)
        )
        return [
            RunRecord(row[0], row[1], row[2], json.loads(row[3]) if row[3] is not None else None)
            for row in rows
        ]

    # -- summaries -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many URLs have each status; every known status is present, zero or not."""
        found = dict(self._db.execute("SELECT status, COUNT(*) FROM urls GROUP BY status").fetchall())
        return {status: found.get(status, 0) for status in STATUSES} | found
