"""main.py checks every flag before anything runs: one line saying what was expected, exit code
2."""

import importlib.util
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import game
from agent import PPOConfig, TrainConfig, Trainer
from agent.run import RunPlan

ROOT = Path(__file__).resolve().parents[1]


MAIN_ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
"""main.py's environment in a subprocess: no screen or sound card needed."""


def main_command(*args: str) -> list[str]:
    """main.py with `args` in a fresh interpreter, as a person runs it."""
    return [sys.executable, str(ROOT / "main.py"), *args]


def run_main(
    *args: str, cwd: Path | None = None, timeout_s: float = 300
) -> subprocess.CompletedProcess:
    """Run main.py to the end in a subprocess."""
    return subprocess.run(
        main_command(*args),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=cwd or ROOT,
        env=MAIN_ENV,
    )


def load_main():
    """main.py as a module in this process (its main() is what a subprocess runs)."""
    spec = importlib.util.spec_from_file_location("rollout_racer_main", ROOT / "main.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory) -> Path:
    """A finished cartpole PPO run directory (last.pt, metrics.csv)."""
    run_dir = tmp_path_factory.mktemp("run")
    train_config = TrainConfig("cartpole", "ppo", 256, num_envs=2, eval_every_steps=0)
    trainer = Trainer(
        RunPlan(train_config, PPOConfig(n_steps=64, batch_size=64), run_dir),
        game.make_vector_env("cartpole", 2),
    )
    for _ in trainer.run():
        pass
    trainer.close()
    return run_dir


def bad_invocations(run: Path, tmp: Path) -> dict[str, tuple[list[str], str]]:
    """Flags that cannot work -> what the error line must say."""
    (tmp / "bad_track.json").write_text(
        '{"schema_version": 1, "name": "x", "width_m": -3, '
        '"centerline_m": [[0, 0], [99, 0], [0, 99], [0, 0]]}'
    )
    (tmp / "garbage.pt").write_bytes(b"\x80\x02not a checkpoint")
    (tmp / "a_file").write_text("")
    return {
        "unknown scene": (
            ["--scene", "moon"],
            "argument --scene: invalid choice: 'moon' (choose from",
        ),
        "unknown algo": (["--algo", "dqn"], "argument --algo: invalid choice: 'dqn'"),
        "unknown mode": (["--mode", "fly"], "argument --mode: invalid choice"),
        "algo list outside a sweep": (
            ["--algo", "ppo,reinforce"],
            "--algo: expected ppo or reinforce (lists and random: --mode sweep), got",
        ),
        "seeds outside a sweep": (["--seeds", "3"], "--seeds: expected with --mode sweep only"),
        "unknown sweep key": (
            ["--mode", "sweep", "--scene", "cartpole", "--set", "lr=1e-3"],
            "--set lr: expected one of activation,",
        ),
        "sweep value out of range": (
            ["--mode", "sweep", "--scene", "cartpole", "--set", "gamma=0.5,1.5"],
            "--set (ppo gamma=1.5): PPOConfig: gamma: expected a number in (0, 1], got 1.5",
        ),
        "several values outside a sweep": (
            ["--headless", "--scene", "cartpole", "--set", "gamma=0.9,0.95"],
            "--set gamma: expected one value with --mode train (several, or lo..hi, with --mode "
            "sweep), got '0.9,0.95'",
        ),
        "setting out of range": (
            ["--headless", "--scene", "cartpole", "--set", "gamma=1.5"],
            "--set: PPOConfig: gamma: expected a number in (0, 1], got 1.5",
        ),
        "unknown setting": (
            ["--headless", "--scene", "cartpole", "--algo", "reinforce", "--set", "n_epochs=4"],
            "--set n_epochs: expected one of activation,",
        ),
        "setting while watching": (
            ["--mode", "watch", "--set", "gamma=0.9"],
            "--set: expected with --mode train or sweep only",
        ),
        "setting a resumed run": (
            ["--resume", str(run), "--set", "gamma=0.9"],
            "--set: expected a new run (a resumed run keeps its own settings)",
        ),
        "unknown lesson": (["--mode", "sweep", "--lesson", "x"], "--lesson: expected one of"),
        "lesson with an algo": (
            ["--mode", "sweep", "--lesson", "lunar", "--algo", "ppo"],
            "--lesson: expected on its own",
        ),
        "resume a run as a sweep": (
            ["--mode", "sweep", "--resume", str(run)],
            "--resume: expected a sweep directory containing sweep.json, got",
        ),
        "plot without runs": (["--mode", "plot"], "RUN_DIR: expected one or more with --mode plot"),
        "plot nothing": (
            ["--mode", "plot", str(tmp / "a_file")],
            "RUN_DIR: expected run directories holding a metrics.csv, found none",
        ),
        "unknown flag": (["--stpes", "10"], "unrecognized arguments: --stpes"),
        "negative steps": (
            ["--steps", "-5"],
            "argument --steps: expected a whole number >= 1, got '-5'",
        ),
        "zero envs": (["--envs", "0"], "argument --envs: expected a whole number >= 1, got '0'"),
        "text seed": (
            ["--seed", "abc"],
            "argument --seed: expected a whole number >= 0, got 'abc'",
        ),
        "zero episodes": (
            ["--mode", "eval", "--random", "--episodes", "0"],
            "argument --episodes: expected",
        ),
        "bad speed": (["--speed", "3"], "argument --speed: invalid choice: '3'"),
        "watch without checkpoint": (
            ["--mode", "watch", "--scene", "lunar"],
            "--checkpoint: expected a .pt file to watch",
        ),
        "bad generated track": (
            ["--mode", "eval", "--track", "random:x"],
            "--track: expected a shipped track (chicanes, hairpins, oval, speedway), a track "
            "file, random, random:N (N >= 0) or random:heldout, got 'random:x'",
        ),
        "solo with a checkpoint": (
            ["--mode", "watch", "--solo"],
            "--solo: expected with --mode play only",
        ),
        "missing checkpoint": (
            ["--mode", "eval", "--checkpoint", str(tmp / "nope.pt")],
            "--checkpoint: expected an existing file, got",
        ),
        "garbage checkpoint": (
            ["--mode", "eval", "--checkpoint", str(tmp / "garbage.pt")],
            "garbage.pt: file: expected a checkpoint written by torch.save, got BadZipFile",
        ),
        "checkpoint of another scene": (
            ["--mode", "eval", "--scene", "lunar", "--checkpoint", str(run / "last.pt")],
            "--checkpoint: expected a run of --scene lunar, got one of 'cartpole'",
        ),
        "missing run to resume": (
            ["--resume", str(tmp / "nowhere")],
            "--resume: expected a run directory containing last.pt, got",
        ),
        "resume another scene": (
            ["--resume", str(run), "--scene", "race", "--headless"],
            "--resume: expected a run of --scene race, got one of 'cartpole'",
        ),
        "resume another algo": (
            ["--resume", str(run), "--algo", "reinforce", "--headless"],
            "--resume: expected a run of --algo reinforce, got one of 'ppo'",
        ),
        "run dir holds a run": (
            ["--run-dir", str(run), "--headless", "--scene", "cartpole"],
            "--run-dir: expected a new directory, got",
        ),
        "run dir is a file": (
            ["--run-dir", str(tmp / "a_file"), "--headless"],
            "--run-dir: expected a writable directory, got",
        ),
        "missing track": (["--track", str(tmp / "nope.json")], "--track: expected a shipped track"),
        "bad track file": (
            ["--track", str(tmp / "bad_track.json")],
            "bad_track.json: width_m: expected a number",
        ),
        "track on cartpole": (
            ["--scene", "cartpole", "--track", "oval"],
            "--track: expected only with the race",
        ),
        "headless play": (
            ["--mode", "play", "--headless"],
            "--headless: expected with --mode train only",
        ),
        "record as avi": (
            ["--record", str(tmp / "x.avi")],
            "--record: expected a file ending in .gif or .mp4",
        ),
    }


def check_error_line(name: str, code: int, stderr: str, expected: str) -> None:
    assert code == 2, (name, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith("main.py: error: "), (name, stderr)
    assert expected in stderr, (name, stderr)


def test_every_bad_flag_is_one_line_and_exit_code_2(cartpole_run, tmp_path, monkeypatch, capsys):
    """All of them in this process (fast); the same main() a subprocess runs, minus the
    interpreter."""
    main = load_main()
    monkeypatch.chdir(tmp_path)  # the default run directory would be runs/ here
    for name, (argv, expected) in bad_invocations(cartpole_run, tmp_path).items():
        try:
            code = main.main(argv)
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code
        captured = capsys.readouterr()
        check_error_line(name, code, captured.err, expected)
        assert captured.out == "", name
    assert not (tmp_path / "runs").exists()  # nothing was trained or written
    assert sorted(p.name for p in cartpole_run.iterdir()) == [
        "evaluations.csv",
        "last.pt",
        "metrics.csv",
        "tensorboard",
    ]


SUBPROCESS_CASES = ["negative steps", "resume another scene", "bad track file", "run dir is a file"]


def test_bad_flags_in_a_real_process(cartpole_run, tmp_path):
    """One of each kind (argparse, run directory of another scene, track file, run directory) end to
    end."""
    cases = bad_invocations(cartpole_run, tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda name: run_main(*cases[name][0], cwd=tmp_path), SUBPROCESS_CASES)
    for name, result in zip(SUBPROCESS_CASES, results, strict=True):
        check_error_line(name, result.returncode, result.stderr, cases[name][1])
        assert "Traceback" not in result.stdout + result.stderr


def test_flags_are_checked_before_torch_loads():
    """A wrong flag is said at once: importing main.py (and the scenes) never loads torch."""
    code = "import sys, main; sys.exit('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, "importing main.py loaded torch" + done.stderr


def test_set_changes_a_new_run_and_its_checkpoint_keeps_it(tmp_path, capsys):
    """--mode train --set KEY=VALUE: the run trains with it, and last.pt records it (so --resume,
    watch and eval rebuild the same networks)."""
    from agent.checkpoint import load_checkpoint

    run_dir = tmp_path / "run"
    argv = ["--headless", "--scene", "cartpole", "--algo", "reinforce", "--steps", "600"]
    argv += ["--set", "ent_coef=0.05", "--set", "hidden_sizes=16x8", "--set", "eval_episodes=3"]
    assert load_main().main([*argv, "--run-dir", str(run_dir)]) == 0
    capsys.readouterr()
    payload = load_checkpoint(run_dir / "last.pt")
    algo_config = payload["metadata"]["algo_config"]
    assert algo_config["ent_coef"] == 0.05 and tuple(algo_config["hidden_sizes"]) == (16, 8)
    assert payload["metadata"]["train_config"]["eval_episodes"] == 3
    assert payload["model"]["actor.2.weight"].shape == (8, 16)  # the second hidden layer
