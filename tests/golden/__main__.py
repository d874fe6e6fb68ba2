"""`python -m tests.golden`: rewrite the golden files from the current rules."""

from tests.golden import write

write()
