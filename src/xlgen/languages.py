"""The language registry: one row per language the workflow knows.

`spaced` says whether the script separates words with spaces; scripts written without
spaces are scored on characters (see xlgen.metrics). The registry holds no model knowledge:
each backbone family owns its table of language codes (xlgen.families.mbart, .nllb), so a
new family with codes is its module, not a new column here.

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
    spaced: bool = True
    cased: bool = True


_ROWS = [
    Language("en", "English", "Latin"),
    Language("de", "German", "Latin"),
    Language("es", "Spanish", "Latin"),
    Language("fr", "French", "Latin"),
    Language("ru", "Russian", "Cyrillic"),
    Language("uk", "Ukrainian", "Cyrillic"),
    Language("zh", "Chinese", "Han", spaced=False, cased=False),
    Language("ja", "Japanese", "Japanese", spaced=False, cased=False),
    Language("ko", "Korean", "Hangul", cased=False),
    Language("ar", "Arabic", "Arabic", cased=False),
    Language("he", "Hebrew", "Hebrew", cased=False),
    Language("fa", "Persian", "Arabic", cased=False),
    Language("hi", "Hindi", "Devanagari", cased=False),
    Language("bn", "Bengali", "Bengali", cased=False),
    Language("th", "Thai", "Thai", spaced=False, cased=False),
    Language("lo", "Lao", "Lao", spaced=False, cased=False),
    Language("km", "Khmer", "Khmer", spaced=False, cased=False),
    Language("my", "Burmese", "Myanmar", spaced=False, cased=False),
    Language("vi", "Vietnamese", "Latin"),
    Language("tr", "Turkish", "Latin"),
    Language("fi", "Finnish", "Latin"),
    Language("id", "Indonesian", "Latin"),
    Language("el", "Greek", "Greek"),
    Language("ro", "Romanian", "Latin"),
    Language("sw", "Swahili", "Latin"),
    Language("pt", "Portuguese", "Latin"),
    Language("ur", "Urdu", "Arabic", cased=False),
    Language("ps", "Pashto", "Arabic", cased=False),
    Language("mr", "Marathi", "Devanagari", cased=False),
    Language("ne", "Nepali", "Devanagari", cased=False),
    Language("gu", "Gujarati", "Gujarati", cased=False),
    Language("pa", "Punjabi", "Gurmukhi", cased=False),
    Language("ta", "Tamil", "Tamil", cased=False),
    Language("te", "Telugu", "Telugu", cased=False),
    Language("si", "Sinhala", "Sinhala", cased=False),
    Language("az", "Azerbaijani", "Latin"),
    Language("ky", "Kyrgyz", "Cyrillic"),
    Language("sr", "Serbian", "Cyrillic"),
    Language("am", "Amharic", "Ethiopic", cased=False),
    Language("ti", "Tigrinya", "Ethiopic", cased=False),
    Language("om", "Oromo", "Latin"),
    Language("so", "Somali", "Latin"),
    Language("ha", "Hausa", "Latin"),
    Language("ig", "Igbo", "Latin"),
    Language("yo", "Yoruba", "Latin"),
    Language("rn", "Kirundi", "Latin"),
    Language("pcm", "Nigerian Pidgin", "Latin"),
    Language("cy", "Welsh", "Latin"),
    Language("gd", "Scottish Gaelic", "Latin"),
]

LANGUAGES: dict[str, Language] = {row.code: row for row in _ROWS}



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
    return Language(code, code, script, spaced=script not in _UNSPACED, cased=script in _CASED)


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
