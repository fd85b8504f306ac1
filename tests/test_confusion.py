"""Language Confusion Benchmark metrics (xlgen.metrics.confusion): LPR and WPR.

Unit cases on real strings, then the benchmark's released outputs (Command R and
Llama-2-Instruct, shared/fixtures/lcb, Apache-2.0), scored as the reference scorer
aggregates them: per (source, language), mean over a language's sources, mean over languages.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import pytest

from xlgen.metrics import confusion as C

LCB = Path(__file__).parents[1].parent / "shared" / "fixtures" / "lcb"

ZH_1 = "人工智能正在改变我们的生活方式和工作方式，也带来了新的挑战。"
ZH_2 = "越来越多的企业开始使用机器学习技术来提高生产效率和服务质量。"
EN_LINE = "Artificial intelligence is changing the way we live and work."
AR_LINE = "يستخدم المهندسون برامج حديثة لتطوير التطبيقات الذكية في الشركات الكبيرة."
AR_WITH_WORD = "يستخدم المهندسون برامج software حديثة لتطوير التطبيقات الذكية في الشركات الكبيرة."


def _fixture(name: str) -> Path:
    path = LCB / name
    if not path.exists():
        pytest.skip(f"benchmark fixture {path} is absent (no shared/fixtures/lcb here)")
    return path


# --- single responses --------------------------------------------------------------------


def test_monolingual_chinese_passes():
    response = f"{ZH_1}\n{ZH_2}"
    assert C.line_pass(response, "zh") is True
    assert C.word_pass(response, "zh") is True


def test_chinese_with_an_english_line_fails_lpr():
    response = f"{ZH_1}\n{EN_LINE}\n{ZH_2}"
    assert C.line_language(EN_LINE) == "en"
    assert C.line_pass(response, "zh") is False
    # a response with a line error is left out of WPR, not failed there
    assert C.word_pass(response, "zh") is None


def test_arabic_with_an_english_word_fails_wpr():
    assert C.line_pass(AR_WITH_WORD, "ar") is True  # the line is still Arabic
    assert C.word_pass(AR_WITH_WORD, "ar") is False
    assert C.word_pass(AR_LINE, "ar") is True
    # tokens keep their case: the list is lower-case only, so "Software" is no error
    assert C.word_pass(AR_WITH_WORD.replace("software", "Software"), "ar") is True
    # an explicit word list replaces the default one
    assert C.word_pass(AR_WITH_WORD, "ar", words=frozenset({"hardware"})) is True


def test_arabic_wpr_with_the_benchmark_word_list():
    words = C.load_english_words(_fixture("words"))
    assert C.word_pass(AR_WITH_WORD, "ar", words) is False
    assert C.word_pass(AR_LINE, "ar", words) is True


def test_chinese_english_word_inside_han_text_fails_wpr():
    response = "我们可以使用software来分析这些数据并得到更好的结果。"
    assert "software" in C.tokenize(C.normalize(response), "zh")
    assert C.line_pass(response, "zh") is True
    assert C.word_pass(response, "zh") is False


def test_lines_under_five_tokens_are_ignored():
    short = "Thanks a lot"  # 3 whitespace tokens, English
    assert C.line_pass(f"{AR_LINE}\n{short}\n", "ar") is True
    # Chinese lines are counted as jieba cuts them, spaces included: "Thanks a lot" is 5
    # tokens there ("Thanks", " ", "a", " ", "lot") and is judged; "Thank you" is 3
    assert C.tokenize(short, "zh") == ("Thanks", " ", "a", " ", "lot")
    assert C.line_pass(f"{ZH_1}\n{short}", "zh") is False
    assert C.line_pass(f"{ZH_1}\nThank you", "zh") is True
    long = "Thanks a lot for reading"  # 5 tokens: judged, and English
    assert C.line_pass(f"{AR_LINE}\n{long}", "ar") is False
    # only short lines: nothing to judge
    assert C.line_pass("Merci beaucoup\nBonjour", "fr") is None


def test_empty_responses_are_skipped():
    for response in ("", "   ", "\n\n", "!!! ... ???"):
        assert C.line_pass(response, "zh") is None
        assert C.word_pass(response, "ar") is None
    rates = C.confusion_rates(["", "  \n "], "ru")
    assert rates["lpr_n"] == rates["wpr_n"] == 0
    assert math.isnan(rates["lpr"]) and math.isnan(rates["wpr"])


def test_low_confidence_line_is_an_error_not_a_skip():
    line = "Lorem ipsum dolor sit amet"  # lid.176's top probability is below 0.3
    assert C.line_language(line) == C.UNKNOWN
    assert C.line_pass(f"{AR_LINE}\n{line}", "ar") is False


def test_normalization_cuts_a_few_shot_continuation_and_punctuation():
    assert C.normalize("Bonjour, le monde!\nQ: What next?") == "Bonjour le monde"
    assert C.normalize("نعم، هذا—ذاك") == "نعم هذا ذاك"
    assert C.line_pass(f"{ZH_1}\nQ: {EN_LINE}", "zh") is True


def test_wpr_only_for_non_latin_script_targets():
    french = "Les entreprises utilisent des logiciels modernes pour développer des applications."
    assert C.line_pass(french, "fr") is True
    assert C.word_pass(french, "fr") is None
    assert C.WPR_LANGUAGES == {"ar", "hi", "ja", "ko", "ru", "zh"}


def test_language_must_be_a_lid_label():
    for bad in ("zh_CN", "zh-cn", "ZH", "chinese"):
        with pytest.raises(ValueError, match="lid.176"):
            C.line_pass(ZH_1, bad)


def test_cjk_tokens():
    assert C.tokenize("使用Python进行数据分析，非常 方便", "zh") == (
        "使用", "Python", "进行", "数据", "分析", "，", "非常", " ", "方便",
    )
    # Japanese: whitespace separates without being a token; a Katakana run is one token
    assert C.tokenize("ディズニーリゾートへ 行きました 2024年", "ja") == (
        "ディズニーリゾート", "へ", "行", "きま", "した", "2024", "年",
    )
    assert C.tokenize("Привет  мир", "ru") == ("Привет", "мир")


def test_word_list_loading(tmp_path):
    path = tmp_path / "words"
    path.write_text("Apple\ncat\nhouse\nhouse's\nsoftware\nNASA\n", encoding="utf-8")
    assert C.load_english_words(path) == {"house", "house's", "software"}
    packaged = C.load_english_words()
    assert len(packaged) > 150_000
    assert {"software", "house", "computer"} <= packaged
    assert "Apple" not in packaged and "cat" not in packaged  # capitalized / too short


def test_packaged_word_list_covers_the_benchmark_list():
    benchmark = C.load_english_words(_fixture("words"))
    packaged = C.load_english_words()
    assert len(benchmark) == 81_995
    assert len(benchmark & packaged) / len(benchmark) > 0.999


def test_rates_and_per_example_values_agree():
    responses = [
        f"{ZH_1}\n{ZH_2}",  # pass, pass
        f"{ZH_1}\n{EN_LINE}",  # LPR fail, not in WPR
        "我们可以使用software来分析这些数据并得到更好的结果。",  # LPR pass, WPR fail
        "",  # skipped
    ]
    per = C.confusion_per_example(responses, "zh")
    assert per["line_pass"][:3] == [1.0, 0.0, 1.0] and math.isnan(per["line_pass"][3])
    assert per["word_pass"][0] == 1.0 and per["word_pass"][2] == 0.0
    assert math.isnan(per["word_pass"][1]) and math.isnan(per["word_pass"][3])
    rates = C.confusion_rates(responses, "zh")
    assert rates == {"lpr": pytest.approx(2 / 3), "wpr": 0.5, "lpr_n": 3, "wpr_n": 2}
    fr = C.confusion_rates(["Les entreprises utilisent des logiciels modernes aujourd'hui."], "fr")
    assert fr["lpr"] == 1.0 and fr["lpr_n"] == 1 and fr["wpr_n"] == 0 and math.isnan(fr["wpr"])


# --- the benchmark's released outputs ------------------------------------------------------


def _nanmean(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan


@pytest.fixture(scope="module")
def released() -> dict[str, dict[tuple[str, str, str], dict[str, list[float]]]]:
    """{model: {(task, source, language): per-example values}} for both released CSVs."""
    out = {}
    for model in ("command-r", "llama-2-instruct"):
        groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        with open(_fixture(f"{model}.csv"), newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                groups[(row["task"], row["source"], row["language"])].append(row["completion"])
        out[model] = {key: C.confusion_per_example(texts, key[2]) for key, texts in groups.items()}
    return out


def _benchmark_rate(per: dict, task: str, metric: str) -> tuple[float, dict[str, float]]:
    """The reference scorer's headline: mean over languages of the mean over sources."""
    by_lang: dict[str, list[float]] = defaultdict(list)
    for (t, _source, lang), values in per.items():
        rate = _nanmean(values[metric])
        if t == task and not math.isnan(rate):
            by_lang[lang].append(rate)
    langs = {lang: sum(r) / len(r) for lang, r in by_lang.items()}
    return sum(langs.values()) / len(langs), langs


