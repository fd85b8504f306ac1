"""Reading and writing the workflow's files; every writer is atomic."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator


# Temporaries are created here rather than with tempfile.mkstemp/mkdtemp, which force
# 0o600/0o700: a result renamed from one would be unreadable to the group on a shared cluster.


def _create_file(tmp: Path) -> None:
    # 0o666 and the kernel applies the umask (or a default ACL), as for open(path, "w"): reading
    # the umask itself would need os.umask(0)-and-restore, process-wide and racy with threads.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def _create_directory(tmp: Path) -> None:
    os.mkdir(tmp, 0o777)  # the kernel applies the umask, as for any os.mkdir / Path.mkdir


def _create_beside(path: Path, create) -> tuple[Path, int]:
    """A new `.tmp-<name>.<random>` beside `path`, made by `create`, and the mode it got."""
    for _ in range(100):
        tmp = path.parent / f".tmp-{path.name}.{secrets.token_hex(4)}"
        try:
            create(tmp)
        except FileExistsError:
            continue
        return tmp, os.stat(tmp).st_mode & 0o7777
    raise FileExistsError(f"{path.parent}: no free temporary name for {path.name}")


def _restore_mode(tmp: Path, mode: int) -> None:
    """Give `tmp` back the mode it was created with if the block replaced or chmod-ed it."""
    if os.stat(tmp).st_mode & 0o7777 != mode:
        os.chmod(tmp, mode)


def _plain_modes(tree: Path, dir_mode: int) -> None:
    """Give `tree`, its subdirectories and its files the modes `os.mkdir` and `open` give.

    Writers inside the tree may not: safetensors 0.8 saves weights 0o600 (it writes a
    tempfile and renames it, safetensors#782), copytree copies its source's modes. `dir_mode`
    is the mode `os.mkdir(tree, 0o777)` got; a file's is that without the x bits (the
    kernel masks 0o666 by the same umask or default ACL).
    """
    _restore_mode(tree, dir_mode)
    file_mode = dir_mode & 0o666
    for top, dirs, files in os.walk(tree):
        for name, mode in [(d, dir_mode) for d in dirs] + [(f, file_mode) for f in files]:
            st = os.lstat(os.path.join(top, name))
            if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) != mode:
                os.chmod(os.path.join(top, name), mode)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` only if the block succeeds.

    A job killed mid-write leaves a `.tmp-*` file, never a truncated `path` that Snakemake
    would take as complete. `path` gets the mode a plain `open(path, "w")` gives
    (0o666 & ~umask, or what a default ACL says), not mkstemp's 0o600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, mode = _create_beside(path, _create_file)
    try:
        yield tmp
        _restore_mode(tmp, mode)
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
    a half-written model directory. `path` and every directory in it get the mode a plain
    `os.mkdir` gives (0o777 & ~umask), not mkdtemp's 0o700, and every file in it the mode a
    plain `open(path, "w")` gives (0o666 & ~umask), whatever wrote it.
    """
    import shutil

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, mode = _create_beside(path, _create_directory)
    try:
        yield tmp
        _plain_modes(tmp, mode)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
