"""Several source languages (issue 23 point 3; xlgen.remedies.several_sources): the mixture's
counts per source are those the tokenized file holds and run.json reports, balanced mixing
gives every source the same count, a source without train data is refused in one line naming
the key and the language, and the plan adds the arm's tokenize and finetune jobs. The loader
tests read XQuAD's English and Spanish paragraphs (../shared/fixtures/xquad) through the
dataset adapter's row reader, and tokenize them with the prebuilt mbart-demo tokenizer."""

import json
from pathlib import Path

import numpy as np
import pytest
from test_plan import merged  # tests/test_plan.py: config.yaml with overlays, as Snakemake merges

from xlgen.config import ConfigError, validate_config
from xlgen.datasets.squad_xquad import squad_row_record
from xlgen.finetune import load_tokenized, tokenize_sources
from xlgen.io import InputError, write_jsonl
from xlgen.methods import method_variant
from xlgen.plan import StudyPlan
from xlgen.remedies import several_sources
from xlgen.runs import REMEDY_VARIANTS, path_keys, run_path
from xlgen.selection import SEVERAL_SOURCES, select_learning_rates
from xlgen.tasks import read_records

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT.parent / "shared" / "fixtures" / "xquad"
MBART = ROOT / "resources" / "demo_backbones" / "mbart-demo"
TASK = {"max_source_length": 96, "max_target_length": 16}


