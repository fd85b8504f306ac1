"""Training's guarantees under faults, and what weight decay touches.

Weight decay spares biases and normalization weights (as transformers.Trainer); a truncated
or garbage resume checkpoint is one log line and a fresh start, never a crash; a SIGTERM
(SLURM's warning before preemption or the time limit) saves a checkpoint at the next step
boundary and exits 143, and the rerun ends with the weights of an uninterrupted run.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from xlgen.training import (
    EXIT_ON_SIGTERM,
    WEIGHT_DECAY_EXCLUDES,
    TrainSettings,
    decay_split,
    epoch_batches,
    param_groups,
    train_steps,
)

ROOT = Path(__file__).resolve().parents[1]
BACKBONES = ROOT / "resources" / "demo_backbones"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def _backbone(name: str = "mbart-demo"):
    from xlgen.backbones import load_backbone

    torch.manual_seed(0)
    return load_backbone(BACKBONES / name)


TRAIN = [{"input_ids": [5 + (i * 7 + j) % 50 for j in range(8 + i % 5)], "labels": [7 + i % 9, 2]}
         for i in range(64)]
SETTINGS = dict(steps=12, batch_size=4, lr=3e-3, grad_accum=2, seed=2, weight_decay=0.01,
                no_decay_bias_and_norm=True)


def _same_weights(a, b) -> None:
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), name


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def tokenizer():
    return _backbone()[1]


@pytest.fixture(scope="module")
def plain(tokenizer):
    """The model after an undisturbed run of SETTINGS (no checkpointing at all)."""
    model = _backbone()[0]
    train_steps(model, tokenizer, epoch_batches(TRAIN, 4, seed=2), TrainSettings(**SETTINGS), log=lambda m: None)
    return model


# --- weight decay --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mbart-demo", "mt5-demo", "nllb-demo"])
def test_biases_and_norm_weights_are_not_decayed_as_in_the_trainer(name):
    from transformers import Trainer

    model, _ = _backbone(name)
    decay, no_decay = decay_split(model)
    names = [n for n, _ in model.named_parameters()]
    assert sorted(decay + no_decay) == sorted(names)
    norm_weights = {f"{m}.{n}" for m, module in model.named_modules() if type(module).__name__.endswith("LayerNorm")
                    for n, _ in module.named_parameters()}
    assert norm_weights, "every demo backbone has LayerNorm (mT5: MT5LayerNorm) modules"
    assert norm_weights <= set(no_decay)
    assert {n for n in names if "bias" in n} <= set(no_decay)
    assert all(model.get_parameter(n).dim() >= 2 for n in decay)  # weight matrices and embeddings decay
    # the very split transformers' Trainer makes (its method does not use `self`)
    assert set(decay) == set(Trainer.get_decay_parameter_names(None, model)) & set(names)
    if name == "mt5-demo":  # T5 norms are not nn.LayerNorm: caught by class and by name
        assert any(type(m).__name__ == "MT5LayerNorm" for m in model.modules())
        assert "encoder.final_layer_norm.weight" in no_decay


def test_an_adamw_step_on_zero_gradients_decays_weight_matrices_but_not_biases_or_norms():
    model, _ = _backbone()
    lr, wd = 0.1, 0.5
    groups = param_groups(model, TrainSettings(steps=1, batch_size=1, lr=lr, weight_decay=wd,
                                               no_decay_bias_and_norm=True))
    assert [g["weight_decay"] for g in groups] == [wd, 0.0]
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=wd)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()  # zero gradients: Adam's update is 0, only decoupled decay moves a tensor
    after = dict(model.named_parameters())
    bias = "model.encoder.layers.0.self_attn.q_proj.bias"
    norm = "model.encoder.layers.0.self_attn_layer_norm.weight"
    matrix = "model.encoder.layers.0.self_attn.q_proj.weight"
    assert torch.equal(after[bias], before[bias]) and torch.equal(after[norm], before[norm])
    assert torch.allclose(after[matrix], before[matrix] * (1 - lr * wd))
    assert not torch.equal(after[matrix], before[matrix])
    # the old behaviour, one group, decayed the bias too
    old = param_groups(model, TrainSettings(steps=1, batch_size=1, lr=lr, weight_decay=wd))
    assert len(old) == 1 and len(old[0]["params"]) == len(before)


def test_training_with_weight_decay_leaves_undecayed_tensors_as_training_without_it(tokenizer):
    def trained(weight_decay):
        model = _backbone()[0]
        settings = TrainSettings(**{**SETTINGS, "steps": 1, "weight_decay": weight_decay})
        train_steps(model, tokenizer, epoch_batches(TRAIN, 4, seed=2), settings, log=lambda m: None)
        return dict(model.named_parameters())

    without, with_decay = trained(0.0), trained(0.5)
    decay, no_decay = decay_split(_backbone()[0])
    assert all(torch.equal(without[n], with_decay[n]) for n in no_decay)
    assert all(not torch.equal(without[n], with_decay[n]) for n in decay)


# --- unreadable resume checkpoints ---------------------------------------------------------

class Preempted(Exception):
    pass


def _stops_after(n):
    for i, batch in enumerate(epoch_batches(TRAIN, 4, seed=2)):
        if i == n:
            raise Preempted
        yield batch


@pytest.fixture(scope="module")
def good_checkpoint(tokenizer, tmp_path_factory):
    """The bytes of a real checkpoint at step 5 (the run was stopped during step 8)."""
    path = tmp_path_factory.mktemp("ckpt") / "checkpoint.pt"
    with pytest.raises(Preempted):
        train_steps(_backbone()[0], tokenizer, _stops_after(15),
                    TrainSettings(**SETTINGS, checkpoint_every=5, checkpoint_path=path), log=lambda m: None)
    assert torch.load(path, weights_only=False)["step"] == 5
    return path.read_bytes()


CORRUPTIONS = {
    "truncated": lambda good: good[: len(good) // 2],
    "garbage": lambda good: bytes((i * 97 + 13) % 256 for i in range(4096)),
    "empty": lambda good: b"",
    "not a checkpoint": None,  # a readable torch file of something else
    "a parameter missing": None,  # this run's checkpoint, a tensor lost
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_an_unreadable_checkpoint_is_one_line_and_a_fresh_start(kind, tokenizer, plain, good_checkpoint, tmp_path):
    path = tmp_path / "checkpoint.pt"
    if kind == "not a checkpoint":
        torch.save({"step": 5, "weights": torch.zeros(3)}, path)
    elif kind == "a parameter missing":
        path.write_bytes(good_checkpoint)
        state = torch.load(path, weights_only=False)
        del state["params"]["model.encoder.layers.0.fc1.weight"]
        torch.save(state, path)
    else:
        path.write_bytes(CORRUPTIONS[kind](good_checkpoint))
    messages = []
    model = _backbone()[0]
    history = train_steps(model, tokenizer, epoch_batches(TRAIN, 4, seed=2),
                          TrainSettings(**SETTINGS, checkpoint_every=5, checkpoint_path=path), log=messages.append)
    notes = [m for m in messages if "checkpoint" in m]
    assert len(notes) == 1, notes
    assert notes[0].startswith(f"{path}: unreadable resume checkpoint (") and notes[0].endswith("): starting over")
    assert "\n" not in notes[0] and len(notes[0]) < len(str(path)) + 200
    assert history[-1]["step"] == 12
    _same_weights(model, plain)


# --- SIGTERM -------------------------------------------------------------------------------

def test_sigterm_saves_at_the_step_boundary_and_the_rerun_ends_as_an_undisturbed_run(tokenizer, plain, tmp_path):
    path = tmp_path / "checkpoint.pt"
    settings = TrainSettings(**SETTINGS, checkpoint_path=path)  # checkpoint_every 0: a SIGTERM saves anyway
    caught = []

    def previous(signum, frame):  # stands for whoever handled SIGTERM before training
        caught.append(signum)

    def terminated_during_step_5():
        for i, batch in enumerate(epoch_batches(TRAIN, 4, seed=2)):
            if i == 9:  # the second micro-batch of step 5
                os.kill(os.getpid(), signal.SIGTERM)
            yield batch

    original = signal.signal(signal.SIGTERM, previous)
    try:
        messages = []
        with pytest.raises(SystemExit) as stop:
            train_steps(_backbone()[0], tokenizer, terminated_during_step_5(), settings, log=messages.append)
        assert stop.value.code == EXIT_ON_SIGTERM == 143
        assert signal.getsignal(signal.SIGTERM) is previous and caught == []  # put back, not called
        assert torch.load(path, weights_only=False)["step"] == 5  # the step the signal came in: nothing lost
        assert messages[-1] == f"SIGTERM: saved checkpoint {path} at step 5; exiting with status 143 (rerun to resume)"

        resumed = _backbone()[0]
        messages.clear()
        train_steps(resumed, tokenizer, epoch_batches(TRAIN, 4, seed=2), settings, log=messages.append)
        assert f"resumed from {path} at step 5" in messages
        _same_weights(resumed, plain)
        assert signal.getsignal(signal.SIGTERM) is previous

        # without a checkpoint path there is nowhere to save: SIGTERM keeps its handler
        def watch():
            for batch in epoch_batches(TRAIN, 4, seed=2):
                assert signal.getsignal(signal.SIGTERM) is previous
                yield batch

        train_steps(_backbone()[0], tokenizer, watch(), TrainSettings(**{**SETTINGS, "steps": 2}), log=lambda m: None)
    finally:
        signal.signal(signal.SIGTERM, original)


def _finetune(spec: dict, log) -> dict:
    """One finetuning run as the workflow's finetune job does it; `spec` names its paths."""
    import json
    from pathlib import Path

    import torch

    from xlgen.finetune import finetune

    torch.set_num_threads(1)
    train = [{"id": str(i), "input_ids": [5 + (i * 7 + j) % 50 for j in range(8 + i % 5)] + [2],
              "labels": [7 + i % 9, 2]} for i in range(64)]
    cfg = {"steps": 30, "batch_size": 4, "warmup_steps": 2, "weight_decay": 0.01, "dev_every": 1,
           "dev_examples": 1, "checkpoint_every": 0}  # dev_every 1: a log line every step
    out = Path(spec["out"])
    summary = finetune(Path(spec["backbone"]), "full", {"lrs": [1e-3]}, train, train[:1], 1e-3, 1, cfg,
                       out / "model", log=log, checkpoint_path=Path(spec["checkpoint"]))
    (out / "run.json").write_text(json.dumps(summary))
    return summary


