"""Where the parts of a backbone live: stacks, layers, embeddings, the parts `freeze` freezes.

Each backbone family knows its own layout (xlgen.families: mT5 keeps its stacks on the model,
`model.encoder.block`; mBART and NLLB one level down, `model.model.encoder.layers`; a
decoder-only LLM has one stack, `model.model.layers`); methods that freeze or extend parts
ask here, so a new family is taught in its own module.
"""

from __future__ import annotations

from xlgen.families import get_family
from xlgen.families.base import STACKS  # noqa: F401 - the stacks of an encoder-decoder


def stack(model, name: str):
    """The encoder or decoder stack of a backbone (a decoder-only one has only `decoder`)."""
    return get_family(model).stack(model, name)


def layers(model, name: str):
    """The transformer layers of one stack, lowest first (mT5 blocks, mBART/NLLB/LLM layers)."""
    return get_family(model).layers(model, name)


def model_stacks(model) -> tuple[str, ...]:
    """The stacks of a backbone: encoder and decoder, or decoder alone."""
    return get_family(model).stacks


def embedding_parameters(model) -> list:
    """Token embeddings (shared/tied), the LM head (tied or not) and learned position
    embeddings; each parameter once. NLLB's sinusoidal positions and rotary ones have no
    parameters, and mT5's relative attention bias lives in its attention layer, so none
    is listed."""
    return get_family(model).part_parameters(model)["embeddings"]


def part_parameters(model) -> dict[str, list]:
    """{part: parameters} for the family's parts (encoder, decoder, embeddings; decoder-only:
    embeddings, lower_layers, upper_layers): disjoint lists covering the whole model."""
    return get_family(model).part_parameters(model)
