"""The language registry: one row per language the workflow knows.

Codes follow the conventions of the real checkpoints: mBART-50 (`ru_RU`), NLLB-200
(`rus_Cyrl`); mT5 uses no language codes. `langdetect` is the label langdetect returns
(after `zh-cn`/`zh-tw` -> `zh`), None where langdetect has no profile for the language.
`spaced` says whether the script separates words with spaces; scripts written without
spaces are scored on characters (see xlgen.metrics).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str
    mbart50: str | None
    nllb200: str | None
    langdetect: str | None
    spaced: bool = True
    cased: bool = True


_ROWS = [
    Language("en", "English", "Latin", "en_XX", "eng_Latn", "en"),
    Language("de", "German", "Latin", "de_DE", "deu_Latn", "de"),
    Language("es", "Spanish", "Latin", "es_XX", "spa_Latn", "es"),
    Language("fr", "French", "Latin", "fr_XX", "fra_Latn", "fr"),
    Language("ru", "Russian", "Cyrillic", "ru_RU", "rus_Cyrl", "ru"),
    Language("uk", "Ukrainian", "Cyrillic", "uk_UA", "ukr_Cyrl", "uk"),
    Language("zh", "Chinese", "Han", "zh_CN", "zho_Hans", "zh", spaced=False, cased=False),
    Language("ja", "Japanese", "Japanese", "ja_XX", "jpn_Jpan", "ja", spaced=False, cased=False),
    Language("ko", "Korean", "Hangul", "ko_KR", "kor_Hang", "ko", cased=False),
    Language("ar", "Arabic", "Arabic", "ar_AR", "arb_Arab", "ar", cased=False),
    Language("he", "Hebrew", "Hebrew", "he_IL", "heb_Hebr", "he", cased=False),
    Language("fa", "Persian", "Arabic", "fa_IR", "pes_Arab", "fa", cased=False),
    Language("hi", "Hindi", "Devanagari", "hi_IN", "hin_Deva", "hi", cased=False),
    Language("bn", "Bengali", "Bengali", "bn_IN", "ben_Beng", "bn", cased=False),
    Language("th", "Thai", "Thai", "th_TH", "tha_Thai", "th", spaced=False, cased=False),
    Language("lo", "Lao", "Lao", None, "lao_Laoo", None, spaced=False, cased=False),
    Language("km", "Khmer", "Khmer", "km_KH", "khm_Khmr", None, spaced=False, cased=False),
    Language("my", "Burmese", "Myanmar", "my_MM", "mya_Mymr", None, spaced=False, cased=False),
    Language("vi", "Vietnamese", "Latin", "vi_VN", "vie_Latn", "vi"),
    Language("tr", "Turkish", "Latin", "tr_TR", "tur_Latn", "tr"),
    Language("id", "Indonesian", "Latin", "id_ID", "ind_Latn", "id"),
    Language("el", "Greek", "Greek", None, "ell_Grek", "el"),
    Language("ro", "Romanian", "Latin", "ro_RO", "ron_Latn", "ro"),
    Language("sw", "Swahili", "Latin", "sw_KE", "swh_Latn", "sw"),
]

LANGUAGES: dict[str, Language] = {row.code: row for row in _ROWS}

# mBART-50's 52 language codes in the checkpoint's order (facebook/mbart-large-50).
MBART50_CODES = [
    "ar_AR", "cs_CZ", "de_DE", "en_XX", "es_XX", "et_EE", "fi_FI", "fr_XX", "gu_IN",
    "hi_IN", "it_IT", "ja_XX", "kk_KZ", "ko_KR", "lt_LT", "lv_LV", "my_MM", "ne_NP",
    "nl_XX", "ro_RO", "ru_RU", "si_LK", "tr_TR", "vi_VN", "zh_CN", "af_ZA", "az_AZ",
    "bn_IN", "fa_IR", "he_IL", "hr_HR", "id_ID", "ka_GE", "km_KH", "mk_MK", "ml_IN",
    "mn_MN", "mr_IN", "pl_PL", "ps_AF", "pt_XX", "sv_SE", "sw_KE", "ta_IN", "te_IN",
    "th_TH", "tl_XX", "uk_UA", "ur_PK", "xh_ZA", "gl_ES", "sl_SI",
]


def get_language(code: str) -> Language:
    """The registry row for `code`; a KeyError naming the code and the known ones otherwise."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise KeyError(
            f"unknown language {code!r}; known: {', '.join(sorted(LANGUAGES))}"
        ) from None


def language_code(code: str, family: str) -> str | None:
    """The backbone family's code for a language (`ru` -> `ru_RU` for mbart), None for mt5."""
    lang = get_language(code)
    if family == "mt5":
        return None
    if family == "mbart":
        return lang.mbart50
    if family == "nllb":
        return lang.nllb200
    raise ValueError(f"unknown backbone family {family!r}; known: mt5, mbart, nllb")
