"""The race scene: a batched car simulation (compiled with numba), its Gymnasium envs, and its
drawing.

Compiled kernels are cached on disk so later runs start at once. The cache lives in a folder
named after a hash of these sources: numba cannot read back a cache whose signatures name a
type these sources no longer define (it fails while unpickling, before checking staleness),
so a cache written by other sources must never be looked at. NUMBA_CACHE_DIR, if set, wins.
"""

import hashlib
import os
from pathlib import Path

import numba


def _sources_cache_dir() -> Path:
    """~/.cache/rollout-racer/numba-<hash of this package's .py files>."""
    digest = hashlib.sha1()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rollout-racer" / f"numba-{digest.hexdigest()[:12]}"


if not numba.config.CACHE_DIR:
    try:
        _cache_dir = _sources_cache_dir()
        _cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # no writable home: numba falls back to caching beside the sources
    else:
        numba.config.CACHE_DIR = str(_cache_dir)
