"""`freeze`: finetune with parts of the backbone frozen (ZmBART, Maurya et al. 2021).

ZmBART freezes the decoder and the word embeddings so that finetuning on English cannot
overwrite how the model writes other languages. "embeddings" means the shared token
embeddings, the LM head (tied as in mBART/NLLB, or untied as in the released mT5) and
learned position embeddings (mBART). The full model is saved, as in `full`.
"""

from __future__ import annotations

from xlgen.methods.full import FullFinetuning
from xlgen.methods.parts import part_parameters

PARTS = ("decoder", "encoder", "embeddings")
DEFAULTS = {"parts": ["decoder", "embeddings"]}


def frozen_parts(settings: dict) -> list[str]:
    """The validated `parts` setting: a non-empty subset of PARTS that leaves something to train."""
    parts = list(settings.get("parts", DEFAULTS["parts"]))
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ValueError(f"freeze: unknown parts {unknown}; known: {', '.join(PARTS)}")
    if set(parts) == set(PARTS):
        raise ValueError("freeze: freezing decoder, encoder and embeddings leaves nothing to train")
    return parts


class FreezeParts(FullFinetuning):
    name = "freeze"

    def prepare(self, model, settings: dict):
        frozen = set(frozen_parts(settings))
        for part, params in part_parameters(model).items():
            for p in params:
                p.requires_grad_(part not in frozen)
        return model
