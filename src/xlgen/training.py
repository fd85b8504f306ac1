"""The training loop shared by demo pretraining, intermediate tuning and finetuning.

A small loop of our own instead of `Seq2SeqTrainer`: the tiny demo jobs are dominated by
start-up cost, and the loop keeps step order, seeds and precision explicit (bf16 autocast
on GPU, fp32 on CPU, never fp16: mT5 overflows in fp16). Faults: a killed run resumes from
its last checkpoint, an unreadable checkpoint is one log line and a fresh start, a SIGTERM
saves a checkpoint at the next step boundary and exits 143.

Processes: the loop runs under `accelerate`. Alone (one process: the demo, one GPU) it is
the plain loop, bitwise what it was before accelerate took part. Started N times by
`accelerate launch` (xlgen.finetune.launch; DDP, or FSDP2 from an accelerate config file),
every process reads the same stream of batches and trains on its share of each batch (rows
rank, rank + N, ...), its loss weighted by its share of the batch's label tokens: the
gradient is that of the whole batch's token mean, as in one process, so `batch_size` stays
the experiment's batch whatever N is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from xlgen.io import InputError, atomic_path


@dataclass
class TrainSettings:
    steps: int
    batch_size: int
    lr: float
    warmup_steps: int = 0
    weight_decay: float = 0.0
    seed: int = 0
    max_grad_norm: float = 1.0
    log_every: int = 50
    grad_accum: int = 1               # micro-batches per optimizer step (effective batch = batch x this)
    combine: str = "sum"              # how named losses combine: sum, or the name of a gradient combiner (graddrop)
    checkpoint_every: int = 0         # save a resumable checkpoint every N steps (0: only on SIGTERM)
    checkpoint_path: Path | None = None  # also where a SIGTERM-ed run saves before it exits
    compile: bool = False             # torch.compile the model (GPU clusters; slow to start on CPU)
    no_decay_bias_and_norm: bool = False  # weight decay spares biases and norm weights (as Trainer)
    gradient_checkpointing: bool = False  # recompute activations in backward: memory for time, same numbers
    fused_adamw: bool | None = None   # torch's fused AdamW kernel; None: on a GPU only (on CPU its
                                      # results differ from the for-loop AdamW in the last bits)


# What `no_decay_bias_and_norm` spares, in words (run.json records it) and as rules: every
# parameter of a LayerNorm/RMSNorm-type module (nn.LayerNorm, nn.RMSNorm, T5LayerNorm, any
# class named *LayerNorm or *RMSNorm) and every parameter whose lower-cased name matches one
# of transformers.Trainer.get_decay_parameter_names' patterns (transformers 5).
WEIGHT_DECAY_EXCLUDES = "bias and normalization weights (as transformers.Trainer)"
NO_DECAY_NAME_PATTERNS = (r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)")
EXIT_ON_SIGTERM = 128 + signal.SIGTERM  # the status a shell reports for a SIGTERM-ed process


class TrainingInterrupted(SystemExit):
    """Raised at the step boundary after a SIGTERM, once the checkpoint is saved.

    A SystemExit: uncaught, the process ends quietly with status 143 (128 + SIGTERM), so
    Snakemake marks the job failed and a rerun resumes from the checkpoint."""

    def __init__(self, step: int, checkpoint: Path):
        super().__init__(EXIT_ON_SIGTERM)
        self.step, self.checkpoint = step, checkpoint


def _is_norm_module(module) -> bool:
    import torch

    return (isinstance(module, (torch.nn.LayerNorm, torch.nn.RMSNorm))
            or type(module).__name__.endswith(("LayerNorm", "RMSNorm")))


def decay_split(model) -> tuple[list[str], list[str]]:
    """Names of the trainable parameters that get weight decay, and of those that do not.

    Not decayed: the parameters of normalization modules and those whose name says bias or
    norm (transformers.Trainer's rule, `NO_DECAY_NAME_PATTERNS`); everything else (weight
    matrices, embeddings, LoRA matrices) decays.
    """
    spared = {id(p) for module in model.modules() if _is_norm_module(module) for p in module.parameters()}
    patterns = [re.compile(pattern) for pattern in NO_DECAY_NAME_PATTERNS]
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            lowered = name.lower()
            skip = id(p) in spared or any(pattern.search(lowered) for pattern in patterns)
            (no_decay if skip else decay).append(name)
    return decay, no_decay


def param_groups(model, settings: TrainSettings) -> list[dict]:
    """AdamW parameter groups: one (every trainable parameter decays), or, with
    `settings.no_decay_bias_and_norm`, a decayed and an undecayed one (empty ones dropped)."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not settings.no_decay_bias_and_norm:
        return [{"params": [p for _, p in named], "weight_decay": settings.weight_decay}]
    decay, _ = decay_split(model)
    decay = set(decay)
    groups = [{"params": [p for n, p in named if n in decay], "weight_decay": settings.weight_decay},
              {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0}]
    return [group for group in groups if group["params"]]


