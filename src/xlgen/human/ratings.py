"""Reading returned rating files: the page's CSV and JSON exports and filled CSV sheets.

Every problem is one line naming the file and the row: `<file>: row <n>: <problem>` for a
CSV file (spreadsheet numbering: the header is row 1), `<file>: rating <n>: <problem>` for
a JSON export, `<file>: <problem>` for the file as a whole. All files are checked before
anything is written, and every problem found is reported (RatingProblems), so one round
of fixes suffices. What is checked:

* the file: readable, a .csv or .json file, UTF-8 (a UTF-8 byte-order mark, as Excel
  writes, is accepted), not empty, well-formed JSON, a header or top-level fields naming
  the required columns, at least one rated row;
* each row: a known output id of this study (and the study id, when the row names one), the
  language the output belongs to, a known annotator of that language, the task, every aspect
  present (a row with no aspect at all is an unrated sheet row and is skipped), values in
  range (language one of target/mixed/other/none, fluency and adequacy integers 1-5), no
  second rating of an output by the same annotator (in any file);
* the files together: simulated annotators (`sim-*`) and real ones never mixed in one table.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd

from xlgen.human import ASPECTS, LANGUAGE_LABELS, RATINGS_FORMAT, SCALE, is_simulated
from xlgen.io import InputError, read_json, read_jsonl

REQUIRED_COLUMNS = ("lang", "annotator", "output_id", "language", "fluency", "adequacy")
JSON_FIELDS = ("format", "lang", "annotator", "ratings")
RATING_COLUMNS = ["file", "row", "annotator", "lang", "output_id", "language", "fluency", "adequacy", "comment",
                  "simulated"]
LANGUAGE_ALIASES = {"not language": "none", "not_language": "none", "other language": "other",
                    "target language": "target"}
MAX_PROBLEMS = 100


class RatingProblems(InputError):
    """Bad rating files: `problems` holds one line per problem (file, row, what)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more problems"] if more else [])))


def load_study(directory: str | Path) -> dict:
    """study.json with the key (`key`: DataFrame) and the items (`items`) of a study directory."""
    directory = Path(directory)
    path = directory / "study.json"
    if not path.exists():
        raise InputError(f"{directory}: not a human-evaluation study directory (no study.json; "
                         "the human_sample rule writes it: results/human/<task>/)")
    study = read_json(path)  # bad JSON: an InputError naming the file
    study["key"] = pd.read_csv(directory / "key.csv", dtype={"output_id": str, "example_id": str},
                               keep_default_na=False, na_values=[""])
    study["items"] = read_jsonl(directory / "items.jsonl")
    return study


def _annotators(study: dict, lang: str) -> list[str]:
    return list(study["annotators"].get(lang, [])) + list(study.get("simulated_annotators", []))


