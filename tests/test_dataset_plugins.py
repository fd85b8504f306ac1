"""Tasks as plug-ins, end to end: a hub-shaped local copy of MLQA (tests/datasets_hub.py) and a
user's own adapter (tests/plugins/tiny_news.py: one module plus one task_catalog entry) run
through the whole DAG on hub data and land in every table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import PLUGINS, PLUGINS_ENV, ROOT, run_snakemake  # tests/conftest.py

FIXTURES = ROOT.parent / "shared" / "fixtures" / "xquad"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"real-text fixtures not found at {FIXTURES} "
                                 "(a user's clone has no ../shared; CI has it)")]


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?。])\s*", text.strip(), maxsplit=1)[0]


def build_tiny_news(root: Path, sizes=(("train", 40), ("validation", 8), ("test", 8))) -> Path:
    """`tiny/news` laid out as a hub repository: <lang>/<split>-00000-of-00001.parquet and a
    dataset card naming one config per language; documents are XQuAD paragraphs, headlines
    their first sentence."""
    from datasets import Dataset, Features, Value

    sys.path.insert(0, str(PLUGINS))
    from tiny_news import LANGUAGES

    features = Features({k: Value("string") for k in ("id", "document", "headline")})
    repo = root / "tiny--news"
    configs = []
    for lang in LANGUAGES:
        squad = json.loads((FIXTURES / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        contexts = [p["context"] for article in squad["data"] for p in article["paragraphs"]]
        start = 0
        for split, n in sizes:
            rows = [{"id": f"{lang}-{split}-{i}", "document": c, "headline": first_sentence(c)}
                    for i, c in enumerate(contexts[start:start + n])]
            start += n
            path = repo / lang / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            Dataset.from_list(rows, features=features).to_parquet(path)
        configs.append(f"- config_name: {lang}\n  data_files:\n"
                       + "".join(f"  - split: {s}\n    path: {lang}/{s}-*\n" for s, _ in sizes))
    (repo / "README.md").write_text("---\nconfigs:\n" + "".join(configs) + "---\n", encoding="utf-8")
    return repo


def study_config(workdir: Path, copies: dict[str, str], tasks: dict[str, dict]) -> Path:
    """A tiny hub-data study over `tasks` ({name: catalogue entry}) with the prebuilt demo mT5."""
    config = {
        "tasks": list(tasks),
        "task_catalog": tasks,
        "target_languages": ["de"],
        "data": {"source": "hub", "hub": {"cache_dir": str(workdir / "datasets"), "models_dir": str(workdir / "models"),
                                           "seed": 0, "dev_fraction": 0.5, "train_examples": 40,
                                           "max_examples": {"dev": 6, "test": 6}, "local_copies": copies}},
        "backbones": ["mt5-local"],
        "backbone_catalog": {"mt5-local": {"family": "mt5", "path": str(ROOT / "resources/demo_backbones/mt5-demo")}},
        "methods": ["full"],
        "method_settings": {"full": {"lrs": [1.0e-3]}},
        "finetune": {"seeds": [1], "steps": 4, "batch_size": 4, "warmup_steps": 1, "weight_decay": 0.0,
                     "dev_every": 4, "dev_examples": 4, "checkpoint_every": 0},
        "task_settings": {name: {"max_source_length": 64, "max_target_length": 12} for name in tasks},
        "generate": {"splits": ["dev", "test"], "num_beams": 1, "batch_size": 8,
                     "max_new_tokens": {name: 8 for name in tasks}, "max_examples": None},
        "evaluate": {"bootstrap_samples": 50},
    }
    merged = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    merged["task_settings"] = {}
    merged["generate"]["max_new_tokens"] = {}
    for key, value in config.items():  # Snakemake's merge over the default config
        merged[key] = {**merged[key], **value} if isinstance(value, dict) and key in merged else value
    path = workdir / "study.yaml"
    path.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    return path


def run_study(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, configfile=config, env=PLUGINS_ENV, check=False)


@pytest.fixture(scope="module")
def plugin_study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("plugin-study")
    sys.path.insert(0, str(ROOT / "tests"))
    from datasets_hub import write_hub_copies

    copies = {hub_id: str(path) for hub_id, path in write_hub_copies(workdir / "hub").items()}
    copies["tiny/news"] = str(build_tiny_news(workdir / "hub"))
    # a user's summarization adapter beside a built-in QA one with its own metric flavour: each task
    # its own languages. TyDi QA's and WikiLingua's adapters are the same seams (tests/test_datasets.py
    # reads them record by record); here each task costs a process start per job.
    tasks = {"news": {"dataset": "tiny_news", "target_languages": ["de", "ru", "zh"]},
             "mlqa": {"kind": "extractive_qa", "dataset": "mlqa", "target_languages": ["de", "zh"]}}
    proc = run_study(workdir, study_config(workdir, copies, tasks))
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def test_mlqa_and_a_users_adapter_run_the_whole_dag_and_reach_every_table(plugin_study):
    long = pd.read_csv(plugin_study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    langs = long.groupby("task")["lang"].agg(set).to_dict()
    assert langs == {"news": {"en", "de", "ru", "zh"}, "mlqa": {"en", "de", "zh"}}  # each task's own languages
    kinds = long.groupby("task")["dataset"].first().to_dict()
    assert kinds == {"news": "tiny_news", "mlqa": "mlqa"}
    mlqa = long[long["task"] == "mlqa"]
    assert mlqa["mlqa_f1"].between(0, 100).all() and mlqa["f1_unicode"].between(0, 100).all()
    assert long.loc[long["task"] != "mlqa", "mlqa_f1"].isna().all()  # the flavour is MLQA's alone
    baselines = pd.read_csv(plugin_study / "results/tables/baselines.csv", keep_default_na=False, na_values=[""])
    assert set(baselines["task"]) == {"news", "mlqa"}
    for task in ("news", "mlqa"):
        for table in (f"lr_selection_{task}.csv", f"main_{task}.csv", f"main_{task}.md", f"lr_sweep_{task}.csv"):
            assert (plugin_study / "results/tables" / table).exists(), table
        assert (plugin_study / f"results/plots/wrong_language_{task}.png").exists()


def test_a_users_adapter_module_and_one_catalogue_entry_run_the_whole_dag(plugin_study):
    long = pd.read_csv(plugin_study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    long = long[long["task"] == "news"]
    assert set(long["kind"]) == {"summarization"} and set(long["dataset"]) == {"tiny_news"}
    assert set(long["lang"]) == {"en", "de", "ru", "zh"}  # the task's own languages, not the config's
    assert long["rougeL"].between(0, 100).all() and (long["n"] == 6).all()
    for table in ("lr_selection_news.csv", "main_news.csv", "lr_sweep_news.csv"):
        assert (plugin_study / "results/tables" / table).exists(), table
    run = json.loads(next((plugin_study / "results/models/news").rglob("run.json")).read_text())
    assert run["run"]["dataset"] == "tiny_news" and run["run"]["task"] == "news"
    records = [json.loads(line) for line in
               (plugin_study / "results/data/news/zh/test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6 and all(r["lang"] == "zh" and r["source"] and r["target"] for r in records)


def test_an_unknown_adapter_is_one_line_naming_the_key(tmp_path):
    config = study_config(tmp_path, {}, {"news": {"dataset": "no_such_adapter"}})
    proc = run_study(tmp_path, config, "-n")
    assert proc.returncode != 0
    line = [text for text in proc.stderr.splitlines() if "xlgen: invalid config" in text]
    assert line and "task_catalog.news.dataset" in line[0] and "no_such_adapter" in line[0], proc.stderr[-2000:]
