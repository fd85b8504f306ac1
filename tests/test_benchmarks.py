"""Every benchmark script runs (in its quick mode) and reports what it measures, so the
scripts in benchmarks/ cannot rot between the occasions they are run for real."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def run_benchmark(*args: str) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / args[0]), *args[1:]], capture_output=True,
                          text=True, env=ENV, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


# The benchmarks that load torch and transformers, run one after another in one interpreter, each
# as `python benchmarks/NAME ARGS` runs it (its argv, as __main__, its folder first on sys.path,
# its stdout and stderr to files of its own): the ~5 CPU-s of imports a process costs (measured
# 2026-12-07) paid once, not five times. A benchmark's failure fails its own test only.
TORCH_RUNS = {"generation": ["generation.py", "--quick"], "script_mask": ["script_mask.py", "--quick"],
              "training": ["training.py", "--quick"], "gpu": ["gpu_throughput.py"],
              "gpu_quick": ["gpu_throughput.py", "--quick"]}
DRIVER = """
import json, os, runpy, sys, traceback
runs, out = json.loads(sys.argv[1]), sys.argv[2]
path = list(sys.path)
for name, argv in runs.items():
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(os.path.join(out, name + ".out"), "w") as o, open(os.path.join(out, name + ".err"), "w") as e:
        os.dup2(o.fileno(), 1); os.dup2(e.fileno(), 2)
        code = 0
        try:
            sys.argv, sys.path[:] = argv, [os.path.dirname(argv[0]), *path]
            runpy.run_path(argv[0], run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc(); code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2)
        os.close(saved[0]); os.close(saved[1])
    with open(os.path.join(out, name + ".status"), "w") as s:
        s.write(str(code))
