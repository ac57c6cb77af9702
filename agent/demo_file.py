"""Demonstrations: who drove, what they saw and did, in one .npz file that loading never runs.

A demonstrations file is a NumPy .npz archive (stored members, no pickles: it is read with
`allow_pickle=False`, so loading can never run code) holding:

| member            | dtype   | shape  | meaning                                           |
|-------------------|---------|--------|---------------------------------------------------|
| `header`          | unicode | ()     | JSON: format, version, scene, layout, episodes... |
| `obs`             | float32 | [N, D] | the observation each action was chosen from       |
| `actions`         | int64   | [N]    | the action taken                                  |
| `rewards`         | float32 | [N]    | the reward that action earned                     |
| `episode_lengths` | int64   | [E]    | steps of each episode, in order (they sum to N)   |

The header (JSON) holds `format` ("rollout-racer-demos"), `format_version`, `scene`,
`obs_layout` (a name for each of the D observation columns: a file is loaded only by a run
whose scene, layout and actions match), `action_names` and `episodes`: one `DemoEpisode` per
contiguous stretch of one car's episode driven by one demonstrator, in step order.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from agent.demos import DemoEpisode, Demonstrations, DemoSpec
from agent.errors import DemoError, layout_difference
from agent.files import write_atomically

FORMAT = "rollout-racer-demos"
"""The header's `format`: what this file is."""
FORMAT_VERSION = 1
"""Bumped whenever the layout above changes; other versions are refused."""
MEMBERS = {
    "header": (0, "U"),
    "obs": (2, "f"),
    "actions": (1, "i"),
    "rewards": (1, "f"),
    "episode_lengths": (1, "i"),
}
"""member -> (number of dimensions, dtype kind) every file must have."""
MAX_BYTES = 1 << 30
"""Uncompressed members above this in all are refused unread (a file is a few MB at most)."""


def save_demos(path: str | Path, demos: Demonstrations) -> None:
    """Write `demos` to `path` atomically (agent/files.py)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scene": demos.scene,
        "obs_layout": list(demos.obs_layout),
        "action_names": list(demos.action_names),
        "episodes": [asdict(e) for e in demos.episodes],
    }
    arrays = {
        "header": np.array(json.dumps(header)),
        "obs": demos.obs.astype(np.float32),
        "actions": demos.actions.astype(np.int64),
        "rewards": demos.rewards.astype(np.float32),
        "episode_lengths": np.array([e.length for e in demos.episodes], dtype=np.int64),
    }
    write_atomically(path, lambda file: np.savez(file, **arrays))


def append_demos(path: str | Path, demos: Demonstrations) -> Demonstrations:
    """Add `demos` to the file at `path` (created if missing); return what the file now holds.

    An existing file must load cleanly and match the scene and layout, else DemoError and the
    file is left as it was.
    """
    path = Path(path)
    spec = DemoSpec(demos.scene, demos.obs_layout, demos.action_names)
    total = load_demos(path, spec) + demos if path.exists() else demos
    save_demos(path, total)
    return total


def load_demos(path: str | Path, expect: DemoSpec | None = None) -> Demonstrations:
    """Read and check a demonstrations file; any problem is one DemoError line, nothing loaded.

    With `expect`, the file's scene, observation layout and actions must be the run's.
    """
    path = Path(path)
    if not path.is_file():
        raise DemoError(f"{path}: file: expected an existing demonstrations file, got none")
    arrays = _read_members(path)
    header = _header(path, arrays["header"])
    for name, (ndim, kind) in MEMBERS.items():
        array = arrays[name]
        if array.ndim != ndim or array.dtype.kind not in (kind, "u" if kind == "i" else kind):
            raise DemoError(
                f"{path}: {name}: expected a {ndim}-d {kind}-kind array, "
                f"got {array.ndim}-d {array.dtype}"
            )
    demos = _assemble(path, header, arrays)
    if expect is not None:
        _check_spec(path, demos, expect)
    return demos


def _read_members(path: Path) -> dict[str, np.ndarray]:
    """Every member, read whole (a damaged or foreign file is one DemoError)."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(member.file_size for member in archive.infolist())
        if size > MAX_BYTES:
            raise DemoError(f"{path}: file: expected at most {MAX_BYTES:,} bytes, got {size:,}")
        with np.load(path, allow_pickle=False) as npz:
            missing = [name for name in MEMBERS if name not in npz.files]
            if missing:
                raise DemoError(
                    f"{path}: members: expected {list(MEMBERS)}, got no {missing} "
                    f"(not a demonstrations file?)"
                )
            return {name: npz[name] for name in MEMBERS}
    except DemoError:
        raise
    except Exception as exc:  # zipfile and numpy raise many types for damaged files
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise DemoError(
            f"{path}: file: expected an intact .npz of demonstrations, "
            f"got {type(exc).__name__}{': ' + detail[:120] if detail else ''}"
        ) from None


