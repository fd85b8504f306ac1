"""Rating pages and sheets: one self-contained HTML file per language and annotator.

The page (template `page.html`, vanilla JavaScript, no CDN, no server) embeds its data as
JSON in a `<script type="application/json">` tag: the inputs of one language in this
annotator's order (seeded per annotator, so position effects average out across
annotators), each input's outputs in their shuffled order, the guidelines and the study id.
It never holds system names. The CSV sheet has the same rows with empty rating columns; the
import (xlgen.human.ratings) reads both the page's exports and filled sheets.
"""

from __future__ import annotations

import html
import json
import random
from importlib import resources

import pandas as pd

from xlgen.human import GUIDELINES, LANGUAGE_DESCRIPTIONS, LANGUAGE_LABELS, RATINGS_FORMAT, SCALE

SHEET_COLUMNS = ["study_id", "task", "lang", "annotator", "output_id", "item", "input", "output",
                 "language", "fluency", "adequacy", "comment", "reference"]
HINTS = {
    "language": "1 target, 2 mixed, 3 other language, 4 not language",
    "fluency": "1 incomprehensible ... 5 flawless",
    "adequacy": "1 not at all ... 5 fully",
}
_SCALE_WORDS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}


def annotator_items(items: list[dict], lang: str, annotator: str, seed: int) -> list[dict]:
    """The items of `lang` in the order `annotator` sees them (seeded shuffle per annotator)."""
    mine = [item for item in items if item["lang"] == lang]
    random.Random(f"{seed}:{lang}:{annotator}:order").shuffle(mine)
    return mine


def page_data(items: list[dict], study: dict, lang: str, annotator: str) -> dict:
    """The JSON the page embeds (no system names, no key)."""
    mine = annotator_items(items, lang, annotator, study["seed"])
    return {
        "format": RATINGS_FORMAT,
        "study_id": study["study_id"],
        "task": study["task"],
        "lang": lang,
        "lang_name": study["language_names"].get(lang, lang),
        "annotator": annotator,
        "title": f"Rate the outputs: {study['task']}, {study['language_names'].get(lang, lang)}",
        "guidelines": GUIDELINES,
        "hints": HINTS,
        "language_options": [{"value": label, "label": {"none": "not language", "other": "other language"}.get(
            label, label), "description": LANGUAGE_DESCRIPTIONS[label]} for label in LANGUAGE_LABELS],
        "scale": [{"value": v, "label": _SCALE_WORDS[v]} for v in SCALE],
        "items": [{"item": item["item"], "prompt": item["prompt"], "reference": item["reference"],
                   "outputs": [{"output_id": o["output_id"], "text": o["text"]} for o in item["outputs"]]}
                  for item in mine],
    }


def _script_json(value) -> str:
    """JSON safe inside a <script> element: no '</script>', no '<!--', no HTML entities."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_page(data: dict) -> str:
    """The page HTML for `data` (page_data)."""
    template = resources.files("xlgen.human").joinpath("page.html").read_text(encoding="utf-8")
    return (template.replace("__XLGEN_TITLE__", html.escape(data["title"]))
            .replace("__XLGEN_DATA__", _script_json(data)))


def _input_text(item: dict) -> str:
    return "\n\n".join(f"{part['label']}: {part['text']}" for part in item["prompt"])


def sheet(items: list[dict], study: dict, lang: str, annotator: str) -> pd.DataFrame:
    """The spreadsheet form of a page: a row per output, the rating columns empty."""
    rows = []
    for item in annotator_items(items, lang, annotator, study["seed"]):
        for output in item["outputs"]:
            rows.append({"study_id": study["study_id"], "task": study["task"], "lang": lang,
                         "annotator": annotator, "output_id": output["output_id"], "item": item["item"],
                         "input": _input_text(item), "output": output["text"], "language": "", "fluency": "",
                         "adequacy": "", "comment": "", "reference": " | ".join(item["reference"])})
    return pd.DataFrame(rows, columns=SHEET_COLUMNS)


def guidelines_text(study: dict) -> str:
    """The guidelines as plain text, for the sheets' users."""
    lines = [f"xlgen human evaluation: {study['task']} (study {study['study_id']})", "",
             "Rate each output on its own: language, fluency and adequacy; a comment is optional.",
             "The outputs of several systems for the same input follow each other in random order.",
             "The reference is one good answer, not the only one: look at it only when you need it.", ""]
    for name in ("language", "fluency", "adequacy", "comment"):
        lines.append(f"{name}: {GUIDELINES[name]}")
    lines += ["", "In the sheet, write the language as one of: " + ", ".join(LANGUAGE_LABELS)
              + " (none = not language); fluency and adequacy as an integer 1-5.",
              "Leave a row's three rating cells empty to skip it; save as CSV (UTF-8) and send the file back.", ""]
    return "\n".join(lines)
