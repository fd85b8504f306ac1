"""Finetuning in N processes (accelerate launch; DDP over gloo on CPU, and FSDP2 forced on
CPU by a test harness, at the end): the same loss curve as one process with the same batch,
and a SIGKILLed 2-process job resumes from its checkpoint to the weights of an uninterrupted
2-process job, bitwise. The uninterrupted DDP job is launched with the FSDP accelerate config
where there is no GPU: accelerate runs DDP, xlgen says so, and the one job serves the
comparisons with one process, with the resumed job and with FSDP (one launch fewer; plain
DDP without a config file runs through the finetune rule in tests/test_resume.py). The
2-process jobs also checkpoint activations (finetune.gradient_checkpointing), which changes
memory, not numbers: in one process the results are bitwise those without it (mBART and the
causal LM, test_gradient_checkpointing_changes_memory_not_the_numbers).

One process trains a batch of 8 as two micro-batches of 4; of two processes, the first trains
rows 0 and 2 of each micro-batch, the second rows 1 and 3, each loss weighted by its share of
the micro-batch's label tokens, and DDP sums the two gradients at the step's last micro-batch: the same
gradient up to the order of float additions. Measured on llama-demo (a causal LM, no dropout,
the loss on the completion only), 40 steps at LR 1e-3, losses from 9.6 down to 4.2
(2026-12-07): the logged training losses 3.3e-6 apart at most, the dev losses 1.9e-6; the
final weights 2.0e-7 apart relative to their norm (the largest gap 2.5e-6, in an MLP weight).
The tolerances below leave 3x room, the weights' 1500x: they were set on mbart-demo (2026-11-29:
3.6e-5, most of it in attention key biases, whose true gradient is 0: AdamW turns float noise
there into steps of either sign).
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

from xlgen.finetune import LAUNCH_SHUTDOWN_TIMEOUT_S, launch, launch_command, launch_env, run_job
from xlgen.io import InputError

ROOT = Path(__file__).resolve().parents[1]
BACKBONE = ROOT / "resources" / "demo_backbones" / "mbart-demo"
CAUSAL = ROOT / "resources" / "demo_backbones" / "llama-demo"
FSDP_CONFIG = ROOT / "profiles" / "accelerate" / "fsdp.yaml"
FINETUNE = {"steps": 40, "batch_size": 8, "micro_batch_size": 4, "warmup_steps": 4, "weight_decay": 0.01,
            "dev_every": 2, "dev_examples": 8, "checkpoint_every": 4}
LOSS_TOLERANCE = 1e-5  # measured 3.3e-6 (training loss), 1.9e-6 (dev loss)
WEIGHT_TOLERANCE = 3e-4  # |w1 - w2| / |w1| over all weights, measured 2.0e-7


def _examples(n: int, offset: int = 0) -> list[dict]:
    # lengths 8-20 and labels 2-6 tokens: the two processes' shares differ in label tokens
    return [{"id": str(i), "input_ids": [5 + (i * 7 + j) % 300 for j in range(8 + (i * 5) % 13)] + [2],
             "labels": [7 + (i + k) % 200 for k in range(1 + i % 5)] + [2]} for i in range(offset, offset + n)]


def _causal_examples(n: int, offset: int = 0) -> list[dict]:
    # BOS, a prompt of 8-20 tokens (no loss), a completion of 2-6 tokens ending with EOS
    examples = []
    for i in range(offset, offset + n):
        prompt = [1] + [5 + (i * 7 + j) % 300 for j in range(8 + (i * 5) % 13)]
        answer = [7 + (i + k) % 200 for k in range(1 + i % 5)] + [2]
        examples.append({"id": str(i), "input_ids": prompt + answer, "labels": [-100] * len(prompt) + answer})
    return examples


def _tokenized(folder: Path, family: str, make) -> Path:
    """train.npz (96 examples) and dev.npz (8 others) as the tokenize rule writes them."""
    from xlgen.finetune import TokenizedExamples

    for name, examples in (("train", make(96)), ("dev", make(8, offset=500))):
        TokenizedExamples.from_examples(examples).save(folder / f"{name}.npz", lang="en", family=family)
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return _tokenized(tmp_path_factory.mktemp("tokenized"), "mbart", _examples)


@pytest.fixture(scope="module")
def causal_inputs(tmp_path_factory):
    return _tokenized(tmp_path_factory.mktemp("tokenized_causal"), "causal", _causal_examples)


def _spec(inputs: Path, out: Path, processes: int, backbone: Path = BACKBONE) -> dict:
    finetune = {**FINETUNE, "gradient_checkpointing": processes > 1}
    return {"backbone": str(backbone), "method": "full", "method_settings": {"lrs": [1e-3]},
            "train": str(inputs / "train.npz"), "dev": str(inputs / "dev.npz"), "unlabeled": [], "lr": 1e-3, "seed": 1,
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
def two_processes(causal_inputs, tmp_path_factory):
    """An uninterrupted DDP job in 2 processes, started as the finetune rule starts it with
    finetune.accelerate_config: profiles/accelerate/fsdp.yaml on a machine without a GPU
    (without tests/fsdp_on_cpu): accelerate runs DDP."""
    out = tmp_path_factory.mktemp("two")
    with open(out / "job.log", "w") as log:
        launch(_spec(causal_inputs, out, 2, CAUSAL), 2, accelerate_config=str(FSDP_CONFIG), output=log)
    return out


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_two_processes_give_the_loss_curve_of_one_with_the_same_batch(causal_inputs, two_processes, tmp_path):
    one = tmp_path / "one"
    run_job(_spec(causal_inputs, one, 1, CAUSAL), log=lambda m: None)  # in this process, as the rule does for gpu=1
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


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_a_killed_two_process_job_resumes_to_the_uninterrupted_weights(causal_inputs, two_processes, tmp_path):
    out = tmp_path / "killed"
    spec = _spec(causal_inputs, out, 2, CAUSAL)  # launched as two_processes: DDP
    checkpoint = Path(spec["checkpoint"])
    code = ("import json, sys; from xlgen.finetune import launch; "
            f"launch(json.loads(sys.argv[1]), 2, accelerate_config={str(FSDP_CONFIG)!r})")
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
        launch(spec, 2, accelerate_config=str(FSDP_CONFIG), output=log)
    resumed_at = int((tmp_path / "rerun.log").read_text().split(" at step ")[1].split()[0])
    assert resumed_at == saved["step"]
    assert _history(out) == _history(two_processes)
    w_resumed, w_plain = _weights(out), _weights(two_processes)
    assert all(torch.equal(w_resumed[k], w_plain[k]) for k in w_plain)
    assert not checkpoint.exists()


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_bad_settings_are_refused_before_any_process_starts(inputs, tmp_path, monkeypatch):
    spec = _spec(inputs, tmp_path / "bad", 2)
    spec["finetune"] = {**FINETUNE, "batch_size": 6, "micro_batch_size": 4}  # not a multiple
    monkeypatch.setattr("subprocess.Popen", None)  # a process started would fail the test with a TypeError
    with pytest.raises(InputError, match=r"^finetune.batch_size 6 is not a multiple of finetune.micro_batch_size 4$"):
        launch(spec, 2)


def test_launch_command_runs_ddp_or_the_accelerate_config():
    from accelerate.commands.config.config_args import load_config_from_file

    ddp = launch_command({"seed": 1}, 4)
    assert ddp[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert ddp[ddp.index("--num_processes") + 1] == "4" and "--multi_gpu" in ddp
    assert ddp[-3:] == ["-m", "xlgen.finetune", '{"seed": 1}']
    fsdp = launch_command({"seed": 1}, 8, str(FSDP_CONFIG))
    assert fsdp[fsdp.index("--config_file") + 1] == str(FSDP_CONFIG) and "--multi_gpu" not in fsdp
    assert fsdp[fsdp.index("--num_processes") + 1] == "8"
    parsed = load_config_from_file(str(FSDP_CONFIG))
    assert parsed.distributed_type == "FSDP" and parsed.fsdp_config["fsdp_version"] == 2


def test_launched_processes_have_time_to_save_after_a_sigterm(monkeypatch):
    """torchrun's agent (under accelerate launch) SIGKILLs its processes 30 s after a SIGTERM
    unless TORCH_ELASTIC_SHUTDOWN_TIMEOUT says otherwise (measured 2026-12-07: workers saving
    for 40 s were killed at 30 s, and finished with the variable at 3600)."""
    from torch.distributed.launcher.api import LaunchConfig

    assert LAUNCH_SHUTDOWN_TIMEOUT_S >= 600  # longer than the profile's time-limit warning (profiles/slurm)
    env = launch_env({"PATH": "/bin"})
    assert env == {"PATH": "/bin", "PYTHONUNBUFFERED": "1", "TORCH_ELASTIC_SHUTDOWN_TIMEOUT": "3600"}
    monkeypatch.setenv("TORCH_ELASTIC_SHUTDOWN_TIMEOUT", env["TORCH_ELASTIC_SHUTDOWN_TIMEOUT"])  # torchrun reads it
    assert LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=2).shutdown_timeout == LAUNCH_SHUTDOWN_TIMEOUT_S
    assert launch_env({"TORCH_ELASTIC_SHUTDOWN_TIMEOUT": "7200"})["TORCH_ELASTIC_SHUTDOWN_TIMEOUT"] == "7200"


# --- one process: gradient checkpointing and the fused AdamW kernel -------------------------

def _trained(name: str, examples=_examples, **settings) -> tuple[dict, float]:
    from xlgen.backbones import load_backbone
    from xlgen.training import TrainSettings, epoch_batches, train_steps

    torch.manual_seed(0)
    model, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / name)
    history = train_steps(model, tokenizer, epoch_batches(examples(32), 8, seed=2),
                          TrainSettings(steps=4, batch_size=8, lr=1e-3, seed=1, weight_decay=0.01, **settings),
                          log=lambda m: None)
    return model.state_dict(), history[-1]["loss"]


def test_gradient_checkpointing_changes_memory_not_the_numbers():
    plain, loss = _trained("mbart-demo")
    checkpointed, loss_checkpointed = _trained("mbart-demo", gradient_checkpointing=True)
    assert loss == loss_checkpointed and all(torch.equal(plain[k], checkpointed[k]) for k in plain)
    # the causal LM of the 2-process jobs (its embeddings tied to the LM head): bitwise too
    plain, loss = _trained("llama-demo", _causal_examples)
    checkpointed, loss_checkpointed = _trained("llama-demo", _causal_examples, gradient_checkpointing=True)
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


# --- FSDP2 (accelerate config profiles/accelerate/fsdp.yaml) --------------------------------
# accelerate shards on GPUs only; tests/fsdp_on_cpu sets its state to FSDP in the launched
# processes so the loop's sharded path runs on CPU over gloo. A causal LM (llama-demo, tied
# embeddings, as Llama-3.2-1B and Gemma) in 2 processes, sharded and not (DDP: two_processes),
# 40 steps at LR 1e-3, losses from 9.6 down to 4.2 (2026-12-07): training losses 5.9e-6 apart
# at most, dev losses 5.7e-6, final weights 4.2e-7 apart relative to their norm (the tolerances
# above: 1.7x and 700x room; 2026-11-29: 2.8e-6, 3.3e-6, 3.7e-7); a killed sharded job resumes
# to the uninterrupted one's weights, bitwise.


def _force_fsdp(patch: pytest.MonkeyPatch) -> None:
    """Launched processes import tests/fsdp_on_cpu/sitecustomize.py first (PYTHONPATH)."""
    patch.setenv("XLGEN_TEST_FSDP_ON_CPU", "1")
    patch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "tests" / "fsdp_on_cpu"),
                                                *filter(None, [os.environ.get("PYTHONPATH")])]))


@pytest.fixture
def fsdp_on_cpu(monkeypatch):
    _force_fsdp(monkeypatch)


@pytest.fixture(scope="module")
def fsdp_run(causal_inputs, tmp_path_factory):
    """An uninterrupted sharded 2-process job (FSDP2 forced on CPU)."""
    out = tmp_path_factory.mktemp("fsdp")
    with pytest.MonkeyPatch.context() as patch:
        _force_fsdp(patch)
        with open(out / "job.log", "w") as log:
            launch(_spec(causal_inputs, out, 2, CAUSAL), 2, accelerate_config=str(FSDP_CONFIG), output=log)
    return out


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_fsdp_gives_the_loss_curve_of_ddp_and_without_a_gpu_ddp_says_so(fsdp_run, two_processes):
    assert "parameters train" in (fsdp_run / "job.log").read_text()
    assert "there is no GPU" not in (fsdp_run / "job.log").read_text()  # it did shard
    ddp = two_processes  # the same config file, without the harness: accelerate runs DDP
    text = (ddp / "job.log").read_text()
    assert text.count("xlgen: finetune.accelerate_config asks for FSDP, but there is no GPU") == 1
    curve_fsdp, curve_ddp = _history(fsdp_run), _history(ddp)
    assert [r["step"] for r in curve_fsdp] == [r["step"] for r in curve_ddp] == list(range(2, 41, 2))
    assert curve_ddp[0]["loss"] > 1.5 * curve_ddp[-1]["loss"]  # it learns
    for a, b in zip(curve_fsdp, curve_ddp):
        assert a["lr"] == b["lr"]
        assert abs(a["loss"] - b["loss"]) <= LOSS_TOLERANCE, (a, b)
        assert abs(a["dev_loss"] - b["dev_loss"]) <= LOSS_TOLERANCE, (a, b)
    w1, w2 = _weights(fsdp_run), _weights(ddp)  # the sharded job saves the whole model
    assert w1.keys() == w2.keys()
    gap = sum(float((w1[k] - w2[k]).double().pow(2).sum()) for k in w1) ** 0.5
    assert gap <= WEIGHT_TOLERANCE * sum(float(w1[k].double().pow(2).sum()) for k in w1) ** 0.5
    assert not (fsdp_run / "checkpoints").exists()  # a finished job's checkpoint and shards are spent


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_a_killed_sharded_job_resumes_from_its_sharded_state(causal_inputs, fsdp_run, fsdp_on_cpu, tmp_path):
    out = tmp_path / "killed"
    spec = _spec(causal_inputs, out, 2, CAUSAL)
    checkpoint = Path(spec["checkpoint"])
    code = ("import json, sys; from xlgen.finetune import launch; "
            f"launch(json.loads(sys.argv[1]), 2, accelerate_config={str(FSDP_CONFIG)!r})")
    job = subprocess.Popen([sys.executable, "-c", code, json.dumps(spec)], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while not checkpoint.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert checkpoint.exists(), "no checkpoint appeared before the job ended"
    for pid in _processes_with(str(out)):
        os.kill(pid, signal.SIGKILL)
    job.wait()
    while _processes_with(str(out)) and time.time() < deadline:
        time.sleep(0.05)
    saved = torch.load(checkpoint, weights_only=False)
    assert saved["step"] % 4 == 0 and saved["step"] < 40 and saved["params"] is None  # the shards hold them
    assert (checkpoint.parent / saved["sharded_state"]).is_dir()
    assert not (out / "model").exists()

    with open(tmp_path / "rerun.log", "w") as log:
        launch(spec, 2, accelerate_config=str(FSDP_CONFIG), output=log)
    resumed_at = int((tmp_path / "rerun.log").read_text().split(" at step ")[1].split()[0])
    assert resumed_at == saved["step"]
    assert _history(out) == _history(fsdp_run)
    w_resumed, w_plain = _weights(out), _weights(fsdp_run)
    assert all(torch.equal(w_resumed[k], w_plain[k]) for k in w_plain)
    assert not checkpoint.exists() and not list(checkpoint.parent.glob("*.accelerate"))


@pytest.mark.slow  # `accelerate launch` of 2 processes
def test_a_backbone_fsdp_cannot_shard_is_refused_in_one_line(inputs, fsdp_on_cpu, tmp_path):
    # mbart-demo: the encoder's and the decoder's embeddings and the LM head share one matrix
    log = tmp_path / "job.log"
    with open(log, "w") as output, pytest.raises(SystemExit) as stop:
        launch(_spec(inputs, tmp_path / "mbart", 2), 2, accelerate_config=str(FSDP_CONFIG), output=output)
    assert stop.value.code == 1
    lines = [line for line in log.read_text().splitlines() if line.startswith("xlgen: finetune.accelerate_config")]
    assert lines and "FSDP cannot shard this backbone" in lines[0]
    assert "model.decoder.embed_tokens" in lines[0] and "model.encoder.embed_tokens" in lines[0]
    # a failing process fails the job: its one line above, then the launcher's
    assert "xlgen: finetuning in 2 processes failed" in log.read_text()


@pytest.mark.parametrize("name,shardable", [("mt5-base", False), ("mbart-large-50", False),
                                            ("nllb-200-distilled-600M", False), ("Llama-3.1-8B", True),
                                            ("Llama-3.2-1B", True), ("Qwen2.5-7B", True)])
def test_which_published_backbones_fsdp_can_shard(name, shardable, gpu_throughput):
    # the published shapes (benchmarks/gpu_throughput.py), built on the meta device: seconds,
    # no memory. Llama-3.2-1B ties its LM head to the embeddings: allowed, as accelerate puts
    # the two in one group
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    from xlgen.training import check_shardable

    with torch.device("meta"):
        model = (AutoModelForCausalLM.from_config(gpu_throughput.published_llm_config(name)) if shardable
                 else AutoModelForSeq2SeqLM.from_config(gpu_throughput.published_config(name)))
    if shardable:
        check_shardable(model)
    else:
        with pytest.raises(ValueError, match=r"^finetune.accelerate_config: FSDP cannot shard this backbone: .*"
                                             r"encoder.embed_tokens"):
            check_shardable(model)


def test_the_released_mbart_config_is_refused_for_fsdp():
    folder = ROOT.parent / "shared" / "fixtures" / "hf_configs" / "facebook--mbart-large-50-many-to-many-mmt"
    if not folder.is_dir():
        pytest.skip(f"fixture {folder} is absent (no shared/fixtures/hf_configs here)")
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    from xlgen.training import check_shardable

    with torch.device("meta"):
        model = AutoModelForSeq2SeqLM.from_config(AutoConfig.from_pretrained(folder))
    with pytest.raises(ValueError, match="model.shared"):
        check_shardable(model)
