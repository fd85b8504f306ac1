"""The wrong-language judge calibrated on real human text (issue 13): XQuAD's gold answers and
sentences are not called wrong, English answers and sentences of the same ids are.

Reads ../shared/fixtures/xquad/ (XQuAD, professionally translated; CI always has it) and
skips with the reason where it is absent (a user's clone).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xlgen.calibration import (
    MAX_FALSE_WRONG,
    MIN_DETECTED,
    MIN_JUDGED_ENGLISH_ANSWERS,
    calibrate,
    passes,
    split_sentences,
)

XQUAD = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "xquad"
LANGS = ("ar", "de", "es", "ru", "th", "zh")
needs_xquad = pytest.mark.skipif(not (XQUAD / "xquad.en.json").exists(),
                                 reason=f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")


@needs_xquad
@pytest.mark.parametrize("lang", LANGS)
def test_calibration_thresholds_hold_on_xquad(lang):
    row = calibrate(XQUAD / f"xquad.{lang}.json", XQUAD / "xquad.en.json", lang)
    assert row["gold_answers_n"] == 1190 and row["english_sentences_n"] > 1000
    assert passes(row) == [], row
    assert row["gold_answers_wrong"] <= MAX_FALSE_WRONG and row["gold_sentences_wrong"] <= MAX_FALSE_WRONG
    assert row["english_answers_wrong"] >= MIN_DETECTED and row["english_sentences_wrong"] >= MIN_DETECTED
    assert row["english_answers_judged"] >= MIN_JUDGED_ENGLISH_ANSWERS
    # the judge is not blind: most texts of every set get a verdict
    assert min(row[f"{name}_judged"] for name in ("gold_sentences", "english_sentences")) >= 0.95


@needs_xquad
def test_calibrate_langid_command_prints_the_table(tmp_path):
    out = tmp_path / "calibration.csv"
    proc = subprocess.run([sys.executable, "-m", "xlgen.cli", "calibrate-langid", "--english",
                           str(XQUAD / "xquad.en.json"), f"de={XQUAD / 'xquad.de.json'}",
                           f"zh={XQUAD / 'xquad.zh.json'}", "--csv", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "gold_answers_wrong" in proc.stdout and out.read_text().count("\n") == 3
    bad = subprocess.run([sys.executable, "-m", "xlgen.cli", "calibrate-langid", "--english",
                          str(XQUAD / "xquad.en.json"), f"xx={XQUAD / 'xquad.de.json'}"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "'xx'" in bad.stderr


def test_sentences_merge_fragments():
    assert split_sentences("Er kam z. B. am 8. Mai. Dann ging er nach Hause zurück.", "de") == [
        "Er kam z. B. am 8. Mai.", "Dann ging er nach Hause zurück."]
    assert split_sentences("北京举行马拉松。张伟获得冠军，他很高兴。", "zh") == [
        "北京举行马拉松。", "张伟获得冠军，他很高兴。"]
