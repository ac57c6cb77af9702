"""What --mode sweep and --mode plot do: Ray Tune sweeps of the learners, and plots of any runs."""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import gymnasium as gym

from game.errors import UsageError
from game.scenes import make_env, make_vector_env, scene_spec

DEFAULT_SEEDS = 3
PLOT_FILE = Path("curves.png")
SPEC = "sweep.json"
"""A sweep directory's spec (agent/grid.py SPEC_NAME; not imported here: flags load no torch)."""
SWEEP_FLAGS = ("--seeds", "--samples", "--address", "--lesson")
OTHER_MODES_FLAGS = ("--checkpoint", "--driver", "--envs", "--record", "--screenshot", "--json")


def add_experiment_flags(add: Callable[..., object]) -> None:
    """The flags of --mode sweep and --mode plot (added to main.py's parser)."""
    add("--seeds", type=int, help="sweep: seeds per configuration, from --seed (default 3)")
    add(
        "--set",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help=(
            "train: a setting of the new run, KEY=VALUE (any field of the configs); "
            "sweep: a hyperparameter's values (a grid; with --samples a choice, or lo..hi)"
        ),
    )
    add("--samples", type=int, help="sweep: K random configurations instead of a grid")
    add("--address", help="sweep: join the Ray cluster at this address instead of starting Ray")
    add(
        "--lesson",
        help="sweep: a ready comparison: cartpole-returns, cartpole-network, lunar, race-tracks",
    )
    add("runs", nargs="*", type=Path, metavar="RUN_DIR", help="plot: run directories (or above)")
    add("--out", type=Path, default=PLOT_FILE, help=f"plot: the PNG to write (default {PLOT_FILE})")


Rule = tuple[Callable[[argparse.Namespace], bool], Callable[[argparse.Namespace], str]]
EXPERIMENT_RULES: tuple[Rule, ...] = (
    *(
        (
            lambda a, flag=flag: a.mode != "sweep" and bool(getattr(a, flag[2:])),
            lambda a, flag=flag: f"{flag}: expected with --mode sweep only",
        )
        for flag in SWEEP_FLAGS
    ),
    *(
        (
            lambda a, flag=flag: a.mode in ("sweep", "plot") and bool(getattr(a, flag[2:])),
            lambda a, flag=flag: f"{flag}: expected with --mode train, watch, play or eval",
        )
        for flag in OTHER_MODES_FLAGS
    ),
    (
        lambda a: bool(a.set) and a.mode not in ("train", "sweep"),
        lambda a: "--set: expected with --mode train or sweep only",
    ),
    (
        lambda a: bool(a.set) and a.mode == "train" and a.resume is not None,
        lambda a: "--set: expected a new run (a resumed run keeps its own settings)",
    ),
    (
        lambda a: any(n is not None and n < 1 for n in (a.seeds, a.samples)),
        lambda a: "--seeds, --samples: expected a whole number >= 1",
    ),
    (
        lambda a: a.mode != "sweep" and a.algo not in (None, "ppo", "reinforce"),
        lambda a: (
            f"--algo: expected ppo or reinforce (lists and random: --mode sweep), got {a.algo!r}"
        ),
    ),
    (
        lambda a: a.mode == "sweep" and a.resume is not None and not (a.resume / SPEC).is_file(),
        lambda a: f"--resume: expected a sweep directory containing {SPEC}, got {str(a.resume)!r}",
    ),
    (
        lambda a: (
            a.mode == "sweep"
            and a.resume is not None
            and any((a.algo, a.scene, a.set, a.seeds, a.samples, a.steps))
        ),
        lambda a: "--resume: expected on its own in a sweep (it continues the sweep as it was)",
    ),
    (
        lambda a: (
            a.lesson is not None
            and any((a.algo, a.scene, a.set, a.samples, a.steps, a.track, a.resume))
        ),
        lambda a: "--lesson: expected on its own (it names its scene, learners, seeds and steps)",
    ),
    (
        lambda a: a.samples is not None and not a.set,
        lambda a: "--samples: expected with --set (what to draw)",
    ),
    (
        lambda a: a.mode != "plot" and a.out != PLOT_FILE,
        lambda a: "--out: expected with --mode plot only",
    ),
    (
        lambda a: (a.mode == "plot") != bool(a.runs),
        lambda a: "RUN_DIR: expected one or more with --mode plot (and only there)",
    ),
)
"""main.py's flag rules for the sweep and plot modes."""


