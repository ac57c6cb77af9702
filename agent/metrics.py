"""Run logs: TensorBoard scalars under CleanRL's tags and a metrics.csv, one row per episode."""

from __future__ import annotations

import contextlib
import csv
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agent.evaluation import EvalResult
from agent.files import write_csv_atomically
from agent.learner import UpdateStats

CSV_NAME = "metrics.csv"
EVAL_CSV_NAME = "evaluations.csv"
TENSORBOARD_DIR = "tensorboard"
BASE_COLUMNS = ("step", "episode", "return", "length", "is_success", "wall_s")
EVAL_COLUMNS = ("step", "wall_s", "mean_return", "std_return", "success_rate", "episodes")

_UPDATE_TAGS = {
    "policy_loss": "losses/policy_loss",
    "value_loss": "losses/value_loss",
    "entropy": "losses/entropy",
    "approx_kl": "losses/approx_kl",
    "clip_fraction": "losses/clipfrac",
    "explained_variance": "losses/explained_variance",
    "learning_rate": "charts/learning_rate",
}


class CsvLog:
    """One CSV of a run, appended row by row; resumed at `start_step`, rows after it dropped."""

    def __init__(self, path: Path, columns: Sequence[str], start_step: int):
        self.path = path
        kept = _rows_up_to(path, start_step, len(columns)) if start_step > 0 else []
        write_csv_atomically(path, [list(columns), *kept])
        self._file = path.open("a", newline="")
        self._csv = csv.writer(self._file)

    def row(self, values: Sequence[Any]) -> None:
        """Append one row."""
        self._csv.writerow(values)

    def flush(self) -> None:
        """Push buffered rows to disk."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close."""
        self._file.close()


class RunLogger:
    """Writes a run's curves; a resumed run continues from `start_step`, its last checkpoint's.

    What a crashed run logged after that checkpoint is dropped, so the curves continue exactly
    where the checkpoint left off.
    """

    def __init__(self, run_dir: Path, info_keys: Sequence[str] = (), start_step: int = 0):
        from torch.utils.tensorboard import SummaryWriter  # slow import, only when logging

        run_dir.mkdir(parents=True, exist_ok=True)
        self.info_keys = tuple(info_keys)
        self.columns = (*BASE_COLUMNS, *self.info_keys)
        self.csv_path = run_dir / CSV_NAME
        self._episodes = CsvLog(self.csv_path, self.columns, start_step)
        self._evaluations = CsvLog(run_dir / EVAL_CSV_NAME, EVAL_COLUMNS, start_step)
        _hush_writer_thread()
        # purge_step drops the events a crashed run logged after its last checkpoint
        self.writer = SummaryWriter(
            str(run_dir / TENSORBOARD_DIR),
            purge_step=start_step + 1 if start_step else None,
            flush_secs=10,
        )

    def episode(
        self,
        step: int,
        episode: int,
        ret: float,
        length: int,
        info: Mapping[str, Any],
        wall_s: float,
    ) -> None:
        """Log one finished episode (its final info supplies is_success and the extras)."""
        self.writer.add_scalar("charts/episodic_return", ret, step)
        self.writer.add_scalar("charts/episodic_length", length, step)
        extras = [info.get(key, "") for key in self.info_keys]
        for key, value in zip(self.info_keys, extras, strict=True):
            if value != "":
                self.writer.add_scalar(f"charts/{key}", float(value), step)
        success = info.get("is_success", "")
        self._episodes.row(
            [
                step,
                episode,
                f"{ret:.6g}",
                length,
                "" if success == "" else int(success),
                f"{wall_s:.3f}",
                *extras,
            ]
        )

    def update(self, step: int, stats: UpdateStats, steps_per_s: float) -> None:
        """Log one update's losses and the training speed."""
        for field, tag in _UPDATE_TAGS.items():
            value = getattr(stats, field)
            if value is not None:
                self.writer.add_scalar(tag, value, step)
        self.writer.add_scalar("charts/SPS", steps_per_s, step)

    def evaluation(self, step: int, result: EvalResult, wall_s: float) -> None:
        """Log a periodic evaluation (also a row of evaluations.csv, for tables without
        TensorBoard)."""
        self.writer.add_scalar("eval/mean_return", result.mean_return, step)
        self.writer.add_scalar("eval/success_rate", result.success_rate, step)
        self.writer.add_scalar("eval/mean_length", result.mean_length, step)
        self._evaluations.row(
            [
                step,
                f"{wall_s:.3f}",
                f"{result.mean_return:.6g}",
                f"{result.std_return:.6g}",
                f"{result.success_rate:.6g}",
                result.episodes,
            ]
        )

    def flush(self) -> None:
        """Push buffered rows and events to disk."""
        self._episodes.flush()
        self._evaluations.flush()
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the logs."""
        self._episodes.close()
        self._evaluations.close()
        self.writer.close()


def _hush_writer_thread() -> None:
    """Don't print a traceback when TensorBoard's writer thread fails to write (a full disk).

    The writer raises the same error again in the main thread, where the trainer reports it
    in one line; the thread's own traceback would only bury that line.
    """
    hook = threading.excepthook
    if getattr(hook, "hushes_tensorboard", False):
        return

    def excepthook(args: threading.ExceptHookArgs) -> None:
        if not (
            isinstance(args.exc_value, OSError)
            and type(args.thread).__name__ == "_AsyncWriterThread"
        ):
            hook(args)

    excepthook.hushes_tensorboard = True  # type: ignore[attr-defined]
    threading.excepthook = excepthook


def logged_returns(run_dir: Path, up_to_step: int) -> list[float]:
    """The returns of the episodes a run's metrics.csv holds up to `up_to_step`, oldest first
    (what a resumed run's learning curve starts from; [] without the file)."""
    path = run_dir / CSV_NAME
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        header = next(csv.reader(file), [])
    if "return" not in header:
        return []
    column = header.index("return")
    returns = []
    for row in _rows_up_to(path, up_to_step, len(header)):
        with contextlib.suppress(ValueError):  # a value a hard kill cut short
            returns.append(float(row[column]))
    return returns


def _rows_up_to(csv_path: Path, step: int, width: int) -> list[list[str]]:
    """The complete data rows of an existing metrics.csv logged at or before `step`.

    A hard kill can cut the last row short: rows without `width` fields are dropped.
    """
    if not csv_path.is_file():
        return []
    with csv_path.open(newline="") as file:
        rows = list(csv.reader(file))[1:]
    return [row for row in rows if len(row) == width and row[0].isdigit() and int(row[0]) <= step]
