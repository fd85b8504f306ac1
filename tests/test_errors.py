"""Bad input keeps its one line; a bug keeps its traceback (the entry points: workflow
scripts' one_line_errors, `xlgen score`, `xlgen human import`). And a metric's missing
interval is said, not hidden behind a swallowed TypeError."""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu

from xlgen import cli
from xlgen.io import INPUT_ERRORS, InputError, UnknownNameError, error_line, one_line_errors, read_jsonl
from xlgen.languages import get_language
from xlgen.methods import get_method
from xlgen.tasks.extractive_qa import ExtractiveQA

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
       "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
QA = {"id": "qa-zh-1", "lang": "zh", "prediction": "张伟", "reference": ["张伟"]}


def run_script(body: str, log: Path) -> subprocess.CompletedProcess:
    """A workflow script's shape: its body under one_line_errors(log)."""
    code = "from xlgen.io import one_line_errors\nwith one_line_errors(%r):\n" % str(log)
    code += "".join(f"    {line}\n" for line in body.splitlines())
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=ENV)


def test_a_workflow_script_gives_one_line_for_bad_input_and_a_traceback_for_a_bug(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n[2]\n', encoding="utf-8")
    proc = run_script(f"from xlgen.io import read_jsonl\nread_jsonl({str(bad)!r})", tmp_path / "bad.log")
    assert proc.returncode == 1
    assert (tmp_path / "bad.log").read_text().splitlines() == [f"xlgen: {bad}:2: expected a JSON object, got list"]

    proc = run_script(f"open({str(tmp_path / 'missing.csv')!r})", tmp_path / "missing.log")
    assert proc.returncode == 1
    assert (tmp_path / "missing.log").read_text().splitlines() == [
        f"xlgen: {tmp_path / 'missing.csv'}: No such file or directory"]

    # a bug: a KeyError on a dict of our own, a ValueError from a bad call
    for name, body, last in [("key", "runs = {}\nruns['lr']", "KeyError: 'lr'"),
                             ("value", "int('3e-4')", "ValueError: invalid literal for int() with base 10: '3e-4'")]:
        proc = run_script(body, tmp_path / f"{name}.log")
        log = (tmp_path / f"{name}.log").read_text().splitlines()
        assert proc.returncode == 1 and log[0] == "Traceback (most recent call last):" and log[-1] == last, log
        assert not any(line.startswith("xlgen: ") for line in log)


def test_one_line_errors_lets_a_bug_through_and_stops_on_input_errors(capsys):
    with pytest.raises(KeyError, match="'x'"), one_line_errors():
        {}["x"]
    with pytest.raises(SystemExit) as stop, one_line_errors():
        raise InputError("data.jsonl:3: 'target' is empty")
    assert stop.value.code == 1
    assert capsys.readouterr().err == "xlgen: data.jsonl:3: 'target' is empty\n"


def test_registry_lookups_raise_an_input_error_that_is_still_a_key_error():
    with pytest.raises(UnknownNameError) as err:
        get_language("qq")
    assert isinstance(err.value, KeyError) and isinstance(err.value, INPUT_ERRORS)
    assert error_line(err.value) == str(err.value) and str(err.value).startswith("unknown language 'qq'; known: ")
    with pytest.raises(KeyError, match="unknown method 'bitfit'"):
        get_method("bitfit")
    # and a bare KeyError (a bug) is not an input error
    assert not isinstance(KeyError("x"), INPUT_ERRORS) and not isinstance(ValueError("x"), INPUT_ERRORS)


def test_score_cli_bad_input_is_one_line_but_a_scorer_bug_keeps_its_traceback(tmp_path, monkeypatch, capsys):
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(json.dumps(QA, ensure_ascii=False) + "\n", encoding="utf-8")
    args = ["score", "--task", "qa", "--lang", "zh", "--predictions", str(predictions),
            "--bootstrap-samples", "0", "--workers", "1"]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["em_unicode"] == 100.0

    predictions.write_text(json.dumps({**QA, "prediction": 7}) + "\n", encoding="utf-8")
    assert cli.main(args) == 2
    assert capsys.readouterr().err == f"xlgen score: {predictions}:1: 'prediction' must be a string, not int\n"

    predictions.write_text(json.dumps(QA, ensure_ascii=False) + "\n", encoding="utf-8")

    def buggy_scorer(self, lang, predictions, refs):
        return {"f1": [0.0]}["em"]  # a bug: a key that is not there

    monkeypatch.setattr(ExtractiveQA, "per_example", buggy_scorer)
    with pytest.raises(KeyError, match="'em'"):
        cli.main(args)
    assert capsys.readouterr().err == ""  # not presented as bad input


def test_human_import_bad_study_is_one_line_but_a_bug_keeps_its_traceback(tmp_path, monkeypatch, capsys):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("task,item\nqa,1\n", encoding="utf-8")
    args = ["human", "import", str(ratings), "--study", str(tmp_path / "nostudy"), "--check"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"xlgen human import: {tmp_path / 'nostudy'}: not a human-evaluation")

    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "study.json").write_text('{"task": "qa",', encoding="utf-8")  # cut short
    assert cli.main([*args[:3], "--study", str(tmp_path / "study"), "--check"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"xlgen human import: {tmp_path / 'study' / 'study.json'}:1: bad JSON: Expecting property name enclosed "
        "in double quotes (column 15)"]

    import xlgen.human.ratings

    def buggy_load_study(directory):
        return {"task": "qa"}["study_id"]

    monkeypatch.setattr(xlgen.human.ratings, "load_study", buggy_load_study)
    with pytest.raises(KeyError, match="'study_id'"):
        cli.main(args)


def test_read_jsonl_errors_are_input_errors(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": NaN}\n')
    with pytest.raises(InputError, match=r"x.jsonl:1: bad JSON: NaN is not valid JSON"):
        read_jsonl(path)


# --- sacrebleu intervals ----------------------------------------------------------------

def test_an_interval_sacrebleu_cannot_average_is_nan_and_logged(caplog):
    from xlgen.metrics.summarization import corpus_bleu_chrf

    # two summaries, one sharing no character with its reference: about a quarter of the
    # resamples draw only that one and score an exact 0.0 that sacrebleu cannot average
    preds, refs = ["Иван Петров выиграл марафон", "zzzz"], [["Иван Петров выиграл марафон в Казани"], ["Казань"]]
    with pytest.raises(TypeError, match="coerce"):  # what sacrebleu does with them on its own
        sacrebleu.metrics.CHRF().corpus_score(preds, [[r[0] for r in refs]], n_bootstrap=100)
    with caplog.at_level(logging.WARNING, logger="xlgen.metrics.summarization"):
        result = corpus_bleu_chrf("ru", preds, refs, bootstrap_samples=100)
    assert result["chrf"] == sacrebleu.metrics.CHRF().corpus_score(preds, [[r[0] for r in refs]]).score > 0
    assert math.isnan(result["chrf_ci_low"]) and math.isnan(result["chrf_ci_high"])
    assert [r.getMessage() for r in caplog.records if "chrF" in r.getMessage()] == [
        f"chrF2: no bootstrap interval (NaN): some of the 100 resamples share no n-gram with the references, "
        f"and sacrebleu {sacrebleu.__version__} cannot average their exact 0 with the other scores"]


def test_a_type_error_of_a_bug_is_not_taken_for_a_missing_interval():
    from xlgen.metrics.summarization import corpus_bleu_chrf

    with pytest.raises(TypeError):  # a prediction that is no string: a bug upstream, never NaN
        corpus_bleu_chrf("ru", ["Иван Петров", None], [["Иван Петров"], ["Казань"]], bootstrap_samples=100)
