"""The pipeline's own errors: mistakes a user can fix, each told in one line."""


class UserError(Exception):
    """A missing or bad input (a file, a value, a release): the message names it and says
    what to do. The `abstracts` command prints it as one `Error:` line and exits 1."""
