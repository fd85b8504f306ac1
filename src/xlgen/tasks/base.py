"""What every task kind owns (xlgen.tasks): the record schema, the model input, the
references, the metrics and the main one, the trivial baseline, and how records are
translated for the translation baselines. A kind is one module with one TaskKind subclass,
registered in xlgen.tasks.KINDS; the workflow and the scorer call its methods and never
branch on its name.
"""

from __future__ import annotations

from typing import Callable, Mapping

from xlgen.io import InputError
from xlgen.languages import LANGUAGES


class TaskKind:
    """Base class of the task kinds. Subclasses set the class attributes and implement the
    methods that raise NotImplementedError."""

    name: str = ""
    # every field a record has; the text fields must be non-empty strings
    required_fields: tuple[str, ...] = ("id", "lang", "source", "target")
    text_fields: tuple[str, ...] = ("source", "target")
    # the target-language text an output is made from and may copy (the language judge's
    # span rule, xlgen.metrics.langid); also what identifies a document across languages
    input_field: str = "source"
    main_metric: str = ""
    # example-level metrics, in the order of the score files
    metrics: tuple[str, ...] = ()
    baseline_name: str = ""
    # whether the baseline learns from training records (of the language, else its dev set)
    baseline_uses_train: bool = False
    # one line for the record file of the main table's translate-train stats, or ""
    translation_stat: tuple[str, str] | None = None
    # decoder-only backbones (xlgen.families.causal): the prompt around the model input
    # `{source}`, naming the output language (`{language}`, its English name) or not; the
    # model's answer follows the prompt and ends at EOS or the first of `stop`
    prompt: str = ""
    prompt_without_language: str = ""
    stop: tuple[str, ...] = ("\n",)

    # --- records -------------------------------------------------------------------------

    def check_fields(self, record: Mapping) -> None:
        """Kind-specific checks before the text fields (ValueError naming the field)."""

    def check_record(self, record: Mapping, lang: str | None = None) -> None:
        """Raise ValueError("<problem>") naming the field unless `record` follows the kind's
        schema: every field present, an id that is a string or an integer, a known language
        (`lang` when given), the kind's own checks, and non-empty text fields."""
        missing = [field for field in self.required_fields if field not in record]
        if missing:
            raise InputError(f"missing field(s) {', '.join(repr(f) for f in missing)}")
        key = record["id"]
        if isinstance(key, bool) or not isinstance(key, (str, int)) or (isinstance(key, str) and not key.strip()):
            raise InputError(f"'id' is {key!r}: expected a non-empty string or an integer")
        if record["lang"] not in LANGUAGES:
            raise InputError(f"'lang' is {record['lang']!r}: unknown language (known: {', '.join(sorted(LANGUAGES))})")
        if lang is not None and record["lang"] != lang:
            raise InputError(f"'lang' is {record['lang']!r}, expected {lang!r}")
        self.check_fields(record)
        for field in self.text_fields:
            value = record[field]
            if not isinstance(value, str):
                raise InputError(f"'{field}' is {type(value).__name__}, expected a string")
            if not value.strip():
                raise InputError(f"'{field}' is empty")

    def input_text(self, record: Mapping) -> str:
        """The text a prediction for `record` is made from (see `input_field`)."""
        return record[self.input_field]

    def references(self, record: Mapping) -> str | list[str]:
        """What a prediction is scored against."""
        return record["target"]

    # --- metrics -------------------------------------------------------------------------

    def per_example(self, lang: str, predictions: list[str], refs: list[list[str]]) -> dict[str, list[float]]:
        """Example-level quality metrics (0-100), each a list aligned with `predictions`."""
        raise NotImplementedError

    def corpus(self, lang: str, predictions: list[str], refs: list[list[str]], bootstrap_samples: int) -> dict:
        """Corpus-level metrics and facts of the scoring (none by default)."""
        return {}

    # --- trivial baseline ----------------------------------------------------------------

    def baseline(self, lang: str, records: list[dict], train: list[dict]) -> list[str]:
        """The predictions of the kind's trivial baseline (`baseline_name`) for `records`."""
        raise NotImplementedError

    # --- translation baselines -----------------------------------------------------------

    def translate_records(self, records: list[dict], translate: Callable[[list[str]], list[str]],
                          src: str, tgt: str) -> tuple[list[dict], dict]:
        """Translate-train: `records` (language `src`) translated into `tgt` with
        `translate` (a list of texts -> their translations, in one call), as valid records
        with ids "<id>@<tgt>"; and stats (n_in, n_out, dropped_empty, kind-specific)."""
        raise NotImplementedError

    def translate_inputs(self, records: list[dict], translate: Callable[[list[str]], list[str]]) -> list[dict]:
        """Translate-test: `records` with the model input rebuilt from translated fields;
        ids, `lang` and references stay."""
        raise NotImplementedError
