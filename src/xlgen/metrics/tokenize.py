"""Language-aware tokenization for ROUGE, Unicode QA F1 and sacrebleu.

One segmentation serves every language, so mixed text (an English name inside a Thai
answer, Chinese inside Russian) is treated the same whatever the target language:

* letters of scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer,
  Myanmar: the registry's `spaced=False` languages zh, ja, th, lo, km, my) become one token
  per character, with following combining marks kept on their base character (Thai "กิ",
  Burmese vowel signs);
* everything else is split into Unicode words: runs of letters, combining marks and digits
  (`[\\p{L}\\p{M}\\p{N}]+`). Python's `re` `\\w` is not used because it leaves out combining
  marks and would cut "हिन्दी" into "ह", "न", "द"; the underscore is not a word character,
  as in rouge-score.

Text is NFKC-normalized and lowercased first. Lowercasing is applied to every language: it
is a no-op for scripts without case (Arabic, Han, Thai...) and it folds Latin words that
appear inside them. English alone is Porter-stemmed, with rouge-score's stemmer (nltk's
PorterStemmer, words longer than 3 characters), so English ROUGE equals rouge-score's
`RougeScorer(..., use_stemmer=True)` on ASCII text.
"""

from __future__ import annotations

from functools import lru_cache

import regex
from nltk.stem import porter

from xlgen.languages import describe_language
from xlgen.metrics.scripts import UNSPACED_SCRIPTS, normalize

# \p{scx=...} (Script_Extensions) also takes the kana prolonged sound mark "ー" (U+30FC).
_UNSPACED_CLASS = "".join(f"\\p{{scx={name}}}" for name in UNSPACED_SCRIPTS)
# Letters and digits only: CJK punctuation such as "。" also has Han in its Script_Extensions.
_UNSPACED_CHAR = f"[[\\p{{L}}\\p{{N}}]&&[{_UNSPACED_CLASS}]]\\p{{M}}*"
_WORD = f"[[\\p{{L}}\\p{{M}}\\p{{N}}]--[{_UNSPACED_CLASS}]]+"
_TOKEN_RE = regex.compile(f"{_UNSPACED_CHAR}|{_WORD}", flags=regex.V1)
# Text between unspaced-script characters is split on whitespace only (QA normalization).
_UNSPACED_SPLIT_RE = regex.compile(f"({_UNSPACED_CHAR})", flags=regex.V1)

# sacrebleu tokenizers that work offline (flores101/flores200/spm would download a model).
_SACREBLEU_TOKENIZE = {"zh": "zh", "ja": "char", "th": "char", "lo": "char", "km": "char", "my": "char"}


def word_tokens(text: str) -> list[str]:
    """Unicode tokens of `text`: characters for unspaced scripts, words elsewhere.

    NFKC + lowercase first; punctuation, symbols and whitespace are dropped.
    """
    return _TOKEN_RE.findall(normalize(text).lower())


def split_unspaced(text: str) -> list[str]:
    """Whitespace tokens of `text`, with each unspaced-script character its own token.

    Generalizes MLQA's `mixed_segmentation` (which does this for CJK ideographs only) to
    every script written without spaces; nothing is lowercased or removed here.
    """
    tokens: list[str] = []
    for piece in _UNSPACED_SPLIT_RE.split(text):
        if _UNSPACED_SPLIT_RE.fullmatch(piece):
            tokens.append(piece)
        else:
            tokens.extend(piece.split())
    return tokens


@lru_cache(maxsize=1)
def _porter() -> porter.PorterStemmer:
    # The stemmer rouge-score builds for use_stemmer=True (nltk's default NLTK_EXTENSIONS mode).
    return porter.PorterStemmer()


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    # Porter stemming is the slow part of English ROUGE, and words repeat a lot.
    return _porter().stem(token)


class RougeTokenizer:
    """A rouge-score tokenizer (`.tokenize(text) -> list[str]`) for one target language.

    `name` is the tokenization written next to the scores: "unicode-words+porter" (en),
    "chars" (zh, ja, th, lo, km, my: characters, with any Latin or other spaced-script run
    still split into words), "unicode-words" (every other language).
    """

    def __init__(self, lang: str):
        row = describe_language(lang)
        self.lang = lang
        self.stem = lang == "en"
        if self.stem:
            self.name = "unicode-words+porter"
        elif not row.spaced:
            self.name = "chars"
        else:
            self.name = "unicode-words"

    def tokenize(self, text: str) -> list[str]:
        """Tokens of `text` as described in the module docstring."""
        tokens = word_tokens(text)
        if self.stem:
            # rouge-score stems only tokens longer than 3 characters.
            tokens = [_stem(tok) if len(tok) > 3 else tok for tok in tokens]
        return tokens


def rouge_tokenization(lang: str) -> str:
    """The tokenization name RougeTokenizer(lang) reports."""
    return RougeTokenizer(lang).name


def sacrebleu_tokenize(lang: str) -> str:
    """The offline sacrebleu tokenizer for `lang`.

    "zh" for Chinese, "char" for the other unspaced languages (ja, th, lo, km, my), "13a"
    (the WMT standard, comparable to published numbers) for Latin-script languages, and
    "intl" for other spaced scripts, whose punctuation ("،", "।", "«") 13a would leave glued
    to words.
    """
    row = describe_language(lang)
    if lang in _SACREBLEU_TOKENIZE:
        return _SACREBLEU_TOKENIZE[lang]
    if not row.spaced:
        return "char"
    return "13a" if row.script == "Latin" else "intl"