def _scale_value(value) -> int | None:
    """An integer 1-5 from a cell or JSON value ('4', 4, 4.0); None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and float(value).is_integer() and int(value) in SCALE:
        return int(value)
    return None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Checker:
    """Checks rows against a study and collects the problems of every file."""

    def __init__(self, study: dict):
        self.study = study
        key = study["key"]
        self.lang_of = dict(zip(key["output_id"].astype(str), key["lang"].astype(str)))
        self.problems: list[str] = []
        self.rows: list[dict] = []
        self.seen: dict[tuple[str, str], str] = {}

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    def row(self, where: str, path: str, number: int, values: dict) -> None:
        """Check one row (`values`: lang, annotator, output_id, the aspects, comment, and
        optionally task and study_id); keep it when it is right."""
        aspects = {name: values.get(name) for name in ASPECTS}
        if all(_blank(v) for v in aspects.values()):
            return  # an unrated row of a sheet, or a comment without ratings
        problems_before = len(self.problems)
        output_id = "" if _blank(values.get("output_id")) else str(values["output_id"]).strip()
        lang = "" if _blank(values.get("lang")) else str(values["lang"]).strip()
        annotator = "" if _blank(values.get("annotator")) else str(values["annotator"]).strip()
        study_id = values.get("study_id")
        if not _blank(study_id) and str(study_id).strip() != self.study["study_id"]:
            self.problem(where, f"rating of another study ({str(study_id).strip()!r}; this study is "
                                f"{self.study['study_id']!r}): was the page made by another run?")
        task = values.get("task")
        if not _blank(task) and str(task).strip() != self.study["task"]:
            self.problem(where, f"task {str(task).strip()!r}, but this study is {self.study['task']!r}")
        if not output_id:
            self.problem(where, "missing output_id")
        elif output_id not in self.lang_of:
            self.problem(where, f"unknown item: output id {output_id!r} is not in this study")
        elif lang and lang != self.lang_of[output_id]:
            self.problem(where, f"language mismatch: output {output_id} is in {self.lang_of[output_id]}, "
                                f"the rating says lang {lang!r}")
        if not lang:
            self.problem(where, "missing lang")
        if not annotator:
            self.problem(where, "missing annotator")
        elif lang and annotator not in _annotators(self.study, lang):
            known = ", ".join(_annotators(self.study, lang)) or "none"
            self.problem(where, f"unknown annotator {annotator!r} for {lang} (known: {known})")
        clean = {}
        for name, value in aspects.items():
            if _blank(value):
                self.problem(where, f"missing aspect {name}" + (f" for {output_id}" if output_id else ""))
                continue
            if name == "language":
                label = str(value).strip().lower()
                label = LANGUAGE_ALIASES.get(label, label)
                if label not in LANGUAGE_LABELS:
                    self.problem(where, f"out-of-range value: language is {value!r}; expected one of "
                                        f"{', '.join(LANGUAGE_LABELS)}")
                clean[name] = label
            else:
                number_value = _scale_value(value)
                if number_value is None:
                    self.problem(where, f"out-of-range value: {name} is {value!r}; expected an integer 1-5")
                clean[name] = number_value
        if output_id and annotator:
            first = self.seen.get((annotator, output_id))
            if first is not None:
                self.problem(where, f"duplicate rating of {output_id} by {annotator} (first at {first})")
            else:
                self.seen[(annotator, output_id)] = where
        if len(self.problems) == problems_before:
            comment = values.get("comment")
            self.rows.append({"file": path, "row": number, "annotator": annotator, "lang": lang,
                              "output_id": output_id, **clean,
                              "comment": "" if _blank(comment) else str(comment).strip(),
                              "simulated": is_simulated(annotator)})


def _read_text(path: Path, checker: _Checker) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as err:
        checker.problem(str(path), f"cannot read ({err.strerror or err})")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # Excel's "CSV UTF-8" starts with a byte-order mark
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data:
        checker.problem(str(path), "not UTF-8 (UTF-16 or binary); save the file as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        checker.problem(str(path), f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
                                   "save the file as UTF-8")
        return None
    if not text.strip():
        checker.problem(str(path), "empty file (no ratings)")
        return None
    return text


def _check_csv(path: Path, text: str, checker: _Checker) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as err:
        checker.problem(f"{path}: row 1", f"bad header: not CSV ({err})")
        return
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    doubled = sorted({c for c in header if c and header.count(c) > 1})
    if missing or doubled:
        what = (f"missing column(s) {', '.join(missing)}" if missing else f"column(s) {', '.join(doubled)} twice")
        checker.problem(f"{path}: row 1", f"bad header: {what} (needs at least: {', '.join(REQUIRED_COLUMNS)})")
        return
    rows = 0
    kept_before = len(checker.rows)
    problems_before = len(checker.problems)
    try:
        for number, cells in enumerate(reader, 2):
            if not any(cell.strip() for cell in cells):
                continue
            rows += 1
            where = f"{path}: row {number}"
            if len(cells) > len(header):
                checker.problem(where, f"{len(cells)} cells but the header has {len(header)} columns "
                                       "(a comma in an unquoted cell?)")
                continue
            checker.row(where, str(path), number, dict(zip(header, cells)))
    except csv.Error as err:
        checker.problem(f"{path}: row {reader.line_num}", f"malformed CSV ({err})")
        return
    if not rows:
        checker.problem(str(path), "empty file (a header but no rows)")
    elif len(checker.rows) == kept_before and len(checker.problems) == problems_before:
        checker.problem(str(path), f"no ratings: all {rows} rows are unrated")


def _check_json(path: Path, text: str, checker: _Checker) -> None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        checker.problem(str(path), f"malformed JSON at line {err.lineno} column {err.colno}: {err.msg}")
        return
    if not isinstance(doc, dict):
        checker.problem(str(path), f"bad header: expected a JSON object with {', '.join(JSON_FIELDS)}, "
                                   f"got {type(doc).__name__}")
        return
    missing = [f for f in JSON_FIELDS if f not in doc]
    if missing:
        checker.problem(str(path), f"bad header: missing field(s) {', '.join(missing)} "
                                   "(is this an export of the rating page?)")
        return
    if doc["format"] != RATINGS_FORMAT:
        checker.problem(str(path), f"bad header: format {doc['format']!r}, expected {RATINGS_FORMAT!r}")
        return
    if not isinstance(doc["ratings"], list):
        checker.problem(str(path), f"bad header: 'ratings' is {type(doc['ratings']).__name__}, not a list")
        return
    if not doc["ratings"]:
        checker.problem(str(path), "empty file (no ratings)")
        return
    annotator = doc.get("annotator")
    if "simulated" in doc and isinstance(annotator, str) and bool(doc["simulated"]) != is_simulated(annotator):
        checker.problem(str(path), f"'simulated' is {doc['simulated']!r} but annotator {annotator!r} is "
                                   f"{'' if is_simulated(annotator) else 'not '}a simulated (sim-*) id")
        return
    for number, rating in enumerate(doc["ratings"], 1):
        where = f"{path}: rating {number}"
        if not isinstance(rating, dict):
            checker.problem(where, f"expected an object, got {type(rating).__name__}")
            continue
        values = {**rating, "lang": doc.get("lang"), "annotator": annotator,
                  "task": doc.get("task"), "study_id": doc.get("study_id")}
        checker.row(where, str(path), number, values)


def read_ratings(paths: list[str | Path], study: dict) -> pd.DataFrame:
    """Every rating of `paths` checked against `study` (load_study), one row per rating
    (RATING_COLUMNS); RatingProblems with one line per problem if any file is bad."""
    if not paths:
        raise RatingProblems(["no rating files given"])
    checker = _Checker(study)
    for raw in paths:
        path = Path(raw)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".json"):
            checker.problem(str(path), f"unsupported file type {suffix or '(none)'!r}: export the page as CSV "
                                       "or JSON, or save the sheet as CSV (UTF-8)")
            continue
        text = _read_text(path, checker)
        if text is None:
            continue
        (_check_csv if suffix == ".csv" else _check_json)(path, text, checker)
    ratings = pd.DataFrame(checker.rows, columns=RATING_COLUMNS)
    if not checker.problems and ratings["simulated"].nunique() > 1:
        real = ratings.loc[~ratings["simulated"].astype(bool), "file"].iloc[0]
        fake = ratings.loc[ratings["simulated"].astype(bool), "file"].iloc[0]
        checker.problem(real, f"real annotators beside simulated ones ({fake}): import them into separate "
                              "tables (a simulated rating must never pass for a human one)")
    if checker.problems:
        raise RatingProblems(checker.problems)
    return ratings


def join_key(ratings: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Ratings with the hidden key's columns (system, run, automatic scores) beside them."""
    return ratings.merge(key.drop(columns=["lang"]), on="output_id", how="left", validate="many_to_one")
