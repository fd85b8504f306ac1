"""Bad input, through the entry points a user meets: `xlgen score`, `xlgen check-data`,
`snakemake -n` on a config, and real Snakemake jobs on a bad data or generation file.

Every case exits non-zero with exactly one line that names the culprit (file and line,
field, option or config key) and leaves no output behind.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time

import pytest
import yaml
from conftest import CONFIGS, ROOT, SNAKEMAKE_ENV, run_snakemake  # tests/conftest.py

from xlgen.cli import main

ENV = SNAKEMAKE_ENV


def jsonl(*records: dict | bytes) -> bytes:
    """UTF-8 JSONL; a bytes item is written as it is (a line in another encoding)."""
    return b"".join(r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode() + b"\n"
                    for r in records)


def pred(id_, lang, prediction, reference=None) -> dict:
    record = {"id": id_, "lang": lang, "prediction": prediction}
    return record if reference is None else {**record, "reference": reference}


ZH = pred("zh-1", "zh", "北京举行马拉松", "北京举行马拉松")
ZH2 = pred("zh-2", "zh", "张伟获得冠军", "张伟获得冠军")
# a Chinese line saved in GB2312 instead of UTF-8
ZH_GB2312 = (json.dumps(pred("zh-3", "zh", "上海举行马拉松", "上海举行马拉松"), ensure_ascii=False)
             .encode("gb2312") + b"\n")
TH_SUMMARY = {"id": "th-1", "lang": "th", "source": "บริษัทเฮลิออสพลังงานเปิดโรงงานแห่งใหม่ที่ซิดนีย์ ซึ่งสร้างงาน 1,000 ตำแหน่ง",
              "target": "บริษัทเฮลิออสพลังงานสร้างงาน 1,000 ตำแหน่ง"}
RU_SUMMARY = {"id": "ru-1", "lang": "ru", "source": "В Казани прошёл марафон. Победил Иван Петров.",
              "target": "Иван Петров выиграл марафон в Казани"}
ES_SUMMARY = {"id": "es-1", "lang": "es", "source": "La compañía abrió una fábrica en Sevilla.",
              "target": "Nueva fábrica en Sevilla"}
ZH_QA = {"id": "qa-zh-1", "lang": "zh", "context": "张伟在北京马拉松中获得冠军。", "question": "谁获得了冠军？",
         "answers": ["张伟"], "source": "question: 谁获得了冠军？ context: 张伟在北京马拉松中获得冠军。",
         "target": "张伟"}


def score(task: str, lang: str, *extra: str) -> list[str]:
    return ["score", "--task", task, "--lang", lang, "--predictions", "{dir}/pred.jsonl",
            "--bootstrap-samples", "0", *extra]


def check(task: str, *extra: str) -> list[str]:
    return ["check-data", "--task", task, *extra, "{dir}/data.jsonl"]


# (id, `xlgen` arguments, files to write, words the one error line must contain);
# "{dir}" is the case's temporary directory.
CLI_CASES = [
    ("score-empty-prediction-file", score("summarization", "zh"), {"pred.jsonl": b""},
     ["{dir}/pred.jsonl:1: empty file"]),
    ("score-blank-lines-only", score("summarization", "zh"), {"pred.jsonl": b"\n \n"},
     ["{dir}/pred.jsonl:1: empty file"]),
    ("score-gb2312-chinese-line", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH, ZH2, ZH_GB2312)},
     ["{dir}/pred.jsonl:3: not UTF-8"]),
    ("score-not-json", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH) + b'{"id": "zh-2", "lang": "zh",\n'},
     ["{dir}/pred.jsonl:2: bad JSON"]),
    ("score-json-array-line", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH) + b'["zh-2", "zh"]\n'},
     ["{dir}/pred.jsonl:2: expected a JSON object"]),
    ("score-missing-prediction-field", score("summarization", "zh"),
     {"pred.jsonl": jsonl(ZH, {"id": "zh-2", "lang": "zh", "reference": "张伟"})},
     ["{dir}/pred.jsonl:2: missing field(s) prediction"]),
    ("score-empty-reference", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH, pred("zh-2", "zh", "张伟", " "))},
     ["{dir}/pred.jsonl:2: 'reference' is empty"]),
    ("score-duplicate-id", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH, ZH2, ZH)},
     ["{dir}/pred.jsonl:3: duplicate id 'zh-1'", "first on line 1"]),
    ("score-wrong-language-file", score("summarization", "ru"), {"pred.jsonl": jsonl(ZH)},
     ["{dir}/pred.jsonl:1: record lang 'zh'", "'ru'"]),
    ("score-unknown-language", score("summarization", "klingon"), {"pred.jsonl": jsonl(ZH)},
     ["--lang", "unknown language 'klingon'"]),
    ("score-missing-file", score("summarization", "zh"), {},
     ["{dir}/pred.jsonl: No such file or directory"]),
    ("score-id-not-in-references", score("qa", "zh", "--references", "{dir}/data.jsonl"),
     {"data.jsonl": jsonl(ZH_QA), "pred.jsonl": jsonl(pred("qa-zh-1", "zh", "张伟"), pred("qa-zh-9", "zh", "李娜"))},
     ["{dir}/pred.jsonl:2: id 'qa-zh-9' is not in the references {dir}/data.jsonl"]),
    ("score-reference-without-prediction", score("qa", "zh", "--references", "{dir}/data.jsonl"),
     {"data.jsonl": jsonl(ZH_QA, {**ZH_QA, "id": "qa-zh-2"}), "pred.jsonl": jsonl(pred("qa-zh-1", "zh", "张伟"))},
     ["{dir}/pred.jsonl: no prediction for 1 of the 2 reference ids in {dir}/data.jsonl", "'qa-zh-2'"]),
    ("check-empty-thai-summary", check("summarization"),
     {"data.jsonl": jsonl(TH_SUMMARY, {**TH_SUMMARY, "id": "th-2", "target": ""})},
     ["{dir}/data.jsonl:2: 'target' is empty"]),
    ("check-empty-source", check("summarization"), {"data.jsonl": jsonl({**RU_SUMMARY, "source": "  "})},
     ["{dir}/data.jsonl:1: 'source' is empty"]),
    ("check-qa-no-answers", check("qa"), {"data.jsonl": jsonl({**ZH_QA, "answers": [], "target": ""})},
     ["{dir}/data.jsonl:1: 'answers' is []"]),
    ("check-qa-answer-not-string", check("qa"), {"data.jsonl": jsonl({**ZH_QA, "answers": ["张伟", None]})},
     ["{dir}/data.jsonl:1: 'answers[1]' is None"]),
    ("check-missing-field", check("summarization"),
     {"data.jsonl": jsonl(RU_SUMMARY, {"id": "ru-2", "lang": "ru", "source": "Текст"})},
     ["{dir}/data.jsonl:2: missing field(s) 'target'"]),
    ("check-duplicate-id", check("summarization"),
     {"data.jsonl": jsonl(RU_SUMMARY, {**RU_SUMMARY, "id": "ru-2"}, RU_SUMMARY)},
     ["{dir}/data.jsonl:3: duplicate id 'ru-1'", "first on line 1"]),
    ("check-id-not-string-or-int", check("summarization"), {"data.jsonl": jsonl({**RU_SUMMARY, "id": ["ru", 1]})},
     ["{dir}/data.jsonl:1: 'id' is ['ru', 1]"]),
    ("check-latin1-line", check("summarization"),
     {"data.jsonl": jsonl(ES_SUMMARY)
      + json.dumps({**ES_SUMMARY, "id": "es-2"}, ensure_ascii=False).encode("latin-1") + b"\n"},
     ["{dir}/data.jsonl:2: not UTF-8"]),
    ("check-not-json", check("qa"), {"data.jsonl": b"\n" + jsonl(ZH_QA) + b"answers: []\n"},
     ["{dir}/data.jsonl:3: bad JSON"]),
    ("check-empty-file", check("qa"), {"data.jsonl": b""}, ["{dir}/data.jsonl:1: empty file"]),
    ("check-unknown-language-field", check("summarization"), {"data.jsonl": jsonl({**RU_SUMMARY, "lang": "russian"})},
     ["{dir}/data.jsonl:1: 'lang' is 'russian': unknown language"]),
    ("check-lang-other-than-given", check("summarization", "--lang", "th"),
     {"data.jsonl": jsonl(TH_SUMMARY, RU_SUMMARY)},
     ["{dir}/data.jsonl:2: 'lang' is 'ru', expected 'th'"]),
    # issue 16: malformed inputs a shared cluster produces (editors, exports, hub formats)
    ("score-utf8-bom", score("summarization", "zh"), {"pred.jsonl": b"\xef\xbb\xbf" + jsonl(ZH)},
     ["{dir}/pred.jsonl:1:", "UTF-8 byte-order mark", "without BOM"]),
    ("check-utf16-file", check("summarization"), {"data.jsonl": jsonl(RU_SUMMARY).decode().encode("utf-16")},
     ["{dir}/data.jsonl:1:", "UTF-16 byte-order mark"]),
    ("check-utf16le-without-bom", check("summarization"),
     {"data.jsonl": jsonl(RU_SUMMARY).decode().encode("utf-16-le")},
     ["{dir}/data.jsonl:1:", "NUL byte", "UTF-8"]),
    ("check-10mb-line", check("summarization"), {"data.jsonl": jsonl(RU_SUMMARY, {**RU_SUMMARY, "id": "ru-2",
                                                                                 "source": "слово " * 1_800_000})},
     ["{dir}/data.jsonl:2:", "longer than 8 MB"]),
    ("score-nan-prediction", score("summarization", "zh"),
     {"pred.jsonl": jsonl(ZH) + b'{"id": "zh-2", "lang": "zh", "prediction": NaN, "reference": "x"}\n'},
     ["{dir}/pred.jsonl:2:", "NaN is not valid JSON"]),
    ("score-infinity-id", score("summarization", "zh"),
     {"pred.jsonl": b'{"id": Infinity, "lang": "zh", "prediction": "x", "reference": "x"}\n'},
     ["{dir}/pred.jsonl:1:", "Infinity is not valid JSON"]),
    ("check-qa-answers-as-the-hub-serves-them", check("qa"),
     {"data.jsonl": jsonl({**ZH_QA, "answers": {"text": ["张伟"], "answer_start": [0]}})},
     ["{dir}/data.jsonl:1:", "'answers' is a dict", "answer_start", "list of their texts"]),
    ("check-qa-answers-list-of-dicts", check("qa"),
     {"data.jsonl": jsonl({**ZH_QA, "answers": [{"text": "张伟", "answer_start": 0}]})},
     ["{dir}/data.jsonl:1:", "'answers[0]' is a dict", "answer_start"]),
    ("score-prediction-null", score("summarization", "zh"), {"pred.jsonl": jsonl(ZH, pred("zh-2", "zh", None, "张伟"))},
     ["{dir}/pred.jsonl:2:", "'prediction' must be a string"]),
    ("score-input-not-a-string", score("summarization", "zh"), {"pred.jsonl": jsonl({**ZH, "input": 7})},
     ["{dir}/pred.jsonl:1:", "'input' must be a string"]),
    ("score-float-id", score("summarization", "zh"), {"pred.jsonl": jsonl({**ZH, "id": 1.5})},
     ["{dir}/pred.jsonl:1:", "'id' is 1.5"]),
    ("score-two-objects-on-one-line", score("summarization", "zh"),
     {"pred.jsonl": (json.dumps(ZH, ensure_ascii=False) + json.dumps(ZH2, ensure_ascii=False) + "\n").encode()},
     ["{dir}/pred.jsonl:1:", "bad JSON", "Extra data"]),
    ("check-gzip-file", check("summarization"), {"data.jsonl": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x02"},
     ["{dir}/data.jsonl:1:", "UTF-8"]),
    ("score-reference-list-of-dicts", score("qa", "zh"),
     {"pred.jsonl": jsonl(pred("zh-1", "zh", "张伟", [{"text": "张伟"}]))},
     ["{dir}/pred.jsonl:1:", "'reference' must be a string or a non-empty list of strings"]),
    ("check-lang-not-a-string", check("summarization"), {"data.jsonl": jsonl({**RU_SUMMARY, "lang": 7})},
     ["{dir}/data.jsonl:1:", "'lang' is 7"]),
    ("check-target-a-number", check("summarization"), {"data.jsonl": jsonl({**RU_SUMMARY, "target": 42})},
     ["{dir}/data.jsonl:1:", "'target' is int"]),
    ("score-predictions-path-is-a-directory", ["score", "--task", "qa", "--lang", "zh", "--predictions", "{dir}"], {},
     ["{dir}", "directory"]),
    ("score-language-name-not-code", score("summarization", "Chinese"), {"pred.jsonl": jsonl(ZH)},
     ["'Chinese'", "not an ISO 639-1 code"]),
]


@pytest.mark.parametrize("args, files, words", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input_one_line(tmp_path, capsys, args, files, words):
    """`xlgen.cli.main` in this process (a process start per case cost ~1 s each); the command
    line itself, `python -m xlgen.cli`, is run by test_check_data_accepts_good_files below."""
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    before = sorted(tmp_path.iterdir())
    try:
        code = main([a.format(dir=tmp_path) for a in args])
    except SystemExit as exit:  # argparse's own refusals
        code = exit.code
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"xlgen {args[0]}: "), lines[0]
    for word in words:
        assert word.format(dir=tmp_path) in lines[0], lines[0]
    assert out == ""  # no scores, no "ok"
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def test_check_data_accepts_good_files(tmp_path):
    (tmp_path / "th.jsonl").write_bytes(jsonl(TH_SUMMARY, {**TH_SUMMARY, "id": 2}))
    (tmp_path / "ru.jsonl").write_bytes(jsonl(RU_SUMMARY))
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "check-data", "--task", "summarization",
                           str(tmp_path / "th.jsonl"), str(tmp_path / "ru.jsonl")],
                          capture_output=True, text=True, timeout=120, env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{tmp_path / 'th.jsonl'}: ok: 2 records",
                                        f"{tmp_path / 'ru.jsonl'}: ok: 1 records"]


def test_score_against_a_references_file(tmp_path):
    (tmp_path / "data.jsonl").write_bytes(jsonl(ZH_QA, {**ZH_QA, "id": "qa-zh-2", "answers": ["北京", "在北京"],
                                                        "target": "北京"}))
    (tmp_path / "pred.jsonl").write_bytes(jsonl(pred("qa-zh-2", "zh", "在北京"), pred("qa-zh-1", "zh", "李娜")))
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", *(a.format(dir=tmp_path) for a in score(
        "qa", "zh", "--references", "{dir}/data.jsonl"))], capture_output=True, text=True, timeout=120, env=ENV)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["n"], result["em_unicode"]) == (2, 50.0)  # "在北京" is the second gold answer


# --- configs: `snakemake -n` stops before any job -------------------------------------------
# tests/test_config.py holds the table of bad values at the library level; these two go
# through Snakemake for the language checks (a target language without a code is a note,
# not an error: see xlgen.config.backbone_language_notes).
CONFIG_CASES = [
    ("config-source-language-without-mbart-code", {"source_language": "el", "target_languages": ["en", "ru"]},
     ["'source_language' is 'el'", "'backbones[1]' (mbart-demo", "no language code"]),
    ("config-unknown-source-language", {"source_language": "xx"},
     ["'source_language' is 'xx': unknown language"]),
]


@pytest.mark.parametrize("changes, words", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_snakemake_bad_config_one_line(tmp_path, changes, words):
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config.update(copy.deepcopy(changes))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    proc = run_snakemake(tmp_path, "-n", configfile=tmp_path / "bad.yaml", cores=None, check=False, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("xlgen: invalid config: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


# --- real Snakemake jobs on bad files ---------------------------------------------------------
RUN = "mbart-tiny/full/lr~0.001/seed~1"
# (id, the job's target, its log, the bad file, its content, words of the one log line)
JOB_CASES = [
    ("job-baselines-qa-answers-empty", "results/eval/baselines/qa.csv", "results/logs/baselines/qa.log",
     "results/data/qa/zh/test.jsonl", lambda good: jsonl(good[0], {**good[1], "answers": [], "target": ""}),
     ["results/data/qa/zh/test.jsonl:2: 'answers' is []"]),
    ("job-generate-thai-summary-empty", f"results/generations/summarization/{RUN}/en.dev.jsonl",
     f"results/logs/generate/summarization/{RUN}.log",
     "results/data/summarization/th/dev.jsonl", lambda good: jsonl(good[0], good[1], {**good[2], "target": ""}),
     ["results/data/summarization/th/dev.jsonl:3: 'target' is empty"]),
    ("job-evaluate-gb2312-prediction", f"results/eval/qa/{RUN}/scores.csv", f"results/logs/evaluate/qa/{RUN}.log",
     f"results/generations/qa/{RUN}/zh.test.jsonl", lambda good: jsonl(good[0]) + ZH_GB2312,
     [f"results/generations/qa/{RUN}/zh.test.jsonl:2: not UTF-8"]),
]


@pytest.fixture(scope="module")
def bad_jobs(tmp_path_factory):
    """One Snakemake run (--keep-going) of the three jobs above on planted inputs: the demo
    world of a tiny config (en, zh, th), run.json and (empty) model directories, and the
    generation files of one QA run, with one bad file per job."""
    from xlgen.io import read_jsonl
    from xlgen_demo.world import write_demo_world

    workdir = tmp_path_factory.mktemp("bad-jobs")
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text(encoding="utf-8"))
    config.update(target_languages=["zh", "th"], backbones=["mbart-tiny"],
                  method_settings={"full": {"lrs": [1.0e-3]}})
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    demo = config["data"]["demo"]
    write_demo_world(workdir / "results" / "data", ["en", "zh", "th"], demo["seed"], n_train=demo["n_train"],
                     n_dev=demo["n_dev"], n_test=demo["n_test"], n_unlabeled=demo["n_unlabeled"],
                     n_parallel=demo["n_parallel"])
    generations = {  # every QA prediction right, built before any data file is spoiled
        f"results/generations/qa/{RUN}/{lang}.{split}.jsonl": jsonl(*(
            pred(r["id"], lang, r["target"], r["answers"])
            for r in read_jsonl(workdir / f"results/data/qa/{lang}/{split}.jsonl")))
        for lang in ("en", "zh", "th") for split in ("dev", "test")
    }
    (workdir / "results/backbones/mbart-tiny").mkdir(parents=True)
    for task in ("summarization", "qa"):
        run = workdir / f"results/models/{task}/{RUN}"
        (run / "model").mkdir(parents=True)
        (run / "run.json").write_text('{"status": "ok"}\n')
    for name, content in generations.items():
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_bytes(content)
    for _, _, _, name, spoil, _ in JOB_CASES:
        good = [json.loads(line) for line in (workdir / name).read_text(encoding="utf-8").splitlines()]
        (workdir / name).write_bytes(spoil(good))
    # inputs older than outputs: Snakemake must find every planted file up to date. The
    # generations are stamped now: older than workflow/scripts/generate.py (a clone made a
    # minute before), Snakemake reruns their job for its changed code and evaluate never runs.
    now = time.time()
    for path in (workdir / "results").rglob("*"):
        stamp = now if "generations" in path.parts else now - 100
        os.utime(path, (stamp, stamp))
    proc = run_snakemake(workdir, "--keep-going", "--allowed-rules", "baselines", "generate", "evaluate", "--",
                         *(case[1] for case in JOB_CASES), configfile=workdir / "config.yaml", check=False,
                         timeout=300)
    return workdir, proc


@pytest.mark.slow
@pytest.mark.parametrize("target, log, words", [(c[1], c[2], c[5]) for c in JOB_CASES],
                         ids=[c[0] for c in JOB_CASES])
def test_workflow_job_bad_input_one_line(bad_jobs, target, log, words):
    workdir, proc = bad_jobs
    assert proc.returncode != 0, proc.stderr[-3000:]
    # the head shows the jobs Snakemake planned and why, the tail their errors
    assert f"Error in rule {log.split('/')[2]}:" in proc.stderr, proc.stderr[:2500] + "\n[...]\n" + proc.stderr[-2500:]
    text = (workdir / log).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("xlgen: "), text
    for word in words:
        assert word in lines[0], lines[0]
    out_dir = (workdir / target).parent
    assert not (workdir / target).exists()
    left = [p.name for p in out_dir.iterdir() if p.name.startswith(".tmp-")] if out_dir.exists() else []
    assert left == []
    if "/eval/" in target and "baselines" not in target:
        assert not (out_dir / "per_example.csv").exists()
    if "/generations/" in target:  # no generation file of the summarization run at all
        assert not out_dir.exists() or list(out_dir.iterdir()) == []
