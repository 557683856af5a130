"""Errors a user can cause: the CLI prints the message on one line and exits 2."""


class AnimlearnError(Exception):
    """A problem with the user's input or options, with a one-line message."""


class Diverged(Exception):
    """A network's loss became NaN or infinite: a training failure, exit 1, not a usage error.

    render() sets `result` (what was written) before it raises this."""

    result = None