"""


@pytest.fixture(scope="module")
def torch_runs(tmp_path_factory) -> Path:
    import torch

    out = tmp_path_factory.mktemp("benchmarks")
    runs = {name: [str(ROOT / "benchmarks" / argv[0]), *argv[1:]] for name, argv in TORCH_RUNS.items()
            if name != "gpu" or not torch.cuda.is_available()}  # with a GPU that is the real measurement
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(runs), str(out)], capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def output_of(torch_runs: Path, name: str) -> str:
    """The stdout of TORCH_RUNS[name], which must have exited 0."""
    status, out, err = ((torch_runs / f"{name}.{part}").read_text() for part in ("status", "out", "err"))
    assert status == "0", f"{' '.join(TORCH_RUNS[name])} exited {status}:\n{out[-2000:]}{err[-3000:]}"
    return out


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_generation_benchmark_outputs_are_identical(torch_runs):
    out = output_of(torch_runs, "generation")
    row = re.search(r"^mbart-demo\s+([\d.]+) s .* ([\d.]+)x .*?(\d+)/(\d+) \(text and token ids; "
                    r"batched generate (\d+)/(\d+)\)", out, re.M)
    assert row, out
    # 3 inputs x 4 languages: the pipeline and batched generate write what the naive loop writes
    assert row[3] == row[4] == row[5] == row[6] == "12"


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_script_mask_benchmark_times_every_way_and_keeps_obeying_outputs(torch_runs):
    out = output_of(torch_runs, "script_mask")
    row = re.search(r"^mbart-demo\s+2001\s+([\d.]+) s\s+([\d.]+) s ([\d.]+)x\s+([\d.]+) s\s+([\d.]+) s ([\d.]+)x"
                    r"\s+[\d.]+%\s+\d+\s+[\d.]+ / [\d.]+ s\s+(\d+)/12; (\d+)/(\d+)$", out, re.M)
    assert row, out
    # greedy: every output that already obeys the mask is the same with it, on both paths
    assert row[8] == row[9] and int(row[9]) >= 12


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_score_throughput_benchmark_small():
    out = run_benchmark("score_throughput.py", "--n", "300", "--cases", "qa:th", "--skip-naive")
    assert re.search(r"^qa:th\s+[\d.]+ s .*f1_unicode=", out, re.M), out


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_dag_dry_run_benchmark_counts_jobs():
    out = run_benchmark("dag_dry_run.py", "--quick")
    jobs = re.search(r"DAG: (\d+) jobs of (\d+) rules", out)
    assert jobs and int(jobs[1]) > 50, out
    assert "snakemake -n -q" in out and "budget" in out


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_training_benchmark_reports_every_configuration(torch_runs):
    out = output_of(torch_runs, "training")
    for name in ("grouped 16x1", "random 16x1", "grouped 8x2"):
        assert re.search(rf"^{name}\s+[\d.]+\s+\d+\s+\d+%", out, re.M), out
    assert "length grouping:" in out
    # against transformers' Trainer, on the same work: the two end with the same weights
    for name, trainer in (("mbart-demo", "Seq2SeqTrainer"), ("llama demo", "Trainer")):
        row = re.search(rf"^{name}\s+[\d.]+M\s+{trainer}\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+x\s+[\d.]+ \([\d.]+x\)"
                        rf"\s+(\S+)$", out, re.M)
        assert row and float(row[1]) < 1e-5, out


@pytest.mark.slow  # a benchmark's quick mode (~5-15 CPU-s)
def test_gpu_benchmark_without_gpu_and_cpu_smoke_mode(torch_runs):
    import torch

    if not torch.cuda.is_available():
        assert output_of(torch_runs, "gpu").strip().startswith("no GPU: not measured")
    out = output_of(torch_runs, "gpu_quick")
    for name in ("mt5-base", "mbart-large-50", "nllb-200-distilled-600M"):
        assert re.search(rf"^{name}\s+[\d.]+M\s+[\d.]+\s+\d+\s+\d+", out, re.M), out
    for name in ("Llama-3.1-8B", "Qwen2.5-7B", "Llama-3.2-1B"):  # training in full and with LoRA, generation
        for mode in ("full", "lora", "generate"):
            assert re.search(rf"^{re.escape(name)}\s+[\d.]+M\s+{mode}\s+\d+\s+[\d.]+\s+n/a", out, re.M), out


@pytest.mark.parametrize("name,params", [("mt5-base", 582.4), ("mbart-large-50", 610.9),
                                         ("nllb-200-distilled-600M", 615.1)])
def test_gpu_benchmark_builds_the_published_sizes(name, params, gpu_throughput):
    # built on the meta device: no memory, no GPU; the parameter counts of the real checkpoints
    import torch

    with torch.device("meta"):
        model = gpu_throughput.build(name, tiny=False)
    assert sum(p.numel() for p in model.parameters()) / 1e6 == pytest.approx(params, abs=0.1)


@pytest.mark.parametrize("name,params", [("Llama-3.1-8B", 8_030_261_248), ("Qwen2.5-7B", 7_615_616_512),
                                         ("Llama-3.2-1B", 1_235_814_400)])
def test_gpu_benchmark_builds_the_published_llm_sizes(name, params, gpu_throughput):
    # the parameter counts of the published checkpoints, exactly; built on the meta device
    import torch

    build_llm, llm_train_flops, matmul_weights = (gpu_throughput.build_llm, gpu_throughput.llm_train_flops,
                                                  gpu_throughput.matmul_weights)
    with torch.device("meta"):
        model = build_llm(name, tiny=False)
    assert sum(p.numel() for p in model.parameters()) == params
    # FLOPs of a training token: 6 a matmul weight (all but the input embedding, norms and
    # biases; a tied LM head multiplies by the embedding matrix) + attention
    n = matmul_weights(model)
    embedding = model.get_input_embeddings().weight.numel()
    vectors = sum(p.numel() for name, p in model.named_parameters() if "norm" in name or name.endswith(".bias"))
    assert n == params - embedding - vectors + (embedding if model.config.tie_word_embeddings else 0)
    assert llm_train_flops(model.config, 0, n, 1, 1) == 6 * n + 12 * model.config.num_hidden_layers * \
        model.config.hidden_size
