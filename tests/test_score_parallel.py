"""Fast scoring gives the serial scorer's results bit for bit (issue 8).

`xlgen score` scores large files in several processes (`workers`); that must leave every
number unchanged: checked here against the serial path, on multilingual model-like outputs
(Thai, Chinese, Russian, Arabic, English).
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from xlgen.evaluation import score_with_intervals
from xlgen.metrics import langid
from xlgen.scoring import PARALLEL_MIN_EXAMPLES, _map_chunks, score_predictions
from xlgen_demo.world import write_demo_world

LANGS = ("th", "zh", "ru", "ar")
N_RECORDS = 150


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, ["en", *LANGS], 5, n_train=N_RECORDS, n_dev=1, n_test=1, n_unlabeled=1, n_parallel=1)
    return root


def _records(world: Path, task: str, lang: str) -> list[dict]:
    lines = (world / task / lang / "train.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def model_like_outputs(world: Path, task: str, lang: str, n: int) -> tuple[list[str], list[list[str]]]:
    """n outputs as a zero-shot model writes them: the reference with words or characters
    dropped, the English reference (wrong language), half-and-half, a copy of the input,
    repeats, and junk; with their references."""
    rng = random.Random(f"{task}-{lang}")
    records, english = _records(world, task, lang), _records(world, task, "en")
    predictions, references = [], []
    for i in range(n):
        record, en = records[i % len(records)], english[i % len(records)]
        target = record["target"]
        units, joiner = (target.split(" "), " ") if " " in target else (list(target), "")
        roll = rng.random()
        if roll < 0.35:
            out = joiner.join(u for u in units if rng.random() < 0.8) or target
        elif roll < 0.6:
            out = en["target"]
        elif roll < 0.7:
            out = joiner.join(units[: len(units) // 2]) + " " + en["target"][len(en["target"]) // 2:]
        elif roll < 0.8:
            out = record["source"][: 30 + rng.randrange(120)]
        elif roll < 0.95:
            out = predictions[rng.randrange(len(predictions))] if predictions else target  # repeats
        else:
            out = rng.choice(["", "2024", "...", "12:05", "OK"])
        predictions.append(out)
        references.append(record["answers"] if task == "qa" else [target])
    return predictions, references


def _same(a, b) -> bool:
    """Equal, with NaN equal to NaN (a rate without determined outputs is NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("task,lang", [("summarization", "th"), ("summarization", "zh"), ("qa", "ru"),
                                       ("qa", "ar")])
def test_parallel_scoring_equals_serial(world, tmp_path, task, lang):
    n = PARALLEL_MIN_EXAMPLES + 200
    predictions, references = model_like_outputs(world, task, lang, n)
    path = tmp_path / f"{lang}.test.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "lang": lang, "prediction": p, "reference": r},
                                       ensure_ascii=False) + "\n"
                            for i, (p, r) in enumerate(zip(predictions, references))), encoding="utf-8")
    chunks = _map_chunks(task, lang, predictions, references, None, "fasttext", 20, workers=2)
    assert len(chunks) == 2  # the parallel path really ran
    langid._judge_text.cache_clear()
    serial, serial_rows = score_with_intervals(task, lang, path, bootstrap_samples=200, workers=1)
    parallel, parallel_rows = score_with_intervals(task, lang, path, bootstrap_samples=200, workers=2)
    assert _same(serial, parallel)
    assert serial_rows.equals(parallel_rows)
    assert 0.2 < serial["wrong_lang_rate"] < 0.8  # real mixed-language outputs, not a trivial case
    plain = [score_predictions(task, lang, predictions, references, workers=w) for w in (1, 2)]
    assert _same(*plain)


def test_cli_workers_give_the_same_json(world, tmp_path):
    n = PARALLEL_MIN_EXAMPLES
    predictions, references = model_like_outputs(world, "summarization", "zh", n)
    path = tmp_path / "zh.test.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "lang": "zh", "prediction": p, "reference": r},
                                       ensure_ascii=False) + "\n"
                            for i, (p, r) in enumerate(zip(predictions, references))), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    outputs = []
    for workers in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "score", "--task", "summarization", "--lang", "zh",
                               "--predictions", str(path), "--bootstrap-samples", "100", "--workers", workers],
                              capture_output=True, text=True, env=env, check=True)
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "score", "--task", "qa", "--lang", "zh",
                           "--predictions", str(path), "--workers", "0"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "--workers must be >= 1" in proc.stderr
