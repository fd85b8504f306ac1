"""The tiny demo backbones: a tokenizer trained and a model built and pretrained on the demo world.

A demo backbone follows the real checkpoint's conventions (xlgen.families): a
sentencepiece tokenizer of the family's class with its language codes, a randomly
initialised model of the family's architecture, pretrained on the demo world's unlabeled
text (and parallel text) with the family's objectives (xlgen.objectives), saved with
save_pretrained so that every later stage loads it as it loads a hub checkpoint. A prebuilt
copy (resources/demo_backbones/<name>) is reused while its fingerprint matches.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xlgen.backbones import (
    PREBUILT_HINT,
    SUMMARY_FILE,
    CheckpointError,
    check_checkpoint,
    check_files,
    file_digests,
    json_file_problem,
    load_backbone,
)
from xlgen.families import get_family, pretraining_examples
from xlgen.io import atomic_directory, read_jsonl, read_text_lines
from xlgen.training import TrainSettings, train_steps

# ---------------------------------------------------------------------------------------
# Tokenizers trained locally, with the real checkpoints' conventions


def train_tokenizer(family, corpus: list[str], vocab_size: int, languages: list[str]):
    """Train a sentencepiece model on `corpus` and wrap it in the family's tokenizer class
    (`family`: a name or an xlgen.families.Family; its demo_sentencepiece says how).

    mT5: Unigram `spiece.model` (pad 0, eos 1, unk 2) + `<extra_id_*>` sentinels;
    mBART-50: `sentencepiece.bpe.model` with the fairseq id layout, the class adds all 52
    mBART-50 codes itself; NLLB: BPE `sentencepiece.bpe.model`, codes passed as special tokens;
    decoder-only (causal): Llama-2's BPE `tokenizer.model` (unk 0, BOS 1, EOS 2, pad 3, byte
    fallback) in LlamaTokenizer.
    """
    import sentencepiece as spm

    family = get_family(family)
    layout = family.demo_sentencepiece(languages)
    work = Path(tempfile.mkdtemp(prefix="spm-"))
    try:
        corpus_file = work / "corpus.txt"
        corpus_file.write_text("\n".join(corpus) + "\n", encoding="utf-8")
        extra = {"byte_fallback": True} if layout.get("byte_fallback") else {}
        spm.SentencePieceTrainer.train(
            input=str(corpus_file),
            model_prefix=str(work / "sp"),
            vocab_size=vocab_size - layout["reserved"],
            model_type=layout["model_type"],
            character_coverage=1.0,  # keep every Han/Thai character: no <unk> in targets
            hard_vocab_limit=False,  # a small corpus may support fewer pieces than asked
            input_sentence_size=200_000,
            shuffle_input_sentence=False,  # deterministic
            num_threads=1,
            minloglevel=2,
            **layout["ids"],
            **extra,
        )
        src = work / "src"
        src.mkdir()
        shutil.copy(work / "sp.model", src / layout["file"])
        tokenizer = family.demo_tokenizer(src, languages)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tokenizer


# ---------------------------------------------------------------------------------------
# Tiny models of the families' architectures


@dataclass
class DemoDims:
    d_model: int
    layers: int
    heads: int
    ffn: int


def build_model(family, tokenizer, dims: DemoDims, seed: int, spec: dict | None = None):
    """A randomly initialised model of the family's architecture sized by `dims` (`spec`:
    the demo entry, for a decoder-only family's `architecture`, llama or qwen2)."""
    import torch

    torch.manual_seed(seed)
    return get_family(family).demo_model(tokenizer, dims, spec or {})


# ---------------------------------------------------------------------------------------
# Build, fingerprint, reuse


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
    problem = json_file_problem(summary_file)
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

    out_dir = Path(out_dir)
    unlabeled = {
        lang: read_text_lines(data_root / "unlabeled" / f"{lang}.txt")
        for lang in languages
    }
    parallel: dict[str, list[tuple[str, str]]] = {}
    if "translation" in spec["objectives"]:
        for lang in languages:
            if lang == "en":
                continue
            recs = read_jsonl(data_root / "parallel" / f"en-{lang}.jsonl")
            parallel[lang] = [(r["source"], r["target"]) for r in recs]
    phrases: dict[str, list[tuple[str, str]]] = {}
    if "phrases" in spec["objectives"]:
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
    model = build_model(family, tokenizer, dims, seed, spec)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{family}: {n_params:,} parameters, vocabulary {len(tokenizer)}")
    rng = random.Random(seed)
    sampler = pretraining_examples(family, tokenizer, unlabeled, parallel, spec["objectives"], rng, phrases=phrases,
                                   max_length=spec.get("pretrain_max_length", 96))
    settings = TrainSettings(
        steps=spec["pretrain_steps"], batch_size=spec["pretrain_batch_size"], lr=spec["pretrain_lr"],
        warmup_steps=max(1, spec["pretrain_steps"] // 10), weight_decay=0.01, seed=seed,
    )
    batches = ([sampler() for _ in range(settings.batch_size)] for _ in range(settings.steps))
    history = train_steps(model, tokenizer, batches, settings, log=log)
    model.generation_config = get_family(family).demo_generation_config(model, tokenizer)
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
