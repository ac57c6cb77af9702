"""main.py's command line: every flag and what it expects (game/flag_rules.py: which flags go
together)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from game.experiments import add_experiment_flags
from game.input import hotkey_legend
from game.scenes import SCENES

MODES = ("train", "watch", "play", "eval", "edit", "sweep", "plot")
ALGOS = ("ppo", "reinforce")
SWEEP_ALGOS = (*ALGOS, "random")
SPEEDS = ("0.25", "0.5", "1", "2", "4", "8", "16", "32", "64", "max")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (not the whole usage) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    """An integer >= 1 (for counts such as --steps)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def seed_int(text: str) -> int:
    """A seed: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def algo_names(text: str) -> str:
    """--algo: one learner, or for a sweep a comma list that may include the random baseline."""
    for name in text.split(","):
        if name not in SWEEP_ALGOS:
            raise argparse.ArgumentTypeError(
                f"invalid choice: {name!r} (choose from {', '.join(ALGOS)}; "
                f"a sweep takes a comma list, random too)"
            )
    return text


def build_parser(description: str) -> argparse.ArgumentParser:
    """Every flag, with what it expects; `description` heads --help."""
    keys = "\n".join(f"  {k:<16} {meaning}" for k, meaning in hotkey_legend())
    parser = OneLineParser(
        prog="main.py",
        description=description,
        epilog=f"keys in the window:\n{keys}\n\n"
        "play-mode keys: race arrows/WASD, lunar up/left/right, cartpole left/right "
        "(no key: left and right in turn)\n"
        "while training: hold Shift to drive the car the HUD follows (it learns from you)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--mode",
        choices=MODES,
        default="train",
        help="train (default), watch a checkpoint, play yourself, eval, edit a track, "
        "sweep (Ray Tune) or plot runs",
    )
    add(
        "--scene",
        choices=tuple(SCENES),
        help="race (default), lunar or cartpole; watch/eval/--resume take it from the checkpoint",
    )
    add(
        "--algo",
        type=algo_names,
        help="learner for train: ppo (default) or reinforce; sweep: a comma list, random too",
    )
    add("--headless", action="store_true", help="train without a window, at full speed")
    add(
        "--track",
        help="race track: a shipped name (oval, hairpins, chicanes, speedway), a .json path, "
        "random:N (generated track N), random (train: a new generated track every episode; "
        "eval, watch, play: the held-out ones) or random:heldout (the 100 held-out tracks, "
        "never trained on) (default oval); edit: a new .json path too "
        "(default: a new track)",
    )
    add(
        "--steps",
        type=positive_int,
        help="env steps to train for (default: tuned per scene and algorithm)",
    )
    add(
        "--envs",
        type=positive_int,
        help="envs (cars) trained on together (default: tuned); "
        "watch: copies of the agent on the race",
    )
    add("--seed", type=seed_int, default=0, help="random seed (default 0)")
    add(
        "--run-dir",
        type=Path,
        help="where train writes checkpoints and logs (default runs/<scene>-<algo>-<time>)",
    )
    add(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the training run in RUN_DIR from its last.pt",
    )
    add(
        "--checkpoint",
        type=Path,
        help="a .pt file to watch or evaluate; with --mode play, race against it",
    )
    add(
        "--random",
        action="store_true",
        help="eval: a uniformly random policy instead of a checkpoint",
    )
    add(
        "--solo",
        action="store_true",
        help="play: drive alone (on the race, the shipped agent races you by default)",
    )
    add(
        "--driver",
        action="store_true",
        help="race: watch, race or evaluate the scripted driver instead of a checkpoint",
    )
    add(
        "--episodes",
        type=positive_int,
        default=100,
        help="eval: episodes to evaluate (default 100)",
    )
    add("--json", action="store_true", help="eval: print one JSON object")
    add(
        "--greedy",
        action="store_true",
        help="watch/eval: always take the most probable action (eval's default)",
    )
    add(
        "--sample",
        action="store_true",
        help="eval: sample actions from the policy instead of the most probable",
    )
    add("--speed", choices=SPEEDS, help="window: starting speed, a multiple of real time or max")
    add(
        "--record",
        type=Path,
        metavar="FILE",
        help="window: record what it shows to FILE.gif or FILE.mp4",
    )
    add(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="window: save the last frame to FILE.png when it closes",
    )
    add(
        "--demos",
        type=Path,
        metavar="FILE",
        help="demonstrations (.npz): play records your driving to FILE (default "
        "runs/<scene>-play-<time>/demos.npz), watch and eval record the agent's or the "
        "--driver's, appending; train clones FILE before RL",
    )
    add(
        "--bc-epochs",
        type=positive_int,
        metavar="N",
        help="train --demos: passes of behaviour cloning over the demonstrations (default 200)",
    )
    add(
        "--frames", type=positive_int, help=argparse.SUPPRESS
    )  # tests: stop the window after N frames
    add_experiment_flags(add)
    return parser
