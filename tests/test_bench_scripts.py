"""The benchmark scripts stay runnable: each one imports (a moved name fails here, not an hour
into a benchmark run)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_every_bench_script_imports():
    scripts = sorted(path.stem for path in BENCH.glob("*.py"))
    assert "lunar" in scripts and "protocol" in scripts
    code = f"import importlib, sys; sys.path.insert(0, {str(BENCH)!r}); " + "; ".join(
        f"importlib.import_module({name!r})" for name in scripts
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCH.parent, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1]


def test_the_generalist_lap_ratios_skip_a_specialist_that_never_lapped(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import generalist

    rows = [
        {"label": "generalist", "seed": 0, "track": "oval", "mean_lap_s": 15.0},
        {"label": "generalist", "seed": 1, "track": "oval", "mean_lap_s": 17.0},
        {"label": "generalist", "seed": 0, "track": "hairpins", "mean_lap_s": 30.0},
        {"label": "specialist", "seed": 0, "track": "oval", "mean_lap_s": 12.0},
        {"label": "specialist", "seed": 1, "track": "oval"},  # no evaluation with >= 95% laps
        {"label": "specialist", "seed": 0, "track": "hairpins"},
    ]
    assert generalist.lap_ratios(rows) == [
        {"label": "lap time ratio", "track": "oval", "mean_lap_s": 16.0 / 12.0}
    ]


def test_the_lunar_budget_sets_every_run_s_steps_and_is_named_in_its_label(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import lunar

    calls = []

    def fake_run_learners(scene, algos, seeds, protocols, budgets, **options):
        calls.append((budgets[algos[0]], options["label"]))
        return {algos[0]: []}

    monkeypatch.setattr(lunar, "run_learners", fake_run_learners)
    monkeypatch.setattr(lunar, "setup", dict)
    monkeypatch.setattr(lunar, "report", lambda *args: None)
    monkeypatch.setattr(sys, "argv", ["lunar.py", "--algos", "reinforce", "--budget", "2000000"])
    lunar.main()
    monkeypatch.setattr(sys, "argv", ["lunar.py", "--algos", "reinforce"])
    lunar.main()
    assert calls == [
        (2_000_000, "ours reinforce budget=2000000"),
        (lunar.BUDGET, "ours reinforce"),
    ]


def test_a_lunar_budget_below_one_step_is_one_line_naming_the_flag():
    done = subprocess.run(
        [sys.executable, str(BENCH / "lunar.py"), "--budget", "0"],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "lunar.py: error: argument --budget: expected a whole number >= 1, got '0'"
    )
