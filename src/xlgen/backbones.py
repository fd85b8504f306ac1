"""Backbone families, language control, and the tiny demo backbones.

Three families, named after the checkpoints of the study:
  mt5   -> MT5ForConditionalGeneration (google/mt5-base): no language codes.
  mbart -> MBartForConditionalGeneration (facebook/mbart-large-50): `ru_RU` codes, the
           source code prefixes the input, the target code is the first decoded token.
  nllb  -> M2M100ForConditionalGeneration (facebook/nllb-200-distilled-600M): `rus_Cyrl`
           codes, same placement as mBART-50.
Every stage after the backbone rule loads models only with `from_pretrained(path)`; the
family is read back from the checkpoint's `model_type`, so a hub checkpoint and a demo one
go through the same code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from xlgen.languages import MBART50_CODES, LANGUAGES, language_code
from xlgen.io import atomic_directory, read_text_lines

MODEL_TYPE_TO_FAMILY = {"mt5": "mt5", "mbart": "mbart", "m2m_100": "nllb"}
MT5_SENTINELS = 32  # <extra_id_0..31>: enough for span corruption of one demo text


def family_of(model_or_config) -> str:
    """The backbone family of a loaded model or config ('mt5', 'mbart', 'nllb')."""
    config = getattr(model_or_config, "config", model_or_config)
    try:
        return MODEL_TYPE_TO_FAMILY[config.model_type]
    except KeyError:
        raise ValueError(
            f"unsupported model_type {config.model_type!r}; supported: "
            f"{', '.join(MODEL_TYPE_TO_FAMILY)}"
        ) from None


def load_backbone(path: str | Path, hint: str | None = None):
    """(model, tokenizer) of a saved seq2seq checkpoint, loaded with `from_pretrained`.

    The files are checked first (check_checkpoint): a missing, truncated or unreadable one is
    a CheckpointError, one line naming the file and `hint`, the command that rebuilds the
    directory (default: rebuild_hint). A checkpoint that passes the checks but still fails
    to load is one too, naming the directory.
    """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    path, hint = _checked(path, hint)
    with load_errors(path, hint):
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSeq2SeqLM.from_pretrained(path)
    return model, tokenizer


def load_tokenizer(path: str | Path, hint: str | None = None):
    """(tokenizer, family) of a saved checkpoint, its files checked as by load_backbone."""
    from transformers import AutoConfig, AutoTokenizer

    path, hint = _checked(path, hint)
    with load_errors(path, hint):
        config = AutoConfig.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
    return tokenizer, family_of(config)


def _checked(path: str | Path, hint: str | None) -> tuple[Path, str]:
    """check_checkpoint(path): the directory and the rebuild hint its errors name."""
    path = Path(path)
    hint = hint or rebuild_hint(path)
    check_checkpoint(path, hint)
    return path, hint


# ---------------------------------------------------------------------------------------
# Damaged checkpoints: one line naming the file and the command that rebuilds it


class CheckpointError(ValueError):
    """A checkpoint directory with a missing, truncated or unreadable file.

    The message is one line: `<file>: <problem>; <command that rebuilds it>`."""


SUMMARY_FILE = "xlgen_backbone.json"  # written by build_demo_backbone (see below)
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
    from xlgen.hub import PREFETCH_BACKBONES

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


def _json_problem(path: Path) -> str | None:
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
        return _json_problem(path)
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


def set_languages(tokenizer, family: str, src_lang: str, tgt_lang: str | None = None) -> None:
    """Make `tokenizer` add the family's language codes for a src -> tgt pair (none for mT5)."""
    if family == "mt5":
        return
    tokenizer.src_lang = language_code(src_lang, family)
    tokenizer.tgt_lang = language_code(tgt_lang or src_lang, family)


def forced_bos_token_id(tokenizer, family: str, lang: str) -> int | None:
    """The token id generation must start with to write in `lang` (None for mT5)."""
    if family == "mt5":
        return None
    code = language_code(lang, family)
    token_id = tokenizer.convert_tokens_to_ids(code)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise ValueError(f"tokenizer has no language code {code!r} for {lang!r}")
    return token_id


# ---------------------------------------------------------------------------------------
# Tokenizers trained locally, with the real checkpoints' conventions


def nllb_codes(languages: list[str]) -> list[str]:
    """NLLB-200 codes for the given languages, in a fixed order."""
    return [LANGUAGES[lang].nllb200 for lang in languages]


