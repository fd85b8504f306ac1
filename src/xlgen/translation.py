"""Machine translation for the translate-train and translate-test baselines and the MT-quality figure.

Translate-train turns the English training set into each target language and finetunes on
it; translate-test turns target-language inputs into English. Both need (1) a translator,
(2) task records translated field by field so that they stay valid records (a QA answer
must still occur in its translated context), and (3) a measure of how good the translator
is on each pair (chrF against a human or, in the demo world, template-rendered reference).

Translators:
  ModelTranslator     a transformers seq2seq MT checkpoint of the NLLB (or mBART-50) family,
                      e.g. the demo `nllb-demo` backbone or an NLLB-200 snapshot; sentence by
                      sentence through xlgen.generation.generate, each distinct sentence once.
  ApertiumTranslator  the rule-based `apertium` command line tool (Debian packages), for
                      the few pairs it has (eng-spa, eng-cat, ...).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from xlgen.backbones import load_backbone
from xlgen.families import get_family
from xlgen.generation import generate
from xlgen.io import InputError
from xlgen.languages import SENTENCE_JOINER
from xlgen.tasks import TaskKind, get_kind

# ---------------------------------------------------------------------------------------
# Sentences

# Why hand-written: nltk is a dependency (rouge-score's stemmer), but its sentence splitter
# needs the punkt data, a download an offline node cannot rely on (pysbd/stanza are not in
# the stack); and the rules needed here are few: punctuation + whitespace, no-space Chinese
# and Japanese, and Thai/Lao, which separate sentences with spaces.
_TERMINALS = ".!?؟।۔။።"  # Latin/Cyrillic/Greek, Arabic question mark, danda, Urdu, Burmese, Ethiopic
_CLOSERS = "\"'”’»)]」』）"  # a closing quote or bracket stays with its sentence
_END = rf"[{re.escape(_TERMINALS)}]+[{re.escape(_CLOSERS)}]*"
_BOUNDARY = re.compile(rf"{_END}(\s+)")
_BOUNDARY_NO_SPACE = re.compile(rf"(?:[。！？]+[{re.escape(_CLOSERS)}]*|{_END}(?=\s))(\s*)")
_NO_SPACE_SENTENCES = {"zh", "ja"}  # a sentence ends at 。！？ with no space after it
# Thai and Lao put a space between sentences (and clauses), but also around numbers and
# Latin words inside a sentence: only a space with the script's letters on both sides
# splits. On the demo world's Thai test contexts this gave th->en chrF 33.7 against 31.5
# for splitting at every space (and 22.7 for whole contexts).
_SPACE_BETWEEN_LETTERS = {
    "th": re.compile(r"(?<=[\u0E01-\u0E4E])\s+(?=[\u0E01-\u0E4E])"),
    "lo": re.compile(r"(?<=[\u0E81-\u0EDF])\s+(?=[\u0E81-\u0EDF])"),
}
# German writes ordinals and dates with a period ("am 12. März"): not a sentence end.
_ORDINAL_PERIOD = re.compile(r"(?:^|\s)\d{1,2}\.$")


def split_sentences(text: str, lang: str) -> list[str]:
    """The sentences of `text`, stripped, none empty; `[text]` (stripped) when there is no
    boundary and `[]` for blank text.

    A boundary is `.!?` (and `؟`, danda, ...) plus optional closing quotes, followed by
    whitespace; in Chinese/Japanese also `。！？` with or without space after; in Thai and Lao
    a space between two letters of the script (those scripts put a space between sentences
    and clauses; a space next to a number or a Latin word stays inside the sentence, while
    a space-separated name is still cut off). In German a period after a one- or two-digit
    number ("12. März") is no boundary. Abbreviations ("Dr.") are not recognised.
    """
    if lang in _SPACE_BETWEEN_LETTERS:
        return [s.strip() for s in _SPACE_BETWEEN_LETTERS[lang].split(text) if s.strip()]
    pattern = _BOUNDARY_NO_SPACE if lang in _NO_SPACE_SENTENCES else _BOUNDARY
    sentences, start = [], 0
    for match in pattern.finditer(text):
        if lang == "de" and _ORDINAL_PERIOD.search(text[start:match.start(1)]):
            continue
        sentences.append(text[start:match.start(1)])
        start = match.end(1)
    sentences.append(text[start:])
    return [s.strip() for s in sentences if s.strip()]


def join_sentences(sentences: list[str], lang: str) -> str:
    """Sentences joined the way the language writes them: no space in Chinese, one space
    otherwise (the demo world's convention, so join(split(x)) == x on its articles)."""
    return SENTENCE_JOINER.get(lang, " ").join(sentences)


# ---------------------------------------------------------------------------------------
# Translators


# Why hand-written: a two-member interface both translators share; typing.Protocol would add
# nothing a plain base class does not give, and no MT library is allowed to provide one.
class Translator:
    """What every translator offers: `name` and `translate(texts, src, tgt)`, which returns
    one translation per text, in order ("" for a blank text)."""

    name: str = "translator"

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        raise NotImplementedError


# Why hand-written: transformers' TranslationPipeline neither splits documents into sentences
# nor translates a repeated sentence once, and it decodes slower than xlgen.generation.generate.
class ModelTranslator(Translator):
    """A seq2seq MT checkpoint with language codes (NLLB, mBART-50) as a Translator.

    Texts are split into sentences (these models are trained on sentences and degrade on
    long documents); every distinct sentence of a (src, tgt) pair is translated once and
    remembered for the translator's lifetime, so a sentence shared by many documents costs
    one decoding and repeated calls give identical outputs. Each sentence may produce at
    most min(max_new_tokens, 2 * its input tokens + 10) tokens: enough for any translation
    of the inputs seen here, and a runaway repetition stops early instead of at the cap.
    """

    def __init__(self, model, tokenizer, *, name: str = "model", batch_size: int = 64,
                 max_new_tokens: int = 256, max_batch_tokens: int | None = None, num_beams: int = 1):
        self.model, self.tokenizer = model, tokenizer
        family = get_family(model)
        if not family.has_language_codes:
            raise InputError(f"the {family.title} checkpoint has no language codes: it cannot be told which "
                             "language to write")
        self.family = family.name
        self.name = name
        self.batch_size, self.max_new_tokens = batch_size, max_new_tokens
        self.max_batch_tokens, self.num_beams = max_batch_tokens, num_beams
        self.cache: dict[tuple[str, str, str], str] = {}  # (src, tgt, sentence) -> translation
        self.n_decoded = 0  # sentences sent to the model so far

    @classmethod
    def from_pretrained(cls, path: str | Path, *, batch_size: int = 64, max_new_tokens: int = 256,
                        max_batch_tokens: int | None = None, num_beams: int = 1) -> ModelTranslator:
        """Load a saved checkpoint directory (the demo backbone or a hub snapshot)."""
        model, tokenizer = load_backbone(path)
        return cls(model, tokenizer, name=Path(path).name, batch_size=batch_size, max_new_tokens=max_new_tokens,
                   max_batch_tokens=max_batch_tokens, num_beams=num_beams)

    def _output_limit(self, n_input_tokens: int) -> int:
        # rounded up to 16 so that sentences of similar length share one generate call
        return min(self.max_new_tokens, -(-(2 * n_input_tokens + 10) // 16) * 16)

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        split = [split_sentences(text, src) for text in texts]
        distinct = dict.fromkeys(s for sentences in split for s in sentences)  # first-seen order
        todo = [s for s in distinct if (src, tgt, s) not in self.cache]
        if todo:
            lengths = [len(ids) for ids in self.tokenizer(todo, add_special_tokens=False)["input_ids"]]
            by_limit: dict[int, list[str]] = {}
            for sentence, n in zip(todo, lengths):
                by_limit.setdefault(self._output_limit(n), []).append(sentence)
            for limit in sorted(by_limit):
                group = by_limit[limit]
                outputs = generate(self.model, self.tokenizer, self.family, group, tgt, source_lang=src,
                                   num_beams=self.num_beams, max_new_tokens=limit, batch_size=self.batch_size,
                                   max_batch_tokens=self.max_batch_tokens)
                self.n_decoded += len(group)
                self.cache.update(((src, tgt, s), out) for s, out in zip(group, outputs))
        return [join_sentences([t for t in (self.cache[(src, tgt, s)] for s in sentences) if t], tgt)
                for sentences in split]


# Apertium names its modes with its own codes: ISO 639-3 for current pairs (`eng-spa`),
# ISO 639-1 for older ones (`fr-es`). The codes of the languages it has pairs for:
_APERTIUM_CODES = {
    "en": "eng", "es": "spa", "ca": "cat", "fr": "fra", "pt": "por", "it": "ita", "gl": "glg",
    "oc": "oci", "eu": "eus", "de": "deu", "nl": "nld", "ro": "ron", "is": "isl", "mk": "mkd",
    "ru": "rus", "uk": "ukr", "sr": "hbs",
}
# Marks apertium puts before words it could not handle (`*` unknown, `#` no generation,
# `@` no bilingual entry); `-u` drops only `*`.
_APERTIUM_MARK = re.compile(r"(?<!\S)[#@*](?=\w)")


# Why hand-written: apertium ships no Python binding among the allowed dependencies (Debian's
# python3-apertium-core is not one), so its command line is driven through subprocess.
class ApertiumTranslator(Translator):
    """The `apertium` command line tool (rule-based MT, offline) as a Translator.

    All texts of a call go through one `apertium -u <mode>` process, one text a line (the
    default txt format keeps lines one for one; with `-n` or `-f line`, apertium 3.8 drops
    the period that ends a line). Newlines inside a text become spaces, and word marks are
    removed unless the text itself had them. The installed pairs come from `apertium -l`
    (APERTIUM_DATADIR is honoured by apertium itself).
    """

    name = "apertium"

    def __init__(self, executable: str = "apertium"):
        self.executable = executable
        self._modes: list[str] | None = None

    @classmethod
    def available(cls, executable: str = "apertium") -> bool:
        """Whether the apertium command is installed (it may still lack a given pair)."""
        return shutil.which(executable) is not None

    def installed_modes(self) -> list[str]:
        """The translation directions apertium lists (`eng-spa`, `spa-eng`, ...)."""
        if self._modes is None:
            if not self.available(self.executable):
                raise RuntimeError("apertium is not installed (apt install apertium and a pair, e.g. apertium-eng-spa)")
            listing = subprocess.run([self.executable, "-l"], capture_output=True, text=True, check=True).stdout
            self._modes = listing.split()
        return self._modes

    @staticmethod
    def mode_name(src: str, tgt: str, installed: list[str]) -> str:
        """The installed mode translating src into tgt (our ISO 639-1 codes), else a
        ValueError naming the package to install."""
        a, b = _APERTIUM_CODES.get(src, src), _APERTIUM_CODES.get(tgt, tgt)
        for mode in (f"{a}-{b}", f"{src}-{tgt}", f"{a}-{tgt}", f"{src}-{b}"):
            if mode in installed:
                return mode
        raise InputError(f"apertium has no {src}-{tgt} pair installed (apt install apertium-{a}-{b}; "
                         f"Debian may name the package apertium-{b}-{a})")

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        mode = self.mode_name(src, tgt, self.installed_modes())
        lines = [" ".join(text.split()) for text in texts]  # one text a line
        if not lines:
            return []
        out = subprocess.run([self.executable, "-u", mode], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, check=True).stdout.split("\n")
        if len(out) < len(lines) or any(out[len(lines):]):
            raise RuntimeError(f"apertium {mode} returned {len(out)} lines for {len(lines)} texts")
        result = []
        for source, line in zip(lines, out):
            if not any(mark in source for mark in "#@*"):
                line = _APERTIUM_MARK.sub("", line)
            result.append(" ".join(line.split()))  # dropped pronouns leave double spaces
        return result


# ---------------------------------------------------------------------------------------
# Task records


def translate_records(task: str | TaskKind, records: list[dict], translator: Translator, src: str, tgt: str
                      ) -> tuple[list[dict], dict]:
    """`records` of the task kind `task` (language `src`) translated into `tgt` by the kind's
    rules (TaskKind.translate_records: summarization translates `source` and `target`;
    extractive QA keeps the answer inside the context with markers). Returns (records,
    stats); ids become "<id>@<tgt>", `lang` is tgt. Each field goes to the translator in
    one call."""
    return get_kind(task).translate_records(records, lambda texts: translator.translate(texts, src, tgt), src, tgt)


# ---------------------------------------------------------------------------------------
# Quality


def chrf(hypotheses: list[str], references: list[str]) -> float:
    """Corpus chrF (sacrebleu's defaults: character 6-grams, beta 2), 0-100. Character-based,
    so it needs no word segmentation for Chinese or Thai."""
    from sacrebleu.metrics import CHRF

    return CHRF().corpus_score(list(hypotheses), [list(references)]).score


def mt_quality(translator: Translator, src_texts: list[str], ref_texts: list[str], src: str, tgt: str) -> dict:
    """Translate `src_texts` from src into tgt and score them against `ref_texts` with chrF."""
    if len(src_texts) != len(ref_texts):
        raise ValueError(f"{len(src_texts)} source texts but {len(ref_texts)} references")
    hypotheses = translator.translate(list(src_texts), src, tgt)
    return {"src": src, "tgt": tgt, "n": len(src_texts), "chrf": chrf(hypotheses, ref_texts)}


# ---------------------------------------------------------------------------------------
# The workflow's entry points


def make_translator(settings: dict, mt_dir=None) -> Translator:
    """The translator of the config's `translate_train` section: the MT model in `mt_dir`
    (backend `model`) or the apertium command line tool (backend `apertium`)."""
    if settings["backend"] == "apertium":
        return ApertiumTranslator()
    if not mt_dir:
        raise InputError("translate_train.backend is 'model' but no MT model directory was given")
    return ModelTranslator.from_pretrained(
        str(mt_dir), batch_size=settings.get("batch_size", 64), max_new_tokens=settings.get("max_new_tokens", 256),
        num_beams=settings.get("num_beams", 1))


def translate_inputs(task: str | TaskKind, records: list[dict], translator: Translator, src: str,
                     tgt: str) -> list[dict]:
    """Translate-test inputs: `records` (language `src`) with the model input rebuilt from
    fields translated into `tgt` (TaskKind.translate_inputs); ids, `lang` and the
    references stay, since outputs translated back are scored against them."""
    return get_kind(task).translate_inputs(records, lambda texts: translator.translate(texts, src, tgt))


def parallel_key(record: dict) -> str:
    """What identifies an example across languages: XQuAD shares ids across languages, the
    demo world names them 'qa-<lang>-test-00007'."""
    return str(record["id"]).replace(f"-{record['lang']}-", "-", 1)


def parallel_texts(task: str | TaskKind, source: list[dict], target: list[dict]) -> tuple[list[str], list[str]]:
    """(source texts, their reference translations) from two test sets that translate each
    other (XQuAD, the demo world): each distinct document (the kind's input: QA context,
    summarization input) once, matched by `parallel_key`."""
    kind = get_kind(task)
    field = kind.input_field
    by_key = {parallel_key(r): r[field] for r in target}
    pairs = {}
    for record in source:
        key = parallel_key(record)
        if key in by_key:
            pairs.setdefault(record[field], by_key[key])
    if not pairs:
        raise InputError(f"no {kind.name} example of the source language has a translation in the target test set")
    return list(pairs), list(pairs.values())
