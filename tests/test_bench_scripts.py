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