def _header(path: Path, raw: np.ndarray) -> dict[str, Any]:
    """The header's JSON, its format and version checked."""
    try:
        header = json.loads(str(raw.item()))
    except (ValueError, TypeError):
        raise DemoError(f"{path}: header: expected JSON, got {str(raw)[:60]!r}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        got = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise DemoError(f"{path}: format: expected {FORMAT!r}, got {got!r}")
    if header.get("format_version") != FORMAT_VERSION:
        raise DemoError(
            f"{path}: format_version: expected {FORMAT_VERSION}, "
            f"got {header.get('format_version')!r}"
        )
    return header


def _assemble(path: Path, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> Demonstrations:
    """The checked Demonstrations: consistent sizes, known actions, finite numbers."""
    obs, actions, rewards = arrays["obs"], arrays["actions"], arrays["rewards"]
    lengths = arrays["episode_lengths"]
    try:
        layout = tuple(str(n) for n in header["obs_layout"])
        action_names = tuple(str(n) for n in header["action_names"])
        episodes = tuple(DemoEpisode(**e) for e in header["episodes"])
        scene = str(header["scene"])
    except (KeyError, TypeError) as exc:
        raise DemoError(
            f"{path}: header: expected scene, obs_layout, action_names and episodes, got {exc}"
        ) from None
    n = len(actions)
    _require(path, n > 0, "steps", "at least one step", "an empty file")
    _require(
        path,
        obs.shape == (n, len(layout)),
        "obs",
        f"shape ({n}, {len(layout)}) (steps x obs_layout)",
        f"shape {obs.shape}",
    )
    _require(path, len(rewards) == n, "rewards", f"{n} rewards (one per step)", f"{len(rewards)}")
    _require(
        path,
        len(lengths) == len(episodes) and [e.length for e in episodes] == lengths.tolist(),
        "episode_lengths",
        "the header's episode lengths",
        f"{lengths.tolist()[:8]}",
    )
    _require(
        path,
        bool((lengths > 0).all()) and int(lengths.sum()) == n,
        "episode_lengths",
        f"positive lengths summing to {n} steps",
        f"a sum of {int(lengths.sum())}",
    )
    _require(
        path,
        bool(((actions >= 0) & (actions < len(action_names))).all()),
        "actions",
        f"integers in [0, {len(action_names)})",
        f"{int(actions.min())}..{int(actions.max())}",
    )
    _require(path, bool(np.isfinite(obs).all()), "obs", "finite numbers", "NaN or infinity")
    _require(path, bool(np.isfinite(rewards).all()), "rewards", "finite numbers", "NaN or infinity")
    return Demonstrations(
        scene,
        layout,
        action_names,
        obs.astype(np.float32),
        actions.astype(np.int64),
        rewards.astype(np.float32),
        episodes,
    )


def _require(path: Path, ok: bool, field: str, expected: str, got: str) -> None:
    """Raise the one-line DemoError "path: field: expected X, got Y" unless `ok`."""
    if not ok:
        raise DemoError(f"{path}: {field}: expected {expected}, got {got}")


def _check_spec(path: Path, demos: Demonstrations, expect: DemoSpec) -> None:
    """The file must be of the run's scene, observation layout and actions."""
    for field, got, expected in (
        ("scene", demos.scene, expect.scene),
        ("obs_layout", demos.obs_layout, expect.obs_layout),
        ("action_names", demos.action_names, expect.action_names),
    ):
        if got != expected:
            where = layout_difference(expected, got) if field == "obs_layout" else ""
            raise DemoError(
                f"{path}: {field}: expected {_shown(expected)}, got {_shown(got)}{where}"
            )


def _shown(value: str | tuple[str, ...]) -> str:
    """A scene name, or a layout by its size and first names (a line, not a page)."""
    if isinstance(value, str):
        return repr(value)
    return f"{len(value)} columns {list(value)[:3]}" + ("..." if len(value) > 3 else "")
