"""The data report of a release: one self-contained HTML page, and DVC plots."""