def device_and_dtype():
    """(device, autocast dtype or None): bf16 autocast on a bf16-capable GPU, fp32 on CPU."""
    import torch

    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
        return torch.device("cuda"), dtype
    return torch.device("cpu"), None


def collate(features: list[dict], pad_id: int) -> dict:
    """Pad `input_ids` with the pad id and `labels` with -100 to the longest in the batch."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    label_width = max(len(f["labels"]) for f in features)
    input_ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), label_width), -100, dtype=torch.long)
    for i, f in enumerate(features):
        input_ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
        attention[i, : len(f["input_ids"])] = 1
        labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def epoch_batches(examples: list[dict], batch_size: int, seed: int,
                  group_by_length: bool = True, megabatch: int = 50) -> Iterator[list[dict]]:
    """Endless shuffled batches, reshuffled each epoch with a seed derived from `seed`.

    With `group_by_length` (as transformers' LengthGroupedSampler): the shuffled order is cut
    into megabatches of `megabatch` batches, each sorted by input length, so a batch holds
    inputs of similar length and pads little; batch order is then shuffled again.
    """
    epoch = 0
    while True:
        rng = random.Random(seed * 1_000_003 + epoch)
        order = list(range(len(examples)))
        rng.shuffle(order)
        usable = len(order) - len(order) % batch_size
        batches = [order[start : start + batch_size] for start in range(0, usable, batch_size)]
        if group_by_length:
            span = megabatch * batch_size
            grouped = []
            for start in range(0, usable, span):
                chunk = sorted(order[start : min(start + span, usable)],
                               key=lambda i: len(examples[i]["input_ids"]), reverse=True)
                grouped += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
            batches = grouped
            rng.shuffle(batches)
        for batch in batches:
            yield [examples[i] for i in batch]
        epoch += 1


def mean_loss(model, examples: list[dict], pad_id: int, batch_size: int = 64) -> float:
    """Token-averaged cross-entropy of `model` on `examples` (no gradient)."""
    import torch

    device, dtype = device_and_dtype()
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        for start in range(0, len(examples), batch_size):
            batch = {k: v.to(device) for k, v in collate(examples[start : start + batch_size], pad_id).items()}
            n_tokens = int((batch["labels"] != -100).sum())
            total += float(model(**batch).loss) * n_tokens
            count += n_tokens
    model.train()
    return total / max(count, 1)


def _run_fingerprint(settings: TrainSettings, model, run_key: str, fused: bool = False, processes: int = 1) -> str:
    """What a checkpoint must match to be resumed: settings, trainable names, caller's key,
    and what else changes the run's numbers (the fused AdamW kernel, the process count).
    Gradient checkpointing changes memory, not numbers: a run may resume with or without it."""
    fields = {k: v for k, v in asdict(settings).items()
              if k not in ("checkpoint_path", "log_every", "gradient_checkpointing", "fused_adamw")}
    if fused:
        fields["fused_adamw"] = True
    if processes > 1:
        fields["processes"] = processes
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    blob = json.dumps([fields, names, run_key], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _save_checkpoint(path: Path, state: dict) -> None:
    import torch


    with atomic_path(path) as tmp:  # a kill mid-save keeps the previous checkpoint
        torch.save(state, tmp)


_CHECKPOINT_KEYS = ("fingerprint", "step", "params", "optimizer", "scheduler", "rng", "history",
                    "running", "running_n", "elapsed_s")


def _load_checkpoint(path: Path) -> dict:
    """The state saved at `path`; a ValueError (or what torch.load raises) if it is none."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict):
        raise ValueError(f"holds a {type(state).__name__}, not a checkpoint")
    missing = [key for key in _CHECKPOINT_KEYS if key not in state]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    return state


def _check_fits(state: dict, named: list, optimizer) -> None:
    """A ValueError unless a checkpoint of these very settings fits the model and optimizer:
    checked before anything is restored, so a damaged one leaves the model untouched."""
    import torch

    params = state["params"]
    if not isinstance(params, dict) or set(params) != {name for name, _ in named}:
        raise ValueError("its parameter names differ from the model's")
    for name, p in named:
        if not isinstance(params[name], torch.Tensor) or params[name].shape != p.shape:
            raise ValueError(f"parameter {name} has another shape")
    saved_groups = state["optimizer"].get("param_groups", []) if isinstance(state["optimizer"], dict) else []
    if [len(g.get("params", ())) for g in saved_groups] != [len(g["params"]) for g in optimizer.param_groups]:
        raise ValueError("its optimizer state has other parameter groups")


def _one_line(err: BaseException, limit: int = 120) -> str:
    """`Type: first sentence` of an exception, on one line and at most `limit` characters."""
    text = " ".join(str(err).split()).split(". ")[0] or "no detail"
    text = f"{type(err).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _rng_state() -> dict:
    import torch

    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# --- processes (accelerate) ---------------------------------------------------------------

_ACCELERATOR = None


def get_accelerator():
    """This process's `accelerate.Accelerator`, made on first use (accelerate keeps one state
    a process). A launched process calls it before anything touches a GPU: it picks the
    process's own device.

    One process, unless started by `accelerate launch` or torchrun: then DDP (gloo on CPU,
    NCCL on GPUs), or FSDP2 where the launch's accelerate config file says FSDP. Precision
    stays the loop's bf16 autocast; under FSDP accelerate's bf16 policy also gathers the
    sharded parameters in bf16. DeepSpeed and FSDP version 1 are refused in one line.
    """
    global _ACCELERATOR
    if _ACCELERATOR is None:
        import torch
        from accelerate import Accelerator, DistributedType
        from accelerate.utils import DistributedDataParallelKwargs

        if os.environ.get("ACCELERATE_USE_DEEPSPEED", "false").lower() == "true" and torch.cuda.is_available():
            raise InputError("finetune.accelerate_config: DeepSpeed is not supported by the training loop; shard "
                             "with FSDP (distributed_type: FSDP, fsdp_version: 2)")
        if torch.cuda.is_available() and "LOCAL_RANK" in os.environ:
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))  # before device_and_dtype touches GPU 0
        _, dtype = device_and_dtype()
        fsdp = os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true"
        accelerator = Accelerator(
            cpu=not torch.cuda.is_available(), mixed_precision="bf16" if fsdp and dtype is not None else "no",
            # a step in which a process's forward skips trainable parameters (adapterdrop's
            # random drop, drawn in each process) must not stall DDP's gradient all-reduce
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)])
        if fsdp and accelerator.distributed_type == DistributedType.MULTI_CPU and accelerator.is_main_process:
            # accelerate shards on GPUs only: say so instead of letting DDP pass for FSDP
            print("xlgen: finetune.accelerate_config asks for FSDP, but there is no GPU: accelerate runs plain "
                  "DDP over gloo (every process holds the whole model)", file=sys.stderr, flush=True)
        if accelerator.distributed_type == DistributedType.FSDP and not accelerator.is_fsdp2:
            raise InputError("finetune.accelerate_config: FSDP version 1 is not supported; set fsdp_version: 2")
        if accelerator.distributed_type not in (DistributedType.NO, DistributedType.MULTI_CPU,
                                                DistributedType.MULTI_GPU, DistributedType.FSDP):
            raise InputError(f"finetune.accelerate_config: {accelerator.distributed_type} is not supported; "
                             "use DDP (MULTI_GPU) or FSDP (fsdp_version: 2)")
        _ACCELERATOR = accelerator
    return _ACCELERATOR


