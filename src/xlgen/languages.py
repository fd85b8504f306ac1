"""The language registry: one row per language the workflow knows.

Codes follow the conventions of the real checkpoints: mBART-50 (`ru_RU`), NLLB-200
(`rus_Cyrl`); mT5 uses no language codes. `spaced` says whether the script separates words
with spaces; scripts written without spaces are scored on characters (see xlgen.metrics).

A backbone family without a code for a language (mBART-50 has none for Greek, nor for most
African languages of XL-Sum) never gets a silent stand-in: the row's `no_code` states what
the workflow does instead, and config validation reports it (xlgen.config):
  "skip"      the language is left out of that backbone's runs (the default for every row:
              a model finetuned with `en_XX` forced, then decoding unforced, would mostly
              answer in English and measure nothing);
  "unforced"  generate without a language code on either side (a choice a row may state).
mT5 has no codes at all and runs every language.

The table covers the languages of the study's data: XL-Sum (45 BBC languages, one config
each; see xlgen.datasets.xlsum.CONFIGS) and XQuAD (ar de el en es hi ro ru th tr vi zh). Left out:
XL-Sum's chinese_traditional and serbian_latin (`zh` and `sr` here are the Simplified and
Cyrillic variants) and uzbek (its script in XL-Sum, and so its NLLB code, is unchecked).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from xlgen.io import InputError, UnknownNameError


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str
    mbart50: str | None
    nllb200: str | None
    spaced: bool = True
    cased: bool = True
    no_code: str = "skip"  # what a backbone without this language's code does (see above)


_ROWS = [
    Language("en", "English", "Latin", "en_XX", "eng_Latn"),
    Language("de", "German", "Latin", "de_DE", "deu_Latn"),
    Language("es", "Spanish", "Latin", "es_XX", "spa_Latn"),
    Language("fr", "French", "Latin", "fr_XX", "fra_Latn"),
    Language("ru", "Russian", "Cyrillic", "ru_RU", "rus_Cyrl"),
    Language("uk", "Ukrainian", "Cyrillic", "uk_UA", "ukr_Cyrl"),
    Language("zh", "Chinese", "Han", "zh_CN", "zho_Hans", spaced=False, cased=False),
    Language("ja", "Japanese", "Japanese", "ja_XX", "jpn_Jpan", spaced=False, cased=False),
    Language("ko", "Korean", "Hangul", "ko_KR", "kor_Hang", cased=False),
    Language("ar", "Arabic", "Arabic", "ar_AR", "arb_Arab", cased=False),
    Language("he", "Hebrew", "Hebrew", "he_IL", "heb_Hebr", cased=False),
    Language("fa", "Persian", "Arabic", "fa_IR", "pes_Arab", cased=False),
    Language("hi", "Hindi", "Devanagari", "hi_IN", "hin_Deva", cased=False),
    Language("bn", "Bengali", "Bengali", "bn_IN", "ben_Beng", cased=False),
    Language("th", "Thai", "Thai", "th_TH", "tha_Thai", spaced=False, cased=False),
    Language("lo", "Lao", "Lao", None, "lao_Laoo", spaced=False, cased=False),
    Language("km", "Khmer", "Khmer", "km_KH", "khm_Khmr", spaced=False, cased=False),
    Language("my", "Burmese", "Myanmar", "my_MM", "mya_Mymr", spaced=False, cased=False),
    Language("vi", "Vietnamese", "Latin", "vi_VN", "vie_Latn"),
    Language("tr", "Turkish", "Latin", "tr_TR", "tur_Latn"),
    Language("fi", "Finnish", "Latin", "fi_FI", "fin_Latn"),
    Language("id", "Indonesian", "Latin", "id_ID", "ind_Latn"),
    Language("el", "Greek", "Greek", None, "ell_Grek"),
    Language("ro", "Romanian", "Latin", "ro_RO", "ron_Latn"),
    Language("sw", "Swahili", "Latin", "sw_KE", "swh_Latn"),
    Language("pt", "Portuguese", "Latin", "pt_XX", "por_Latn"),
    Language("ur", "Urdu", "Arabic", "ur_PK", "urd_Arab", cased=False),
    Language("ps", "Pashto", "Arabic", "ps_AF", "pbt_Arab", cased=False),
    Language("mr", "Marathi", "Devanagari", "mr_IN", "mar_Deva", cased=False),
    Language("ne", "Nepali", "Devanagari", "ne_NP", "npi_Deva", cased=False),
    Language("gu", "Gujarati", "Gujarati", "gu_IN", "guj_Gujr", cased=False),
    Language("pa", "Punjabi", "Gurmukhi", None, "pan_Guru", cased=False),
    Language("ta", "Tamil", "Tamil", "ta_IN", "tam_Taml", cased=False),
    Language("te", "Telugu", "Telugu", "te_IN", "tel_Telu", cased=False),
    Language("si", "Sinhala", "Sinhala", "si_LK", "sin_Sinh", cased=False),
    Language("az", "Azerbaijani", "Latin", "az_AZ", "azj_Latn"),
    Language("ky", "Kyrgyz", "Cyrillic", None, "kir_Cyrl"),
    Language("sr", "Serbian", "Cyrillic", None, "srp_Cyrl"),
    Language("am", "Amharic", "Ethiopic", None, "amh_Ethi", cased=False),
    Language("ti", "Tigrinya", "Ethiopic", None, "tir_Ethi", cased=False),
    Language("om", "Oromo", "Latin", None, "gaz_Latn"),
    Language("so", "Somali", "Latin", None, "som_Latn"),
    Language("ha", "Hausa", "Latin", None, "hau_Latn"),
    Language("ig", "Igbo", "Latin", None, "ibo_Latn"),
    Language("yo", "Yoruba", "Latin", None, "yor_Latn"),
    Language("rn", "Kirundi", "Latin", None, "run_Latn"),
    Language("pcm", "Nigerian Pidgin", "Latin", None, None),
    Language("cy", "Welsh", "Latin", None, "cym_Latn"),
    Language("gd", "Scottish Gaelic", "Latin", None, "gla_Latn"),
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

# NLLB-200's 202 language codes in the checkpoint's order (facebook/nllb-200-distilled-600M).
NLLB200_CODES = [
    "ace_Arab", "ace_Latn", "acm_Arab", "acq_Arab", "aeb_Arab", "afr_Latn", "ajp_Arab",
    "aka_Latn", "amh_Ethi", "apc_Arab", "arb_Arab", "ars_Arab", "ary_Arab", "arz_Arab",
    "asm_Beng", "ast_Latn", "awa_Deva", "ayr_Latn", "azb_Arab", "azj_Latn", "bak_Cyrl",
    "bam_Latn", "ban_Latn", "bel_Cyrl", "bem_Latn", "ben_Beng", "bho_Deva", "bjn_Arab",
    "bjn_Latn", "bod_Tibt", "bos_Latn", "bug_Latn", "bul_Cyrl", "cat_Latn", "ceb_Latn",
    "ces_Latn", "cjk_Latn", "ckb_Arab", "crh_Latn", "cym_Latn", "dan_Latn", "deu_Latn",
    "dik_Latn", "dyu_Latn", "dzo_Tibt", "ell_Grek", "eng_Latn", "epo_Latn", "est_Latn",
    "eus_Latn", "ewe_Latn", "fao_Latn", "pes_Arab", "fij_Latn", "fin_Latn", "fon_Latn",
    "fra_Latn", "fur_Latn", "fuv_Latn", "gla_Latn", "gle_Latn", "glg_Latn", "grn_Latn",
    "guj_Gujr", "hat_Latn", "hau_Latn", "heb_Hebr", "hin_Deva", "hne_Deva", "hrv_Latn",
    "hun_Latn", "hye_Armn", "ibo_Latn", "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn",
    "jav_Latn", "jpn_Jpan", "kab_Latn", "kac_Latn", "kam_Latn", "kan_Knda", "kas_Arab",
    "kas_Deva", "kat_Geor", "knc_Arab", "knc_Latn", "kaz_Cyrl", "kbp_Latn", "kea_Latn",
    "khm_Khmr", "kik_Latn", "kin_Latn", "kir_Cyrl", "kmb_Latn", "kon_Latn", "kor_Hang",
    "kmr_Latn", "lao_Laoo", "lvs_Latn", "lij_Latn", "lim_Latn", "lin_Latn", "lit_Latn",
    "lmo_Latn", "ltg_Latn", "ltz_Latn", "lua_Latn", "lug_Latn", "luo_Latn", "lus_Latn",
    "mag_Deva", "mai_Deva", "mal_Mlym", "mar_Deva", "min_Latn", "mkd_Cyrl", "plt_Latn",
    "mlt_Latn", "mni_Beng", "khk_Cyrl", "mos_Latn", "mri_Latn", "zsm_Latn", "mya_Mymr",
    "nld_Latn", "nno_Latn", "nob_Latn", "npi_Deva", "nso_Latn", "nus_Latn", "nya_Latn",
    "oci_Latn", "gaz_Latn", "ory_Orya", "pag_Latn", "pan_Guru", "pap_Latn", "pol_Latn",
    "por_Latn", "prs_Arab", "pbt_Arab", "quy_Latn", "ron_Latn", "run_Latn", "rus_Cyrl",
    "sag_Latn", "san_Deva", "sat_Beng", "scn_Latn", "shn_Mymr", "sin_Sinh", "slk_Latn",
    "slv_Latn", "smo_Latn", "sna_Latn", "snd_Arab", "som_Latn", "sot_Latn", "spa_Latn",
    "als_Latn", "srd_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn", "swe_Latn", "swh_Latn",
    "szl_Latn", "tam_Taml", "tat_Cyrl", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai",
    "tir_Ethi", "taq_Latn", "taq_Tfng", "tpi_Latn", "tsn_Latn", "tso_Latn", "tuk_Latn",
    "tum_Latn", "tur_Latn", "twi_Latn", "tzm_Tfng", "uig_Arab", "ukr_Cyrl", "umb_Latn",
    "urd_Arab", "uzn_Latn", "vec_Latn", "vie_Latn", "war_Latn", "wol_Latn", "xho_Latn",
    "ydd_Hebr", "yor_Latn", "yue_Hant", "zho_Hans", "zho_Hant", "zul_Latn",
]

NO_CODE_CHOICES = ("skip", "unforced")


# ISO 15924 script code (CLDR's likely script of a language) -> Unicode script name as
# xlgen.metrics.scripts names them; "Japanese"/"Korean" stand for several Unicode scripts.
ISO15924_SCRIPTS = {
    "Latn": "Latin", "Cyrl": "Cyrillic", "Grek": "Greek", "Armn": "Armenian", "Geor": "Georgian",
    "Arab": "Arabic", "Hebr": "Hebrew", "Syrc": "Syriac", "Thaa": "Thaana", "Deva": "Devanagari",
    "Beng": "Bengali", "Guru": "Gurmukhi", "Gujr": "Gujarati", "Orya": "Oriya", "Taml": "Tamil",
    "Telu": "Telugu", "Knda": "Kannada", "Mlym": "Malayalam", "Sinh": "Sinhala", "Tibt": "Tibetan",
    "Ethi": "Ethiopic", "Hang": "Hangul", "Kore": "Korean", "Hani": "Han", "Hans": "Han", "Hant": "Han",
    "Jpan": "Japanese", "Thai": "Thai", "Laoo": "Lao", "Khmr": "Khmer", "Mymr": "Myanmar", "Mong": "Mongolian",
}
_UNSPACED = ("Han", "Japanese", "Thai", "Lao", "Khmer", "Myanmar")
_CASED = ("Latin", "Cyrillic", "Greek", "Armenian")


@lru_cache(maxsize=1024)
def describe_language(code: str) -> Language:
    """The registry row for `code`, or for any other ISO 639-1 code a row derived from
    Unicode CLDR data (the `langcodes` package: the language's likely script): no model
    codes, `spaced`/`cased` from the script. This is what the
    metrics use, so `xlgen score` scores any language (issue 13); the workflow's config
    still needs registry languages (model codes). ValueError for a code that is neither ISO 639-1 nor ISO 639-3.
    """
    if code in LANGUAGES:
        return LANGUAGES[code]
    import langcodes

    if not (isinstance(code, str) and len(code) in (2, 3) and code.isascii() and code.isalpha()
            and code.islower() and langcodes.tag_is_valid(code)):
        raise InputError(f"unknown language {code!r}: not an ISO 639-1 code (two lower-case letters, e.g. 'ka'; "
                         f"ISO 639-3 codes such as 'ckb' work too)")
    iso_script = langcodes.Language.get(code).maximize().script
    script = ISO15924_SCRIPTS.get(iso_script, iso_script or "unknown")
    return Language(code, code, script, None, None, spaced=script not in _UNSPACED, cased=script in _CASED)


# Languages a detector may confuse with each other, or a model may write instead of the
# target, in the same script: within a group each counts as "another language" for the
# others (Russian output for a Ukrainian target is wrong). Labels are lid.176's.
CLOSE_LANGUAGE_GROUPS = (
    ("ru", "uk", "be", "bg", "mk", "sr"),  # East and South Slavic, Cyrillic
    ("ru", "kk", "ky", "tt", "ba", "tg", "mn"),  # Cyrillic languages of the former USSR
    ("ar", "fa", "ur", "ps", "ckb", "sd", "ug"),  # Arabic script
    ("hi", "mr", "ne", "sa", "mai"),  # Devanagari
    ("bn", "as"),  # Bengali script
    ("es", "pt", "gl", "ca", "it", "fr", "ro", "oc"),  # Romance
    ("de", "nl", "af", "lb", "da", "sv", "no", "nn"),  # Germanic
    ("cs", "sk", "pl", "hr", "bs", "sl", "sh"),  # Slavic, Latin script
    ("sr", "hr", "bs", "sh"),
    ("id", "ms", "jv", "su", "tl"),  # Malay and neighbours
    ("tr", "az", "uz", "tk"),  # Turkic, Latin script
    ("sw", "so"),
    ("zh", "ja"),  # Han
)


@lru_cache(maxsize=1024)
def close_languages(code: str) -> tuple[str, ...]:
    """The languages of every CLOSE_LANGUAGE_GROUPS group that contains `code`, sorted."""
    return tuple(sorted({other for group in CLOSE_LANGUAGE_GROUPS if code in group for other in group} - {code}))


def get_language(code: str) -> Language:
    """The registry row for `code`; a KeyError naming the code and the known ones otherwise."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise UnknownNameError(
            f"unknown language {code!r}; known: {', '.join(sorted(LANGUAGES))}"
        ) from None


