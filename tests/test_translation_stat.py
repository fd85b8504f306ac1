"""The translate-train stat in the MT-quality table is the one each task kind declares
(TaskKind.translation_stat), not a QA column written into the tables by hand."""

import pandas as pd

from xlgen.tables import main_markdown, translation_stat_column, translation_stat_headers
from xlgen.tasks.summarization import Summarization

MAIN = pd.DataFrame([{"backbone": "b", "method": "full+tt", "trainable_share": 1.0, "lr": float("nan"),
                      **{f"{prefix}_{lang}{end}": value for prefix, value in (("f1_unicode", 40.0), ("wrong_lang", 0.1))
                         for lang in ("en", "ru", "targets_mean") for end in ("", "_ci_low", "_ci_high")}}])


def quality(**stats):
    return pd.DataFrame([{"mt": "nllb-mt-demo", "src": "en", "tgt": "ru", "n": 40, "chrf": 61.23,
                          "summarization_train_kept": 0.9, **stats}])


def mt_table(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| MT system") or "nllb-mt-demo" in line]


def test_the_column_is_named_by_the_task_and_the_kind_declaration():
    assert translation_stat_column("qa", "extractive_qa") == "qa_answer_found_rate"
    assert translation_stat_column("mlqa", "extractive_qa") == "mlqa_answer_found_rate"
    assert translation_stat_column("summarization", "summarization") is None  # declares none


def test_one_qa_task_gives_the_declared_header():
    markdown = main_markdown(MAIN, "qa", "en", ["ru"], quality(qa_answer_found_rate=0.5), metric="f1_unicode")
    assert mt_table(markdown) == [
        "| MT system | direction | chrF (held-out parallel text) | texts | QA train answers kept |",
        "| nllb-mt-demo | en->ru | 61.2 | 40 | 50% |"]


def test_several_tasks_with_a_stat_each_get_a_column_naming_the_task():
    assert translation_stat_headers(["qa_answer_found_rate", "mlqa_answer_found_rate", "summarization_train_kept"]) == {
        "qa_answer_found_rate": "QA train answers kept (qa)", "mlqa_answer_found_rate": "QA train answers kept (mlqa)"}
    markdown = main_markdown(MAIN, "qa", "en", ["ru"], quality(qa_answer_found_rate=0.5, mlqa_answer_found_rate=0.25),
                             metric="f1_unicode")
    assert mt_table(markdown)[1] == "| nllb-mt-demo | en->ru | 61.2 | 40 | 50% | 25% |"


def test_no_declared_stat_no_column_and_a_new_declaration_is_read(monkeypatch):
    markdown = main_markdown(MAIN, "qa", "en", ["ru"], quality(), metric="f1_unicode")
    assert mt_table(markdown)[0] == "| MT system | direction | chrF (held-out parallel text) | texts |"
    # a kind that declares a stat gets its column without a line of table code
    monkeypatch.setattr(Summarization, "translation_stat", ("lead_kept_rate", "summary leads kept"))
    assert translation_stat_column("summarization", "summarization") == "summarization_lead_kept_rate"
    markdown = main_markdown(MAIN, "qa", "en", ["ru"], quality(summarization_lead_kept_rate=0.75), metric="f1_unicode")
    assert mt_table(markdown) == [
        "| MT system | direction | chrF (held-out parallel text) | texts | summary leads kept |",
        "| nllb-mt-demo | en->ru | 61.2 | 40 | 75% |"]
