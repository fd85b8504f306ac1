"""Reading and writing the workflow's files; every writer is atomic."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import stat
import sys
import time
import traceback
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
    (0o666 & ~umask, or what a default ACL says), not mkstemp's 0o600. A full disk (or
    quota) is an OSError `<path>: no space left on device (...)`, the partial file removed.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp, mode = _create_beside(path, _create_file)
        yield tmp
        _restore_mode(tmp, mode)
        os.replace(tmp, path)
    except Exception as err:
        _raise_if_disk_full(err, path, tmp)
        raise
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: str | Path, records: Iterable[dict]) -> None:
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


# A longer line is refused: an XL-Sum article is under 0.1 MB, and a runaway line (a file
# with no newlines, a binary blob) would otherwise be read whole into memory.
MAX_LINE_BYTES = 8 * 1024 * 1024
_BOMS = ((b"\xef\xbb\xbf", "a UTF-8 byte-order mark"), (b"\xff\xfe", "a UTF-16 byte-order mark"),
         (b"\xfe\xff", "a UTF-16 byte-order mark"))


def text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline) for every non-blank line of a UTF-8 file.

    The file is read as bytes and decoded line by line, so a bad byte is a ValueError
    naming `file:line`, not a bare UnicodeDecodeError; so are a byte-order mark (UTF-8 or
    UTF-16: save as UTF-8 without BOM), a NUL byte (UTF-16 text, a binary file) and a line
    longer than MAX_LINE_BYTES.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                raise InputError(f"{path}:{number}: line longer than {MAX_LINE_BYTES // 2**20} MB; "
                                 "is this a JSONL file with one record a line?")
            if number == 1:
                for bom, name in _BOMS:
                    if raw.startswith(bom):
                        raise InputError(f"{path}:1: starts with {name}; save the file as UTF-8 without BOM")
            if b"\x00" in raw:
                raise InputError(f"{path}:{number}: NUL byte at column {raw.index(0) + 1} (UTF-16 or binary?); "
                                 "save the file as UTF-8")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise InputError(
                    f"{path}:{number}: not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            if line.strip():
                yield number, line.rstrip("\r\n")


def _no_constant(name: str):
    raise InputError(f"{name} is not valid JSON (write null, or a string)")


def read_text_lines(path: str | Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file (see text_lines for the errors)."""
    return [line for _, line in text_lines(path)]


def jsonl_lines(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSONL file.

    A line that is not UTF-8, not JSON (NaN and Infinity included) or not a JSON object is
    a ValueError naming `file:line` (see text_lines for the rest).
    """
    for number, line in text_lines(path):
        try:
            record = json.loads(line, parse_constant=_no_constant)  # Python's json takes NaN, Infinity
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: bad JSON: {err.msg} (column {err.colno})") from None
        except ValueError as err:
            raise InputError(f"{path}:{number}: bad JSON: {err}") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of a JSONL file (blank lines skipped); see jsonl_lines for the errors."""
    return [record for _, record in jsonl_lines(path)]


def read_json(path: str | Path) -> Any:
    """The JSON value of a file; a ValueError naming the file if it is not UTF-8 JSON."""
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 (byte at offset {err.start})") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: bad JSON: {err.msg} (column {err.colno})") from None


class InputError(ValueError):
    """Bad input a user must fix (a file, a record, a config value, a name): the message
    names the culprit (`file:line: problem`, the key or field), so one line says it all.
    Raised where input is validated; a ValueError, so `except ValueError` still catches it."""


class UnknownNameError(InputError, KeyError):
    """An unknown name looked up in a registry (a language, a method): an input error that
    is also the KeyError a lookup raises."""

    __str__ = Exception.__str__  # the message itself, not KeyError's quoted repr


# Errors that bad input raises: the validating code names the file (and line, field or key)
# in the message, so a user needs that one line, not a traceback. A missing or unreadable
# file is an OSError naming it. Any other exception (a KeyError or ValueError of a bug)
# keeps its traceback.
INPUT_ERRORS = (InputError, OSError)


