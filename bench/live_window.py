"""The window's own figures: frames per second at 1x with the HUD on, and the time to the first live
lap.

    python bench/live_window.py                 # all of it (about 3 minutes)
    python bench/live_window.py --only fps      # just the frame rates
    python bench/live_window.py --only lap --algo reinforce   # REINFORCE's first live lap
    python bench/live_window.py --only lap --track random   # first lap across generated tracks

Runs under SDL's dummy video driver (no screen needed): the drawing work is the same software
blitting a real window does; only the final copy to the screen is skipped.
- fps: play (race, lunar, cartpole), watch (race with 1 and 64 cars) and live training (the
  race swarm's PPO on 64 cars) at 1x for 10 s each;
  frames per second as pygame's clock reports them, and the slowest frame.
- first lap: `python main.py --mode train --algo ppo` (or `reinforce`, with --algo) exactly as a
  new user runs it (90 s each), timed from
  the moment training starts to the first lap any car completes (the HUD shows the same figure),
  with the window's slowest frame while the learner works (a freeze is a frame over 250 ms).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from agent.run import RunPlan

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class WorkClock:
    """pygame's clock, noting how long each frame worked before it waits for the next."""

    def __init__(self, clock):
        self.clock = clock
        self.frame_start = time.perf_counter()
        self.work_s: list[float] = []

    def tick(self, fps: int) -> int:
        """Note the frame's work, then wait as pygame's clock does."""
        self.work_s.append(time.perf_counter() - self.frame_start)
        return self.clock.tick(fps)

    def get_fps(self) -> float:
        """pygame's frame rate."""
        return self.clock.get_fps()


def frame_rates(seconds: float) -> list[tuple[str, float, float, float]]:
    """(setup, mean fps, slowest frame in ms, mean work per frame in ms) for each windowed setup
    at 1x."""
    import dataclasses

    from agent import Trainer
    from agent.config import fit_batch_size
    from agent.defaults import default_config
    from agent.policy import make_policy
    from game import make_vector_env, scene_spec
    from game.app import App, AppConfig
    from game.modes import PlayMode, TrainMode, WatchMode
    from game.race.sensors import OBS_SIZE

    _, race_config = default_config("race", "ppo")
    policy = make_policy(OBS_SIZE, 9, dataclasses.replace(race_config, normalize_obs=False), seed=0)
    spread = {"spread_start": True}
    setups = [
        ("play race, 1 car", "race", 1, None, {}),
        ("play lunar", "lunar", 1, None, {}),
        ("play cartpole", "cartpole", 1, None, {}),
        ("watch race, 1 car", "race", 1, policy, {}),
        ("watch race, 64 cars", "race", 64, policy, spread),
        ("watch speedway, 64 cars", "race", 64, policy, {**spread, "track": "speedway"}),
    ]
    train_config, swarm_config = default_config("race", "ppo", live=True)
    setups.append(("train race, 64 cars", "race", 64, None, {}))
    rows = []
    for label, scene, cars, driver, options in setups:
        app = App(AppConfig(speed=1.0))
        app.clock = clock = WorkClock(app.clock)
        envs = make_vector_env(scene, cars, render_first=True, **options)
        if label.startswith("train"):
            config = dataclasses.replace(
                train_config, num_envs=cars, checkpoint_every_steps=1 << 40
            )
            trainer = Trainer(RunPlan(config, fit_batch_size(swarm_config, cars)), envs)
            app.attach(TrainMode(scene_spec(scene), trainer))
        else:
            spec = scene_spec(scene)
            mode = (
                PlayMode(spec, envs, app.keyboard, seed=0)
                if driver is None
                else WatchMode(spec, envs, driver, seed=0)
            )
            app.attach(mode)
        slowest, start = 0.0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            before = clock.frame_start = time.perf_counter()
            app.frame()
            if app.frames > 30:  # past the warm-up frames
                slowest = max(slowest, time.perf_counter() - before)
        fps = app.clock.get_fps()
        work_ms = 1000 * sum(clock.work_s[30:]) / max(len(clock.work_s) - 30, 1)
        app.close()
        rows.append((label, fps, 1000 * slowest, work_ms))
        print(
            f"{label:24} {fps:5.1f} fps, slowest frame {1000 * slowest:5.1f} ms, "
            f"work {work_ms:4.1f} ms per frame",
            flush=True,
        )
    return rows


def first_live_lap(
    timeout_s: float, algo: str = "ppo", track: str | None = None
) -> tuple[float | None, str]:
    """Seconds from the start of `python main.py --mode train --algo A [--track T]` training to its
    first lap, and the window's own report (frames, slowest frame, freezes)."""
    with tempfile.TemporaryDirectory() as run_dir:
        frames = int(timeout_s * 60)
        command = [
            sys.executable,
            "main.py",
            "--mode",
            "train",
            "--algo",
            algo,
            "--run-dir",
            f"{run_dir}/run",
            "--frames",
            str(frames),
            *([] if track is None else ["--track", track]),
        ]
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s + 120
        )
    lap = re.search(r"first lap after ([0-9.]+) s", result.stdout)
    window = re.search(r"window: (.*)", result.stdout)
    return (float(lap.group(1)) if lap else None), (
        window.group(1) if window else result.stderr.strip()[-200:]
    )


def main() -> None:
    """Print every figure, then the machine they were measured on."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("fps", "lap"))
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per frame-rate setup")
    parser.add_argument(
        "--runs", type=int, default=3, help="live training runs timed to their first lap"
    )
    parser.add_argument(
        "--algo",
        choices=("ppo", "reinforce"),
        default="ppo",
        help="the learner timed to its first lap",
    )
    parser.add_argument("--track", default=None, help="the live runs' --track (default: oval)")
    args = parser.parse_args()
    if args.only != "lap":
        frame_rates(args.seconds)
    if args.only != "fps":
        for run in range(args.runs):
            seconds, window = first_live_lap(timeout_s=90, algo=args.algo, track=args.track)
            lap = "none in 90 s" if seconds is None else f"{seconds:.1f} s"
            print(f"first live lap, run {run + 1}: {lap}; window: {window}", flush=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