def train_tokenizer(family: str, corpus: list[str], vocab_size: int, languages: list[str]):
    """Train a sentencepiece model on `corpus` and wrap it in the family's tokenizer class.

    mT5: Unigram `spiece.model` (pad 0, eos 1, unk 2) + `<extra_id_*>` sentinels;
    mBART-50: `sentencepiece.bpe.model` with the fairseq id layout, the class adds all 52
    mBART-50 codes itself; NLLB: BPE `sentencepiece.bpe.model`, codes passed as special tokens.
    """
    import sentencepiece as spm
    from transformers import MBart50Tokenizer, NllbTokenizer, T5Tokenizer

    work = Path(tempfile.mkdtemp(prefix="spm-"))
    try:
        corpus_file = work / "corpus.txt"
        corpus_file.write_text("\n".join(corpus) + "\n", encoding="utf-8")
        if family == "mt5":
            ids = dict(pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
            model_type, name = "unigram", "spiece.model"
            reserved = MT5_SENTINELS
        else:
            ids = dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3)  # fairseq layout
            model_type, name = ("unigram" if family == "mbart" else "bpe"), "sentencepiece.bpe.model"
            reserved = len(MBART50_CODES) + 1 if family == "mbart" else len(languages) + 1
        spm.SentencePieceTrainer.train(
            input=str(corpus_file),
            model_prefix=str(work / "sp"),
            vocab_size=vocab_size - reserved,
            model_type=model_type,
            character_coverage=1.0,  # keep every Han/Thai character: no <unk> in targets
            hard_vocab_limit=False,  # a small corpus may support fewer pieces than asked
            input_sentence_size=200_000,
            shuffle_input_sentence=False,  # deterministic
            num_threads=1,
            minloglevel=2,
            **ids,
        )
        src = work / "src"
        src.mkdir()
        shutil.copy(work / "sp.model", src / name)
        if family == "mt5":
            tokenizer = T5Tokenizer.from_pretrained(src, extra_ids=MT5_SENTINELS)
        elif family == "mbart":
            tokenizer = MBart50Tokenizer.from_pretrained(src, src_lang="en_XX", tgt_lang="en_XX")
        else:
            tokenizer = NllbTokenizer.from_pretrained(
                src, src_lang="eng_Latn", tgt_lang="eng_Latn",
                additional_special_tokens=nllb_codes(languages),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tokenizer


# ---------------------------------------------------------------------------------------
# Tiny models of the three architectures


@dataclass
class DemoDims:
    d_model: int
    layers: int
    heads: int
    ffn: int


def build_model(family: str, tokenizer, dims: DemoDims, seed: int):
    """A randomly initialised model of the family's architecture sized by `dims`."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, MBartConfig, \
        MBartForConditionalGeneration, MT5Config, MT5ForConditionalGeneration

    torch.manual_seed(seed)
    vocab = len(tokenizer)
    common = dict(vocab_size=vocab, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    if family == "mt5":
        config = MT5Config(
            d_model=dims.d_model, d_kv=dims.d_model // dims.heads, d_ff=dims.ffn,
            num_layers=dims.layers, num_decoder_layers=dims.layers, num_heads=dims.heads,
            decoder_start_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
            dropout_rate=0.0, **common,
        )
        return MT5ForConditionalGeneration(config)
    bart_like = dict(
        d_model=dims.d_model, encoder_layers=dims.layers, decoder_layers=dims.layers,
        encoder_attention_heads=dims.heads, decoder_attention_heads=dims.heads,
        encoder_ffn_dim=dims.ffn, decoder_ffn_dim=dims.ffn, max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id, decoder_start_token_id=tokenizer.eos_token_id,
        dropout=0.0, attention_dropout=0.0, scale_embedding=True, **common,
    )
    if family == "mbart":
        return MBartForConditionalGeneration(MBartConfig(**bart_like))
    if family == "nllb":
        return M2M100ForConditionalGeneration(M2M100Config(**bart_like))
    raise ValueError(f"unknown backbone family {family!r}")


# ---------------------------------------------------------------------------------------
# Pretraining objectives on the demo world


def span_corruption(ids: list[int], sentinel_ids: list[int], eos_id: int, rng: random.Random,
                    noise: float = 0.15, mean_span: float = 3.0) -> tuple[list[int], list[int]]:
    """T5 span corruption: masked spans become sentinels in the input, the target lists them."""
    n = len(ids)
    n_noise = max(1, round(n * noise))
    n_spans = max(1, min(len(sentinel_ids) - 1, round(n_noise / mean_span)))
    starts = sorted(rng.sample(range(n), min(n_spans, n)))
    source, target, cursor = [], [], 0
    for k, start in enumerate(starts):
        if start < cursor:
            continue
        length = max(1, min(n - start, round(rng.expovariate(1 / mean_span))))
        source += ids[cursor:start] + [sentinel_ids[k]]
        target += [sentinel_ids[k]] + ids[start:start + length]
        cursor = start + length
    source += ids[cursor:] + [eos_id]
    target += [sentinel_ids[len(starts)], eos_id]
    return source, target


def text_infilling(body: list[int], mask_id: int, rng: random.Random, noise: float = 0.35,
                   mean_span: float = 3.5) -> list[int]:
    """BART/mBART text infilling: spans covering ~`noise` of the tokens become one <mask>."""
    out, i, n = [], 0, len(body)
    budget = round(n * noise)
    while i < n:
        if budget > 0 and rng.random() < noise / mean_span:
            length = max(1, min(budget, round(rng.expovariate(1 / mean_span))))
            out.append(mask_id)
            i += length
            budget -= length
        else:
            out.append(body[i])
            i += 1
    return out


def pretraining_examples(family: str, tokenizer, unlabeled: dict[str, list[str]],
                         parallel: dict[str, list[tuple[str, str]]], objectives: list[str],
                         rng: random.Random, max_length: int = 96,
                         phrases: dict[str, list[tuple[str, str]]] | None = None) -> Callable[[], dict]:
    """A sampler of pretraining examples (`input_ids`, `labels`) mixing the objectives.

    denoising: span corruption (mT5: sentinels in, spans out) or text infilling (mBART,
    NLLB: <mask> in, whole text out); reconstruction: the corrupted text in, the whole text
    out (T5's "BERT-style" objective; for mBART/NLLB the same as denoising); translation:
    English <-> target pairs in both directions with the family's language codes; phrases:
    the same on aligned phrase pairs (names, places, dates, numbers), for an MT model.
    """
    phrases = phrases or {}
    langs = sorted(unlabeled)
    sentinel_ids = tokenizer.convert_tokens_to_ids([f"<extra_id_{i}>" for i in range(MT5_SENTINELS)]) \
        if family == "mt5" else []

    def denoise(reconstruct: bool = False) -> dict:
        lang = rng.choice(langs)
        lines = unlabeled[lang]
        start = rng.randrange(len(lines))
        text = " ".join(lines[start:start + rng.randint(1, 3)])  # 1-3 sentences: article-like
        if family == "mt5":
            ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length - 1).input_ids
            source, target = span_corruption(ids, sentinel_ids, tokenizer.eos_token_id, rng)
            if reconstruct:  # T5's "BERT-style" objective: the target is the whole text
                target = ids + [tokenizer.eos_token_id]
            return {"input_ids": source, "labels": target}
        set_languages(tokenizer, family, lang)
        full = tokenizer(text, truncation=True, max_length=max_length).input_ids  # [code] body </s>
        body = full[1:-1]
        source = [full[0]] + text_infilling(body, tokenizer.mask_token_id, rng) + [full[-1]]
        return {"input_ids": source, "labels": full}

    def translate(pairs: dict[str, list[tuple[str, str]]]) -> dict:
        lang = rng.choice(sorted(pairs))
        en, xx = pairs[lang][rng.randrange(len(pairs[lang]))]
        src_lang, tgt_lang, src, tgt = ("en", lang, en, xx) if rng.random() < 0.5 else (lang, "en", xx, en)
        set_languages(tokenizer, family, src_lang, tgt_lang)
        enc = tokenizer(src, text_target=tgt, truncation=True, max_length=max_length)
        return {"input_ids": enc["input_ids"], "labels": enc["labels"]}

    usable = [o for o in objectives if o not in ("translation", "phrases") or (parallel if o == "translation"
                                                                                 else phrases)]

    def sample() -> dict:
        objective = rng.choice(usable)  # the objectives in equal shares
        if objective in ("translation", "phrases"):
            return translate(parallel if objective == "translation" else phrases)
        return denoise(reconstruct=objective == "reconstruction")

    return sample


# Bump when the tokenizer, architecture or pretraining code changes what a spec produces:
# prebuilt demo backbones made by an older version then stop matching and are rebuilt.
DEMO_BACKBONE_VERSION = 1


def demo_inputs(data_root: Path, languages: list[str], objectives: list[str]) -> list[Path]:
    """The demo-world files a demo backbone is built from."""
    files = [data_root / "unlabeled" / f"{lang}.txt" for lang in languages]
    if "translation" in objectives:
        files += [data_root / "parallel" / f"en-{lang}.jsonl" for lang in languages if lang != "en"]
    if "phrases" in objectives:
        files += [data_root / "parallel" / f"en-{lang}.phrases.jsonl" for lang in languages if lang != "en"]
    return files


def demo_fingerprint(family: str, spec: dict, seed: int, inputs: list[Path]) -> str:
    """A hash of everything a demo backbone depends on: code version, family, spec, seed
    and the bytes of its input files. Equal fingerprints give bitwise equal backbones."""
    digest = hashlib.sha256()
    settings = {k: v for k, v in spec.items() if k != "prebuilt"}
    digest.update(json.dumps([DEMO_BACKBONE_VERSION, family, settings, seed], sort_keys=True).encode())
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def restore_prebuilt(prebuilt: Path, fingerprint: str, out_dir: Path) -> dict | None:
    """Copy a prebuilt backbone to `out_dir` if its fingerprint matches; None otherwise.

    A matching copy is checked before it is used: its files (checkpoint_problem; the
    sha256 of every file where xlgen_backbone.json records them) and, without recorded
    digests, a load with from_pretrained. A damaged one is a CheckpointError naming the
    file and PREBUILT_HINT; nothing is copied. (A directory holding only a summary without
    a `family`, which build_demo_backbone always writes, gets the file checks only.)
    """
    prebuilt = Path(prebuilt)
    summary_file = prebuilt / SUMMARY_FILE
    if not summary_file.exists():
        return None
    problem = _json_problem(summary_file)
    if problem:
        raise CheckpointError(f"{summary_file}: {problem}; {PREBUILT_HINT}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    if summary.get("fingerprint") != fingerprint:
        return None
    if "family" in summary or (prebuilt / "config.json").exists():  # a backbone build_demo_backbone saved
        if summary.get("sha256"):  # files whole, none missing, recorded digests equal
            check_checkpoint(prebuilt, PREBUILT_HINT)
        else:  # no digests to compare: loading (after the same file checks) is the check left
            load_backbone(prebuilt, PREBUILT_HINT)
    else:
        check_files(prebuilt, hint=PREBUILT_HINT)  # present files whole, recorded digests equal
    with atomic_directory(out_dir) as tmp:
        shutil.copytree(prebuilt, tmp, dirs_exist_ok=True)
    return summary


def build_demo_backbone(family: str, data_root: Path, languages: list[str], spec: dict,
                        seed: int, out_dir: Path, log=print) -> dict:
    """Train the tokenizer, build and pretrain a tiny backbone, save it with save_pretrained.

    Returns a summary (parameter count, final loss, fingerprint, sha256 of every saved file)
    that is also written to `out_dir/xlgen_backbone.json`.
    """
    import torch
    from transformers import GenerationConfig

    from xlgen.training import TrainSettings, train_steps

    out_dir = Path(out_dir)
    unlabeled = {
        lang: read_text_lines(data_root / "unlabeled" / f"{lang}.txt")
        for lang in languages
    }
    parallel: dict[str, list[tuple[str, str]]] = {}
    if "translation" in spec["objectives"]:
        from xlgen.io import read_jsonl

        for lang in languages:
            if lang == "en":
                continue
            recs = read_jsonl(data_root / "parallel" / f"en-{lang}.jsonl")
            parallel[lang] = [(r["source"], r["target"]) for r in recs]
    phrases: dict[str, list[tuple[str, str]]] = {}
    if "phrases" in spec["objectives"]:
        from xlgen.io import read_jsonl

        for lang in languages:
            if lang != "en":
                recs = read_jsonl(data_root / "parallel" / f"en-{lang}.phrases.jsonl")
                phrases[lang] = [(r["source"], r["target"]) for r in recs]
    # tokenizer corpus: every language equally, deterministic order
    corpus = [line for lang in languages for line in unlabeled[lang]]
    corpus += [t for pairs in parallel.values() for pair in pairs for t in pair]
    corpus += [t for pairs in phrases.values() for pair in pairs for t in pair]
    tokenizer = train_tokenizer(family, corpus, spec["vocab_size"], languages)
    dims = DemoDims(spec["d_model"], spec["layers"], spec["heads"], spec["ffn"])
    model = build_model(family, tokenizer, dims, seed)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{family}: {n_params:,} parameters, vocabulary {len(tokenizer)}")
    rng = random.Random(seed)
    sampler = pretraining_examples(family, tokenizer, unlabeled, parallel, spec["objectives"], rng, phrases=phrases)
    settings = TrainSettings(
        steps=spec["pretrain_steps"], batch_size=spec["pretrain_batch_size"], lr=spec["pretrain_lr"],
        warmup_steps=max(1, spec["pretrain_steps"] // 10), weight_decay=0.01, seed=seed,
    )
    batches = ([sampler() for _ in range(settings.batch_size)] for _ in range(settings.steps))
    history = train_steps(model, tokenizer, batches, settings, log=log)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=model.config.decoder_start_token_id,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    fingerprint = demo_fingerprint(family, spec, seed, demo_inputs(data_root, languages, spec["objectives"]))
    summary = {
        "family": family, "languages": languages, "parameters": n_params,
        "vocab_size": len(tokenizer), "pretrain_steps": settings.steps,
        "final_loss": history[-1]["loss"] if history else None,
        "pretrain_seconds": history[-1].get("elapsed_s") if history else 0.0,
        "torch": torch.__version__,
        "fingerprint": fingerprint,
    }
    with atomic_directory(out_dir) as tmp:  # a killed job leaves no half-saved backbone
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        summary["sha256"] = file_digests(tmp)  # lets every later load (and a restore) check the bytes
        (tmp / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
