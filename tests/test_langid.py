"""Wrong-language detection (issue 3, item 3): determinism, undetermined outputs, NA, modes."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from xlgen.metrics import score_predictions
from xlgen.metrics.langid import (
    DEFAULT_MIN_CHARS,
    detect_language,
    judge,
    normalize_label,
    wrong_language_stats,
)
from xlgen.metrics.scripts import dominant_script, text_length

SENTENCES = {
    "en": ["The government announced new measures to support small businesses this year.",
           "Scientists have discovered a new species of frog in the rainforest."],
    "ru": ["Правительство объявило о новых мерах поддержки малого бизнеса в этом году.",
           "Учёные обнаружили новый вид лягушек в тропических лесах."],
    "es": ["El gobierno anunció nuevas medidas para apoyar a las pequeñas empresas este año.",
           "Los científicos han descubierto una nueva especie de rana en la selva tropical."],
    "de": ["Die Regierung kündigte neue Maßnahmen zur Unterstützung kleiner Unternehmen an.",
           "Wissenschaftler haben eine neue Froschart im Regenwald entdeckt."],
    "ar": ["أعلنت الحكومة عن إجراءات جديدة لدعم الشركات الصغيرة هذا العام.",
           "اكتشف العلماء نوعا جديدا من الضفادع في الغابات المطيرة."],
    "zh": ["科学家在热带雨林中发现了一种新的青蛙。", "这支足球队在一场激烈的决赛后赢得了冠军。"],
    "hi": ["सरकार ने इस वर्ष छोटे व्यवसायों की सहायता के लिए नए उपायों की घोषणा की।",
           "वैज्ञानिकों ने वर्षावन में मेंढक की एक नई प्रजाति की खोज की है।"],
    "th": ["รัฐบาลประกาศมาตรการใหม่เพื่อสนับสนุนธุรกิจขนาดเล็กในปีนี้",
           "นักวิทยาศาสตร์ค้นพบกบสายพันธุ์ใหม่ในป่าฝนเขตร้อน"],
    "vi": ["Chính phủ công bố các biện pháp mới để hỗ trợ doanh nghiệp nhỏ trong năm nay.",
           "Các nhà khoa học đã phát hiện một loài ếch mới trong rừng nhiệt đới."],
    "tr": ["Hükümet bu yıl küçük işletmeleri desteklemek için yeni önlemler açıkladı.",
           "Bilim insanları yağmur ormanında yeni bir kurbağa türü keşfetti."],
}


def mixed_texts(n: int = 1000) -> list[str]:
    """n texts: whole sentences, short word windows (1-3 words), code-mixed pairs, junk."""
    rng = random.Random(1234)
    langs = sorted(SENTENCES)
    texts = []
    for _ in range(n):
        sentence = rng.choice(SENTENCES[rng.choice(langs)])
        units = list(sentence) if " " not in sentence else sentence.split()
        kind = rng.random()
        if kind < 0.4:
            texts.append(sentence)
        elif kind < 0.8:
            start = rng.randrange(len(units))
            width = rng.randint(1, 3) if " " in sentence else rng.randint(1, 8)
            texts.append(("" if " " not in sentence else " ").join(units[start:start + width]))
        elif kind < 0.95:
            other = rng.choice(SENTENCES[rng.choice(langs)])
            texts.append(sentence[: len(sentence) // 2] + " " + other[len(other) // 2:])
        else:
            texts.append(rng.choice(["", "  ", "2024", "12.5%", "?!", str(rng.randint(0, 10**6))]))
    return texts


_CHILD = """
import json, sys
from xlgen.metrics.langid import detect_language, judge
texts = json.load(open(sys.argv[1], encoding="utf-8"))
out = [[detect_language(t), judge(t, "ru").status, judge(t, "ar", "script+langdetect").label]
       for t in texts]