def test_released_outputs_monolingual_lpr(released):
    cr, cr_langs = _benchmark_rate(released["command-r"], "monolingual", "line_pass")
    llama, llama_langs = _benchmark_rate(released["llama-2-instruct"], "monolingual", "line_pass")
    assert len(cr_langs) == len(llama_langs) == 15
    # measured here: Command R 0.980, Llama-2 0.483 (the paper, with lid.176.bin: 98.6-99.3%
    # for Command R models, 48.3-73.0% for Llama 2/3-Instruct)
    assert cr >= 0.97
    assert 0.40 <= llama <= 0.60
    assert cr - llama >= 0.35
    # Command R stays in the target language in every language; Llama-2 answers most
    # Arabic, Hindi, Japanese, Korean and Chinese prompts in English
    assert min(cr_langs.values()) >= 0.90
    assert all(llama_langs[lang] <= 0.15 for lang in ("ar", "hi", "ja", "ko", "zh"))
    assert llama_langs["en"] >= 0.95


def test_released_outputs_crosslingual_lpr_and_wpr(released):
    cr_mono, _ = _benchmark_rate(released["command-r"], "monolingual", "line_pass")
    cr_cross, _ = _benchmark_rate(released["command-r"], "crosslingual", "line_pass")
    llama_cross, _ = _benchmark_rate(released["llama-2-instruct"], "crosslingual", "line_pass")
    # measured here: 0.677 and 0.384; cross-lingual generation is where Command R confuses
    assert 0.60 <= cr_cross <= 0.75 and cr_mono - cr_cross >= 0.2
    assert 0.30 <= llama_cross <= 0.45
    cr_wpr, cr_wpr_langs = _benchmark_rate(released["command-r"], "monolingual", "word_pass")
    assert set(cr_wpr_langs) == C.WPR_LANGUAGES
    assert 0.93 <= cr_wpr <= 0.99  # measured 0.962: some English words survive in passing lines