def check_shardable(model) -> None:
    """Refuse, in one line, a model that accelerate's FSDP2 cannot shard: it wraps each
    transformer layer, then the input and output embeddings (with the final norm) in one
    group, then the rest; torch (>= 2.13) refuses a parameter that two groups see. So a
    parameter may be shared by the input and output embeddings (tied, as Llama-3.2-1B and
    Gemma), not by more modules: mBART's and NLLB's encoder and decoder embeddings share one
    matrix (measured on mbart-demo: `fully_shard` raises "Parameter 'model.shared.weight' is
    shared with a parameter already managed by another FSDP group")."""
    embeddings = {id(m) for m in (getattr(model, "get_input_embeddings", lambda: None)(),
                                  getattr(model, "get_output_embeddings", lambda: None)()) if m is not None}
    holders: dict[int, dict[int, str]] = {}  # parameter -> the modules holding it -> a path of each
    for name, module in model.named_modules(remove_duplicate=False):
        for param in module._parameters.values():
            if param is not None:
                holders.setdefault(id(param), {})[id(module)] = name
    for modules in holders.values():
        if len(modules) > 1 and not modules.keys() <= embeddings:
            names = sorted(set(modules.values()))
            raise InputError(f"finetune.accelerate_config: FSDP cannot shard this backbone: one parameter is shared by "
                             f"{', '.join(names)}, which accelerate's FSDP2 puts in different groups; finetune it with "
                             "DDP (no accelerate_config) or in one process")


