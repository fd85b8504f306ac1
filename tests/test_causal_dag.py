"""The whole DAG with a decoder-only backbone: the tiny study's Qwen2 causal LM (tests/configs/tiny.yaml,
built by the demo_backbone rule, the session's `tiny_run` of tests/conftest.py), in every table
and plot beside the seq2seq families."""

import json

import pandas as pd
import pytest

BACKBONES = {"qwen-tiny"}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_run(tiny_run):
    return tiny_run[0]


def test_the_decoder_only_backbone_is_in_every_table(llm_run):
    tables = llm_run / "results" / "tables"
    long = pd.read_csv(tables / "results_long.csv", keep_default_na=False, na_values=[""])
    qwen = long[long["backbone"] == "qwen-tiny"]
    # 2 tasks x 1 backbone x 2 lrs x 3 languages x 2 splits
    assert len(qwen) == 2 * 2 * 3 * 2 and BACKBONES <= set(long["backbone"])
    assert (qwen["status"] == "ok").all() and qwen["dev_loss_final"].gt(0).all()
    assert qwen["wrong_lang_rate"].dropna().between(0, 1).all() and qwen["rougeL"].dropna().between(0, 100).all()
    for task in ("summarization", "qa"):
        assert BACKBONES <= set(pd.read_csv(tables / f"lr_sweep_{task}.csv")["backbone"])
        assert BACKBONES <= set(pd.read_csv(tables / f"lr_selection_{task}.csv")["backbone"])
        assert BACKBONES <= set(pd.read_csv(tables / f"main_{task}.csv")["backbone"])
        assert "| qwen-tiny | full |" in (tables / f"main_{task}.md").read_text(encoding="utf-8")
        for plot in ("lr_sweep", "wrong_language"):  # plotted from the sweep table above
            assert (llm_run / "results" / "plots" / f"{plot}_{task}.png").read_bytes()[:4] == b"\x89PNG"


def test_the_run_trains_on_the_completion_and_generates_after_the_prompt(llm_run):
    from xlgen.finetune import load_tokenized

    run = json.loads((llm_run / "results/models/qa/qwen-tiny/full/lr~0.003/seed~1/run.json").read_text())
    assert run["family"] == "causal" and run["status"] == "ok"
    config = json.loads((llm_run / "results/backbones/qwen-tiny/config.json").read_text())
    assert config["model_type"] == "qwen2"
    examples = load_tokenized(llm_run / "results/tokenized/summarization/qwen-tiny/train.npz")
    for example in examples[:20]:
        prompt = example["labels"].count(-100)
        assert prompt > 0 and example["labels"][:prompt] == [-100] * prompt
        assert example["labels"][prompt:] == example["input_ids"][prompt:]
        assert len(example["input_ids"]) <= 96 + 24  # max_source_length + max_target_length
    lines = (llm_run / "results/generations/summarization/qwen-tiny/full/lr~0.003/seed~1/ru.test.jsonl").read_text(
        encoding="utf-8").splitlines()
    outputs = [json.loads(line)["prediction"] for line in lines]
    assert len(outputs) == 12 and not any("Summary:" in text or "\n" in text for text in outputs)


def test_exemplars_enabled_on_the_finished_study_decode_its_run_and_train_nothing(llm_run, tmp_path):
    """The exemplars arm (remedies.exemplars, decoder-only backbones) end to end: enabled on a
    copy of the finished study for one run, it adds that run's 'full+fewshot' generation and
    evaluation jobs and no other; the prompts hold target-language dev pairs, never test ones."""
    import re
    import shutil

    from conftest import CONFIGS, run_snakemake  # tests/conftest.py

    workdir = tmp_path / "study"
    shutil.copytree(llm_run, workdir, symlinks=True)  # times and Snakemake's metadata kept
    run = "qa/qwen-tiny/full+fewshot/lr~0.003/seed~1"
    overlay = tmp_path / "exemplars.yaml"
    overlay.write_text("remedies: {exemplars: {enabled: true, k: 2, backbones: [qwen-tiny]}}\n", encoding="utf-8")
    proc = run_snakemake(workdir, f"results/eval/{run}/scores.csv", configfile=[CONFIGS / "tiny.yaml", overlay])
    ran = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", proc.stderr.split("Job stats:")[1], re.M)}
    assert ran == {"generate_exemplars": 1, "evaluate": 1, "total": 2}, proc.stderr[-3000:]
    log = (workdir / f"results/logs/generate/{run}.log").read_text(encoding="utf-8")
    for lang in ("ru", "zh"):
        for split in ("dev", "test"):
            assert f"{lang}.{split}: exemplars: '2 exemplars an input from results/data/qa/{lang}/dev.jsonl'" in log
    assert "en.test: exemplars: 'no exemplars'" in log  # the source language decodes as the run does
    scores = pd.read_csv(workdir / f"results/eval/{run}/scores.csv")
    assert set(scores["lang"]) == {"en", "ru", "zh"} and set(scores["split"]) == {"dev", "test"}
    outputs = [json.loads(line) for line in (workdir / f"results/generations/{run}/ru.test.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert len(outputs) == 12 and all(o["input"] and "Question" not in o["prediction"] for o in outputs)