def error_line(err: BaseException) -> str:
    """One line for an input error: `file: reason` for an OSError, a KeyError's message
    without its quotes (`missing key 'k'` for a bare key), newlines folded."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    elif isinstance(err, KeyError) and not isinstance(err, InputError) and len(err.args) == 1:
        key = err.args[0]
        text = key if isinstance(key, str) and " " in key else f"missing key {key!r}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


@contextlib.contextmanager
def one_line_errors(log_path: str | Path | None = None, resources=None) -> Iterator[None]:
    """Run a workflow script's body; an input error ends it with one line and exit status 1.

    With `log_path`, stderr goes to that file first (the job's log). The line is
    `xlgen: <message>`, the message naming the culprit (`file:line: problem`); any
    other exception keeps its traceback (a full disk is one line too, whatever raised it),
    and XLGEN_TRACEBACK=1 keeps it for input errors too. Outputs are written atomically, so
    a failed job leaves none half-written. With `resources` (the job's `snakemake.resources`),
    a body that succeeds ends the log with the job's usage line (`job_usage`).
    """
    started = time.monotonic()
    if log_path is not None:
        sys.stderr = open(log_path, "w", encoding="utf-8", buffering=1)
    try:
        yield
        if resources is not None:
            print(job_usage(resources, time.monotonic() - started), file=sys.stderr, flush=True)
    except Exception as err:
        if not isinstance(err, INPUT_ERRORS) and not is_disk_full(err):
            raise
        if os.environ.get("XLGEN_TRACEBACK"):
            raise
        if isinstance(err, INPUT_ERRORS):
            line = error_line(err)
        else:  # a library's own type for ENOSPC, raised outside an atomic writer
            line = "no space left on device: " + " ".join(str(err).split())
        print(f"xlgen: {line}", file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(1) from None


# ---------------------------------------------------------------------------------------
# What a job used: the last line of the log of a job that holds a backbone

USAGE_PREFIX = "job usage:"
ASKED = ("mem_mb", "disk_mb", "runtime")  # the requests of the rules (runtime in minutes)


def job_usage(resources=None, wall_s: float | None = None) -> str:
    """One line of what this job's process used and what the job asked the scheduler for:
    `job usage: peak_rss_mb=.. children_peak_rss_mb=.. write_mb=.. wall_s=.. mem_mb=.. disk_mb=.. runtime=..`.

    The peaks are the kernel's high-water marks of resident memory (getrusage ru_maxrss: exact,
    not polled), of this process and of the largest child it waited for (the N processes of a
    multi-GPU finetune job, each of which loads the model: the job holds about N times that);
    `write_mb` the bytes the process sent to storage (/proc/self/io write_bytes: its outputs,
    temporary files and checkpoints, also those removed later; absent where the kernel does not
    account I/O); `wall_s` the seconds of the script's body. The requests are Snakemake's
    `resources` of the job (`attempt` applied; runtime in minutes).
    """
    import resource

    fields = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # kB on Linux
              "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    written = _io_counter("write_bytes")
    if written is not None:
        fields["write_mb"] = written / 2**20
    if wall_s is not None:
        fields["wall_s"] = float(wall_s)
    for key in ASKED:
        value = resources.get(key) if resources is not None and hasattr(resources, "get") else None
        if isinstance(value, (int, float)):
            fields[key] = value
    return " ".join([USAGE_PREFIX] + [f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                                       for k, v in fields.items()])


def parse_job_usage(log_path: str | Path) -> dict[str, float] | None:
    """The fields of the last usage line of a job's log (job_usage), or None if it has none."""
    found = None
    for _, line in text_lines(log_path):
        if line.startswith(USAGE_PREFIX):
            found = line
    if found is None:
        return None
    pairs = (item.split("=", 1) for item in found[len(USAGE_PREFIX):].split())
    return {key: float(value) for key, value in pairs}


def _io_counter(name: str) -> int | None:
    try:
        with open("/proc/self/io", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key == name:
                    return int(value)
    except OSError:
        return None
    return None


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside `path`; rename it to `path` only if the block succeeds.

    For `save_pretrained` outputs: a job killed mid-save leaves a `.tmp-*` directory, never
    a half-written model directory. `path` and every directory in it get the mode a plain
    `os.mkdir` gives (0o777 & ~umask), not mkdtemp's 0o700, and every file in it the mode a
    plain `open(path, "w")` gives (0o666 & ~umask), whatever wrote it. A full disk (or
    quota) is an OSError `<path>: no space left on device (...)`, the partial copy removed,
    whatever the writer raised (safetensors and tokenizers raise their own types).
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp, mode = _create_beside(path, _create_directory)
        yield tmp
        _plain_modes(tmp, mode)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except Exception as err:
        _raise_if_disk_full(err, path, tmp)
        raise
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp)


# ---------------------------------------------------------------------------------------
# A full disk: one line naming the output, whatever library the write went through

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# How libraries that bypass Python's OSError word ENOSPC/EDQUOT (safetensors, tokenizers:
# Rust io::Error; pyarrow): a match names a full disk by itself.
_DISK_FULL_WORDS = ("no space left on device", "os error 28", "disk quota exceeded", "os error 122",
                    "storagefull", "quotaexceeded")
# torch.save's stream writer loses the errno ("unexpected pos 576 vs 534", "file write
# failed", cause "basic_ios::clear: iostream error"): a full disk only if the filesystem is.
_WRITE_FAILED_WORDS = ("file write failed", "iostream error", "unexpected pos")
LOW_SPACE_BYTES = 1 << 20


def _chain(err: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _space(directory: str | Path) -> tuple[int, bool] | None:
    """(bytes available, no inode left) of the filesystem holding `directory`; None if unknown."""
    try:
        st = os.statvfs(directory)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize, st.f_files > 0 and st.f_favail == 0


def is_disk_full(err: BaseException, directory: str | Path | None = None) -> bool:
    """Whether `err` (or an exception in its chain) means the disk or quota is full.

    An OSError with ENOSPC/EDQUOT or a library's wording of it counts; a write failure that
    lost the errno (torch.save) counts when `directory`'s filesystem has under 1 MiB (or no
    inode) left.
    """
    texts = []
    for e in _chain(err):
        if isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS:
            return True
        text = str(e).lower()
        if any(word in text for word in _DISK_FULL_WORDS):
            return True
        texts.append(text)
    if directory is not None and any(word in text for text in texts for word in _WRITE_FAILED_WORDS):
        space = _space(directory)
        return space is not None and (space[0] < LOW_SPACE_BYTES or space[1])
    return False


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def disk_full_error(path: str | Path) -> OSError:
    """OSError(ENOSPC) for `path` whose one line (error_line) reads `<path>: no space left
    on device (<free> free on <mount point>); free space there and rerun`."""
    path = Path(path)
    directory = next((p for p in (path.parent, *path.parents) if p.exists()), Path("."))
    mount = _mount_point(directory)
    space = _space(directory)
    if space is None:
        where = f"on {mount}"
    elif space[1]:
        where = f"no inode left on {mount}"
    else:
        where = f"{_size(space[0])} free on {mount}"
    return OSError(errno.ENOSPC, f"no space left on device ({where}); free space there and rerun", str(path))


def _raise_if_disk_full(err: Exception, path: Path, tmp: Path | None) -> None:
    """Raise disk_full_error(path) from `err` if the write failed for want of space, after
    removing the partial temporary (so the free space reported is what is really left)."""
    if not is_disk_full(err, tmp.parent if tmp is not None else None):
        return
    for e in _chain(err):  # let go of the writers' open handles (torch.save keeps one in a
        traceback.clear_frames(e.__traceback__)  # frame): an unlinked file frees no space while open
    if tmp is not None:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    if isinstance(err, OSError) and err.errno in DISK_FULL_ERRNOS and err.filename == str(path):
        raise err  # already ours (a nested atomic write)
    raise disk_full_error(path) from err