def is_sharded(accelerator=None) -> bool:
    """Whether the model's parameters are sharded over the processes (FSDP): then no process
    holds the whole model, and its checkpoints are accelerate's sharded state."""
    from accelerate import DistributedType

    return (accelerator or get_accelerator()).distributed_type == DistributedType.FSDP


def _sharded_states(ckpt: Path) -> list[Path]:
    """The sharded-state directories of the checkpoint `ckpt` (<stem>.step-<N>.accelerate)."""
    return sorted(ckpt.parent.glob(f"{ckpt.stem}.step-*.accelerate")) if ckpt.parent.exists() else []


def remove_checkpoint(path: Path) -> None:
    """Delete a finished run's checkpoint: the file, a sharded state beside it, and their
    directory once empty."""
    path = Path(path)
    path.unlink(missing_ok=True)
    for state in _sharded_states(path):
        shutil.rmtree(state, ignore_errors=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _label_tokens(labels, encoder_decoder: bool):
    """How many label tokens a model's loss averages over: seq2seq every label that is not
    -100, a decoder-only model its labels shifted by one (it predicts token t+1 at t)."""
    return (labels != -100).sum() if encoder_decoder else (labels[..., 1:] != -100).sum()


def _share_of_batch(loss, n_tokens, processes: int):
    """(loss to back-propagate, the whole batch's mean loss) for one process's share of a
    batch: `loss` is the mean over its `n_tokens` label tokens; weighted by its share of all
    processes' tokens (times `processes`: DDP averages the gradients), the processes'
    gradients add up to the gradient of the whole batch's token mean. One all-reduce."""
    import torch

    n = float(n_tokens)
    if n == 0:  # a share without label tokens: its mean is NaN, its weight 0
        loss = torch.nan_to_num(loss, nan=0.0)
    stats = torch.stack([n_tokens.to(torch.float64), loss.detach().to(torch.float64) * n])
    torch.distributed.all_reduce(stats)
    total, loss_sum = float(stats[0]), float(stats[1])
    if total == 0:  # as one process's mean over no token: NaN, the run diverges
        return loss, float("nan")
    return loss * (n * processes / total), loss_sum / total


def _any_process(flag: bool, device) -> bool:
    """Whether `flag` is set in any process (every process gets the same answer)."""
    import torch

    value = torch.tensor([1.0 if flag else 0.0], device=device)
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return bool(value.item())


def _all_rng_states() -> list:
    """Every process's RNG states, in process order (a collective call)."""
    import torch

    states = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(states, _rng_state())
    return states


@dataclass
class _Training:
    """One `train_steps` call: what `_set_up` made, and the progress a checkpoint saves."""

    settings: TrainSettings
    accelerator: Any
    processes: int
    rank: int
    sharded: bool                     # FSDP: parameters sharded over the processes
    distributed: bool                 # more than one process, or sharded
    device: Any
    dtype: Any                        # autocast dtype, None: fp32
    model: Any                        # the model itself (unwrapped)
    prepared: Any                     # what runs: the model, or accelerate's wrapper of it
    forward: Any                      # `prepared`, or torch.compile of it
    optimizer: Any
    scheduler: Any
    named: list                       # (name, parameter) of what trains
    encoder_decoder: bool
    fingerprint: str
    ckpt: Path | None
    log: Callable[[str], None]
    combine_gradients: Callable | None
    history: list = field(default_factory=list)
    running: dict = field(default_factory=dict)  # loss name -> sum since the last logged row
    running_n: int = 0
    first_step: int = 1
    started: float = 0.0              # time.time() at step 0, minus what earlier runs took

    @property
    def params(self) -> list:
        return [p for _, p in self.named]


def train_steps(model, tokenizer, batches: Iterable, settings: TrainSettings,
                log: Callable[[str], None] = print,
                evaluate: Callable[[int], dict] | None = None, eval_every: int | None = None,
                run_key: str = "", combine_gradients: Callable[[list, list], list] | None = None) -> list[dict]:
    """Run `settings.steps` AdamW steps (linear warmup and decay) over `batches`.

    `batches` yields micro-batches, `settings.grad_accum` per step: a list of examples (one
    loss), or a dict of named example lists (one loss each, e.g. task and unlabeled), whose
    losses are summed (`settings.combine` "sum": one backward of the sum) or, with any other
    `settings.combine`, back-propagated one by one and their gradients combined by
    `combine_gradients(grads_by_loss, params)` (a method's hook, xlgen.methods.Method:
    one gradient a parameter, e.g. GradDrop's; not called when combining by "sum").

    Returns the history: one dict per logged step (step, loss, lr, and `evaluate(step)`'s
    results every `eval_every` steps and at the end). Stops early with `status: diverged`
    when a loss becomes NaN or infinite.

    With `checkpoint_every` and `checkpoint_path`, the trainable parameters, optimizer,
    scheduler, RNG states and the data position are saved every N steps; a later call with
    the same settings, model and `run_key` continues from there and ends with the same
    weights as an uninterrupted run (bitwise on CPU). A checkpoint that cannot be read
    (truncated, garbage, not a checkpoint) is logged in one line and training starts over.

    With `checkpoint_path` (whatever `checkpoint_every`), a SIGTERM lets the current step
    finish, saves a checkpoint at that step boundary and raises TrainingInterrupted (a
    SystemExit, status 143): nothing done before the signal is lost.

    In one of N processes (`get_accelerator`): every process iterates the same `batches`
    and trains on rows rank, rank + N, ... of each micro-batch (so a micro-batch needs at
    least N examples); the logged loss is the whole batch's; the checkpoint holds every
    process's RNG states (under FSDP it is accelerate's sharded state beside the file);
    every process must call with the same arguments, and `evaluate` runs in every process.
    """
    if settings.combine != "sum" and combine_gradients is None:
        raise ValueError(f"combine {settings.combine!r} needs its combine_gradients hook (the method's)")
    run = _set_up(model, settings, run_key, log, combine_gradients)
    batch_iter = iter(batches)
    _resume(run, batch_iter)
    # a checkpoint path alone (checkpoint_every 0) still resumes what a SIGTERM-ed run saved;
    # signals are Python's in the main thread only
    catch_sigterm = run.ckpt is not None and threading.current_thread() is threading.main_thread()
    with _sigterm_noted(catch_sigterm) as terminated:
        for step in range(run.first_step, settings.steps + 1):
            step_losses = _backward(run, step, batch_iter, tokenizer.pad_token_id)
            if step_losses is None:  # diverged: logged and in the history
                return run.history
            _optimizer_step(run)
            _record(run, step, step_losses, evaluate, eval_every)
            if _terminated(run, terminated, catch_sigterm):
                _save(run, step)
                run.log(f"SIGTERM: saved checkpoint {run.ckpt} at step {step}; exiting with status "
                        f"{EXIT_ON_SIGTERM} (rerun to resume)")
                raise TrainingInterrupted(step, run.ckpt)
            if run.ckpt is not None and settings.checkpoint_every and step % settings.checkpoint_every == 0 \
                    and step < settings.steps:
                _save(run, step)
    return run.history


# --- set-up --------------------------------------------------------------------------------

def _set_up(model, settings: TrainSettings, run_key: str, log, combine_gradients) -> _Training:
    """Seed, processes, device, activation checkpointing, AdamW and its schedule, the run's
    fingerprint; under accelerate the prepared model and optimizer (only rank 0 logs)."""
    import torch

    torch.manual_seed(settings.seed)
    accelerator = get_accelerator()
    processes, rank = accelerator.num_processes, accelerator.process_index
    sharded = is_sharded(accelerator)
    distributed = processes > 1 or sharded
    device, dtype = device_and_dtype()
    if distributed:
        device = accelerator.device
        _check_shares(settings, processes)
    model.to(device)
    model.train()
    if settings.gradient_checkpointing:
        checkpoint_activations(model)
    optimizer, fused = _adamw(model, settings, device)
    fingerprint = _run_fingerprint(settings, model, run_key, fused=fused, processes=processes)
    prepared = model
    if sharded:
        check_shardable(model)
    if distributed:
        accelerator.free_memory()  # forget the models and optimizers of earlier calls
        prepared, optimizer = accelerator.prepare(model, optimizer)
        model = accelerator.unwrap_model(prepared)  # FSDP2 shards in place: the same object
        if rank != 0:
            log = lambda message: None  # noqa: E731  every process logs the same lines: one does
    return _Training(
        settings=settings, accelerator=accelerator, processes=processes, rank=rank, sharded=sharded,
        distributed=distributed, device=device, dtype=dtype, model=model, prepared=prepared,
        named=[(n, p) for n, p in model.named_parameters() if p.requires_grad],
        encoder_decoder=bool(getattr(getattr(model, "config", None), "is_encoder_decoder", True)),
        optimizer=optimizer, scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(settings)),
        forward=torch.compile(prepared) if settings.compile else prepared, fingerprint=fingerprint,
        ckpt=Path(settings.checkpoint_path) if settings.checkpoint_path else None, log=log,
        combine_gradients=combine_gradients if settings.combine != "sum" else None)


