"""Sweeps without Ray: configurations from flags, learning curves and their band, the table, the
plots, and --mode plot on synthetic runs."""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agent.curves import band, curve_of, read_episodes, read_evaluations, smooth, t_quantile
from agent.errors import ConfigError
from agent.grid import SweepSpec, Variant, build_configs, grid_variants
from agent.lessons import LESSONS
from agent.plot import plot_runs
from agent.results import FINAL_NAME, format_table, outcomes, rows, trial_dir, write_report

ROOT = Path(__file__).resolve().parents[1]


def write_metrics(run_dir: Path, episodes: list[tuple[int, float]]) -> None:
    """A metrics.csv as the trainer writes it, with these (step, return) episodes."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "metrics.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", "episode", "return", "length", "is_success", "wall_s"])
        for i, (step, ret) in enumerate(episodes, 1):
            writer.writerow([step, i, ret, 10, 0, step / 1000])


def test_grid_applies_each_key_to_the_algorithms_that_have_it():
    variants = grid_variants(
        "cartpole",
        ["ppo", "reinforce", "random"],
        ["learning_rate=1e-3,3e-3", "reward_to_go=true,false", "n_epochs=4"],
        samples=None,
    )
    labels = [v.label for v in variants]
    assert labels == [
        "ppo learning_rate=0.001",
        "ppo learning_rate=0.003",
        "reinforce learning_rate=0.001 reward_to_go=true",
        "reinforce learning_rate=0.001 reward_to_go=false",
        "reinforce learning_rate=0.003 reward_to_go=true",
        "reinforce learning_rate=0.003 reward_to_go=false",
        "random",
    ]
    assert variants[0].overrides == {"learning_rate": 1e-3, "n_epochs": 4}
    train, algo = build_configs("cartpole", variants[3], seed=7)
    assert (algo.learning_rate, algo.reward_to_go, train.seed) == (1e-3, False, 7)


def test_hidden_sizes_and_booleans_parse():
    (linear, wide) = grid_variants("cartpole", ["reinforce"], ["hidden_sizes=none,64x64"], None)
    assert linear.overrides["hidden_sizes"] == () and wide.overrides["hidden_sizes"] == (64, 64)
    assert linear.label == "reinforce hidden_sizes=none"


def test_random_search_draws_within_ranges_reproducibly():
    sets = ["learning_rate=1e-4..1e-2", "n_epochs=2..6", "activation=tanh,relu"]
    first = grid_variants("cartpole", ["ppo"], sets, samples=20, sample_seed=3)
    again = grid_variants("cartpole", ["ppo"], sets, samples=20, sample_seed=3)
    assert first == again and len(first) == 20
    rates = [v.overrides["learning_rate"] for v in first]
    assert all(1e-4 <= r <= 1e-2 for r in rates)
    # log-uniform: about half the draws below the geometric midpoint 1e-3
    assert 5 <= sum(r < 1e-3 for r in rates) <= 15
    assert {v.overrides["n_epochs"] for v in first} <= set(range(2, 7))
    assert {v.overrides["activation"] for v in first} == {"tanh", "relu"}
    drawn = grid_variants("cartpole", ["ppo"], ["activation=tanh,relu"], samples=4)
    labels = [v.label for v in drawn]
    assert len(set(labels)) == 4 and any(label.endswith(" #2") for label in labels)


@pytest.mark.parametrize(
    ("algos", "sets", "samples", "message"),
    [
        (["ppo"], ["lr=1e-3"], None, "--set lr: expected one of activation, anneal_clip_range,"),
        (["ppo"], ["learning_rate=fast"], None, "--set learning_rate: expected a number, got"),
        (["ppo"], ["gamma=2"], None, "PPOConfig: gamma: expected a number in (0, 1], got 2.0"),
        (["ppo"], ["batch_size=7"], None, "batch_size: expected a divisor of n_steps * num_envs"),
        (["reinforce"], ["reward_to_go=maybe"], None, "expected true or false, got 'maybe'"),
        (["reinforce"], ["adam_beta1=1"], None, "adam_beta1: expected a number in [0, 1), got 1.0"),
        (["ppo"], ["learning_rate"], None, "--set: expected key=value[,value...], got"),
        (["ppo"], ["learning_rate=1e-4..1e-2"], None, "a range lo..hi needs --samples"),
        (["ppo"], ["n_epochs=5..2"], 3, "--set n_epochs: expected a range lo..hi of numbers"),
    ],
)
def test_a_bad_set_is_one_line_naming_it(algos, sets, samples, message):
    with pytest.raises(ConfigError) as error:
        grid_variants("cartpole", algos, sets, samples)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_bad_set_from_the_command_line_is_one_line_before_ray_starts():
    done = subprocess.run(
        [sys.executable, "main.py", "--mode", "sweep", "--scene", "cartpole", "--set", "gama=0.9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("main.py: error: --set gama: expected one of activation,")
    assert done.stderr.count("\n") == 1 and "gamma" in done.stderr and not done.stdout


def test_lessons_are_valid_sweeps():
    for spec in LESSONS.values():
        assert len(spec.seeds) >= 3
        for variant in spec.variants:
            if variant.algo != "random":
                build_configs(spec.scene, variant)


def test_smooth_is_the_mean_of_the_last_episodes_by_each_step():
    steps = np.array([10, 20, 30, 40])
    returns = np.array([1.0, 2.0, 3.0, 10.0])
    got = smooth(steps, returns, np.array([5, 10, 25, 40, 100]), window=2)
    assert np.isnan(got[0])
    assert got[1:].tolist() == [1.0, 1.5, 6.5, 6.5]


def test_t_quantiles_match_the_tables():
    for df, expected in [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (30, 2.042)]:
        assert t_quantile(0.975, df) == pytest.approx(expected, abs=2e-3)


def test_curve_of_two_runs_mean_and_band(tmp_path):
    # run a: episodes of return 10 then 30; run b: 20 then 60, at the same steps
    write_metrics(tmp_path / "a", [(100, 10.0), (200, 30.0)])
    write_metrics(tmp_path / "b", [(100, 20.0), (200, 60.0)])
    runs = [read_episodes(tmp_path / name) for name in "ab"]
    curve = curve_of(runs, points=3)  # grid 0, 100, 200: step 0 has no episode yet
    assert curve.steps.tolist() == [100, 200] and curve.runs == 2
    # at 100: (10 + 20) / 2; at 200: the last 20 episodes are both of each run: (20 + 40) / 2
    assert curve.mean.tolist() == [15.0, 30.0]
    # two seeds: half-width t(0.975, 1) * std / sqrt(2), std (ddof 1) of (10, 20) and (20, 40)
    half = t_quantile(0.975, 1) * np.array([math.sqrt(50), math.sqrt(200)]) / math.sqrt(2)
    np.testing.assert_allclose(curve.high - curve.mean, half)
    np.testing.assert_allclose(curve.mean - curve.low, half)
    one = band(np.array([[3.0, 4.0]]))
    assert [v.tolist() for v in one] == [[3.0, 4.0]] * 3  # one seed: no band


def test_plot_mode_draws_any_runs(tmp_path):
    write_metrics(tmp_path / "runs" / "a", [(100, 10.0), (200, 30.0)])
    write_metrics(tmp_path / "runs" / "b", [(100, 20.0), (200, 60.0)])
    out = tmp_path / "curves.png"
    groups = plot_runs([tmp_path / "runs"], out)
    assert sorted(groups) == ["a", "b"]  # no last.pt: each run is its own group
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    done = subprocess.run(
        [sys.executable, "main.py", "--mode", "plot", str(tmp_path / "runs"), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "a: 1 runs" in done.stdout and f"wrote {out}" in done.stdout


def test_table_from_the_trials_files(tmp_path):
    spec = SweepSpec(
        "cartpole",
        (Variant("fast", "ppo"), Variant("slow", "reinforce")),
        seeds=(0, 1, 2),
        target=100.0,
    )
    finals = {(0, 0): 100.0, (0, 1): 200.0, (0, 2): 300.0, (1, 0): 50.0, (1, 1): 70.0}
    reached = {(0, 0): 1000, (0, 1): 3000, (0, 2): 2000}
    for (variant, seed), mean in finals.items():
        run_dir = trial_dir(tmp_path, spec, variant, seed)
        write_metrics(run_dir, [(500, mean / 2), (4000, mean)])
        final = {"mean_return": mean, "success_rate": seed / 4, "episodes": 100}
        (run_dir / FINAL_NAME).write_text(json.dumps(final))
        with (run_dir / "evaluations.csv").open("w") as file:
            file.write("step,wall_s,mean_return,std_return,success_rate,episodes\n")
            file.write("500,0.5,10,0,0,10\n")
            if (variant, seed) in reached:
                step = reached[variant, seed]
                file.write(f"{step},{step / 100},150,0,0,10\n")
    failed = trial_dir(tmp_path, spec, 1, 2)
    failed.mkdir(parents=True)
    (failed / "error.txt").write_text("RuntimeError: boom\n")
    table = rows(spec, outcomes(spec, tmp_path))
    fast, slow = table
    assert (fast.finished, fast.failed, fast.final_mean) == (3, 0, 200.0)
    assert fast.final_std == pytest.approx(math.sqrt(20000 / 3))
    assert fast.success_rate == pytest.approx(0.25)  # (0 + 0.25 + 0.5) / 3
    assert (fast.reached, fast.steps_to_target, fast.seconds_to_target) == (3, 2000, 20.0)
    assert (slow.finished, slow.failed, slow.final_mean, slow.reached) == (2, 1, 60.0, 0)
    text = format_table(spec, table)
    assert "200.0 ± 81.6" in text and "2/3 (1 failed)" in text and "2,000" in text
    assert text == write_report(spec, tmp_path)
    with (tmp_path / "results.csv").open() as file:
        written = list(csv.DictReader(file))
    assert [r["config"] for r in written] == ["fast", "slow"]
    assert written[1]["steps_to_target"] == ""
    for name in ("curves.png", "evaluations.png", "finals.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_evaluation_curves_hold_each_runs_latest_evaluation(tmp_path):
    """Seeds that evaluate at different steps (REINFORCE updates on whole episodes) are compared
    by their latest evaluation at each step of the grid."""
    for name, logged in (("a", [(100, 10.0), (300, 50.0)]), ("b", [(150, 30.0), (320, 70.0)])):
        (tmp_path / name).mkdir()
        with (tmp_path / name / "evaluations.csv").open("w") as file:
            file.write("step,wall_s,mean_return,std_return,success_rate,episodes\n")
            file.writelines(f"{step},1.0,{mean},0,0,10\n" for step, mean in logged)
    runs = [read_evaluations(tmp_path / name) for name in "ab"]
    assert runs[1][0].tolist() == [150, 320] and runs[1][1].tolist() == [30.0, 70.0]
    curve = curve_of(runs, points=7, window=1)  # grid 0, 50, ..., 300 (a's last evaluation)
    assert curve.steps.tolist() == [150, 200, 250, 300]  # from b's first evaluation on
    assert curve.mean.tolist() == [20.0, 20.0, 20.0, 40.0]  # (10+30)/2 until a's 50 at 300
    missing = read_evaluations(tmp_path / "none")
    assert len(missing[0]) == 0 and len(missing[1]) == 0


def test_plot_mode_groups_seeds_of_one_configuration(tmp_path):
    import game
    from agent import PPOConfig, RunPlan, TrainConfig, Trainer
    from agent.plot import group_runs

    for name, seed, lr in (("a", 0, 3e-4), ("b", 1, 3e-4), ("c", 0, 1e-3)):
        config = TrainConfig("cartpole", "ppo", 128, num_envs=2, seed=seed, eval_every_steps=0)
        plan = RunPlan(
            config, PPOConfig(learning_rate=lr, n_steps=64, batch_size=64), tmp_path / name
        )
        trainer = Trainer(plan, game.make_vector_env("cartpole", 2))
        for _ in trainer.run():
            pass
        trainer.close()
    groups = group_runs([tmp_path / name for name in "abc"])
    assert groups == {
        "cartpole ppo learning_rate=0.0003": [tmp_path / "a", tmp_path / "b"],
        "cartpole ppo learning_rate=0.001": [tmp_path / "c"],
    }
