"""Pages in and articles out: input sources, output formats, atomic writes, shipped data."""
