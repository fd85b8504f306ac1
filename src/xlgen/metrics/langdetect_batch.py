"""langdetect's `Detector.detect()` for many texts at once: the same labels, several times faster.

langdetect spends its time in a pure-Python loop: 7 trials per text, each drawing up to
1,001 random n-grams of the text and multiplying 55 language probabilities by the
n-gram's profile row, normalizing after the first draw and then every 5th until one
language passes 0.99999. Here the texts of a batch run that loop in lockstep, one numpy
row per text, and every floating-point operation is the one langdetect performs, in the
same order: `prob * (weight + row)` elementwise, the row sum as Python's `sum` computes it
(sequentially before Python 3.12, Neumaier-compensated from 3.12), division, maximum. The
labels are therefore identical to `factory.create().append(text).detect()`, which
tests/test_score_parallel.py checks on thousands of multilingual texts.

The random draws are reproduced without calling `random.Random` per draw: langdetect
reseeds its generator with the factory's seed for every text, so all texts read the same
stream of 32-bit Mersenne Twister words. CPython's `choice(seq)` takes the top
`len(seq).bit_length()` bits of one word and rejects values >= len(seq); `gauss()` reads two
`random()` values (two words each) every other call and caches the second normal. Which
words a text uses depends only on its n-gram count and on when each trial converged.

Text cleaning and n-gram extraction are langdetect's own code (`Detector.append`,
`cleaning_text`, `_extract_ngrams`).
"""

from __future__ import annotations

import math
import random
import sys

import numpy as np
from langdetect.detector import Detector
from langdetect.language import Language

_TWOPI = 2.0 * math.pi
_INITIAL_WORDS = 1 << 15  # covers 7 trials of 1,001 draws for almost every text
BATCH = 1024  # texts run in lockstep (memory: BATCH x 1,001 draw indices)


def python_row_sums(matrix: np.ndarray) -> np.ndarray:
    """`sum(row)` of each row, bit for bit as this Python computes it for a list of floats."""
    if sys.version_info < (3, 12):  # plain left-to-right addition (accumulate is sequential)
        return np.add.accumulate(matrix, axis=1)[:, -1].copy()
    # 3.12+: Neumaier's compensated sum (bltinmodule.c, builtin_sum_impl), started at 0 + x0
    total = matrix[:, 0].copy()
    compensation = np.zeros(len(matrix))
    for j in range(1, matrix.shape[1]):
        x = matrix[:, j]
        t = total + x
        compensation += np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
        total = t
    return total + compensation  # adding a zero compensation leaves a positive total unchanged