def _check_shares(settings: TrainSettings, processes: int) -> None:
    """InputError unless every one of `processes` processes gets a share of each micro-batch
    and the losses combine by summing (a gradient combiner needs every loss's whole gradient)."""
    if settings.combine != "sum":
        raise InputError(f"the {settings.combine} method trains in one process only (finetune with gpu=1)")
    if settings.batch_size < processes:
        raise InputError(f"a micro-batch of {settings.batch_size} examples cannot be shared by {processes} "
                         "processes: raise finetune.micro_batch_size (or batch_size) to at least that")


def checkpoint_activations(model) -> None:
    """Recompute activations in the backward pass (transformers' activation checkpointing).

    Non-reentrant: works with frozen inputs (LoRA, prompts) and DDP, and restores the RNG
    for the recomputation, so dropout masks are those of a run without it. The results are
    bitwise those (mBART, NLLB), or differ in the order float gradients of a tensor shared
    by every layer are summed (mT5's relative position bias: ~1e-7)."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:  # an older 5.x: the name the newer ones deprecate
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    if getattr(model, "config", None) is not None:
        model.config.use_cache = False


def _adamw(model, settings: TrainSettings, device) -> tuple[Any, bool]:
    """(AdamW over `param_groups`, whether it is torch's fused kernel)."""
    import torch

    fused = device.type in ("cuda", "cpu") and (settings.fused_adamw if settings.fused_adamw is not None
                                                 else device.type == "cuda")
    optimizer = torch.optim.AdamW(param_groups(model, settings), lr=settings.lr, weight_decay=settings.weight_decay,
                                  **({"fused": True} if fused else {}))
    return optimizer, fused


def _schedule(settings: TrainSettings) -> Callable[[int], float]:
    """The LR factor of a step: linear warmup over `warmup_steps`, then linear decay to 0."""

    def schedule(step: int) -> float:
        if step < settings.warmup_steps:
            return (step + 1) / settings.warmup_steps
        remaining = settings.steps - settings.warmup_steps
        return max(0.0, (settings.steps - step) / max(1, remaining))

    return schedule


# --- resume and save -----------------------------------------------------------------------

def _resume(run: _Training, batch_iter: Iterator) -> None:
    """Continue from `run.ckpt` where it holds this very run (its fingerprint): parameters,
    optimizer, scheduler, progress, data position and RNG states; otherwise start at step 1."""
    state = _resumable_state(run)
    if state is not None:
        _restore(run, state, batch_iter)
    run.started = time.time() - (state["elapsed_s"] if state is not None else 0.0)


def _resumable_state(run: _Training) -> dict | None:
    """The checkpoint at `run.ckpt` if it is this run's and fits; None (with a log line for
    an unreadable or foreign one) otherwise."""
    ckpt = run.ckpt
    if ckpt is None or not ckpt.exists():
        return None
    try:
        state = _load_checkpoint(ckpt)
        if state["fingerprint"] == run.fingerprint:
            if run.sharded:
                if not (ckpt.parent / str(state.get("sharded_state"))).is_dir():
                    raise ValueError(f"its sharded state {state.get('sharded_state')} is missing")
            else:
                _check_fits(state, run.named, run.optimizer)
    # truncated, garbage, foreign: never worth a crash; unpickling arbitrary bytes raises nearly any type
    # (UnpicklingError, RuntimeError, UnicodeDecodeError, AttributeError, OverflowError, MemoryError, ...)
    except Exception as err:  # noqa: BLE001  any failure to read the checkpoint means starting over
        size = ckpt.stat().st_size if ckpt.exists() else 0
        run.log(f"{ckpt}: unreadable resume checkpoint ({_one_line(err)}; {size:,} bytes): starting over")
        return None
    if state["fingerprint"] != run.fingerprint:
        run.log(f"checkpoint {ckpt} is from other settings: starting over")
        return None
    return state


def _restore(run: _Training, state: dict, batch_iter: Iterator) -> None:
    """Put the checked checkpoint `state` back and move `batch_iter` to its data position."""
    import torch

    if not run.sharded:
        with torch.no_grad():
            for name, p in run.named:
                p.copy_(state["params"][name])
        run.optimizer.load_state_dict(state["optimizer"])
    run.scheduler.load_state_dict(state["scheduler"])
    run.history, run.running, run.running_n = state["history"], state["running"], state["running_n"]
    for _ in range(state["step"] * run.settings.grad_accum):  # the data position
        next(batch_iter)
    if run.sharded:  # parameters, optimizer and every process's RNG states, as accelerate saved them
        sharded_state = run.ckpt.parent / state["sharded_state"]
        try:
            run.accelerator.load_state(str(sharded_state))
        except Exception as err:  # the model may be half restored: no fresh start from here
            raise RuntimeError(f"{sharded_state}: cannot resume this sharded checkpoint ({_one_line(err)}); "
                               f"delete it and {run.ckpt} to start over") from err
    else:
        ranks = state.get("rng_ranks")
        _set_rng_state(ranks[run.rank] if ranks and len(ranks) == run.processes else state["rng"])
    run.first_step = state["step"] + 1
    run.log(f"resumed from {run.ckpt} at step {state['step']}")


def _save(run: _Training, step: int) -> None:
    """Save a resumable checkpoint of the run after `step` (a collective call in N processes)."""
    meta = {"fingerprint": run.fingerprint, "step": step, "scheduler": run.scheduler.state_dict(),
            "history": run.history, "running": run.running, "running_n": run.running_n,
            "elapsed_s": time.time() - run.started}
    if run.sharded:
        _save_sharded(run, step, meta)
        return
    rng_ranks = _all_rng_states() if run.processes > 1 else None
    if run.rank == 0:  # DDP: every process holds the same parameters and optimizer state
        _save_checkpoint(run.ckpt, {
            **meta, "params": {name: p.detach().to("cpu").clone() for name, p in run.named},
            "optimizer": run.optimizer.state_dict(), "rng": _rng_state(),
            **({"rng_ranks": rng_ranks} if rng_ranks else {}),
        })
    if run.processes > 1:
        run.accelerator.wait_for_everyone()


def _save_sharded(run: _Training, step: int, meta: dict) -> None:
    """FSDP: every process writes its shards and RNG states; the checkpoint file names the directory."""
    accelerator, ckpt = run.accelerator, run.ckpt
    final = ckpt.with_name(f"{ckpt.stem}.step-{step}.accelerate")
    tmp = ckpt.with_name(f".tmp-{final.name}")
    if accelerator.is_main_process and tmp.exists():
        shutil.rmtree(tmp)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        _save_checkpoint(ckpt, {**meta, "params": None, "optimizer": None, "rng": None, "sharded_state": final.name})
        for old in _sharded_states(ckpt):  # only after the file names the new one
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


@contextlib.contextmanager
def _sigterm_noted(enabled: bool) -> Iterator[list[int]]:
    """SIGTERM (SLURM's warning before preemption or the time limit) appends to the yielded
    list instead of ending the process, so the loop finishes the step, saves and exits 143;
    the previous handler comes back when training ends."""
    terminated: list[int] = []
    if not enabled:
        yield terminated
        return
    previous_handler = signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    try:
        yield terminated
    finally:  # None: a handler not set from Python, which cannot be put back; the default then
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous_handler is None else previous_handler)


