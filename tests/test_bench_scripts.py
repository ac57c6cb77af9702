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