def xquad(lang: str, n: int) -> list[dict]:
    """The first `n` questions of XQuAD in `lang` as QA records, through the adapter's row reader."""
    if not (XQUAD / f"xquad.{lang}.json").exists():
        pytest.skip(f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
    rows = [{"id": qa["id"], "context": p["context"], "question": qa["question"],
             "answers": {"text": [a["text"] for a in qa["answers"]],
                         "answer_start": [a["answer_start"] for a in qa["answers"]]}}
            for article in data for p in article["paragraphs"] for qa in p["qas"]]
    return [squad_row_record(row, lang) for row in rows[:n]]


def written(tmp_path, lang: str, split: str, records: list[dict]) -> list[dict]:
    """The records as the tokenize_sources job reads them: written, then read back and checked."""
    path = tmp_path / lang / f"{split}.jsonl"
    write_jsonl(path, records)
    return read_records("extractive_qa", path)


@pytest.mark.parametrize("mixing", ["proportional", "balanced"])
def test_the_tokenized_union_holds_each_source_s_examples_as_counted(tmp_path, mixing):
    train = {"en": written(tmp_path, "en", "train", xquad("en", 30)),
             "es": written(tmp_path, "es", "train", xquad("es", 45)[33:])}  # 12 other questions
    dev = {lang: written(tmp_path, lang, "dev", xquad(lang, 40)[30:30 + n]) for lang, n in (("en", 4), ("es", 3))}
    stats = tokenize_sources(MBART, train, dev, mixing, 7, TASK, tmp_path / "train.npz", tmp_path / "dev.npz",
                             kind="extractive_qa")
    expected = {"en": 30, "es": 12} if mixing == "proportional" else {"en": 30, "es": 30}
    assert stats["train_examples"] == expected and stats["train_records"] == {"en": 30, "es": 12}
    assert stats["sources"] == ["en", "es"] and stats["mixing"] == mixing and stats["dev_examples"] == {"en": 4,
                                                                                                      "es": 3}
    examples = load_tokenized(tmp_path / "train.npz")
    assert len(examples) == sum(expected.values())
    # each source is encoded in its own language: mBART's source code leads (or ends) the input
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(MBART)
    codes = {tokenizer.convert_tokens_to_ids(code): lang for lang, code in (("en", "en_XX"), ("es", "es_XX"))}
    langs = [next(codes[t] for t in examples[i]["input_ids"] if t in codes) for i in range(len(examples))]
    assert {lang: langs.count(lang) for lang in codes.values()} == expected
    # the dev set interleaves the sources: its first examples come from both
    dev_langs = [next(codes[t] for t in e["input_ids"] if t in codes) for e in load_tokenized(tmp_path / "dev.npz")]
    assert dev_langs == ["en", "es", "en", "es", "en", "es", "en"]


def test_balanced_mixing_gives_every_source_the_largest_count_deterministically():
    records = {"en": xquad("en", 50), "es": xquad("es", 20), "de": xquad("de", 7)}
    mixed = several_sources.mix_sources(records, "balanced", seed=3)
    assert several_sources.counts(mixed) == {"en": 50, "es": 50, "de": 50}
    assert [r["lang"] for r in mixed["es"]] == ["es"] * 50
    # every record is kept: whole copies first, then a seeded sample without replacement
    assert mixed["es"][:40] == records["es"] * 2 and len({r["id"] for r in mixed["es"][40:]}) == 10
    assert {r["id"] for r in mixed["de"]} == {r["id"] for r in records["de"]}
    assert mixed == several_sources.mix_sources(records, "balanced", seed=3)  # deterministic
    assert mixed["es"][40:] != several_sources.mix_sources(records, "balanced", seed=4)["es"][40:]
    proportional = several_sources.mix_sources(records, "proportional")
    assert several_sources.counts(proportional) == {"en": 50, "es": 20, "de": 7}
    with pytest.raises(InputError, match=r"^'remedies.several_sources.mixing' is 'equal': one of proportional"):
        several_sources.mix_sources(records, "equal")
    with pytest.raises(InputError, match=r"^'remedies.several_sources.sources': 'de' has no training records"):
        several_sources.mix_sources({**records, "de": []}, "balanced")


def sources_config(overlay: str = "config.yaml", **section) -> dict:
    config = merged() if overlay == "config.yaml" else merged(overlay)
    config["remedies"] = {"several_sources": {"enabled": True, "sources": ["en", "es"], **section}}
    return config


def test_a_source_without_train_data_is_refused_naming_the_key_and_the_language():
    config = merged("paper.yaml")  # XL-Sum (train in every language) and SQuAD/XQuAD (train in English only)
    config["remedies"] = {"several_sources": {"enabled": True, "sources": ["en", "es"]}}
    qa = next(name for name in config["tasks"] if config["task_catalog"][name]["dataset"] == "squad_xquad")
    with pytest.raises(ConfigError) as err:
        validate_config(config, ROOT / "config" / "schema.yaml")
    assert str(err.value) == (f"'remedies.several_sources.sources[1]' is 'es': dataset squad_xquad of task {qa} has "
                              "no train split in 'es'; a source needs train data in its language")
    config["tasks"] = [name for name in config["tasks"] if name != qa]  # XL-Sum alone: Spanish has train data
    config["translate_train"]["enabled"] = False  # its MT-quality figure needs XQuAD
    validate_config(config, ROOT / "config" / "schema.yaml")
    for sources, message in ((["es", "ru"], r"^'remedies.several_sources.sources' is \['es', 'ru'\]: it must hold "
                                            r"the source language 'en'"),
                             (["en", "fr"], r"^'remedies.several_sources.sources\[1\]' is 'fr': not a language of "
                                            r"task summarization")):
        config = sources_config(sources=sources)
        with pytest.raises(ConfigError, match=message):
            validate_config(config, ROOT / "config" / "schema.yaml")
    config = sources_config(methods=["prompt"])
    with pytest.raises(ConfigError, match=r"^'remedies.several_sources.methods\[0\]' is 'prompt': not in 'methods'"):
        validate_config(config, ROOT / "config" / "schema.yaml")


def test_the_plan_trains_a_run_per_backbone_lr_and_seed_on_the_sources_and_counts_its_jobs():
    config = sources_config(mixing="balanced")
    validate_config(config, ROOT / "config" / "schema.yaml")
    plan, before = StudyPlan.from_config(config), StudyPlan.from_config(merged())
    runs = [r for r in plan.runs["qa"] if r["variant"] == "several_sources"]
    assert len(runs) == 3 * 2 and {r["method"] for r in runs} == {"full+src-en-es"}  # backbones x full's LRs
    run = runs[0]
    assert (run["base_method"], run["variant_lang"]) == ("full", "en-es")
    assert method_variant("full+src-en-es") == ("full", "several_sources", "en-es")
    assert run_path("model", run) == "results/models/qa/mt5-demo/full+src-en-es/lr~0.0001/seed~1/model"
    assert plan.run(**path_keys(run)) is run and plan.trained_run(run) is run  # it trains: its own model
    assert run in plan.trained_runs() and plan.run_langs(run) == plan.task_langs("qa")
    assert plan.sources_mixing == {"mixing": "balanced", "seed": 0} and plan.remedies_on
    counts, plain = plan.job_counts(), before.job_counts()
    added = {rule: counts.get(rule, 0) - plain.get(rule, 0) for rule in counts}
    assert {rule: n for rule, n in added.items() if n} == {
        "tokenize_sources": 2 * 3, "finetune": 12, "generate": 12, "evaluate": 12}
    assert "several_sources" in REMEDY_VARIANTS and SEVERAL_SOURCES == several_sources.NAME


def sweep_rows() -> list[dict]:
    """Score rows of an English run and an English+Spanish run at two LRs (seed 1)."""
    rows = []
    # the English run peaks at 1e-3 on en dev; the en+es run at 1e-4 on the en/es dev mean
    dev = {("full", 1e-4): {"en": 50, "es": 50, "ru": 10}, ("full", 1e-3): {"en": 60, "es": 20, "ru": 30},
           ("full+src-en-es", 1e-4): {"en": 55, "es": 70, "ru": 20}, ("full+src-en-es", 1e-3): {"en": 65, "es": 40,
                                                                                             "ru": 40}}
    for (method, lr), scores in dev.items():
        variant = ("several_sources", "en-es") if "+src" in method else ("zero_shot", "")
        for lang, score in scores.items():
            for split in ("dev", "test"):
                rows.append({"task": "qa", "backbone": "b", "method": method, "lr": lr, "seed": 1, "lang": lang,
                             "split": split, "f1": score, "wrong_lang_rate": 0.1, "status": "ok",
                             "main_metric": "f1", "base_method": "full", "variant": variant[0],
                             "variant_lang": variant[1]})
    return rows


def test_lr_selection_of_a_several_sources_run_uses_the_sources_dev_mean_and_leaves_them_out_of_the_targets():
    import pandas as pd

    table = select_learning_rates(pd.DataFrame(sweep_rows()), "qa", "en", ["es", "ru"])
    chosen = table[(table["protocol"] == "source_dev")].set_index(["method", "lang"])
    assert chosen.loc[("full", "targets_mean"), "lr"] == 1e-3 and chosen.loc[("full", "ru"), "selected_on"] == "en dev"
    assert chosen.loc[("full+src-en-es", "targets_mean"), "lr"] == 1e-4
    assert chosen.loc[("full+src-en-es", "ru"), "selected_on"] == "en+es mean dev"
    assert chosen.loc[("full+src-en-es", "targets_mean"), "selection_score"] == pytest.approx(62.5)
    # Spanish is a source of the run: not one of its zero-shot targets
    assert sorted(table[table["method"] == "full+src-en-es"]["lang"].unique()) == ["ru", "targets_mean"]
    assert np.isclose(chosen.loc[("full+src-en-es", "targets_mean"), "test_score"], 20)


def test_the_main_and_paired_tables_leave_a_run_s_sources_out_of_its_targets_mean():
    import pandas as pd

    from xlgen.tables import main_table, paired_table

    selection = select_learning_rates(pd.DataFrame(sweep_rows()), "qa", "en", ["es", "ru"])
    # per-example test scores at the selected LRs: Spanish, a source of full+src-en-es, scores high there
    scores = {("full", 1e-3): {"en": 60, "es": 10, "ru": 20}, ("full+src-en-es", 1e-4): {"en": 55, "es": 80, "ru": 30}}
    per_example = pd.DataFrame([
        {"task": "qa", "backbone": "b", "method": method, "lr": lr, "seed": 1, "split": "test", "lang": lang,
         "id": f"{lang}-{i}", "f1": float(score), "wrong_lang": 0.0}
        for (method, lr), by_lang in scores.items() for lang, score in by_lang.items() for i in range(4)])
    main = main_table(per_example, selection, "qa", "en", ["es", "ru"], 50, 0).set_index("method")
    assert main.loc["full", "f1_targets_mean"] == pytest.approx(15)  # es and ru
    assert main.loc["full+src-en-es", "f1_targets_mean"] == pytest.approx(30)  # ru alone
    assert main.loc["full+src-en-es", "f1_es"] == pytest.approx(80)  # reported, not averaged
    paired = paired_table(per_example, selection, "qa", "en", ["es", "ru"], 50, 0)
    mean = paired[(paired["lang"] == "targets_mean") & (paired["metric"] == "f1")].iloc[0]
    assert (mean["method"], mean["reference_method"], mean["n"]) == ("full+src-en-es", "full", 4)
    assert mean["delta"] == pytest.approx(10)  # ru: 30 against 20


def test_the_lr_sweep_s_targets_mean_leaves_a_run_s_sources_out():
    import pandas as pd

    from xlgen.tables import lr_sweep_table

    long = pd.DataFrame(sweep_rows()).assign(dev_loss_final=1.0)
    # an empty variant language reads back from CSV as NaN (a float column when every run has none)
    long["variant_lang"] = [v or float("nan") for v in long["variant_lang"]]
    sweep = lr_sweep_table(long, "qa", "en").set_index(["method", "lr"])
    assert sweep.loc[("full", 1e-3), "f1_targets_mean"] == pytest.approx(25)  # es 20, ru 30
    assert sweep.loc[("full+src-en-es", 1e-3), "f1_targets_mean"] == pytest.approx(40)  # ru alone
    assert sweep.loc[("full+src-en-es", 1e-3), "f1_es"] == pytest.approx(40)  # its column stays
    assert sweep.loc[("full+src-en-es", 1e-4), "wrong_lang_targets_mean"] == pytest.approx(0.1)
    english = long[long["method"] == "full"].astype({"variant_lang": float})  # a study without the arm
    assert lr_sweep_table(english, "qa", "en").set_index("lr").loc[1e-3, "f1_targets_mean"] == pytest.approx(25)
