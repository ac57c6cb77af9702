"""The errors the learners report to a person as one line."""

from collections.abc import Sequence


class ConfigError(ValueError):
    """A hyperparameter or option is unusable: "flag-or-path: field: expected X, got Y"."""


class CheckpointError(ValueError):
    """A checkpoint cannot be used: "path: field: expected X, got Y"."""


class DemoError(ValueError):
    """A demonstrations file cannot be used: "path: field: expected X, got Y"."""


def layout_difference(expected: Sequence[str], got: Sequence[str] | None) -> str:
    """Where two observation layouts of as many values first differ, for a message that would
    otherwise show two summaries that read alike; "" when their sizes differ."""
    if got is None or len(got) != len(expected):
        return ""
    i = next(i for i, (want, have) in enumerate(zip(expected, got, strict=True)) if want != have)
    return f", value {i} {got[i]!r} where {expected[i]!r} is expected"
