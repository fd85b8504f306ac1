"""The rules ask for at least what the real-shape rehearsal measured, with the stated headroom.

`make rehearsal` (benchmarks/rehearsal.py) runs the study's rules on random-initialised
checkpoints of the three seq2seq backbones' shapes and of a decoder-only model (Qwen2.5-0.5B)
and records each job's peak host memory (ru_maxrss). It takes ~20-40 minutes, so CI reads
the table it wrote, committed with its date and machine (REHEARSAL), and computes what
xlgen.resources asks today for the same shapes, methods and data: a formula lowered below a
measured peak (plus HEADROOM) fails here. docs/cluster.md shows the same table.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from xlgen.methods import get_method
from xlgen.resources import (
    EVALUATE_MEM_MB,
    HEADROOM,
    Shape,
    count_parts,
    finetune_mem_mb,
    generate_mem_mb,
    held_train_tokens,
    tokenize_mem_mb,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # benchmarks/rehearsal.py: its backbones, configs and config.json reader
REHEARSAL = ROOT / "benchmarks" / "rehearsal-2026-12-07.csv"
SHAPES = {"google/mt5-base", "facebook/mbart-large-50-many-to-many-mmt", "facebook/nllb-200-distilled-600M",
          "Qwen/Qwen2.5-0.5B"}
METHODS = {"full", "freeze", "lora", "prompt", "adapter"}


def measured() -> list[dict]:
    if not REHEARSAL.is_file():
        return []
    with open(REHEARSAL, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def with_parts(shape: Shape, hub_id: str) -> tuple[Shape, str]:
    """`shape` with the parameters of its parts, counted from the config.json the rehearsal
    built its checkpoint from (benchmarks/rehearsal.py), and the backbone's family."""
    import rehearsal  # benchmarks/rehearsal.py

    family = next(fam for shape_of, fam in rehearsal.BACKBONES.values() if shape_of == hub_id)
    try:
        config = rehearsal.real_config(hub_id)
    except rehearsal.RehearsalError as err:
        pytest.skip(f"the parts of {hub_id} are counted from its config.json: {err}")
    parts = count_parts(config)
    assert sum(parts.values()) == shape.params, hub_id  # the checkpoint the rehearsal measured
    return replace(shape, parts=tuple(parts.items())), family


def rehearsal_method_settings(family: str) -> dict:
    """method_settings as the rehearsal's configs merge them for a backbone of `family`."""
    import rehearsal  # benchmarks/rehearsal.py

    merged: dict = {}
    for name in rehearsal.LLM_CONFIGS if family == "causal" else rehearsal.SEQ2SEQ_CONFIGS:
        for method, settings in (yaml.safe_load((ROOT / name).read_text()).get("method_settings") or {}).items():
            merged[method] = {**merged.get(method, {}), **settings}
    return merged


def request_mb(row: dict) -> int:
    """What xlgen.resources asks today for the job of `row` (one process, first attempt)."""
    shape = Shape(int(row["params"]), int(row["width"]), int(row["layers"]), int(row["vocab"]),
                  bool(int(row["encoder_decoder"])))
    lengths = int(row["max_source_length"]), int(row["max_target_length"])
    if row["rule"] == "tokenize":
        examples = int(row["train_examples"]) + int(row["dev_examples"])
        return tokenize_mem_mb(examples, int(row["max_source_length"]) + int(row["max_target_length"]))
    if row["rule"] == "finetune":
        method = get_method(row["method"])
        shape, family = with_parts(shape, row["shape_of"])
        share = method.trainable_share(shape, rehearsal_method_settings(family)[row["method"]], family)
        return finetune_mem_mb(shape, share, method.gradient_copies, 1,
                               held_train_tokens(int(row["tokenized_train_bytes"])), 1, lengths)
    if row["rule"] == "generate":
        return generate_mem_mb(shape)
    if row["rule"] == "evaluate":
        return EVALUATE_MEM_MB
    raise AssertionError(f"{REHEARSAL}: unknown rule {row['rule']!r}")


def test_the_rehearsal_measured_every_shape_rule_and_method():
    assert REHEARSAL.is_file(), f"{REHEARSAL} is missing: commit the table `make rehearsal` wrote"
    rows = measured()
    assert {row["shape_of"] for row in rows} == SHAPES
    for shape in SHAPES:
        jobs = {(row["rule"], row["method"]) for row in rows if row["shape_of"] == shape}
        assert jobs == {("tokenize", ""), ("generate", "full"), ("evaluate", "full")} | {
            ("finetune", method) for method in METHODS}, shape
    for row in rows:  # the real shapes, at the real sizes
        assert int(row["train_examples"]) == 50_000 and int(row["peak_rss_mb"]) > 0, row
    assert {row["date"] for row in rows} == {"2026-12-07"} and all(row["machine"] for row in rows)


@pytest.mark.parametrize("row", measured(), ids=lambda r: f"{r['backbone']}-{r['rule']}-{r['method'] or '-'}")
def test_no_rule_asks_for_less_than_the_rehearsal_measured(row):
    peak = int(row["peak_rss_mb"])
    asked = request_mb(row)
    assert asked >= peak * HEADROOM, (
        f"{row['rule']} of {row['shape_of']} ({row['method'] or 'no method'}) asks {asked:,} MB; the rehearsal "
        f"measured a peak of {peak:,} MB ({REHEARSAL.name}), and the rules keep {HEADROOM - 1:.0%} above it")


def test_the_check_fails_for_a_request_below_the_peak(monkeypatch):
    """The comparison above can fail: a finetune formula without the AdamW moments is caught."""
    from xlgen import resources

    row = next(r for r in measured() if r["rule"] == "finetune" and r["method"] == "full")
    monkeypatch.setattr(resources, "state_bytes_per_param", lambda share, copies=1: 4 + share * 4)
    asked = resources.finetune_mem_mb(Shape(int(row["params"]), 0, 0), 1.0, 1, 1,
                                      held_train_tokens(int(row["tokenized_train_bytes"])))
    assert asked < int(row["peak_rss_mb"]) * HEADROOM


@pytest.mark.slow
def test_the_rehearsal_runs_the_rules_and_writes_its_table(tmp_path):
    """`benchmarks/rehearsal.py --quick`: the same driver on downsized checkpoints (~2 minutes)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "rehearsal.py"), "--quick", "--out",
                           str(tmp_path), "--mem-mb", "8000"], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=1200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    with open(tmp_path / "rehearsal.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["rule"], r["method"]) for r in rows] == [("tokenize", ""), ("finetune", "full"), ("generate", "full"),
                                                         ("evaluate", "full"), ("finetune", "lora")]
    for row in rows:
        assert 100 < float(row["peak_rss_mb"]) < int(row["mem_mb"]), row  # what the job held, what it asked
    full = rows[1]
    assert float(full["step_s"]) > 0 and int(full["disk_mb"]) > 0 and float(full["write_mb"]) > 0
    # the table printed, the finetuned models (GBs at the real size) removed once measured
    assert "peak_rss_mb" in proc.stdout and not (tmp_path / "results/models/summarization/mbart-large-50-rand").exists()