def language_code(code: str, family) -> str | None:
    """The backbone family's code for a language (`ru` -> `ru_RU` for mbart), None for a
    family without codes (mT5, decoder-only). `family`: a name or an xlgen.families.Family."""
    from xlgen.families import get_family

    get_language(code)  # an unknown code fails for every family
    return get_family(family).language_code(code)


def missing_code_choice(code: str, family) -> str | None:
    """What `family` does with language `code`: None when it has a code (or needs none, as
    mT5 and decoder-only families), else the row's stated choice, "skip" or "unforced"."""
    from xlgen.families import get_family

    return get_family(family).missing_code_choice(code)


def languages_for_family(codes: list[str], family: str) -> list[str]:
    """`codes` in order, without those `family` skips for want of a language code."""
    return [code for code in codes if missing_code_choice(code, family) != "skip"]


# ---------------------------------------------------------------------------------------
# Words and sentences in text

# Sentences are joined without a space in Chinese; Thai separates sentences (not words)
# with a space, like the spaced scripts.
SENTENCE_JOINER = {"zh": ""}
# Scripts in which a span is matched as a substring (no word boundaries to check).
_SUBSTRING_LANGS = ("zh", "th")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def word_position(lang: str, span: str, text: str) -> int:
    """Where `span` first occurs in `text` as whole words (as a substring for zh and th), or -1.

    Why hand-written: `re` word boundaries treat combining marks (Thai, Devanagari vowel
    signs) as non-word characters; this is three lines of str.find."""
    start = text.find(span)
    if lang in _SUBSTRING_LANGS:
        return start
    while start != -1:
        end = start + len(span)
        if (start == 0 or not _is_word_char(text[start - 1])) and (end == len(text) or not _is_word_char(text[end])):
            return start
        start = text.find(span, start + 1)
    return -1


def occurs_as_words(lang: str, span: str, text: str) -> bool:
    """Whether `span` occurs in `text` as whole words (see word_position)."""
    return word_position(lang, span, text) != -1
