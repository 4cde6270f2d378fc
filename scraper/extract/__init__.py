"""Extraction: from one page's HTML to its clean text and metadata."""
