"""The rules flags must follow together, checked before anything heavy loads: each rule is a
test of the parsed flags and the one-line message said when it fails."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from game.errors import UsageError
from game.experiments import EXPERIMENT_RULES


def _window_less(a: argparse.Namespace) -> bool:
    return a.headless or a.mode == "eval"


FlagRule = tuple[Callable[[argparse.Namespace], bool], Callable[[argparse.Namespace], str]]
FLAG_RULES: tuple[FlagRule, ...] = (
    (
        lambda a: (
            a.mode in ("watch", "eval")
            and a.checkpoint is None
            and not a.random
            and not a.driver
            and a.scene not in (None, "race")
        ),
        lambda a: (
            f"--checkpoint: expected a .pt file to {a.mode} (e.g. runs/<run>/best.pt; "
            "only the race ships a trained agent)"
        ),
    ),
    (
        lambda a: a.solo and (a.mode != "play" or a.checkpoint is not None or a.driver),
        lambda a: "--solo: expected with --mode play only, instead of --checkpoint or --driver",
    ),
    (
        lambda a: a.driver and (a.mode == "train" or a.checkpoint is not None or a.random),
        lambda a: (
            "--driver: expected with --mode watch, play or eval, "
            "instead of --checkpoint or --random"
        ),
    ),
    (
        lambda a: a.driver and a.scene not in (None, "race"),
        lambda a: (
            f"--driver: expected with the race scene (it drives a car), got --scene {a.scene}"
        ),
    ),
    (
        lambda a: (
            a.mode == "play"
            and (a.checkpoint is not None or a.driver)
            and a.scene not in (None, "race")
        ),
        lambda a: "--checkpoint: expected with --mode play only on the race (to race the agent)",
    ),
    (
        lambda a: (
            a.mode in ("play", "watch")
            and a.envs not in (None, 1)
            and (a.mode == "play" or a.scene not in (None, "race"))
        ),
        lambda a: (
            "--envs: expected with --mode watch on the race only (several copies of the agent)"
        ),
    ),
    (
        lambda a: (
            a.mode == "edit"
            and (a.checkpoint or a.resume or a.driver or a.scene not in (None, "race"))
        ),
        lambda a: "--mode edit: expected only --track and the window flags",
    ),
    (lambda a: a.random and a.mode != "eval", lambda a: "--random: expected with --mode eval only"),
    (
        lambda a: a.random and a.checkpoint is not None,
        lambda a: "--random: expected either --random or --checkpoint, not both",
    ),
    (
        lambda a: a.checkpoint is not None and a.mode == "train",
        lambda a: (
            "--checkpoint: expected with --mode watch, play or eval "
            "(to continue training, use --resume)"
        ),
    ),
    (
        lambda a: a.checkpoint is not None and not a.checkpoint.is_file(),
        lambda a: f"--checkpoint: expected an existing file, got {str(a.checkpoint)!r}",
    ),
    (
        lambda a: a.resume is not None and a.mode not in ("train", "sweep"),
        lambda a: "--resume: expected with --mode train or sweep only",
    ),
    (
        lambda a: (
            a.resume is not None and a.mode == "train" and not (a.resume / "last.pt").is_file()
        ),
        lambda a: f"--resume: expected a run directory containing last.pt, got {str(a.resume)!r}",
    ),
    (
        lambda a: a.resume is not None and a.run_dir is not None,
        lambda a: "--run-dir: expected either --run-dir or --resume (which is the run directory)",
    ),
    (
        lambda a: a.resume is not None and a.track is not None,
        lambda a: "--track: expected a new run (a resumed run keeps its own track)",
    ),
    (
        lambda a: a.resume is not None and a.envs is not None,
        lambda a: "--envs: expected a new run (a resumed run keeps its own number of envs)",
    ),
    (
        lambda a: a.demos is not None and a.resume is not None,
        lambda a: "--demos: expected a new run (a resumed run has cloned its demonstrations)",
    ),
    (
        lambda a: a.demos is not None and a.mode == "train" and not a.demos.is_file(),
        lambda a: f"--demos: expected an existing demonstrations file, got {str(a.demos)!r}",
    ),
    (
        lambda a: a.demos is not None and a.demos.is_dir(),
        lambda a: f"--demos: expected a file (.npz), got the directory {str(a.demos)!r}",
    ),
    (
        lambda a: a.bc_epochs is not None and (a.mode != "train" or a.demos is None),
        lambda a: "--bc-epochs: expected with --mode train --demos FILE",
    ),
    (
        lambda a: a.headless and a.mode != "train",
        lambda a: "--headless: expected with --mode train only (play and watch need a window)",
    ),
    (
        lambda a: a.record is not None and _window_less(a),
        lambda a: "--record: expected with a window (train, watch or play without --headless)",
    ),
    (
        lambda a: a.screenshot is not None and _window_less(a),
        lambda a: "--screenshot: expected with a window (train, watch or play without --headless)",
    ),
    (
        lambda a: a.screenshot is not None and a.screenshot.suffix.lower() != ".png",
        lambda a: f"--screenshot: expected a file ending in .png, got {str(a.screenshot)!r}",
    ),
    (
        lambda a: a.record is not None and a.record.suffix.lower() not in (".gif", ".mp4"),
        lambda a: f"--record: expected a file ending in .gif or .mp4, got {str(a.record)!r}",
    ),
    *EXPERIMENT_RULES,
)
"""(is the combination wrong, what to say): checked in order, the first that applies is said."""


def check_flags(args: argparse.Namespace) -> None:
    """Flags that only make sense in some modes, or together, are checked before anything runs."""
    for broken, message in FLAG_RULES:
        if broken(args):
            raise UsageError(message(args))