def _spec(out: Path, checkpoint: Path) -> dict:
    return {"backbone": str(BACKBONES / "mbart-demo"), "out": str(out), "checkpoint": str(checkpoint)}


def _steps(lines: list[str]) -> list[int]:
    return [int(line.split()[0].split("=")[1]) for line in lines if line.startswith("step=")]


def _digest(out: Path) -> str:
    return hashlib.sha256((out / "model" / "model.safetensors").read_bytes()).hexdigest()


def test_a_sigterm_ed_finetuning_job_exits_143_with_a_checkpoint_and_its_rerun_loses_no_step(tmp_path):
    import inspect

    script = tmp_path / "job.py"  # the job: this module's _finetune in a process of its own
    script.write_text(f"{inspect.getsource(_finetune)}\nimport json, sys\n"
                      "_finetune(json.loads(sys.argv[1]), lambda m: print(m, flush=True))\n")
    out, checkpoint = tmp_path / "run", tmp_path / "checkpoints" / "checkpoint.pt"
    job = subprocess.Popen([sys.executable, str(script), json.dumps(_spec(out, checkpoint))], env=ENV,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in job.stdout:
        lines.append(line)
        if line.startswith("step=6 "):
            job.send_signal(signal.SIGTERM)  # what SLURM sends before preemption or the time limit
            break
    lines += job.stdout.read().splitlines(keepends=True)
    assert job.wait(timeout=120) == 143, "".join(lines[-20:])
    saved = torch.load(checkpoint, weights_only=False)["step"]
    assert 6 <= saved <= 8, f"signal after step 6, checkpoint at step {saved}"  # steps since the signal
    assert max(_steps(lines)) == saved  # no step was done past the checkpoint: a rerun loses none
    assert [line for line in lines if "SIGTERM" in line] == [
        f"SIGTERM: saved checkpoint {checkpoint} at step {saved}; exiting with status 143 (rerun to resume)\n"]
    assert not (out / "model").exists() and not (out / "run.json").exists()

    log = []  # the rerun, and an undisturbed run, here (one thread, as the job): start-up is a job's cost
    summary = _finetune(_spec(out, checkpoint), log.append)
    assert f"resumed from {checkpoint} at step {saved}" in log
    assert min(_steps(log)) == saved + 1
    assert not checkpoint.exists()  # a finished run's checkpoint is spent
    assert summary["steps"] == 30 and summary["status"] == "ok"
    assert summary["weight_decay_excludes"] == WEIGHT_DECAY_EXCLUDES
    assert (summary["decayed_tensors"], summary["undecayed_tensors"]) == (35, 60)  # mbart-demo
    log.clear()
    _finetune(_spec(tmp_path / "plain", tmp_path / "plain-checkpoint.pt"), log.append)
    assert not any("resumed" in m for m in log)
    assert _digest(tmp_path / "plain") == _digest(out)


def test_a_sigterm_ed_intermediate_tuning_resumes_to_the_variant_of_an_uninterrupted_run(tmp_path, monkeypatch):
    """The intermediate_tuning job, warned by SLURM before its time limit, saves and exits 143;
    its retry resumes (drawing the seeded sampler's batches up to the saved step again) and
    saves the variant an uninterrupted run saves, then drops the spent checkpoint."""
    from safetensors.torch import load_file

    from xlgen import intermediate

    unlabeled = {"en": [f"The river town counted {n} boats on the water this spring." for n in range(40)],
                 "ru": [f"В этом году в городе у реки насчитали {n} лодок." for n in range(40)]}
    settings = {"objective": "denoising", "steps": 8, "batch_size": 4, "lr": 1e-3, "max_length": 32}
    sampled, real_sampler = [], intermediate.pretraining_examples

    def warned_during_step_4(*args, **kwargs):
        sample = real_sampler(*args, **kwargs)

        def counted():
            sampled.append(1)
            if len(sampled) == 3 * settings["batch_size"] + 1:  # the first example of step 4
                os.kill(os.getpid(), signal.SIGTERM)
            return sample()
        return counted

    def tune(out: str, checkpoint: Path, log) -> dict:
        return intermediate.intermediate_tune(BACKBONES / "mbart-demo", unlabeled, {}, settings, 3, tmp_path / out,
                                              log=log, checkpoint_path=checkpoint)

    checkpoint = tmp_path / "checkpoints" / "checkpoint.pt"
    messages = []
    with monkeypatch.context() as patch:
        patch.setattr(intermediate, "pretraining_examples", warned_during_step_4)
        with pytest.raises(SystemExit) as stop:
            tune("variant", checkpoint, messages.append)
    assert stop.value.code == EXIT_ON_SIGTERM
    assert messages[-1] == (f"SIGTERM: saved checkpoint {checkpoint} at step 4; exiting with status 143 "
                            "(rerun to resume)")
    assert not (tmp_path / "variant").exists()

    messages.clear()
    assert tune("variant", checkpoint, messages.append)["steps"] == 8
    assert f"resumed from {checkpoint} at step 4" in messages
    assert not checkpoint.exists()
    messages.clear()
    tune("plain", tmp_path / "plain-checkpoint.pt", messages.append)
    assert not any("resumed" in m for m in messages)
    resumed, plain = (load_file(tmp_path / out / "model.safetensors") for out in ("variant", "plain"))
    assert resumed.keys() == plain.keys() and all(torch.equal(resumed[k], plain[k]) for k in resumed)
