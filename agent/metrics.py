"""Run logs: TensorBoard scalars under CleanRL's tags and a metrics.csv, one row per episode."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agent.evaluate import EvalResult
from agent.learner import UpdateStats

CSV_NAME = "metrics.csv"
TENSORBOARD_DIR = "tensorboard"
BASE_COLUMNS = ("step", "episode", "return", "length", "is_success", "wall_s")

_UPDATE_TAGS = {
    "policy_loss": "losses/policy_loss",
    "value_loss": "losses/value_loss",
    "entropy": "losses/entropy",
    "approx_kl": "losses/approx_kl",
    "clip_fraction": "losses/clipfrac",
    "explained_variance": "losses/explained_variance",
    "learning_rate": "charts/learning_rate",
}


class RunLogger:
    """Writes a run's curves; a resumed run appends and continues from `start_step`."""

    def __init__(self, run_dir: Path, info_keys: Sequence[str] = (), start_step: int = 0):
        from torch.utils.tensorboard import SummaryWriter  # slow import, only when logging

        run_dir.mkdir(parents=True, exist_ok=True)
        self.info_keys = tuple(info_keys)
        self.columns = (*BASE_COLUMNS, *self.info_keys)
        csv_path = run_dir / CSV_NAME
        kept = _rows_up_to(csv_path, start_step) if start_step > 0 else []
        self._file = csv_path.open("w", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(self.columns)
        self._csv.writerows(kept)
        # purge_step drops events a crashed run logged after its last checkpoint
        self.writer = SummaryWriter(
            str(run_dir / TENSORBOARD_DIR), purge_step=start_step or None, flush_secs=10
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
        self._csv.writerow(
            [step, episode, f"{ret:.6g}", length, "" if success == "" else int(success),
             f"{wall_s:.3f}", *extras]
        )  # fmt: skip

    def update(self, step: int, stats: UpdateStats, steps_per_s: float) -> None:
        """Log one update's losses and the training speed."""
        for field, tag in _UPDATE_TAGS.items():
            value = getattr(stats, field)
            if value is not None:
                self.writer.add_scalar(tag, value, step)
        self.writer.add_scalar("charts/SPS", steps_per_s, step)

    def evaluation(self, step: int, result: EvalResult) -> None:
        """Log a periodic evaluation."""
        self.writer.add_scalar("eval/mean_return", result.mean_return, step)
        self.writer.add_scalar("eval/success_rate", result.success_rate, step)
        self.writer.add_scalar("eval/mean_length", result.mean_length, step)

    def flush(self) -> None:
        """Push buffered rows and events to disk."""
        self._file.flush()
        self.writer.flush()

    def close(self) -> None:
        """Flush and close both logs."""
        self._file.close()
        self.writer.close()


def _rows_up_to(csv_path: Path, step: int) -> list[list[str]]:
    """The data rows of an existing metrics.csv logged at or before `step`."""
    if not csv_path.is_file():
        return []
    with csv_path.open(newline="") as file:
        rows = list(csv.reader(file))[1:]
    return [row for row in rows if row and int(row[0]) <= step]
