"""Loading backbones, language control by family, and checks of checkpoint files.

The families (what a backbone's architecture needs: loading class, language codes or an
instruction, inputs and labels, parts) live in xlgen.families, one module each, keyed by
the checkpoint's `model_type`. Every stage after the backbone rule loads models only with
`from_pretrained(path)`; the family is read back from the checkpoint's `model_type`, so a hub
checkpoint and a demo one (built by the demo's own package, xlgen_demo.backbone) go through
the same code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
import zipfile
from pathlib import Path

from xlgen.families import family_name, get_family
from xlgen.io import InputError


def family_of(model_or_config) -> str:
    """The backbone family name of a loaded model or config ('mt5', 'mbart', 'nllb', 'causal')."""
    return family_name(model_or_config)


# The precision of the weights a training run updates: fp32 (under bf16 autocast on a GPU).
# from_pretrained keeps a checkpoint's own dtype (transformers 5), so a bf16 LLM would train in
# pure bf16, where an AdamW update of 1e-5 on a weight of 0.02 rounds away (bf16 keeps ~3 digits).
TRAINING_DTYPE = "float32"


def load_backbone(path: str | Path, hint: str | None = None, dtype: str | None = None):
    """(model, tokenizer) of a saved checkpoint, loaded with `from_pretrained` by its
    family's class (seq2seq or causal LM; the tokenizer given a pad token where it has none),
    in the checkpoint's own dtype or in `dtype` ("float32": TRAINING_DTYPE).

    The files are checked first (check_checkpoint): a missing, truncated or unreadable one is
    a CheckpointError, one line naming the file and `hint`, the command that rebuilds the
    directory (default: rebuild_hint). A checkpoint that passes the checks but still fails
    to load (an unsupported model_type included) is one too, naming the directory.
    """
    from transformers import AutoConfig, AutoTokenizer

    path, hint = _checked(path, hint)
    with load_errors(path, hint):
        tokenizer = AutoTokenizer.from_pretrained(path)
        family = get_family(AutoConfig.from_pretrained(path))
        model = family.load_model(path, dtype)
    return model, family.prepare_tokenizer(tokenizer)


def load_tokenizer(path: str | Path, hint: str | None = None):
    """(tokenizer, family name) of a saved checkpoint, its files checked as by load_backbone."""
    from transformers import AutoConfig, AutoTokenizer

    path, hint = _checked(path, hint)
    with load_errors(path, hint):
        config = AutoConfig.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
    family = family_of(config)
    return get_family(family).prepare_tokenizer(tokenizer), family


def _checked(path: str | Path, hint: str | None) -> tuple[Path, str]:
    """check_checkpoint(path): the directory and the rebuild hint its errors name."""
    path = Path(path)
    hint = hint or rebuild_hint(path)
    check_checkpoint(path, hint)
    return path, hint


# ---------------------------------------------------------------------------------------
# Damaged checkpoints: one line naming the file and the command that rebuilds it


class CheckpointError(InputError):
    """A checkpoint directory with a missing, truncated or unreadable file.

    The message is one line: `<file>: <problem>; <command that rebuilds it>`."""


# the command that pre-fetches hub checkpoints on a machine with internet (xlgen.hub)
PREFETCH_BACKBONES = "snakemake --until download_backbones --configfile config/paper.yaml"
SUMMARY_FILE = "xlgen_backbone.json"  # written with every demo backbone (xlgen_demo.backbone)
INTERMEDIATE_FILE = "xlgen_intermediate.json"  # written by xlgen.intermediate
PREBUILT_HINT = ("restore it from git or rebuild it: make demo-backbones (or snakemake "
                 "--forcerun demo_backbone --config rebuild_demo_backbones=True)")


def rebuild_hint(path: str | Path) -> str:
    """What rebuilds the checkpoint directory `path`, for the end of a CheckpointError line.

    A prebuilt demo backbone (`<...>/demo_backbones/<name>` with xlgen_backbone.json):
    PREBUILT_HINT. A directory a job of the workflow wrote (a demo backbone, an intermediate-
    tuned one, a run's model): `snakemake --forcerun <path>`. A hub snapshot
    (`<models_dir>/<org>--<name>`): the download_backbones command, forced for that path.
    """
    path = Path(path)
    if (path / SUMMARY_FILE).exists() and path.parent.name == "demo_backbones":
        return PREBUILT_HINT
    if (path / SUMMARY_FILE).exists() or (path / INTERMEDIATE_FILE).exists() or (path.parent / "run.json").exists():
        return f"rebuild it: snakemake --forcerun {path}"
    if "--" in path.name:
        command = PREFETCH_BACKBONES.replace("--until download_backbones",
                                             f"--until download_backbones --forcerun {path}")
        return f"re-fetch it (on a machine with internet): {command}"
    return "replace it with an intact copy of the checkpoint"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digests(directory: Path, skip: tuple[str, ...] = (SUMMARY_FILE,)) -> dict[str, str]:
    """sha256 of every file in `directory` (not in subdirectories, not hidden, not `skip`)."""
    return {p.name: _sha256(p) for p in sorted(Path(directory).iterdir())
            if p.is_file() and not p.name.startswith(".") and p.name not in skip}


def json_file_problem(path: Path) -> str | None:
    """What is wrong with a JSON file (empty, not UTF-8, bad JSON at line:column), or None."""
    try:
        json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return "damaged (not UTF-8 JSON)"
    except json.JSONDecodeError as err:
        size = path.stat().st_size
        if size == 0:
            return "empty (0 bytes)"
        reason = err.msg[:-3] if err.msg.endswith(" at") else err.msg
        return f"damaged ({size:,} bytes, bad JSON at line {err.lineno} column {err.colno}: {reason})"
    return None


def _safetensors_problem(path: Path) -> str | None:
    """Whether a .safetensors file is whole: its header parses and its tensors end at its end."""
    size = path.stat().st_size
    if size == 0:
        return "empty (0 bytes)"
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            return f"truncated ({size} bytes)"
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            return (f"truncated ({size:,} bytes, its header alone says {n + 8:,})" if n < (1 << 28)
                    else "damaged (not a safetensors file)")
        try:
            header = json.loads(fh.read(n).decode("utf-8"))
            end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError):
            return "damaged (unreadable safetensors header)"
    expected = 8 + n + end
    if size < expected:
        return f"truncated ({size:,} of {expected:,} bytes)"
    if size > expected:
        return f"damaged ({size:,} bytes, its header says {expected:,})"
    return None


def _torch_bin_problem(path: Path) -> str | None:
    size = path.stat().st_size
    if size == 0:
        return "empty (0 bytes)"
    with open(path, "rb") as fh:
        zipped = fh.read(4) == b"PK\x03\x04"
    if zipped and not zipfile.is_zipfile(path):  # the zip index is at the end: gone if truncated
        return f"truncated ({size:,} bytes, no zip index at its end)"
    return None


def _sentencepiece_problem(path: Path) -> str | None:
    if path.stat().st_size == 0:
        return "empty (0 bytes)"
    try:
        import sentencepiece as spm
    except ImportError:  # pragma: no cover - a dependency of the tokenizers used here
        return None
    try:
        spm.SentencePieceProcessor(model_file=str(path))
    except Exception:  # noqa: BLE001 - any failure to parse is the file's
        return "damaged (not a sentencepiece model)"
    return None


def _file_problem(path: Path) -> str | None:
    name = path.name
    if name.endswith(".json"):
        return json_file_problem(path)
    if name.endswith(".safetensors"):
        return _safetensors_problem(path)
    if name.endswith(".bin"):
        return _torch_bin_problem(path)
    if name.endswith(".model"):
        return _sentencepiece_problem(path)
    return None


def checkpoint_files_problem(path: str | Path) -> tuple[Path, str] | None:
    """The first damaged file in a directory of checkpoint files and what is wrong with it.

    Every JSON file must parse; safetensors files must hold every byte their header
    promises; zipped PyTorch files must keep their zip index; sentencepiece models must load;
    then the files recorded with a sha256 in xlgen_backbone.json must be there with that digest.
    """
    path = Path(path)
    if not path.is_dir():
        return path, "missing (no such directory)" if not path.exists() else "not a directory"
    for file in sorted(path.iterdir()):  # the structure first: "truncated" says more than a digest
        if file.is_file() and not file.name.startswith("."):
            problem = _file_problem(file)
            if problem:
                return file, problem
    summary = path / SUMMARY_FILE
    if summary.exists():
        data = json.loads(summary.read_text(encoding="utf-8"))
        recorded = (data.get("sha256") if isinstance(data, dict) else None) or {}
        for name, digest in sorted(recorded.items()):
            if not (path / name).is_file():
                return path / name, f"missing (listed in {SUMMARY_FILE})"
            if _sha256(path / name) != digest:
                return path / name, f"damaged (its sha256 differs from the one in {SUMMARY_FILE})"
    return None


def _weight_files(path: Path) -> list[Path] | tuple[Path, str]:
    """The weight files a checkpoint's loader reads, or (file, problem) if one is missing."""
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = path / index_name
        if index.exists():
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8")).get("weight_map", {}).values()))
            missing = [s for s in shards if not (path / s).is_file()]
            if missing:
                return path / missing[0], f"missing (listed in {index_name})"
            return [path / s for s in shards]
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (path / name).is_file():
            return [path / name]
    return path / "model.safetensors", "missing (no model.safetensors or pytorch_model.bin)"


def checkpoint_problem(path: str | Path) -> tuple[Path, str] | None:
    """The first missing or damaged file of a checkpoint directory, or None if it looks whole.

    Needs config.json, the weights (model.safetensors, pytorch_model.bin or the shards of
    an index) and a tokenizer (tokenizer.json or a sentencepiece `*.model`), each passing
    checkpoint_files_problem's checks. Reads every JSON file and the safetensors headers,
    not the weights: cheap even for a hub checkpoint (digests only where recorded).
    """
    path = Path(path)
    problem = checkpoint_files_problem(path)
    if problem:
        return problem
    if not (path / "config.json").is_file():
        return path / "config.json", "missing"
    weights = _weight_files(path)
    if isinstance(weights, tuple):
        return weights
    if not (path / "tokenizer.json").is_file() and not list(path.glob("*.model")):
        return path / "tokenizer.json", "missing (no tokenizer.json or sentencepiece *.model)"
    return None


def check_files(path: str | Path, required: tuple[tuple[str, ...], ...] = (), hint: str | None = None) -> None:
    """Raise CheckpointError `<file>: <problem>; <hint>` if a file in `path` is damaged
    (checkpoint_files_problem) or none of the names of a `required` group is there."""
    path = Path(path)
    problem = checkpoint_files_problem(path)
    for names in required:
        if problem is None and not any((path / name).is_file() for name in names):
            problem = path / names[0], "missing"
    if problem:
        raise CheckpointError(f"{problem[0]}: {problem[1]}; {hint or rebuild_hint(path)}")


def check_checkpoint(path: str | Path, hint: str | None = None) -> None:
    """Raise CheckpointError `<file>: <problem>; <hint>` if checkpoint_problem finds one."""
    problem = checkpoint_problem(path)
    if problem:
        file, what = problem
        raise CheckpointError(f"{file}: {what}; {hint or rebuild_hint(path)}")


@contextlib.contextmanager
def load_errors(path: Path, hint: str):
    """`with load_errors(path, hint):` turns a failure of from_pretrained on checked files
    into a one-line CheckpointError naming the directory (out of memory passes through)."""
    try:
        yield
    except Exception as err:
        if isinstance(err, MemoryError) or "out of memory" in str(err).lower():
            raise
        first = next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)
        raise CheckpointError(f"{path}: cannot be loaded ({type(err).__name__}: {first}); {hint}") from err


def set_languages(tokenizer, family, src_lang: str, tgt_lang: str | None = None) -> None:
    """Make `tokenizer` add the family's language codes for a src -> tgt pair (none for
    families without codes). `family`: a name or a Family (Family.set_languages)."""
    get_family(family).set_languages(tokenizer, src_lang, tgt_lang)


def forced_bos_token_id(tokenizer, family, lang: str) -> int | None:
    """The token id generation must start with to write in `lang` (None for families
    without codes; Family.forced_bos_token_id)."""
    return get_family(family).forced_bos_token_id(tokenizer, lang)
