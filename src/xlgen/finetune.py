"""Finetuning one (task, backbone, method, lr, seed) run on the source language.

A job runs in one process, or in N started by `accelerate launch` (`launch`, the finetune
rule with `gpu=N`): each process runs `run_job` on the same job spec, the main one writes
the outputs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from xlgen.backbones import TRAINING_DTYPE, family_of, load_backbone, load_tokenizer
from xlgen.families import get_family
from xlgen.io import InputError, atomic_directory, atomic_path, one_line_errors, read_text_lines, write_json
from xlgen.methods import get_method, trainable_parameters
from xlgen.methods.batches import BatchContext
from xlgen.tasks import get_kind
from xlgen.training import (
    EXIT_ON_SIGTERM,
    WEIGHT_DECAY_EXCLUDES,
    TrainSettings,
    decay_split,
    get_accelerator,
    is_sharded,
    mean_loss,
    remove_checkpoint,
    train_steps,
)


def encode(tokenizer, family, records: list[dict], lang: str, max_source_length: int,
           max_target_length: int, kind=None, family_settings: dict | None = None) -> list[dict]:
    """Training examples {"id", "input_ids", "labels"} of `source` -> `target` records in
    `lang`, as the backbone family builds them (xlgen.families: seq2seq source and target with
    the family's language codes; decoder-only the task `kind`'s prompt and the completion,
    the loss on the completion only). `family`: a name or a Family."""
    kind = get_kind(kind) if kind is not None else None  # families take the TaskKind object
    return get_family(family, family_settings).encode(tokenizer, records, lang, max_source_length,
                                                      max_target_length, kind=kind)


# --- tokenized examples: what the tokenize rule writes and every finetune job reads ------------

TOKENIZED_FORMAT = "xlgen-tokenized/1"
TOKENIZE_CHUNK = 2048  # records encoded at a time: the tokenizer's Python lists of one chunk only
_TOKENIZED_KEYS = ["id", "input_ids", "labels"]
_ARRAYS = ("ids", "input_ids", "input_offsets", "labels", "label_offsets")


class TokenizedExamples(Sequence):
    """Tokenized examples held compactly: the token ids of every example in two flat int32
    arrays (input ids, labels) with their offsets, 4 bytes an id where the lists of Python
    ints that `encode` returns take 8 to 36. `examples[i]` is the example as `encode` made it,
    {"id", "input_ids", "labels"} with lists of ints; a slice is a list of them."""

    def __init__(self, ids, input_ids, input_offsets, labels, label_offsets):
        self.ids, self.input_ids, self.input_offsets = ids, input_ids, input_offsets
        self.labels, self.label_offsets = labels, label_offsets

    @classmethod
    def from_examples(cls, examples: list[dict]) -> TokenizedExamples:
        """The examples `encode` returns, packed (an InputError for other keys, or an id that
        int32 cannot hold)."""
        import numpy as np

        for example in examples:
            if sorted(example) != _TOKENIZED_KEYS:
                raise InputError(f"a tokenized example has the keys {', '.join(sorted(example))}; the tokenized "
                                 f"file holds {', '.join(_TOKENIZED_KEYS)}")
        input_ids, input_offsets = _flat([e["input_ids"] for e in examples])
        labels, label_offsets = _flat([e["labels"] for e in examples])
        return cls(np.array([str(e["id"]) for e in examples], dtype=str), input_ids, input_offsets, labels,
                   label_offsets)

    @classmethod
    def concatenate(cls, parts: list[TokenizedExamples]) -> TokenizedExamples:
        import numpy as np

        def offsets(arrays):
            joined, total = [np.zeros(1, dtype=np.int64)], 0
            for array in arrays:
                joined.append(array[1:] + total)
                total += int(array[-1])
            return np.concatenate(joined)

        return cls(np.concatenate([p.ids for p in parts]) if parts else np.array([], dtype=str),
                   np.concatenate([p.input_ids for p in parts]) if parts else np.array([], dtype=np.int32),
                   offsets([p.input_offsets for p in parts]),
                   np.concatenate([p.labels for p in parts]) if parts else np.array([], dtype=np.int32),
                   offsets([p.label_offsets for p in parts]))

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return {"id": str(self.ids[index]),
                "input_ids": self.input_ids[self.input_offsets[index]:self.input_offsets[index + 1]].tolist(),
                "labels": self.labels[self.label_offsets[index]:self.label_offsets[index + 1]].tolist()}

    def save(self, path: Path, **meta: str) -> None:
        """Write the examples (and `meta`: lang, family) as an uncompressed .npz, atomically."""
        import numpy as np

        with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # a file object: numpy adds no .npz suffix
            np.savez(fh, format=np.array(TOKENIZED_FORMAT), **{key: getattr(self, key) for key in _ARRAYS},
                     **{key: np.array(value) for key, value in meta.items()})

    @classmethod
    def load(cls, path: str | Path) -> TokenizedExamples:
        """The examples a tokenize job saved; an InputError naming the file for anything else."""
        import zipfile

        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as data:
                if "format" not in data.files or str(data["format"]) != TOKENIZED_FORMAT:
                    raise ValueError(f"no {TOKENIZED_FORMAT} mark")
                arrays = {key: data[key] for key in _ARRAYS}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise InputError(f"{path}: not a tokenized file of this xlgen ({type(err).__name__}: {err}); "
                             "rerun its tokenize job (snakemake --forcerun tokenize)") from None
        return cls(**arrays)


def _flat(rows: list[list[int]]):
    """(ids, offsets): `rows` as one int32 array, and where each row starts and the last ends."""
    import numpy as np

    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)])
    flat = np.fromiter((t for r in rows for t in r), dtype=np.int64, count=int(offsets[-1]))
    if flat.size and (flat.max() >= 2**31 or flat.min() < -(2**31)):
        raise InputError(f"a token id of {int(flat.max())} does not fit the tokenized file's int32")
    return flat.astype(np.int32), offsets


def tokenize_task(backbone_path: Path, records: list[dict], lang: str, task_cfg: dict, out_path: Path,
                  kind=None, family_settings: dict | None = None) -> int:
    """Encode `records` of the task `kind` once for every run of a (task, backbone) and save
    them (TokenizedExamples: int32 arrays in an .npz); `family_settings`: the backbone's catalog
    settings (a decoder-only family's prompt: xlgen.families.causal).

    Every LR, method and seed job then loads the ids instead of tokenizing again. The records
    are encoded TOKENIZE_CHUNK at a time: the tokenizer's output for 50,000 articles at once
    held 9 GB (measured 2026-12-07, docs/cluster.md); encoding is per record, so the ids are
    the same.
    """
    tokenizer, family = load_tokenizer(backbone_path)  # a damaged backbone: one line naming the file
    parts = [TokenizedExamples.from_examples(
        encode(tokenizer, family, records[start:start + TOKENIZE_CHUNK], lang, task_cfg["max_source_length"],
               task_cfg["max_target_length"], kind=kind, family_settings=family_settings))
        for start in range(0, len(records), TOKENIZE_CHUNK)]
    examples = TokenizedExamples.concatenate(parts)
    examples.save(out_path, lang=lang, family=family)
    return len(examples)


def load_tokenized(path: str | Path) -> TokenizedExamples:
    """The examples a tokenize job wrote (a sequence of {"id", "input_ids", "labels"})."""
    return TokenizedExamples.load(path)


def finetune_settings(finetune_cfg: dict, lr: float, seed: int, checkpoint_path: Path | None,
                      combine: str = "sum") -> TrainSettings:
    """TrainSettings of a finetuning run: `batch_size` is the effective batch, reached by
    accumulating micro-batches of `micro_batch_size` (default: the whole batch at once).
    Weight decay spares biases and normalization weights, as transformers.Trainer does.
    `gradient_checkpointing` trades time for activation memory; `fused_adamw` (default: on a
    GPU only) picks torch's fused AdamW kernel."""
    batch = finetune_cfg["batch_size"]
    micro = finetune_cfg.get("micro_batch_size") or batch
    if batch % micro:
        raise InputError(f"finetune.batch_size {batch} is not a multiple of finetune.micro_batch_size {micro}")
    return TrainSettings(
        steps=finetune_cfg["steps"], batch_size=micro, lr=lr, grad_accum=batch // micro,
        warmup_steps=finetune_cfg["warmup_steps"], weight_decay=finetune_cfg["weight_decay"],
        seed=seed, log_every=min(50, finetune_cfg["dev_every"]), combine=combine,
        checkpoint_every=finetune_cfg.get("checkpoint_every", 0), checkpoint_path=checkpoint_path,
        compile=finetune_cfg.get("compile", False), no_decay_bias_and_norm=True,
        gradient_checkpointing=finetune_cfg.get("gradient_checkpointing", False),
        fused_adamw=finetune_cfg.get("fused_adamw"),
    )


def finetune(backbone_path: Path, method_name: str, method_settings: dict, train_ex: list[dict],
             dev_ex: list[dict], lr: float, seed: int, finetune_cfg: dict, out_dir: Path,
             log=print, checkpoint_path: Path | None = None,
             unlabeled: dict[str, list[str]] | None = None) -> dict:
    """Finetune the backbone on tokenized `train_ex`, log dev loss, save the run to `out_dir`.

    Returns the run summary (the rule writes it to `run.json`): status (`ok` or
    `diverged`), trainable parameters, dev losses, and time. With `checkpoint_path` and
    `finetune.checkpoint_every`, a killed run resumes where it stopped; with
    `checkpoint_path` alone, a SIGTERM-ed run (TrainingInterrupted, exit status 143) does;
    the checkpoint is removed once the run is saved. Weight decay spares biases and
    normalization weights (`weight_decay_excludes` and the tensor counts in the summary).

    In one of N processes (`launch`): every process trains its share of each batch, only the
    main one logs and writes `out_dir` (under FSDP from the gathered full weights).
    """
    import torch

    started = time.time()
    accelerator = get_accelerator()  # first: a launched process takes its own GPU
    torch.manual_seed(seed)
    model, tokenizer = load_backbone(backbone_path, dtype=TRAINING_DTYPE)  # fp32 weights, whatever was saved
    family = family_of(model)
    method = get_method(method_name)
    model = method.prepare(model, method_settings)
    trainable, total = trainable_parameters(model)
    decayed, undecayed = decay_split(model)
    log(f"{method_name} on {family}: {trainable:,} of {total:,} parameters train ({trainable / total:.2%})")
    dev_ex = dev_ex[: finetune_cfg["dev_examples"]]
    settings = finetune_settings(finetune_cfg, lr, seed, checkpoint_path, method.combine)
    context = BatchContext(family=family, tokenizer=tokenizer, batch_size=settings.batch_size, seed=seed,
                           settings=method_settings, group_by_length=finetune_cfg.get("group_by_length", True),
                           unlabeled=unlabeled or {})
    batches = method.batches(train_ex, context)  # task batches, or with more (mix_unsup)
    initial_dev = mean_loss(model, dev_ex, tokenizer.pad_token_id)
    log(f"dev loss before finetuning: {initial_dev:.4f}")
    run_key = json.dumps([str(backbone_path), method_name, method_settings, len(train_ex)], sort_keys=True)
    history = train_steps(
        model, tokenizer, batches, settings, log=log,
        evaluate=lambda step: {"dev_loss": mean_loss(model, dev_ex, tokenizer.pad_token_id)},
        eval_every=finetune_cfg["dev_every"], run_key=run_key,
        combine_gradients=method.combine_gradients,  # used when method.combine is not "sum"
    )
    diverged = bool(history) and history[-1].get("status") == "diverged"
    # FSDP: no process holds the whole model; every process takes part in gathering it
    full_state = accelerator.get_state_dict(model) if is_sharded(accelerator) and not diverged else None
    if accelerator.is_main_process:
        with atomic_directory(out_dir) as tmp:
            if not diverged:
                if full_state is not None:
                    model = _unsharded(backbone_path, method, method_settings, full_state)
                model.to("cpu")
                method.save(model, tokenizer, tmp)
        if checkpoint_path is not None:  # the run is saved: its checkpoint is spent
            remove_checkpoint(checkpoint_path)
    dev_losses = [row["dev_loss"] for row in history if "dev_loss" in row]
    processes = {"processes": accelerator.num_processes} if accelerator.num_processes > 1 else {}
    return {
        "status": "diverged" if diverged else "ok",
        "family": family,  # the run's identity (method, lr, seed) is run.json's `run`, once
        "trainable_params": trainable, "total_params": total, "trainable_share": trainable / total,
        "dev_loss_initial": initial_dev, "dev_loss_final": dev_losses[-1] if dev_losses else None,
        "weight_decay": settings.weight_decay, "weight_decay_excludes": WEIGHT_DECAY_EXCLUDES,
        "decayed_tensors": len(decayed), "undecayed_tensors": len(undecayed),
        "steps": history[-1]["step"] if history else 0, "train_seconds": round(time.time() - started, 2),
        **processes, "history": history,
    }


def _unsharded(backbone_path: Path, method, method_settings: dict, state_dict: dict):
    """A whole (unsharded) copy of the method's model holding `state_dict`, to save it."""
    model, _ = load_backbone(backbone_path, dtype=TRAINING_DTYPE)
    model = method.prepare(model, method_settings)
    model.load_state_dict(state_dict)
    return model


# --- one job, in one process or N --------------------------------------------------------

def run_job(spec: dict, log=print) -> dict:
    """One finetuning job from its spec, the finetune rule's inputs, params and outputs as
    JSON: `backbone`, `method`, `method_settings`, `train`, `dev` (tokenized files),
    `unlabeled` (text files), `lr`, `seed`, `finetune` (the config section), `model` and
    `run_json` (outputs), `checkpoint`, `run` (the run's identity record). Trains, and in the
    main process writes the model directory and run.json (the summary and `run`, the only
    copy of the run's identity)."""
    unlabeled = {Path(path).stem: read_text_lines(path) for path in spec.get("unlabeled", [])}
    summary = finetune(
        Path(spec["backbone"]), spec["method"], spec["method_settings"], load_tokenized(spec["train"]),
        load_tokenized(spec["dev"]), float(spec["lr"]), int(spec["seed"]), spec["finetune"], Path(spec["model"]),
        log=log, checkpoint_path=Path(spec["checkpoint"]) if spec.get("checkpoint") else None, unlabeled=unlabeled,
    )
    if get_accelerator().is_main_process:
        write_json(spec["run_json"], {**summary, "run": spec["run"]})
    return summary


def launch_command(spec: dict, processes: int, accelerate_config: str | None = None) -> list[str]:
    """`accelerate launch` of `processes` processes on this node, each running `run_job` on
    `spec` (`python -m xlgen.finetune SPEC_JSON`). Without an accelerate config file: DDP
    (`--multi_gpu`; gloo where there is no GPU); with one (FSDP, a DDP variant) its settings,
    the process count ours. A free port each time: jobs may share a node."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(processes),
               "--num_machines", "1", "--main_process_port", "0"]
    if accelerate_config:
        command += ["--config_file", str(accelerate_config)]
    else:
        command += ["--multi_gpu", "--mixed_precision", "no", "--dynamo_backend", "no"]
    return command + ["-m", "xlgen.finetune", json.dumps(spec)]


# Sent SIGTERM, the torchrun agent under `accelerate launch` passes it on and SIGKILLs its
# processes 30 s later (torch's default TORCH_ELASTIC_SHUTDOWN_TIMEOUT): too soon for a process
# saving a large model's state on SLURM's time-limit warning (docs/cluster.md "Time limits").
# SLURM's kill after the time limit, not the launcher, ends a job whose processes hang.
LAUNCH_SHUTDOWN_TIMEOUT_S = 3600


def launch_env(environ: dict | None = None) -> dict:
    """The environment `launch` starts `accelerate launch` in: `environ` (default: this
    process's), unbuffered output, and LAUNCH_SHUTDOWN_TIMEOUT_S for the launcher's processes
    to save after a SIGTERM unless the environment sets TORCH_ELASTIC_SHUTDOWN_TIMEOUT."""
    env = {**(os.environ if environ is None else environ), "PYTHONUNBUFFERED": "1"}
    env.setdefault("TORCH_ELASTIC_SHUTDOWN_TIMEOUT", str(LAUNCH_SHUTDOWN_TIMEOUT_S))
    return env


def _die_with_parent() -> None:
    """Linux: have this process sent SIGTERM when its parent dies (PR_SET_PDEATHSIG), so a
    killed launcher leaves no process training on alone; SIGTERM lets training save first."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


def launch(spec: dict, processes: int, accelerate_config: str | None = None, output=None) -> None:
    """Run the job `spec` in `processes` processes (`launch_command`), their output to
    `output` (default: stderr, the job's log). A SIGTERM is passed on to them (they save a
    checkpoint at the step boundary, for up to LAUNCH_SHUTDOWN_TIMEOUT_S) and ends this process
    with status 143 too; a failed
    process ends it with the launcher's status (SystemExit)."""
    output = output or sys.stderr
    # the settings' own checks here, before `processes` processes load the model to fail alike
    finetune_settings(spec["finetune"], spec["lr"], spec["seed"], None)
    signals: list[int] = []
    previous = None
    try:
        output.flush()
        job = subprocess.Popen(launch_command(spec, processes, accelerate_config), stdout=output, stderr=output,
                               env=launch_env(), preexec_fn=_die_with_parent)

        def pass_on(signum, frame):
            signals.append(signum)
            job.send_signal(signum)

        previous = signal.signal(signal.SIGTERM, pass_on)
        status = job.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if signals:
        raise SystemExit(EXIT_ON_SIGTERM)
    if status != 0:
        print(f"xlgen: finetuning in {processes} processes failed (accelerate launch exit status {status}; "
              "the lines above say why)", file=output, flush=True)
        raise SystemExit(status if 0 < status < 256 else 1)


def main(argv: list[str] | None = None) -> int:
    """Entry point of each launched process: `python -m xlgen.finetune SPEC` (the job spec as
    JSON, or a file holding it)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m xlgen.finetune SPEC_JSON|SPEC_FILE (started by accelerate launch)", file=sys.stderr)
        return 2
    _die_with_parent()  # the launcher killed: save a checkpoint and stop, never train on unseen
    import torch

    try:
        with one_line_errors():  # a bad input: one line (from every process), exit 1
            text = args[0] if args[0].lstrip().startswith("{") else Path(args[0]).read_text(encoding="utf-8")
            spec = json.loads(text)
            accelerator = get_accelerator()  # before anything touches a GPU
            torch.set_num_threads(int(spec.get("threads", 1)))
            expected = int(spec.get("processes", accelerator.num_processes))
            if accelerator.num_processes != expected:
                raise InputError(f"the launch started {accelerator.num_processes} process(es), the job asked for "
                                 f"{expected}: check finetune.accelerate_config (distributed_type)")
            main_process = accelerator.is_main_process
            run_job(spec, log=lambda message: print(message, file=sys.stderr, flush=True) if main_process else None)
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()  # else gloo's threads abort the exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
