"""Generated tracks: how fast they are drawn, how often a draw is valid, and whether the scripted
driver laps them; then the driver's laps of the shipped tracks. One process on one core.

    python bench/generated_tracks.py               # about 5 minutes
    python bench/generated_tracks.py --seeds 100   # a quick look

Generation: every seed is timed alone (a new track every episode costs this much); a draw is
one attempt at a seed's style, redrawn when validation refuses it. Laps: `--cars` cars start
each track as the envs start them (on the start line, up to 1 m aside and 3 degrees off) and
must complete `--laps` laps before their episode ends; lap speed is the track's length over a
car's last complete lap. Shipped tracks: the driver's evaluation, as `python main.py --mode
eval --driver --track T --episodes 100` prints it.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from game.baseline import evaluate_driver
from game.race import generate
from game.race.driver import drive
from game.race.sim import RaceConfig, RaceSim
from game.race.track import build_track, load_track
from game.race.track_file import shipped_tracks


def count_draws() -> collections.Counter[tuple[str, bool]]:
    """Count every draw generate makes, by style and whether it was valid."""
    draws: collections.Counter[tuple[str, bool]] = collections.Counter()
    validated = generate._validated

    def counting(rng, style, seed):  # type: ignore[no-untyped-def]
        data = validated(rng, style, seed)
        draws[style.__name__.strip("_"), data is not None] += 1
        return data

    generate._validated = counting
    return draws


def lap_speeds(seed: int, cars: int, laps: int) -> tuple[np.ndarray, float]:
    """[cars] each car's last lap speed [m/s] (NaN if it crashed or ran out of time), and the
    wall seconds the track took."""
    start = time.perf_counter()
    track = build_track(generate.generate_track(seed))
    sim = RaceSim(track, cars, RaceConfig())
    sim.reset([np.random.default_rng(i) for i in range(cars)])
    done = np.zeros(cars, dtype=bool)
    speed = np.full(cars, np.nan)
    while not done.all():
        out = sim.step(drive(sim))
        finished = ~done & (sim.state.laps >= laps)
        speed[finished] = track.length_m / sim.state.last_lap_s[finished]
        done |= finished | out.terminated | out.truncated
    return speed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000, help="training seeds 0 .. N-1")
    parser.add_argument("--cars", type=int, default=4)
    parser.add_argument("--laps", type=int, default=2, help="the last one is a flying lap")
    args = parser.parse_args()
    seeds = range(args.seeds)

    generate.generate_track(0)  # warm up (imports, numba caches)
    draws = count_draws()
    times = []
    for seed in seeds:
        start = time.perf_counter()
        generate.generate_track(seed)
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1e3
    print(
        f"generation over {len(seeds)} seeds: median {np.median(ms):.1f} ms, "
        f"90th percentile {np.percentile(ms, 90):.1f} ms, worst {ms.max():.1f} ms"
    )
    total = sum(draws.values())
    valid = sum(n for (_, ok), n in draws.items() if ok)
    print(f"draws: {total} for {len(seeds)} tracks, {valid / total:.0%} valid")
    for style in sorted({style for style, _ in draws}):
        ok, bad = draws[style, True], draws[style, False]
        print(f"  {style:9s} {ok:5d} tracks, {ok / (ok + bad):.0%} of its draws valid")

    failed, speeds, wall = [], [], []
    for seed in seeds:
        speed, seconds = lap_speeds(seed, args.cars, args.laps)
        wall.append(seconds)
        if np.isnan(speed).any():
            failed.append(seed)
        speeds.extend(speed[np.isfinite(speed)])
    mean_speed, mean_wall = statistics.mean(speeds), statistics.mean(wall)
    print(
        f"driver on {len(seeds)} generated tracks, {args.cars} cars, {args.laps} laps: "
        f"{len(failed)} tracks failed {failed}; "
        f"mean lap speed {mean_speed:.2f} m/s; {mean_wall:.2f} s a track"
    )

    for name in shipped_tracks():
        result = evaluate_driver({"track": name}, episodes=100, seed=0)
        length = load_track(name).length_m
        best = result.best_lap_s
        print(
            f"{name:9s} success {result.success_rate:.0%}, "
            f"return {result.mean_return:.2f} ± {result.std_return:.2f}, "
            f"laps {result.mean_laps:.2f}, best lap {best:.2f} s ({length / best:.2f} m/s)"
        )


if __name__ == "__main__":
    main()
