"""Every benchmark script runs (in its quick mode) and reports what it measures, so the
scripts in benchmarks/ cannot rot between the occasions they are run for real."""

from __future__ import annotations

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


def test_generation_benchmark_outputs_are_identical():
    out = run_benchmark("generation.py", "--quick")
    row = re.search(r"^mbart-demo\s+([\d.]+) s .* ([\d.]+)x .*?(\d+)/(\d+) \(text and token ids; "
                    r"batched generate (\d+)/(\d+)\)", out, re.M)
    assert row, out
    # 3 inputs x 4 languages: the pipeline and batched generate write what the naive loop writes
    assert row[3] == row[4] == row[5] == row[6] == "12"


def test_score_throughput_benchmark_small():
    out = run_benchmark("score_throughput.py", "--n", "300", "--cases", "qa:th", "--skip-naive")
    assert re.search(r"^qa:th\s+[\d.]+ s .*f1_unicode=", out, re.M), out


def test_dag_dry_run_benchmark_counts_jobs():
    out = run_benchmark("dag_dry_run.py", "--quick")
    jobs = re.search(r"DAG: (\d+) jobs of (\d+) rules", out)
    assert jobs and int(jobs[1]) > 50, out
    assert "snakemake -n -q" in out and "budget" in out


def test_training_benchmark_reports_every_configuration():
    out = run_benchmark("training.py", "--quick")
    for name in ("grouped 16x1", "random 16x1", "grouped 8x2"):
        assert re.search(rf"^{name}\s+[\d.]+\s+\d+\s+\d+%", out, re.M), out
    assert "length grouping:" in out


def test_gpu_benchmark_without_gpu_and_cpu_smoke_mode():
    import torch

    if not torch.cuda.is_available():
        assert run_benchmark("gpu_throughput.py").strip().startswith("no GPU: not measured")
    out = run_benchmark("gpu_throughput.py", "--quick")
    for name in ("mt5-base", "mbart-large-50", "nllb-200-distilled-600M"):
        assert re.search(rf"^{name}\s+[\d.]+M\s+[\d.]+\s+\d+\s+\d+", out, re.M), out


@pytest.mark.parametrize("name,params", [("mt5-base", 582.4), ("mbart-large-50", 610.9),
                                         ("nllb-200-distilled-600M", 615.1)])
def test_gpu_benchmark_builds_the_published_sizes(name, params):
    # built on the meta device: no memory, no GPU; the parameter counts of the real checkpoints
    import torch

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gpu_throughput import build
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    with torch.device("meta"):
        model = build(name, tiny=False)
    assert sum(p.numel() for p in model.parameters()) / 1e6 == pytest.approx(params, abs=0.1)