def _terminated(run: _Training, terminated: list[int], catch_sigterm: bool) -> bool:
    """Whether to stop at this step: a signal seen by one process stops them all."""
    if run.processes > 1 and catch_sigterm:
        return _any_process(bool(terminated), run.device)
    return bool(terminated)


# --- one step ------------------------------------------------------------------------------

def _backward(run: _Training, step: int, batch_iter: Iterator, pad_id: int) -> dict[str, float] | None:
    """Forward and backward passes of one step's micro-batches, leaving the step's gradient
    in `.grad`: {loss name: its mean over the micro-batches}, or None when a loss diverged."""
    settings = run.settings
    step_losses: dict[str, float] = {}
    per_loss_grads: dict[str, list] = {}  # a gradient combiner's input: each loss's own gradient
    for micro in range(settings.grad_accum):
        parts = next(batch_iter)
        parts = parts if isinstance(parts, dict) else {"loss": parts}
        total = None
        last_part = list(parts)[-1]
        for name, examples in parts.items():
            # gradients are all-reduced in the step's last backward only
            syncing = micro == settings.grad_accum - 1 and name == last_part
            loss = _micro_loss(run, step, name, examples, syncing, pad_id, step_losses)
            if loss is _DIVERGED:
                return None
            if loss is None:  # backward done (distributed), or nothing to back-propagate
                continue
            if run.combine_gradients is not None:
                _add_gradients(run, loss, per_loss_grads.setdefault(name, []))
            else:
                total = loss if total is None else total + loss
        if total is not None:
            total.backward()
    if per_loss_grads:
        grads_by_loss = list(per_loss_grads.values())
        combined = run.combine_gradients(grads_by_loss, run.params) if len(grads_by_loss) > 1 else grads_by_loss[0]
        for p, grad in zip(run.params, combined):
            p.grad = grad
    return step_losses


