"""Damaged and hostile checkpoints: refused in one line or loaded exactly, and their code never
runs.

tests/test_agent_checkpoint.py has one test per kind of bad file; here bytes are damaged at
random and more kinds of code-running payloads are tried.
"""

import builtins
import io
import os
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import game
from agent import CheckpointError, PPOConfig, TrainConfig, Trainer, load_policy
from agent.run import RunPlan
from test_robust_cli import load_main

DAMAGE = settings(
    max_examples=150, deadline=2_000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[bytes, dict[str, torch.Tensor]]:
    """A small trained checkpoint's bytes and its weights."""
    config = TrainConfig("cartpole", "ppo", 128, num_envs=2, eval_every_steps=0)
    trainer = Trainer(
        RunPlan(config, PPOConfig(n_steps=64, batch_size=64, hidden_sizes=(8,))),
        game.make_vector_env("cartpole", 2),
    )
    for _ in trainer.run():
        pass
    path = tmp_path_factory.mktemp("ckpt") / "last.pt"
    trainer.save(path)
    return path.read_bytes(), {k: v.clone() for k, v in trainer.policy.model.state_dict().items()}


def refused_or_exact(path: Path, content: bytes, weights: dict[str, torch.Tensor]) -> bool:
    """Load `content`: True if refused in one line naming the file, else the weights must be
    exact."""
    path.write_bytes(content)
    try:
        policy, _ = load_policy(path)
    except CheckpointError as error:
        message = str(error)
        assert message.startswith(f"{path}: ") and "\n" not in message and "\r" not in message, (
            message
        )
        return True
    loaded = policy.model.state_dict()
    assert all(torch.equal(loaded[k], w) for k, w in weights.items()), (
        "damaged bytes loaded as other weights"
    )
    return False


@DAMAGE
@given(
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=3
    )
)
def test_flipped_bits_are_refused_or_harmless(original, tmp_path, flips):
    content, weights = original
    damaged = bytearray(content)
    for where, bit in flips:
        damaged[int(where * len(damaged))] ^= 1 << bit
    refused_or_exact(tmp_path / "flipped.pt", bytes(damaged), weights)


@DAMAGE
@given(keep=st.floats(0, 1, exclude_max=True), tail=st.binary(max_size=64))
def test_truncated_or_extended_files_are_refused_or_harmless(original, tmp_path, keep, tail):
    content, weights = original
    refused_or_exact(tmp_path / "cut.pt", content[: int(keep * len(content))] + tail, weights)


def test_every_single_bit_flip_in_the_weights_is_caught(original, tmp_path):
    """torch.load never checks the zip's CRC-32s: without our check, these all loaded as other
    weights."""
    content, weights = original
    storages = [
        m for m in zipfile.ZipFile(io.BytesIO(content)).infolist() if "/data/" in m.filename
    ]
    member = max(storages, key=lambda m: m.file_size)  # the largest weight tensor
    name_len, extra_len = struct.unpack(
        "<HH", content[member.header_offset + 26 : member.header_offset + 30]
    )
    start = (
        member.header_offset + 30 + name_len + extra_len
    )  # past the local header (torch pads it)
    refused = [
        refused_or_exact(
            tmp_path / "w.pt", content[:i] + bytes([content[i] ^ 1]) + content[i + 1 :], weights
        )
        for i in range(start, start + member.file_size, 7)
    ]
    assert all(refused)


def test_a_compressed_archive_is_refused_unread(original, tmp_path):
    """torch.save stores members; a deflated one (the shape of a zip bomb) is not decompressed."""
    content, _ = original
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
    path = tmp_path / "deflated.pt"
    path.write_bytes(packed.getvalue())
    with pytest.raises(CheckpointError, match="expected stored data, got a compressed member"):
        load_policy(path)


class Payload:
    """Unpickling this calls `function(*args)`."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def payloads(marker: Path) -> dict[str, Payload]:
    """Ways a pickle can run code, each of which would create `marker`."""
    python_touch = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "builtins.exec": Payload(builtins.exec, python_touch),
        "builtins.eval": Payload(builtins.eval, f"__import__('os').system('touch {marker}')"),
        "subprocess.call": Payload(subprocess.call, ["touch", str(marker)]),
    }


@pytest.mark.parametrize("kind", ["os.system", "builtins.exec", "builtins.eval", "subprocess.call"])
@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_code_running_payloads_never_run(tmp_path, kind, layout):
    marker = tmp_path / "pwned"
    payload = {
        "format_version": 1,
        "metadata": {"scene": "cartpole", "x": payloads(marker)[kind]},
        "model": {},
    }
    path = tmp_path / "evil.pt"
    torch.save(payload, path, _use_new_zipfile_serialization=layout == "zip")
    with pytest.raises(CheckpointError) as refused:
        load_policy(path)
    assert str(refused.value).startswith(f"{path}: ") and "\n" not in str(refused.value)
    assert not marker.exists()


def test_main_eval_of_a_damaged_checkpoint_is_one_line(original, tmp_path, capsys):
    content, _ = original
    path = tmp_path / "damaged.pt"
    path.write_bytes(content[: len(content) - 100])
    assert load_main().main(["--mode", "eval", "--checkpoint", str(path), "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"main.py: error: {path}: file: expected a checkpoint written by torch.save, got "
    )
    assert err.count("\n") == 1
