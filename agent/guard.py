"""When training must stop early (a full disk, NaN) and what it keeps, said in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt


class TrainingStopped(Exception):
    """Training cannot go on (disk full, NaN...): one line saying why and which checkpoint is
    kept."""


class RunGuard:
    """Remembers the last good checkpoint; turns write errors and bad numbers into TrainingStopped.

    Once it has stopped a run, `stopped` is set: nothing more may be written, so the last good
    checkpoint stays as it is.
    """

    def __init__(self, step: Callable[[], int]):
        self.step = step
        """The run's current step, for the messages."""
        self.last_good: tuple[Path, int] | None = None
        """The last checkpoint written (or resumed from) and its step."""
        self.stopped = False

    def stop(self, reason: str) -> TrainingStopped:
        """The error that stops training: `reason`, the step, and the checkpoint that is kept."""
        self.stopped = True
        kept = "no checkpoint was written"
        if self.last_good is not None:
            path, step = self.last_good
            kept = f"the last good checkpoint is {path} (step {step:,})"
        return TrainingStopped(f"{reason}; training stopped at step {self.step():,}, {kept}")

    @contextmanager
    def writing(self, path: Path) -> Iterator[None]:
        """A full disk or a read-only run directory while writing `path` stops training."""
        try:
            yield
        except OSError as error:
            got = error.strerror or type(error).__name__
            raise self.stop(
                f"{path}: write: expected a writable run directory with free space, got {got!r}"
            ) from None

    def check_finite(self, source: str, name: str, values: npt.NDArray[np.floating]) -> None:
        """Stop on NaN or infinity in `values` ([num_envs, ...]: the first axis names the env)."""
        bad = ~np.isfinite(values)
        if bad.any():
            where = tuple(np.argwhere(bad)[0])
            raise self.stop(
                f"{source} env {where[0]}: {name}: expected finite numbers, got {values[where]} "
                f"(update refused)"
            )