json.dump(out, sys.stdout)
"""


def test_langdetect_identical_in_two_processes(tmp_path):
    texts = mixed_texts(1000)
    assert len(set(texts)) > 300  # many distinct texts, not a cache hit test
    data = tmp_path / "texts.json"
    data.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    src = str(Path(__file__).resolve().parents[1] / "src")
    procs = []
    for hash_seed in ("1", "2"):  # different hash seeds: no dependence on set/dict order
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        procs.append(subprocess.Popen([sys.executable, "-c", _CHILD, str(data)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr.decode()
        outputs.append(json.loads(stdout))
    assert outputs[0] == outputs[1]
    # And the same as this process (which may have seen other texts first).
    here = [[detect_language(t), judge(t, "ru").status, judge(t, "ar", "script+langdetect").label]
            for t in texts]
    assert outputs[0] == here
    labels = {row[0] for row in here}
    assert {"en", "ru", "zh", "ar", "th"} <= labels and None in labels


def test_zh_labels_are_normalized():
    assert normalize_label("zh-cn") == "zh" and normalize_label("zh-tw") == "zh"
    assert normalize_label("en") == "en"
    assert detect_language("科学家在热带雨林中发现了一种新的青蛙。") == "zh"


def test_empty_and_digit_outputs_are_undetermined_never_wrong():
    preds = ["", "   ", "2024", "12.5% — 17:30 !?", SENTENCES["ru"][0]]
    stats = wrong_language_stats(preds, "ru")
    assert stats["n_undetermined"] == 4 and stats["undetermined_rate"] == pytest.approx(0.8)
    assert stats["n_wrong"] == 0 and stats["wrong_lang_rate"] == 0.0
    assert stats["detected_langs"] == {"ru": 1.0}
    for mode in ("langdetect", "script+langdetect"):
        assert all(judge(p, "zh", mode).status == "undetermined" for p in preds[:4])
    only_junk = wrong_language_stats(["", "123"], "en")
    assert math.isnan(only_junk["wrong_lang_rate"]) and only_junk["undetermined_rate"] == 1.0


def test_english_output_for_russian_target_is_wrong():
    preds = [SENTENCES["en"][0], SENTENCES["en"][1], SENTENCES["ru"][0], SENTENCES["ru"][1]]
    result = score_predictions("summarization", "ru", preds, [[SENTENCES["ru"][0]]] * 4)
    assert result["wrong_lang_rate"] == 0.5
    assert result["english_rate"] == 0.5
    assert result["detected_langs"] == {"en": 0.5, "ru": 0.5}
    assert result["wrong_lang_na_reason"] is None


def test_language_without_profile_is_na_with_reason():
    result = score_predictions("qa", "lo", ["ວຽງຈັນ", "Vientiane"], [["ວຽງຈັນ"], ["ວຽງຈັນ"]])
    assert math.isnan(result["wrong_lang_rate"])
    assert "no profile" in result["wrong_lang_na_reason"] and "Lao" in result["wrong_lang_na_reason"]
    # By script, Lao becomes measurable: Lao letters right, Latin letters wrong.
    scripted = score_predictions("qa", "lo", ["ວຽງຈັນ", "Vientiane"], [["ວຽງຈັນ"], ["ວຽງຈັນ"]],
                                 langid_mode="script+langdetect")
    assert scripted["wrong_lang_rate"] == 0.5 and scripted["wrong_lang_na_reason"] is None


def test_short_latin_answer_for_arabic_target():
    assert DEFAULT_MIN_CHARS > len("Paris")
    assert judge("Paris", "ar", "langdetect").status == "undetermined"
    verdict = judge("Paris", "ar", "script+langdetect")
    assert verdict.status == "wrong" and verdict.label == "script:Latin"
    assert judge("باريس", "ar", "script+langdetect").status == "correct"
    # Latin-script targets fall back to langdetect: a short answer stays undetermined.
    assert judge("París", "es", "script+langdetect").status == "undetermined"


def test_implausible_langdetect_label_is_not_counted_wrong():
    text = "我们今天去北京看望朋友和家人，大家都很高兴"  # long enough to judge
    assert detect_language(text) == "ko"  # langdetect's known misfire on Chinese
    assert judge(text, "zh", "langdetect").status == "undetermined"
    assert judge(text, "zh", "script+langdetect").status == "correct"
    # A Russian output for a Chinese target is wrong in both modes.
    assert judge(SENTENCES["ru"][0], "zh", "langdetect").label == "ru"
    assert judge(SENTENCES["ru"][0], "zh", "script+langdetect").status == "wrong"


def test_short_chinese_is_judged_like_english_of_the_same_content():
    # 16 Han characters weigh like 48 letters: judged, not undetermined for shortness.
    headline = "暴雨导致北部地区多个城镇发生洪水"
    assert text_length(headline) == 48
    assert judge(headline, "zh").status == "correct"
    assert judge("北京", "zh").status == "undetermined"  # 2 characters = 6 < 20
    assert text_length("हिन्दी") == 6  # vowel signs count


def test_dominant_script():
    assert dominant_script("Москва (Moscow)") == "Cyrillic"
    assert dominant_script("東京はにほんの首都") == "Hiragana"
    assert dominant_script("2024 !!") is None
    assert dominant_script("हिन्दी") == "Devanagari"


def test_detection_is_cached_and_mode_checked():
    detect_language.cache_clear()
    for _ in range(3):
        detect_language(SENTENCES["de"][0])
    info = detect_language.cache_info()
    assert info.misses == 1 and info.hits == 2
    with pytest.raises(ValueError, match="unknown langid_mode"):
        score_predictions("qa", "en", ["a"], [["a"]], langid_mode="fasttext")
