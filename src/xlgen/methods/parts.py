"""Where the parts of the three backbone families live: stacks, layers, embeddings.

mT5 keeps its stacks on the model (`model.encoder.block`), mBART and NLLB one level down
(`model.model.encoder.layers`); methods that freeze or extend parts find them here, so a
new family is taught in one place.
"""

from __future__ import annotations

STACKS = ("encoder", "decoder")


def stack(model, name: str):
    """The encoder or decoder stack of a seq2seq backbone."""
    if name not in STACKS:
        raise ValueError(f"unknown stack {name!r}; known: {', '.join(STACKS)}")
    return model.get_encoder() if name == "encoder" else model.get_decoder()


def layers(model, name: str):
    """The transformer layers of one stack, lowest first (mT5 blocks, mBART/NLLB layers)."""
    part = stack(model, name)
    return part.block if hasattr(part, "block") else part.layers


def embedding_parameters(model) -> list:
    """Token embeddings (shared/tied), the LM head (tied or not) and learned position
    embeddings; each parameter once. NLLB's sinusoidal positions have no parameters, and
    mT5's relative attention bias lives in its attention layer, so neither is listed."""
    modules = [model.get_input_embeddings(), model.get_output_embeddings()]
    for name in STACKS:
        part = stack(model, name)
        modules += [getattr(part, "embed_tokens", None), getattr(part, "embed_positions", None)]
    params, seen = [], set()
    for module in modules:
        for p in module.parameters() if module is not None else ():
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
    return params


def part_parameters(model) -> dict[str, list]:
    """{"embeddings", "encoder", "decoder"}: disjoint parameter lists covering the whole model
    (stack parameters that are embeddings count as embeddings only)."""
    embeddings = embedding_parameters(model)
    taken = {id(p) for p in embeddings}
    parts = {"embeddings": embeddings}
    for name in STACKS:
        parts[name] = [p for p in stack(model, name).parameters() if id(p) not in taken]
        taken |= {id(p) for p in parts[name]}
    rest = [n for n, p in model.named_parameters() if id(p) not in taken]
    if rest:  # a family this module does not know yet: fail instead of training it silently
        raise ValueError(f"parameters outside encoder, decoder and embeddings: {rest[:5]}")
    return parts
