"""Checkpoints: state dicts plus plain metadata, written atomically, read with weights_only=True."""

from __future__ import annotations

import re
import signal
import threading
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from agent.config import ALGOS, algo_config_from_dict
from agent.errors import CheckpointError, layout_difference
from agent.files import remove_stale_temp_files, write_atomically
from agent.policy import Policy, make_policy

FORMAT_VERSION = 1
"""Bumped whenever the layout below changes; other versions are refused."""

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Held while a checkpoint is written, then delivered: an impatient Ctrl-C never cuts a save."""
REQUIRED_KEYS = ("format_version", "metadata", "model")
REQUIRED_METADATA = ("scene", "algo", "obs_shape", "n_actions", "algo_config")


def one_line(exc: BaseException, limit: int = 200) -> str:
    """The informative line of an exception's message (torch's run to several paragraphs)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # torch's weights-only refusals bury the reason (e.g. which global it refused) below a preamble
    for pattern in (r"[^\n]*GLOBAL [^\n]*", r"WeightsUnpickler error:\s*([^\n]+)"):
        found = re.search(pattern, text)
        if found:
            lines = [found.group(found.lastindex or 0)]
            break
    detail = f": {lines[0].strip()}" if lines else ""
    return f"{type(exc).__name__}{detail}"[:limit]


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write `payload` to `path` atomically: a crash leaves the old file or the new, never half.

    Signals are held while it is written (agent/files.py write_atomically); temp files left
    by a killed process are removed after a successful write.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with signals_held():
        stored = {**payload, "format_version": FORMAT_VERSION}
        write_atomically(path, lambda file: torch.save(stored, file))
    remove_stale_temp_files(path)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _: held.append(signum)) for sig in HELD_SIGNALS
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for signum in held:
            signal.raise_signal(signum)


def load_checkpoint(path: str | Path, expect_scene: str | None = None) -> dict[str, Any]:
    """Read and check a checkpoint; any problem is a one-line CheckpointError.

    Only `torch.load(..., weights_only=True)` is used: a file that would run code is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: file: expected an existing checkpoint file, got none")
    _check_archive(path)
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 4": noise for a person
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or broken files
        raise CheckpointError(
            f"{path}: file: expected a checkpoint readable with weights_only=True, "
            f"got {one_line(exc)}"
        ) from None
    _check_layout(path, payload, expect_scene)
    return payload


def _check_archive(path: Path) -> None:
    """Refuse all but an intact zip of stored members, as torch.save writes.

    torch.load does not check the archive's CRC-32s: a flipped bit in the weights would load
    as silently different weights. Compressed members (a zip bomb) are refused unread.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            packed = [
                m.filename for m in archive.infolist() if m.compress_type != zipfile.ZIP_STORED
            ]
            damaged = None if packed else archive.testzip()
    except Exception as exc:  # zipfile raises many types for a damaged directory
        raise CheckpointError(
            f"{path}: file: expected a checkpoint written by torch.save, got {one_line(exc)}"
        ) from None
    if packed:  # member names are quoted: a damaged one may hold any character
        raise CheckpointError(
            f"{path}: {packed[0]!r}: expected stored data, got a compressed member"
        )
    if damaged is not None:
        raise CheckpointError(
            f"{path}: {damaged!r}: expected intact data, got damaged bytes (corrupted)"
        )


def _check_layout(path: Path, payload: Any, expect_scene: str | None) -> None:
    """Raise CheckpointError unless `payload` is a checkpoint of this format (and scene)."""
    if not isinstance(payload, dict) or not all(key in payload for key in REQUIRED_KEYS):
        got = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"{path}: keys: expected {list(REQUIRED_KEYS)}, got {got}")
    version = payload["format_version"]
    if version != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version: expected {FORMAT_VERSION}, got {version!r}")
    metadata = payload["metadata"]
    missing = [k for k in REQUIRED_METADATA if not isinstance(metadata, dict) or k not in metadata]
    if missing:
        raise CheckpointError(
            f"{path}: metadata: expected {list(REQUIRED_METADATA)}, got no {missing}"
        )
    if metadata["algo"] not in ALGOS:
        raise CheckpointError(
            f"{path}: algo: expected one of {', '.join(ALGOS)}, got {metadata['algo']!r}"
        )
    if expect_scene is not None and metadata["scene"] != expect_scene:
        raise CheckpointError(
            f"{path}: scene: expected {expect_scene!r}, got {metadata['scene']!r}"
        )


@contextmanager
def reading(path: Path, field: str, expected: str) -> Iterator[None]:
    """Turn any error while reading `field` of a checkpoint into a one-line CheckpointError."""
    try:
        yield
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: {field}: expected {expected}, got {one_line(exc)}"
        ) from None


def restore_policy(path: Path, payload: dict[str, Any], policy: Policy, key: str = "model") -> None:
    """Load the checkpoint's weights under `key` ("model": as trained; "average": their moving
    average) and its normalisation statistics into `policy`."""
    with reading(path, key, "weights matching the metadata"):
        policy.model.load_state_dict(payload[key])
        if policy.obs_rms is not None:
            policy.obs_rms.load_state_dict(payload["obs_rms"])


def check_observation_layout(
    path: Path, metadata: dict[str, Any], expected: Sequence[str] | None
) -> None:
    """Refuse, in one line, a checkpoint whose policy reads another observation than `expected`
    (the env's value names; None or empty: the env names none, and only the shape is checked
    elsewhere).

    A checkpoint without recorded names (older ones) is taken to read the expected layout when
    its observation has as many values."""
    if not expected:
        return
    expected = tuple(expected)
    stored = metadata.get("obs_names")
    (size,) = metadata["obs_shape"]
    got = tuple(stored) if stored is not None else None
    if got == expected or (got is None and size == len(expected)):
        return
    shown = f"{len(got)} values ({_layout(got)})" if got is not None else f"{size} values"
    raise CheckpointError(
        f"{path}: observation layout: expected {len(expected)} values ({_layout(expected)}), "
        f"got {shown}{layout_difference(expected, got)}: trained on another version of the "
        "scene's observation"
    )


def _layout(names: tuple[str, ...]) -> str:
    """A layout in a few words: its first and last values."""
    return f"{names[0]!r} ... {names[-1]!r}" if len(names) > 2 else ", ".join(map(repr, names))


def policy_from_checkpoint(path: Path, payload: dict[str, Any]) -> Policy:
    """The policy stored in a checkpoint already read from `path` (for watching and evaluating):
    the weights' moving average when the run kept one, else the weights as trained."""
    metadata = payload["metadata"]
    with reading(path, "metadata", "a valid configuration"):
        config = algo_config_from_dict(metadata["algo"], dict(metadata["algo_config"]))
        (obs_dim,) = metadata["obs_shape"]
        policy = make_policy(int(obs_dim), int(metadata["n_actions"]), config, seed=0)
    restore_policy(path, payload, policy, "model" if payload.get("average") is None else "average")
    return policy


def load_policy(path: str | Path, expect_scene: str | None = None) -> tuple[Policy, dict[str, Any]]:
    """Read a checkpoint: its policy and its plain metadata."""
    payload = load_checkpoint(path, expect_scene)
    return policy_from_checkpoint(Path(path), payload), payload["metadata"]
