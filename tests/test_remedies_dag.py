"""The remedies as study arms (issue 23): the decode-time ones ('full+mask', 'full+steer')
decode the zero-shot runs' models, so enabling them adds generation and evaluation jobs (and
steering vectors) and never a finetuning job; several source languages ('full+src-en-ru')
trains a run of its own. At tiny scale (tests/configs/tiny-remedies.yaml) the masked Russian
and Chinese outputs hold no Latin letter, the steered run decodes with a vector per target
language cached under results/steering/, the several-sources run trains on the English and
Russian examples its run.json counts, and every run's rows stand beside 'full' in every table."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIGS, ROOT, SNAKEMAKE_ENV, copy_world, run_snakemake  # tests/conftest.py

from xlgen.plan import StudyPlan
from xlgen.remedies.script_mask import has_forbidden_letter

CONFIG = CONFIGS / "tiny-remedies.yaml"
RUN = "results/{stage}/qa/mbart-demo/{method}/lr~0.003/seed~1"
LATIN = re.compile(r"[A-Za-z]")


def job_stats(output: str) -> dict[str, int]:
    """Jobs per rule of a dry run's `Job stats` table, `total` left out."""
    stats = output.split("Job stats:")[1].split("Reasons:")[0]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    counts.pop("total")
    return counts


def dry_run(tmp_path, *configfiles: str) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
         str(tmp_path), "--configfile", *(str(ROOT / "config" / name) for name in configfiles)],
        capture_output=True, text=True, env=SNAKEMAKE_ENV, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return job_stats(proc.stdout)


@pytest.mark.slow  # two Snakemake dry runs of the demo study (~7 CPU-s)
def test_enabling_the_remedies_on_the_demo_adds_generation_and_evaluation_jobs_and_no_finetuning(tmp_path):
    plain = dry_run(tmp_path / "plain", "config.yaml")
    masked = dry_run(tmp_path / "masked", "config.yaml", "demo-remedies.yaml")
    added = {rule: masked.get(rule, 0) - plain.get(rule, 0) for rule in {*plain, *masked}}
    runs = 3 * 2 * 2  # backbones x full's LRs x tasks, per remedy (script mask, steering, several sources)
    tables = {"arms_table": 2, "plot_arms": 2}  # results/tables/arms{,_paired}_<task>.csv, results/plots/arms_*
    vectors = {"steering_vector": runs}  # one job per trained run writes each target language's vector
    # several source languages trains: its union tokenized per task and backbone, a run per backbone and LR
    sources = {"tokenize_sources": 3 * 2, "finetune": runs, "generate": runs}
    assert {rule: n for rule, n in added.items() if n} == {
        "generate_script_mask": runs, "generate_steering": runs, "evaluate": 3 * runs, **vectors, **tables,
        **sources}
    # the decode-time remedies add no finetuning job: only the several-sources runs train
    assert plain["finetune"] == 24 and masked["finetune"] == 24 + runs
    assert sum(plain.values()) == 94  # off by default: the demo plans what it planned
    assert not {"generate_script_mask", "generate_steering", "steering_vector"} & set(plain)
    # the plan predicts the DAG's run stages
    from test_plan import merged  # tests/test_plan.py: config.yaml with overlays, as Snakemake merges

    expected = StudyPlan.from_config(merged("demo-remedies.yaml")).job_counts()
    assert {rule: masked[rule] for rule in expected} == expected


