"""The crawl state's SQL: its tables, the migrations between versions, and the statements that
record discovered URLs. Kept apart from :mod:`scraper.crawler.state`, which runs them."""

from __future__ import annotations

SCHEMA_VERSION = 3

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE urls (
        url TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        depth INTEGER NOT NULL,
        discovered_at REAL NOT NULL,
        lastmod REAL,
        status TEXT NOT NULL,
        http_status INTEGER,
        etag TEXT,
        last_modified TEXT,
        content_hash TEXT,
        text_hash TEXT,
        canonical_url TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_fetch_at REAL,
        last_fetched_at REAL,
        last_error TEXT,
        output TEXT,
        updated_at REAL NOT NULL,
        warc_file TEXT,
        warc_offset INTEGER
    )""",
    "CREATE INDEX urls_next_fetch_at ON urls (next_fetch_at)",
    "CREATE INDEX urls_text_hash ON urls (text_hash) WHERE text_hash IS NOT NULL",
    "CREATE INDEX urls_canonical_url ON urls (canonical_url) WHERE canonical_url IS NOT NULL",
    "CREATE INDEX urls_status ON urls (status)",
    """CREATE TABLE robots (
        origin TEXT PRIMARY KEY,
        fetched_at REAL NOT NULL,
        status INTEGER NOT NULL,
        body BLOB NOT NULL
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at REAL NOT NULL,
        finished_at REAL,
        report TEXT
    )""",
)
# Site memory (scraper.learn): pages seen per site, and on how many of them each block was.
SITE_MEMORY = (
    "CREATE TABLE site_pages (site TEXT PRIMARY KEY, pages INTEGER NOT NULL)",
    """CREATE TABLE site_blocks (
        site TEXT NOT NULL,
        key TEXT NOT NULL,
        pages INTEGER NOT NULL,
        PRIMARY KEY (site, key)
    )""",
)
# Version 3: where a written article's response record is when the crawl writes WARC files
# (scraper.io.warcwriter): the finished file's path and the record's byte offset.
WARC_COLUMNS = (
    "ALTER TABLE urls ADD COLUMN warc_file TEXT",
    "ALTER TABLE urls ADD COLUMN warc_offset INTEGER",
)
# What turns a file of schema version N into N + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: SITE_MEMORY, 2: WARC_COLUMNS}


# add(): insert what is new, then update what was known. Both run on the whole batch; the
# update's WHERE skips rows with nothing to change (including the ones just inserted).
INSERT_NEW_URL = """
    INSERT OR IGNORE INTO urls
        (url, origin, kind, source, depth, discovered_at, lastmod, status, next_fetch_at, updated_at)
    VALUES (:url, :origin, :kind, :source, :depth, :now, :lastmod, 'new', :now, :now)
"""
# A NULL :lastmod compares as NULL (false): a source without dates changes nothing.
_LASTMOD_ADVANCED = ":lastmod > COALESCE(lastmod, -1e308)"
UPDATE_KNOWN_URL = f"""
    UPDATE urls SET
        depth = MIN(depth, :depth),
        kind = CASE WHEN :kind = 'seed' THEN 'seed' ELSE kind END,
        next_fetch_at = CASE
            WHEN {_LASTMOD_ADVANCED} AND :lastmod > last_fetched_at
                 AND (next_fetch_at IS NULL OR next_fetch_at > :now)
            THEN :now ELSE next_fetch_at END,
        lastmod = CASE WHEN {_LASTMOD_ADVANCED} THEN :lastmod ELSE lastmod END,
        updated_at = :now
    WHERE url = :url
      AND (depth > :depth OR (:kind = 'seed' AND kind != 'seed') OR {_LASTMOD_ADVANCED})
"""

# adopt(): an article found in the output folder is recorded as written. A URL the state had
# settled otherwise keeps its row; one adopted in the same pass is replaced (a later line of the
# JSONL file is a later version of the article).
ADOPT_WRITTEN = """
    INSERT INTO urls
        (url, origin, kind, source, depth, discovered_at, status, text_hash, canonical_url, output,
         next_fetch_at, last_fetched_at, updated_at)
    VALUES (:url, :origin, 'article', :source, 0, :now, 'written', :text_hash, :canonical_url, :output,
            :next_fetch_at, :written_at, :now)
    ON CONFLICT (url) DO UPDATE SET
        status = 'written',
        text_hash = excluded.text_hash,
        canonical_url = COALESCE(excluded.canonical_url, canonical_url),
        output = excluded.output,
        attempts = 0,
        next_fetch_at = excluded.next_fetch_at,
        last_fetched_at = COALESCE(excluded.last_fetched_at, last_fetched_at),
        updated_at = excluded.updated_at
    WHERE status IN ('new', 'failed', 'writing', 'skipped-robots') OR source = excluded.source
"""
