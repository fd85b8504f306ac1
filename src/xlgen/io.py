"""Reading and writing the workflow's files; every writer is atomic."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` only if the block succeeds.

    A job killed mid-write leaves a `.tmp-*` file, never a truncated `path` that Snakemake
    would take as complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: str | Path, records: Iterable[dict]) -> None:
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline) for every non-blank line of a UTF-8 file.

    The file is read as bytes and decoded line by line, so a bad byte is a ValueError
    naming `file:line`, not a bare UnicodeDecodeError.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise ValueError(
                    f"{path}:{number}: not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            if line.strip():
                yield number, line.rstrip("\r\n")


def read_text_lines(path: str | Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file (see text_lines for the errors)."""
    return [line for _, line in text_lines(path)]


def jsonl_lines(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSONL file.

    A line that is not UTF-8, not JSON or not a JSON object is a ValueError naming
    `file:line`.
    """
    for number, line in text_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{number}: bad JSON: {err.msg} (column {err.colno})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of a JSONL file (blank lines skipped); see jsonl_lines for the errors."""
    return [record for _, record in jsonl_lines(path)]


def read_json(path: str | Path) -> Any:
    """The JSON value of a file; a ValueError naming the file if it is not UTF-8 JSON."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 (byte at offset {err.start})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: bad JSON: {err.msg} (column {err.colno})") from None


# Errors that bad input raises: the reader names the file (and line, field or key) in the
# message, so a user needs that one line, not a traceback.
INPUT_ERRORS = (ValueError, KeyError, OSError)


def error_line(err: BaseException) -> str:
    """One line for an input error: `file: reason` for an OSError, a KeyError's message
    without its quotes (`missing key 'k'` for a bare key), newlines folded."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    elif isinstance(err, KeyError) and len(err.args) == 1:
        key = err.args[0]
        text = key if isinstance(key, str) and " " in key else f"missing key {key!r}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


@contextlib.contextmanager
def one_line_errors(log_path: str | Path | None = None) -> Iterator[None]:
    """Run a workflow script's body; an input error ends it with one line and exit status 1.

    With `log_path`, stderr goes to that file first (the job's log). The line is
    `xlgen: <message>`, the message naming the culprit (`file:line: problem`); any
    other exception keeps its traceback, and XLGEN_TRACEBACK=1 keeps it for input errors
    too. Outputs are written atomically, so a failed job leaves none half-written.
    """
    if log_path is not None:
        sys.stderr = open(log_path, "w", encoding="utf-8", buffering=1)
    try:
        yield
    except INPUT_ERRORS as err:
        if os.environ.get("XLGEN_TRACEBACK"):
            raise
        print(f"xlgen: {error_line(err)}", file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(1) from None


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside `path`; rename it to `path` only if the block succeeds.

    For `save_pretrained` outputs: a job killed mid-save leaves a `.tmp-*` directory, never
    a half-written model directory.
    """
    import shutil

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{path.name}.", dir=path.parent))
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
