"""Writing and checking site rules: check against pages, draft from pages, import FTR files."""
