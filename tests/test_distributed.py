"""Finetuning in N processes (accelerate launch; DDP over gloo on CPU): the same loss curve as
one process with the same batch, and a SIGKILLed 2-process job resumes from its checkpoint to
the weights of an uninterrupted 2-process job, bitwise. The 2-process jobs also checkpoint
activations (finetune.gradient_checkpointing), which changes memory, not numbers: in one
process the results are bitwise those without it (mBART).

One process trains a batch of 8 as two micro-batches of 4; of two processes, the first trains
rows 0 and 2 of each micro-batch, the second rows 1 and 3, each loss weighted by its share of
the micro-batch's label tokens, and DDP sums the two gradients at the step's last micro-batch: the same
gradient up to the order of float additions. Measured on mbart-demo (no dropout), 40 steps
at LR 1e-3, losses from 10.1 down to 2.4 (2026-11-29): the logged training losses 5.8e-7
apart at most, the dev losses 1.4e-6; the final weights 3.6e-5 apart relative to their norm
(the largest gaps, up to 6.3e-4, in attention key biases, whose true gradient is 0: AdamW
turns float noise there into steps of either sign). The tolerances below leave 7x room.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from xlgen.finetune import launch, launch_command, run_job

ROOT = Path(__file__).resolve().parents[1]
BACKBONE = ROOT / "resources" / "demo_backbones" / "mbart-demo"
FINETUNE = {"steps": 40, "batch_size": 8, "micro_batch_size": 4, "warmup_steps": 4, "weight_decay": 0.01,
            "dev_every": 2, "dev_examples": 8, "checkpoint_every": 4}
LOSS_TOLERANCE = 1e-5  # measured 5.8e-7 (training loss), 1.4e-6 (dev loss)
WEIGHT_TOLERANCE = 3e-4  # |w1 - w2| / |w1| over all weights, measured 3.6e-5

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def _examples(n: int, offset: int = 0) -> list[dict]:
    # lengths 8-20 and labels 2-6 tokens: the two processes' shares differ in label tokens
    return [{"id": str(i), "input_ids": [5 + (i * 7 + j) % 300 for j in range(8 + (i * 5) % 13)] + [2],
             "labels": [7 + (i + k) % 200 for k in range(1 + i % 5)] + [2]} for i in range(offset, offset + n)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tokenized")
    for name, examples in (("train", _examples(96)), ("dev", _examples(8, offset=500))):
        torch.save({"lang": "en", "family": "mbart", "examples": examples}, folder / f"{name}.pt")
    return folder


def _spec(inputs: Path, out: Path, processes: int) -> dict:
    finetune = {**FINETUNE, "gradient_checkpointing": processes > 1}
    return {"backbone": str(BACKBONE), "method": "full", "method_settings": {"lrs": [1e-3]},
            "train": str(inputs / "train.pt"), "dev": str(inputs / "dev.pt"), "unlabeled": [], "lr": 1e-3, "seed": 1,
            "finetune": finetune, "model": str(out / "model"), "run_json": str(out / "run.json"),
            "checkpoint": str(out / "checkpoints" / "checkpoint.pt"), "run": {"name": out.name},
            "processes": processes, "threads": 1}


def _weights(out: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(out / "model" / "model.safetensors")


def _history(out: Path) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "elapsed_s"}
            for row in json.loads((out / "run.json").read_text())["history"]]


@pytest.fixture(scope="module")
def two_processes(inputs, tmp_path_factory):
    """An uninterrupted job in 2 processes, started as the finetune rule starts it."""
    out = tmp_path_factory.mktemp("two")
    with open(out / "job.log", "w") as log:
        launch(_spec(inputs, out, 2), 2, output=log)
    return out


def test_two_processes_give_the_loss_curve_of_one_with_the_same_batch(inputs, two_processes, tmp_path):
    one = tmp_path / "one"
    run_job(_spec(inputs, one, 1), log=lambda m: None)  # in this process, as the rule does for gpu=1
    summary_one = json.loads((one / "run.json").read_text())
    summary_two = json.loads((two_processes / "run.json").read_text())
    assert "processes" not in summary_one and summary_two["processes"] == 2
    assert summary_two["steps"] == summary_one["steps"] == 40
    curve_one, curve_two = _history(one), _history(two_processes)
    assert [row["step"] for row in curve_one] == [row["step"] for row in curve_two] == list(range(2, 41, 2))
    assert curve_one[0]["loss"] > 2 * curve_one[-1]["loss"]  # it learns: the curve is worth comparing
    for a, b in zip(curve_one, curve_two):
        assert a["lr"] == b["lr"]
        assert abs(a["loss"] - b["loss"]) <= LOSS_TOLERANCE, (a, b)
        assert abs(a["dev_loss"] - b["dev_loss"]) <= LOSS_TOLERANCE, (a, b)
    w1, w2 = _weights(one), _weights(two_processes)
    assert w1.keys() == w2.keys()
    gap = sum(float((w1[k] - w2[k]).double().pow(2).sum()) for k in w1) ** 0.5
    assert gap <= WEIGHT_TOLERANCE * sum(float(w1[k].double().pow(2).sum()) for k in w1) ** 0.5
    # the main process alone logs: each line once
    log = (two_processes / "job.log").read_text()
    assert log.count("step=40 ") == 1 and log.count("dev loss before finetuning") == 1
    assert not (two_processes / "checkpoints").exists()  # a finished job's checkpoint is spent


def _processes_with(marker: str) -> list[int]:
    """Processes whose command line holds `marker` (the launcher and the launched processes,
    which torchrun starts in sessions of their own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:  # ended meanwhile
                pass
    return pids


def test_a_killed_two_process_job_resumes_to_the_uninterrupted_weights(inputs, two_processes, tmp_path):
    out = tmp_path / "killed"
    spec = _spec(inputs, out, 2)
    checkpoint = Path(spec["checkpoint"])
    code = "import json, sys; from xlgen.finetune import launch; launch(json.loads(sys.argv[1]), 2)"
    job = subprocess.Popen([sys.executable, "-c", code, json.dumps(spec)], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not checkpoint.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert checkpoint.exists(), "no checkpoint appeared before the job ended"
    for pid in _processes_with(str(out)):  # every process of the job at once, as a preemption would
        os.kill(pid, signal.SIGKILL)
    job.wait()
    while _processes_with(str(out)) and time.time() < deadline:
        time.sleep(0.05)
    saved = torch.load(checkpoint, weights_only=False)
    assert saved["step"] % 4 == 0 and saved["step"] < 40
    assert len(saved["rng_ranks"]) == 2  # each process's RNG states
    assert not (out / "run.json").exists() and not (out / "model").exists()

    with open(tmp_path / "rerun.log", "w") as log:
        launch(spec, 2, output=log)
    resumed_at = int((tmp_path / "rerun.log").read_text().split(" at step ")[1].split()[0])
    assert resumed_at == saved["step"]
    assert _history(out) == _history(two_processes)
    w_resumed, w_plain = _weights(out), _weights(two_processes)
    assert all(torch.equal(w_resumed[k], w_plain[k]) for k in w_plain)
    assert not checkpoint.exists()


def test_a_failing_process_fails_the_job_with_its_one_line(inputs, tmp_path):
    spec = _spec(inputs, tmp_path / "bad", 2)
    spec["finetune"] = {**FINETUNE, "batch_size": 6, "micro_batch_size": 4}  # not a multiple
    log = tmp_path / "job.log"
    with open(log, "w") as output, pytest.raises(SystemExit) as stop:
        launch(spec, 2, output=output)
    assert stop.value.code == 1
    text = log.read_text()
    assert "xlgen: finetune.batch_size 6 is not a multiple of finetune.micro_batch_size 4" in text
    assert "xlgen: finetuning in 2 processes failed" in text


def test_launch_command_runs_ddp_or_the_accelerate_config():
    from accelerate.commands.config.config_args import load_config_from_file

    ddp = launch_command({"seed": 1}, 4)
    assert ddp[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert ddp[ddp.index("--num_processes") + 1] == "4" and "--multi_gpu" in ddp
    assert ddp[-3:] == ["-m", "xlgen.finetune", '{"seed": 1}']
    config = ROOT / "profiles" / "accelerate" / "fsdp.yaml"
    fsdp = launch_command({"seed": 1}, 8, str(config))
    assert fsdp[fsdp.index("--config_file") + 1] == str(config) and "--multi_gpu" not in fsdp
    assert fsdp[fsdp.index("--num_processes") + 1] == "8"
    parsed = load_config_from_file(str(config))
    assert parsed.distributed_type == "FSDP" and parsed.fsdp_config["fsdp_version"] == 2


# --- one process: gradient checkpointing and the fused AdamW kernel -------------------------

def _trained(name: str, **settings) -> tuple[dict, float]:
    from xlgen.backbones import load_backbone
    from xlgen.training import TrainSettings, epoch_batches, train_steps

    torch.manual_seed(0)
    model, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / name)
    history = train_steps(model, tokenizer, epoch_batches(_examples(32), 8, seed=2),
                          TrainSettings(steps=4, batch_size=8, lr=1e-3, seed=1, weight_decay=0.01, **settings),
                          log=lambda m: None)
    return model.state_dict(), history[-1]["loss"]


def test_gradient_checkpointing_changes_memory_not_the_numbers():
    plain, loss = _trained("mbart-demo")
    checkpointed, loss_checkpointed = _trained("mbart-demo", gradient_checkpointing=True)
    assert loss == loss_checkpointed and all(torch.equal(plain[k], checkpointed[k]) for k in plain)
    # mT5 shares its relative position bias across layers: its gradient sums in another order
    plain, loss = _trained("mt5-demo")
    checkpointed, loss_checkpointed = _trained("mt5-demo", gradient_checkpointing=True)
    assert loss == pytest.approx(loss_checkpointed, rel=1e-6)


def test_fused_adamw_is_opt_in_on_cpu_where_it_moves_the_last_bits():
    default, loss = _trained("mbart-demo")
    unfused, loss_unfused = _trained("mbart-demo", fused_adamw=False)
    fused, loss_fused = _trained("mbart-demo", fused_adamw=True)
    assert loss == loss_unfused and all(torch.equal(default[k], unfused[k]) for k in default)
    assert loss_fused == pytest.approx(loss, rel=1e-6)  # measured: 2.4e-7 at most over 20 steps
    assert any(not torch.equal(default[k], fused[k]) for k in default)