class _WordStream:
    """The 32-bit words `random.Random(seed)` produces, in order, and the draws of
    `random.choice` over n items that they give."""

    def __init__(self, seed):
        self._rng = random.Random(seed)
        self.words = np.zeros(0, dtype=np.int64)
        self._shifted: dict[int, np.ndarray] = {}

    def ensure(self, size: int) -> None:
        if size <= len(self.words):
            return
        grow = max(size, 2 * len(self.words), _INITIAL_WORDS) - len(self.words)
        fresh = np.fromiter((self._rng.getrandbits(32) for _ in range(grow)), dtype=np.int64, count=grow)
        self.words = np.concatenate([self.words, fresh])
        self._shifted.clear()

    def choices(self, n: int, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The next `count` results of `choice` over n items from word `start` on: (indices
        drawn, position of the word each came from). `getrandbits(k)`, k = n.bit_length(),
        is a word's top k bits; values >= n are rejected and the next word is read."""
        k = n.bit_length()
        window = 2 * count + 64  # acceptance is at least 1/2: usually enough
        while True:
            self.ensure(start + window)
            shifted = self._shifted.get(k)
            if shifted is None:
                shifted = self._shifted[k] = self.words >> (32 - k)
            values = shifted[start : start + window]
            positions = np.flatnonzero(values < n)
            if len(positions) >= count:
                positions = positions[:count]
                return values[positions], positions + start
            window *= 2

    def random(self, position: int) -> float:
        """`random.random()` read from the words at `position` and `position + 1`."""
        a = int(self.words[position]) >> 5
        b = int(self.words[position + 1]) >> 6
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


_STREAMS: dict[object, _WordStream] = {}


def _stream(seed) -> _WordStream:
    if seed not in _STREAMS:
        _STREAMS[seed] = _WordStream(seed)
        _STREAMS[seed].ensure(_INITIAL_WORDS)
    return _STREAMS[seed]


class _Text:
    """One text's state across trials: its n-gram rows, stream position, cached normal."""

    __slots__ = ("rows", "position", "gauss_next", "langprob")

    def __init__(self, rows: np.ndarray, n_langs: int):
        self.rows = rows
        self.position = 0
        self.gauss_next: float | None = None
        self.langprob = np.zeros(n_langs)


def _check_supported(detector: Detector) -> None:
    if detector.seed is None:
        raise ValueError("batch detection needs a seeded DetectorFactory (set_seed)")
    if detector.prior_map is not None or detector.verbose:
        raise ValueError("batch detection supports langdetect's defaults only (no prior map, not verbose)")


def detect_batch(factory, texts: list[str]) -> list[str | None]:
    """`factory.create()`, `.append(text)`, `.detect()` for each text: langdetect's label
    ("en", "zh-cn", "unknown"), or None where langdetect raises (no n-gram features)."""
    labels: list[str | None] = []
    template = factory.create()
    for probabilities in probabilities_batch(factory, texts):
        if probabilities is None:
            labels.append(None)
            continue
        ranked = [Language(lang, p) for lang, p in zip(template.langlist, probabilities)
                  if p > template.PROB_THRESHOLD]
        ranked.sort(reverse=True)  # langdetect's _sort_probability: stable, first wins a tie
        labels.append(ranked[0].lang if ranked else template.UNKNOWN_LANG)
    return labels


def probabilities_batch(factory, texts: list[str]) -> list[list[float] | None]:
    """langdetect's `Detector.langprob` after detection (one probability per language of
    `factory.langlist`) for each text; None where langdetect raises (no n-gram features)."""
    out: list[list[float] | None] = []
    for start in range(0, len(texts), BATCH):
        out += _probabilities_chunk(factory, texts[start : start + BATCH])
    return out


def _probabilities_chunk(factory, texts: list[str]) -> list[list[float] | None]:
    template = factory.create()
    _check_supported(template)
    vocabulary: dict[str, int] = {}
    states: list[_Text | None] = []
    for text in texts:
        detector = factory.create()
        detector.append(text)
        detector.cleaning_text()
        ngrams = detector._extract_ngrams()
        if not ngrams:
            states.append(None)
            continue
        rows = np.fromiter((vocabulary.setdefault(w, len(vocabulary)) for w in ngrams), dtype=np.int64,
                           count=len(ngrams))
        states.append(_Text(rows, len(template.langlist)))
    live = [state for state in states if state is not None]
    if live:
        profile = np.array([factory.word_lang_prob_map[w] for w in vocabulary], dtype=np.float64)
        _run_trials(template, profile, live, _stream(template.seed))
    return [None if state is None else state.langprob.tolist() for state in states]


def _run_trials(template: Detector, profile: np.ndarray, texts: list[_Text], stream: _WordStream) -> None:
    limit = template.ITERATION_LIMIT
    n_draws = limit + 1  # i runs 0..limit: at most limit + 1 updates per trial
    n_langs = len(template.langlist)
    for _trial in range(template.n_trial):
        weights = np.empty(len(texts))
        draws = np.empty((len(texts), n_draws), dtype=np.int64)
        positions = []
        for b, text in enumerate(texts):
            # gauss(0.0, 1.0): two random() values every other call, the second normal cached
            z = text.gauss_next
            text.gauss_next = None
            if z is None:
                stream.ensure(text.position + 4)
                x2pi = stream.random(text.position) * _TWOPI
                g2rad = math.sqrt(-2.0 * math.log(1.0 - stream.random(text.position + 2)))
                text.position += 4
                z = math.cos(x2pi) * g2rad
                text.gauss_next = math.sin(x2pi) * g2rad
            alpha = template.alpha + (0.0 + z * 1.0) * template.ALPHA_WIDTH
            weights[b] = alpha / template.BASE_FREQ
            chosen, where = stream.choices(len(text.rows), text.position, n_draws)
            draws[b] = text.rows[chosen]
            positions.append(where)
        prob, used = _lockstep(profile, weights, draws, n_langs, template.CONV_THRESHOLD, limit)
        for b, text in enumerate(texts):
            text.position = int(positions[b][used[b] - 1]) + 1  # after the last word this trial read
            text.langprob += prob[b] / template.n_trial


def _lockstep(profile, weights, draws, n_langs, threshold, limit):
    """One trial of every text: (normalized probabilities, draws used) per text."""
    count = len(weights)
    done_prob = np.empty((count, n_langs))
    used = np.empty(count, dtype=np.int64)
    active = np.arange(count)
    prob = np.full((count, n_langs), 1.0 / n_langs)
    weight = weights[:, None]
    step = 0
    while active.size:
        end = step + (1 if step == 0 else 5)  # normalized after draw 1, then every 5th
        for s in range(step, end):
            prob *= weight + profile[draws[active, s]]
        prob /= python_row_sums(prob)[:, None]
        finished = (prob.max(axis=1) > threshold) | (end - 1 >= limit)
        if finished.any():
            done_prob[active[finished]] = prob[finished]
            used[active[finished]] = end
            keep = ~finished
            active, prob, weight = active[keep], prob[keep], weight[keep]
        step = end
    return done_prob, used
