"""The errors the learners report to a person as one line."""


class ConfigError(ValueError):
    """A hyperparameter or option is unusable: "flag-or-path: field: expected X, got Y"."""


class CheckpointError(ValueError):
    """A checkpoint cannot be used: "path: field: expected X, got Y"."""


class DemoError(ValueError):
    """A demonstrations file cannot be used: "path: field: expected X, got Y"."""