def sweep_spec(args: argparse.Namespace):
    """The sweep the flags ask for: a lesson, or --algo x --set over --seeds."""
    from agent.grid import SweepSpec, grid_variants
    from agent.lessons import lesson

    if args.lesson is not None:
        return lesson(args.lesson)
    from game.launch_options import env_options, held_out_options

    scene = args.scene or "race"
    options = env_options(args, scene, None)
    if "track" in options and Path(options["track"]).is_file():
        options["track"] = str(Path(options["track"]).resolve())  # trials run in other dirs
    variants = grid_variants(
        scene, (args.algo or "ppo").split(","), args.set, args.samples, args.seed
    )
    if args.steps is not None:
        variants = tuple(
            dataclasses.replace(v, overrides={"total_timesteps": args.steps, **v.overrides})
            for v in variants
        )
    seeds = tuple(range(args.seed, args.seed + (args.seeds or DEFAULT_SEEDS)))
    target = gym.spec(scene_spec(scene).env_id).reward_threshold
    return SweepSpec(
        scene,
        variants,
        seeds,
        target,
        env_options=options,
        eval_env_options=held_out_options(options),
    )


def run_sweep(args: argparse.Namespace) -> int:
    """Run a sweep (or continue one with --resume), then print and write its table and plots."""
    from agent.grid import SPEC_NAME, SweepSpec
    from agent.results import (
        CURVES_NAME,
        EVALUATIONS_NAME,
        FINALS_NAME,
        RESULTS_NAME,
        outcomes,
        write_report,
    )

    if args.resume is not None:
        sweep_dir, spec = args.resume, SweepSpec.load(args.resume / SPEC_NAME)
    else:
        spec = sweep_spec(args)
        name = args.lesson or f"sweep-{spec.scene}"
        sweep_dir = args.run_dir or Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
        if (sweep_dir / SPEC_NAME).exists():
            raise UsageError(
                f"--run-dir: expected a new directory, got {str(sweep_dir)!r}, which holds a "
                f"sweep (continue it with --mode sweep --resume {sweep_dir})"
            )
    from agent.sweep import EnvMakers, run_sweep as run_trials

    trials = len(spec.variants) * len(spec.seeds)
    where = (
        f"the Ray cluster at {args.address}" if args.address else f"{os.cpu_count()} local cores"
    )
    print(
        f"sweep: {len(spec.variants)} configurations x {len(spec.seeds)} seeds = {trials} "
        f"trials on {where}, in {sweep_dir}",
        flush=True,
    )
    run_trials(
        spec,
        sweep_dir,
        EnvMakers(make_vector_env, make_env),
        args.address,
        resume=args.resume is not None,
    )
    print(write_report(spec, sweep_dir))
    plots = ", ".join((str(sweep_dir / CURVES_NAME), EVALUATIONS_NAME, FINALS_NAME))
    print(f"table: {sweep_dir / RESULTS_NAME}; plots: {plots}")
    found = outcomes(spec, sweep_dir)
    if any(o.final is None and o.error is None for o in found):
        print(f"interrupted: continue with --mode sweep --resume {sweep_dir}")
        return 130
    failed = sum(o.final is None for o in found)
    if failed:
        print(f"{failed} of {trials} trials failed (their run directories hold error.txt)")
    return 1 if failed else 0


def run_plot(args: argparse.Namespace) -> int:
    """Draw the learning curves of the runs under RUN_DIR..., one per configuration."""
    from agent.plot import plot_runs

    groups = plot_runs(args.runs, args.out)
    if not groups:
        raise UsageError("RUN_DIR: expected run directories holding a metrics.csv, found none")
    for label, runs in groups.items():
        print(f"{label}: {len(runs)} runs")
    print(f"wrote {args.out}")
    return 0