def predictions(workdir, method: str, lang: str, split: str = "test") -> list[str]:
    path = workdir / RUN.format(stage="generations", method=method) / f"{lang}.{split}.jsonl"
    return [json.loads(line)["prediction"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def study(tmp_path_factory, tiny_world):
    workdir = copy_world(tiny_world, tmp_path_factory.mktemp("remedies"))
    (workdir / "resources").symlink_to(ROOT / "resources")  # the config's backbone `path` is relative
    proc = run_snakemake(workdir, "--scheduler", "greedy", configfile=CONFIG)
    return workdir, proc.stdout + proc.stderr


@pytest.mark.slow
def test_masked_outputs_hold_no_letter_of_another_script_and_no_run_trained_again(study):
    workdir, log = study
    for lang, script in (("ru", "Cyrillic"), ("zh", "Han"), ("en", "Latin")):
        for split in ("dev", "test"):
            path = workdir / RUN.format(stage="generations", method="full+mask") / f"{lang}.{split}.jsonl"
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert len(lines) == 12  # every example, scored like the unmasked run's
            assert not any(has_forbidden_letter(r["prediction"], (script,)) for r in lines), lang
            if lang != "en":
                assert not any(LATIN.search(r["prediction"]) for r in lines), lang
                assert sum(bool(r["prediction"].strip()) for r in lines) >= 10, lines  # answers, not nothing
    # the unmasked run of the same model is the one that writes Latin letters (or the test shows nothing)
    for lang in ("ru", "zh"):
        unmasked = predictions(workdir, "full", lang)
        assert any(LATIN.search(p) for p in unmasked), unmasked
        assert sum(bool(p.strip()) for p in unmasked) >= 10, unmasked  # answers, not empty strings
    # the masks are cached beside the results, keyed by the tokenizer, not in the backbone directory
    assert sorted(p.name.split("-")[0] for p in (workdir / "results/script_masks/mbart-demo").iterdir()) == \
        ["Cyrillic", "Han", "Latin"]
    assert not (ROOT / "resources/demo_backbones/mbart-demo/script_masks").exists()
    # the decode-time remedies trained nothing: the only other model is the several-sources run's
    assert sorted(p.name for p in (workdir / "results/models/qa/mbart-demo").iterdir()) == ["full", "full+src-en-ru"]
    ran = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", log.split("Job stats:")[1], re.M)}
    assert ran["generate_script_mask"] == ran["generate_steering"] == ran["tokenize_sources"] == 1
    assert ran["finetune"] == ran["generate"] == 2  # full and full+src-en-ru
    assert ran["steering_vector"] == 1 and ran["evaluate"] == 4  # one job writes both target languages' vectors


@pytest.mark.slow
def test_steered_outputs_come_from_the_cached_vectors_and_leave_the_source_language_alone(study):
    workdir, _ = study
    vectors = workdir / RUN.format(stage="steering", method="full")
    assert sorted(p.name for p in vectors.iterdir()) == ["ru.layer~-1.npy", "zh.layer~-1.npy"]
    ru, zh = (np.load(vectors / f"{lang}.layer~-1.npy") for lang in ("ru", "zh"))
    assert ru.shape == zh.shape == (96,) and ru.dtype == np.float32  # mbart-demo's d_model
    assert np.abs(ru).max() > 0 and not np.array_equal(ru, zh)
    assert not list((ROOT / "resources/demo_backbones/mbart-demo").glob("**/*.npy"))  # not in the backbone directory
    # one job of the trained run wrote both (its log: a line per target language)
    log = (workdir / "results/logs/steering_vector/qa/mbart-demo/full/lr~0.003/seed~1/layer~-1.log").read_text(
        encoding="utf-8")
    assert "ru - en at decoder layer -1: 100 and 100 lines" in log and "zh - en at decoder layer -1: 100 and 100" in log

    for split in ("dev", "test"):  # English decodes unsteered: the same outputs as the run itself
        assert predictions(workdir, "full+steer", "en", split) == predictions(workdir, "full", "en", split)
    for lang in ("ru", "zh"):
        steered = predictions(workdir, "full+steer", lang)
        assert len(steered) == 12 and steered != predictions(workdir, "full", lang)  # the vector moved them
    # each target language decoded with its own vector, English without one (the job's log)
    log = (workdir / "results/logs/generate/qa/mbart-demo/full+steer/lr~0.003/seed~1.log").read_text(encoding="utf-8")
    for lang in ("ru", "zh"):
        vector = RUN.format(stage="steering", method="full") + f"/{lang}.layer~-1.npy"
        assert f"{lang}.test: steering: steering(2 x {vector} at decoder layer -1)" in log
    assert "en.test: steering: 'unsteered'" in log


@pytest.mark.slow
def test_tables_carry_the_masked_runs_beside_full(study):
    workdir, _ = study
    long = pd.read_csv(workdir / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    masked = long[long["method"] == "full+mask"]
    assert set(masked["variant"]) == {"script_mask"} and set(masked["base_method"]) == {"full"}
    assert len(masked) == len(long[long["method"] == "full"]) == 3 * 2  # languages x splits
    assert masked["trainable_share"].notna().all()  # the facts of the English run it decodes with
    sweep = pd.read_csv(workdir / "results/tables/lr_sweep_qa.csv")
    assert sorted(set(sweep["method"])) == ["full", "full+mask", "full+src-en-ru", "full+steer"]
    main = pd.read_csv(workdir / "results/tables/main_qa.csv").set_index("method")
    assert sorted(main.index) == ["full", "full+mask", "full+src-en-ru", "full+steer"]
    assert pd.notna(main.loc["full+mask", "f1_unicode_ru"])
    paired = pd.read_csv(workdir / "results/tables/paired_qa.csv")
    assert set(paired["method"]) == {"full+mask", "full+steer", "full+src-en-ru"}
    assert set(paired["reference_method"]) == {"full"}
    markdown = (workdir / "results/tables/main_qa.md").read_text(encoding="utf-8")
    assert "| mbart-demo | full+mask |" in markdown and "## Remedies" in markdown
    assert "| mbart-demo | full+steer |" in markdown and "`<method>+steer`: " in markdown
    steered = long[long["method"] == "full+steer"]
    assert set(steered["variant"]) == {"steering"} and len(steered) == 3 * 2
    arms = pd.read_csv(workdir / "results/tables/arms_qa.csv", keep_default_na=False, na_values=[""])
    assert set(arms["method"]) == {"full"} and set(arms["split"]) == {"test"}
    assert sorted(set(arms["remedy"])) == ["none", "script_mask", "several_sources", "steering"]
    assert len(arms) == 4 * 3  # remedies x languages
    assert {"f1_unicode", "f1_unicode_ci_low", "wrong_lang_rate", "wrong_lang_rate_ci_high", "f1_unicode_in_target",
            "f1_unicode_in_target_ci_low", "f1_unicode_in_target_ci_high", "n_in_target"} <= set(arms.columns)
    plain = arms[(arms["remedy"] == "none") & (arms["lang"] == "ru")].set_index("lr")["f1_unicode"]
    unmasked = long[(long["method"] == "full") & (long["lang"] == "ru") & (long["split"] == "test")]
    assert plain.to_dict() == unmasked.set_index("lr")["f1_unicode"].to_dict()
    # the in-target metric: the mean F1 of the test outputs the judge put in the target language
    examples = pd.concat(pd.read_csv(workdir / RUN.format(stage="eval", method=method) / "per_example.csv",
                                     keep_default_na=False, na_values=[""]) for method in ("full", "full+mask"))
    examples = examples[examples["split"] == "test"]
    for (method, lang), group in examples.groupby(["method", "lang"]):
        row = arms[(arms["remedy"] == ("none" if method == "full" else "script_mask")) & (arms["lang"] == lang)]
        kept = group[group["wrong_lang"] == 0]
        assert row["n_in_target"].item() == len(kept)
        if len(kept):
            assert row["f1_unicode_in_target"].item() == pytest.approx(kept["f1_unicode"].mean(), rel=1e-5)
        else:
            assert pd.isna(row["f1_unicode_in_target"].item())
    # each remedy against the same run without it, BH-adjusted across the table
    tests = pd.read_csv(workdir / "results/tables/arms_paired_qa.csv", keep_default_na=False, na_values=[""])
    assert set(tests["remedy"]) == {"script_mask", "steering", "several_sources"} and set(tests["method"]) == {"full"}
    assert sorted(set(tests["lang"])) == ["en", "ru", "targets_mean", "zh"]
    assert len(tests) == 3 * 4 * 2  # remedies x language groups x (f1_unicode, wrong_lang_rate)
    assert (tests["p_adjusted"].dropna() >= tests["p_value"].dropna()).all()
    assert (workdir / "results/plots/arms_wrong_language_qa.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_several_sources_run_trains_on_the_counted_union_and_is_zero_shot_only_where_it_did_not_train(study):
    workdir, _ = study
    run = json.loads((workdir / RUN.format(stage="models", method="full+src-en-ru") / "run.json").read_text())
    stats = run["sources"]
    lines = {lang: len((workdir / f"results/data/qa/{lang}/train.jsonl").read_text().splitlines()) for lang in
             ("en", "ru")}
    assert stats["sources"] == ["en", "ru"] and stats["mixing"] == "proportional"
    assert stats["train_examples"] == stats["train_records"] == lines == {"en": 60, "ru": 60}
    tokenized = np.load(workdir / "results/tokenized/qa/mbart-demo/src-en-ru/train.npz")
    assert len(tokenized["ids"]) == sum(stats["train_examples"].values())
    assert run["run"]["variant"] == "several_sources" and run["run"]["variant_lang"] == "en-ru"
    assert "sources" not in json.loads((workdir / RUN.format(stage="models", method="full") / "run.json").read_text())
    # selected on the English and Russian dev sets; Chinese is its only zero-shot target
    selection = pd.read_csv(workdir / "results/tables/lr_selection_qa.csv", keep_default_na=False, na_values=[""])
    mine = selection[(selection["method"] == "full+src-en-ru") & (selection["protocol"] == "source_dev")]
    assert list(mine["lang"]) == ["zh", "targets_mean"] and set(mine["selected_on"]) == {"en+ru mean dev"}
    main = pd.read_csv(workdir / "results/tables/main_qa.csv").set_index("method")
    row = main.loc["full+src-en-ru"]
    assert row["f1_unicode_targets_mean"] == row["f1_unicode_zh"]  # Russian, a source, is left out of the mean
    assert pd.notna(row["f1_unicode_ru"])  # but reported in its column (the means: tests/test_several_sources.py)
    paired = pd.read_csv(workdir / "results/tables/paired_qa.csv", keep_default_na=False, na_values=[""])
    mean = paired[(paired["method"] == "full+src-en-ru") & (paired["lang"] == "targets_mean")]
    assert set(mean["n"]) == {12}  # the Chinese test examples only
    arms = pd.read_csv(workdir / "results/tables/arms_qa.csv", keep_default_na=False, na_values=[""])
    sources = arms[arms["remedy"] == "several_sources"]
    assert set(sources["method"]) == {"full"} and sorted(sources["lang"]) == ["en", "ru", "zh"]
    # its paired test against the English run: the targets mean is Chinese alone
    tests = pd.read_csv(workdir / "results/tables/arms_paired_qa.csv", keep_default_na=False, na_values=[""])
    assert set(tests[(tests["remedy"] == "several_sources") & (tests["lang"] == "targets_mean")]["n"]) == {12}
    assert "`<method>+src-en-ru`: " in (workdir / "results/tables/main_qa.md").read_text(encoding="utf-8")
