"""Saving and loading runs of the methods built on `peft` (prompt tuning, LoRA).

Only what the method trained is saved (`PeftModel.save_pretrained`: adapter weights and
`adapter_config.json`) with the tokenizer; loading rebuilds the backbone from its own
path and puts the trained weights back on it.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from xlgen.backbones import check_files, load_backbone, load_errors, rebuild_hint

ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")  # what PeftModel.save_pretrained writes


@contextlib.contextmanager
def _peft_deprecation_quiet():
    """Silence the one FutureWarning peft raises itself when it builds a PeftModel: it reads
    transformers' deprecated `is_gradient_checkpointing` property (peft 0.21; transformers
    names `is_activation_checkpointing` the replacement). Nothing we call is deprecated, so
    only that message, inside peft's call, is silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        yield


def peft_model(model, config):
    """`peft.get_peft_model(model, config)`, without peft's own deprecation warning."""
    from peft import get_peft_model

    with _peft_deprecation_quiet():
        return get_peft_model(model, config)


def save_peft(model, tokenizer, out_dir: Path) -> None:
    """Save the PEFT weights of `model` (a `PeftModel`) and the tokenizer to `out_dir`."""
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


def load_peft(backbone_path: Path, out_dir: Path):
    """(model, tokenizer): the backbone at `backbone_path` with the PEFT weights in `out_dir`.

    A missing, truncated or unreadable file of either is a one-line CheckpointError naming
    it and the command that rebuilds it."""
    from peft import PeftModel
    from transformers import AutoTokenizer


    out_dir = Path(out_dir)
    hint = rebuild_hint(out_dir)
    check_files(out_dir, (("adapter_config.json",), ADAPTER_WEIGHTS), hint)
    backbone, _ = load_backbone(backbone_path)
    with load_errors(out_dir, hint), _peft_deprecation_quiet():
        model = PeftModel.from_pretrained(backbone, out_dir)
        tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model.eval()
    return model, tokenizer

