"""Scheduled crawls: configuration, discovery, per-site state and the crawl run."""
