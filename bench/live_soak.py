"""Live soak: the window trains the race swarm at max speed for a long time; memory and surfaces
over time.

    python bench/live_soak.py                     10 minutes under SDL's dummy video driver
    python bench/live_soak.py --minutes 2 --every 10

The App, TrainMode and HUD run frame by frame exactly as `main.py` runs them (speed "max"),
without a screen. Each reading gives the RSS and the pygame Surfaces that Python objects still
hold (a growing count is a leak even when RSS hides it). Exit code 1 if RSS grows by more than
--max-growth after the warm-up.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame is imported
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from soak import MemoryLog, soak_parser  # bench/ is this script's folder
from agent.run import RunPlan


def held_surfaces() -> int:
    """How many distinct pygame Surfaces Python containers refer to (Surfaces are not GC-
    tracked)."""
    import pygame

    gc.collect()
    with warnings.catch_warnings():  # isinstance() on every object wakes deprecated torch aliases
        warnings.simplefilter("ignore")
        return len(
            {
                id(r)
                for o in gc.get_objects()
                for r in gc.get_referents(o)
                if isinstance(r, pygame.Surface)
            }
        )


def main(argv: list[str] | None = None) -> int:
    """Run the live trainer for the wall time, reading memory every --every seconds."""
    parser = soak_parser(__doc__, minutes=10.0, warmup_minutes=2.0)
    parser.add_argument("--envs", type=int, help="cars in the swarm (default: the live default)")
    args = parser.parse_args(argv)

    from agent.defaults import default_config
    from agent.trainer import Trainer
    from game.app import App, AppConfig
    from game.modes import TrainMode
    from game.scenes import make_env, make_vector_env, scene_spec

    train_config, algo_config = default_config("race", args.algo, live=True)
    train_config = dataclasses.replace(
        train_config, total_timesteps=10**12, num_envs=args.envs or train_config.num_envs
    )
    spec = scene_spec("race")
    log = MemoryLog(args.every, args.warmup * 60, args.minutes * 60)
    with tempfile.TemporaryDirectory(prefix="live-soak-") as run_dir:
        app = App(AppConfig(speed=math.inf))
        envs = make_vector_env("race", train_config.num_envs, render_first=True)
        trainer = Trainer(
            RunPlan(train_config, algo_config, Path(run_dir), spec.action_names),
            envs,
            lambda: make_env("race"),
        )
        app.attach(TrainMode(spec, trainer))
        print(
            f"live soak: race {args.algo}, {train_config.num_envs} cars, max speed, "
            f"{args.minutes:g} min"
        )

        def describe() -> str:
            fps = app.clock.get_fps()
            return f"{held_surfaces()} surfaces, {app.frames:,} frames, {fps:.0f} fps"

        try:
            while log.keep_going(trainer.num_timesteps, describe):
                app.frame()
        finally:
            app.close()
    return log.verdict(args.max_growth)


if __name__ == "__main__":
    sys.exit(main())