_DIVERGED = object()  # _micro_loss's answer for a NaN or infinite loss


def _micro_loss(run: _Training, step: int, name: str, examples: list[dict], syncing: bool, pad_id: int,
                step_losses: dict[str, float]):
    """The named loss of one micro-batch, scaled for accumulation, its value added to
    `step_losses`: the loss to back-propagate; None when there is none to (distributed: its
    backward is done here; or nothing that trains is linked to it); _DIVERGED."""
    import torch

    settings = run.settings
    if run.distributed:
        examples = examples[run.rank::run.processes]  # this process's share of the batch
        context = contextlib.nullcontext() if syncing else run.accelerator.no_sync(run.prepared)
    else:
        context = contextlib.nullcontext()
    with context:
        batch = {k: v.to(run.device) for k, v in collate(examples, pad_id).items()}
        with torch.autocast(run.device.type, dtype=run.dtype, enabled=run.dtype is not None):
            loss = run.forward(**batch).loss
        if run.distributed:
            loss, value = _share_of_batch(loss, _label_tokens(batch["labels"], run.encoder_decoder), run.processes)
        else:
            value = float(loss.detach())
        if not math.isfinite(value):
            run.history.append({"step": step, "loss": value, "status": "diverged", "diverged_loss": name})
            run.log(f"step {step}: {name} loss {value}: diverged, training stopped")
            return _DIVERGED
        step_losses[name] = step_losses.get(name, 0.0) + value / settings.grad_accum
        if settings.grad_accum > 1:
            loss = loss / settings.grad_accum
        if run.distributed:  # one backward a part: DDP allows one forward per backward
            if not loss.requires_grad:  # every process must take part in the all-reduce
                loss = loss + sum(p.sum() for p in run.params) * 0.0
            run.accelerator.backward(loss)
            return None
    if not loss.requires_grad:  # layerdrop skipped every layer linking the loss to what trains
        return None
    return loss


def _add_gradients(run: _Training, loss, acc: list) -> None:
    """Add `loss`'s gradient of each trainable parameter to `acc` (zeros where it has none)."""
    import torch

    params = run.params
    if not acc:
        acc += [torch.zeros_like(p) for p in params]
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    for a, g in zip(acc, grads):
        if g is not None:
            a += g


def _optimizer_step(run: _Training) -> None:
    """Clip the gradient norm, step AdamW and the schedule, clear the gradients."""
    import torch

    if run.distributed:
        run.accelerator.clip_grad_norm_(run.params, run.settings.max_grad_norm)
    else:
        torch.nn.utils.clip_grad_norm_(run.params, run.settings.max_grad_norm)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)


def _record(run: _Training, step: int, step_losses: dict[str, float], evaluate, eval_every) -> None:
    """Add the step's losses to the running means; every `log_every` steps, at an evaluation
    and at the end, append (and log) a history row of their means, the LR and the time."""
    settings = run.settings
    for name, value in step_losses.items():
        run.running[name] = run.running.get(name, 0.0) + value
    run.running_n += 1
    is_eval = evaluate is not None and eval_every and (step % eval_every == 0 or step == settings.steps)
    if step % settings.log_every == 0 or step == settings.steps or is_eval:
        row = {"step": step, "loss": sum(run.running.values()) / run.running_n,
               "lr": run.scheduler.get_last_lr()[0], "elapsed_s": round(time.time() - run.started, 2)}
        if len(run.running) > 1:
            row.update({f"loss_{name}": value / run.running_n for name, value in run.running.items()})
        run.running, run.running_n = {}, 0
        if is_eval:
            row.update(evaluate(step))
        run.history.append(row)
        run.log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
