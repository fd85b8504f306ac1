"""The script mask: while decoding, forbid every token whose text holds a letter of a script
the target language does not use (issue 23; the rule-based form of the "language confusion
gate" of Zhang et al. 2025). It separates scripts, never languages that share one: English
for a Russian, Chinese, Arabic, Thai or Hindi target, but never Spanish from Portuguese, and
for a Latin-script target it forbids no Latin letter.

A "letter" here is a letter or a combining mark (Thai and Indic vowel signs are marks).
What stays allowed: letters of the target's scripts (xlgen.metrics.scripts.target_scripts,
from the language registry; Latin too with `keep_latin`, for the names and acronyms real
answers hold), letters every script uses (Unicode Script_Extensions Common or Inherited: the
modifier letter "ʹ", the accents), everything that is not a letter (digits of any script,
punctuation, symbols, whitespace) and the tokenizer's special tokens (EOS, pad, the language
codes a family forces). Script_Extensions, not Script, decides: the Arabic tatweel "ـ" and
the Japanese length mark "ー" are Script Common but belong to their scripts. Letters are
judged after NFKC, as the language judge reads outputs. Logit positions past the
tokenizer's vocabulary (mT5 pads its head to 250,112) have no text and stay allowed.

Scripts come from the `regex` module's `\\p{Script_Extensions=...}` classes: the Unicode
tables the language judge already reads (xlgen.metrics.scripts), kept current by a
maintained dependency; `unicodedata` has no Script property.

Byte tokens (Llama's and Gemma's byte fallback `<0xE2>`, GPT-2-style byte-level BPE of Qwen
and Llama 3) can spell a character over several tokens, each of which decodes to nothing.
Such a token is judged by the characters it can complete or begin: the static mask forbids
a token whose trailing bytes can only begin forbidden letters, and while a row holds an
unfinished character the processor also forbids the continuations that would finish it as
a forbidden letter. So a byte-fallback model cannot spell "é" as <0xC3><0xA9> for a Russian
target with `keep_latin` off.

The forbidden set is computed once per (tokenizer, scripts, keep_latin) and cached as a
`.npy` file of token ids (`cache_dir`, e.g. `mask_cache_dir(backbone_dir)`), named by the
scripts and a fingerprint of the tokenizer's pieces and of these rules, so a changed
tokenizer never reads a stale file.

This module imports torch and transformers (its processor is a transformers
LogitsProcessor); `xlgen.remedies` itself does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import regex
import torch
from transformers import LogitsProcessor

from xlgen.io import InputError, atomic_path
from xlgen.languages import describe_language
from xlgen.metrics.scripts import target_scripts

# Part of every cache file's fingerprint: change it when the rules below change.
RULES_VERSION = 1
CACHE_DIRNAME = "script_masks"
_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
_METASPACE = "\u2581"


def mask_cache_dir(backbone_dir: str | Path) -> Path:
    """Where the masks of a backbone's tokenizer are cached: `<backbone_dir>/script_masks`
    (a subdirectory: the backbone's recorded file digests cover its top level only)."""
    return Path(backbone_dir) / CACHE_DIRNAME


def allowed_scripts(lang: str, keep_latin: bool = False) -> tuple[str, ...]:
    """The Unicode scripts whose letters a `lang` output may hold: the target's own
    (Han + Hiragana + Katakana for Japanese), and Latin with `keep_latin`. InputError for a
    language whose script the mask cannot tell apart."""
    scripts = target_scripts(lang)
    if not scripts:
        raise InputError(f"script mask: the script of {lang!r} ({describe_language(lang).script}) is not one the "
                         f"mask can tell apart")
    return scripts + (("Latin",) if keep_latin and "Latin" not in scripts else ())


@lru_cache(maxsize=64)
def _forbidden_letter(scripts: tuple[str, ...]):
    """A pattern matching one letter or combining mark whose Script_Extensions hold none
    of `scripts`, Common and Inherited."""
    allowed = "".join(f"\\p{{Script_Extensions={name}}}" for name in (*scripts, "Common", "Inherited"))
    return regex.compile(f"(?V1)[[\\p{{L}}\\p{{M}}]--[{allowed}]]")


def has_forbidden_letter(text: str, scripts: tuple[str, ...]) -> bool:
    """Whether `text` (after NFKC) holds a letter, or a combining mark, of a script outside
    `scripts` (Thai and Indic vowel signs are marks; the accents every script shares are
    Inherited and allowed)."""
    return _forbidden_letter(scripts).search(unicodedata.normalize("NFKC", text)) is not None


# --- the tokens' bytes ------------------------------------------------------------------


def _gpt2_byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet, character -> byte (the printable bytes stand for
    themselves, the others are shifted past U+0100)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\xa1"), ord("\xac") + 1), *range(ord("\xae"), 256)]
    shifted = [b for b in range(256) if b not in printable]
    return {**{chr(b): b for b in printable}, **{chr(256 + i): b for i, b in enumerate(shifted)}}


def _decoder_kinds(tokenizer) -> set[str]:
    """The types of the tokenizer's decoding steps ("ByteLevel", "ByteFallback", ...)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    decoder = getattr(backend, "decoder", None) if backend is not None else None
    if decoder is None:
        return set()
    return set(re.findall(r'"type":\s*"(\w+)"', decoder.__getstate__().decode("utf-8")))


class TokenizerView:
    """What the mask reads from a tokenizer, read once: every id's piece, the special ids,
    the decoder's kinds, each token's bytes, and a fingerprint of them."""

    def __init__(self, tokenizer):
        self.pieces: list[str | None] = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
        special_texts = set(tokenizer.all_special_tokens)
        # the special tokens, and the ids whose piece is a special token's text (the mBART
        # demo's sentencepiece `<unk>` beside the fairseq one: decoding skips both)
        self.specials: set[int] = (set(tokenizer.all_special_ids) | {i for i, t in added.items() if t.special}
                                   | {i for i, piece in enumerate(self.pieces) if piece in special_texts})
        self.added: set[int] = set(added)
        self.kinds = _decoder_kinds(tokenizer)
        self.has_byte_tokens = False  # set by bytes(): a token may hold part of a character
        self._bytes: list[bytes | None] | None = None

    def __len__(self) -> int:
        return len(self.pieces)

    def bytes(self) -> list[bytes | None]:
        """The bytes each token id writes (None for a special token): byte-level pieces
        mapped back through GPT-2's alphabet, `<0xNN>` pieces of a byte-fallback tokenizer as
        that byte, other pieces as UTF-8 with sentencepiece's "▁" as a space."""
        if self._bytes is None:
            byte_level = "ByteLevel" in self.kinds
            byte_decoder = _gpt2_byte_decoder() if byte_level else {}
            out: list[bytes | None] = []
            for i, piece in enumerate(self.pieces):
                if i in self.specials or piece is None:
                    out.append(None)
                elif i in self.added:  # an added token's content is plain text in every tokenizer kind
                    out.append(piece.encode("utf-8"))
                elif byte_level and all(c in byte_decoder for c in piece):
                    out.append(bytes(byte_decoder[c] for c in piece))
                    self.has_byte_tokens = True
                elif (match := _BYTE_PIECE.fullmatch(piece)) and not byte_level:
                    out.append(bytes([int(match[1], 16)]))
                    self.has_byte_tokens = True
                else:
                    out.append(piece.replace(_METASPACE, " ").encode("utf-8"))
            self._bytes = out
        return self._bytes

    def fingerprint(self) -> str:
        """sha256 of the pieces, special ids and decoder kinds, and of the rules
        (RULES_VERSION, the Unicode tables' versions)."""
        digest = hashlib.sha256()
        digest.update(json.dumps([RULES_VERSION, regex.__version__, unicodedata.unidata_version,
                                  sorted(self.kinds), sorted(self.specials)]).encode())
        for piece in self.pieces:
            digest.update(b"\0" + (piece or "").encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


def special_token_ids(tokenizer) -> set[int]:
    """The ids the mask never forbids: the special tokens (EOS, pad, language codes...)."""
    return TokenizerView(tokenizer).specials


def token_bytes(tokenizer) -> list[bytes | None]:
    """The bytes each token id writes, None for a special token (TokenizerView.bytes)."""
    return TokenizerView(tokenizer).bytes()


def tokenizer_fingerprint(tokenizer) -> str:
    """sha256 of what the mask reads from a tokenizer and of its rules (the cache key)."""
    return TokenizerView(tokenizer).fingerprint()


# --- UTF-8 fragments ----------------------------------------------------------------------


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte < 0xC0


def _char_length(lead: int) -> int:
    """The length of the UTF-8 sequence a lead byte begins (1 for ASCII and stray bytes)."""
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def split_utf8(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(head, middle, tail) of a token's bytes: the continuation bytes it starts with (up
    to 3: the end of a character begun by earlier tokens), the bytes between, and the
    unfinished character it ends with (a lead byte without all its continuation bytes)."""
    start = 0
    while start < min(3, len(data)) and _is_continuation(data[start]):
        start += 1
    end = len(data)
    for back in range(1, min(4, len(data) - start + 1)):
        byte = data[-back]
        if byte >= 0xC0:
            if _char_length(byte) > back:
                end = len(data) - back
            break
        if byte < 0x80:
            break
    return data[:start], data[start:end], data[end:]


def _code_points(prefix: bytes) -> range:
    """The code points whose UTF-8 encoding starts with `prefix` (a lead byte and maybe
    continuation bytes), surrogates included; empty for a prefix no character starts with."""
    length = _char_length(prefix[0])
    if length == 1 or len(prefix) >= length:
        return range(0)
    value = prefix[0] & (0x7F >> length)
    for byte in prefix[1:]:
        value = (value << 6) | (byte & 0x3F)
    free = 6 * (length - len(prefix))
    low, high = value << free, ((value + 1) << free) - 1
    valid = {2: (0x80, 0x7FF), 3: (0x800, 0xFFFF), 4: (0x10000, 0x10FFFF)}[length]
    return range(max(low, valid[0]), min(high, valid[1]) + 1)


@lru_cache(maxsize=4096)
def can_begin_allowed(prefix: bytes, scripts: tuple[str, ...]) -> bool:
    """Whether some character whose UTF-8 encoding begins with `prefix` is allowed (not a
    letter outside `scripts`); True for a prefix no character begins with (it decodes to
    U+FFFD, no letter)."""
    points = _code_points(prefix)
    if not points:
        return True
    pattern = _forbidden_letter(scripts)
    return any(not 0xD800 <= cp <= 0xDFFF and pattern.search(unicodedata.normalize("NFKC", chr(cp))) is None
               for cp in points)


def _token_forbidden(data: bytes, scripts: tuple[str, ...]) -> bool:
    """The static rule: the token's whole characters hold a forbidden letter, or the
    character it leaves unfinished can only be a forbidden letter."""
    _, middle, tail = split_utf8(data)
    if has_forbidden_letter(middle.decode("utf-8", errors="replace"), scripts):
        return True
    return bool(tail) and not can_begin_allowed(tail, scripts)


# --- the forbidden set and its cache ------------------------------------------------------


def compute_forbidden_ids(view: TokenizerView, scripts: tuple[str, ...]) -> np.ndarray:
    """Sorted int64 ids of the tokens the static rule forbids for `scripts`."""
    return np.array([i for i, data in enumerate(view.bytes())
                     if data is not None and _token_forbidden(data, scripts)], dtype=np.int64)


def cache_file(cache_dir: str | Path, scripts: tuple[str, ...], fingerprint: str) -> Path:
    """`<cache_dir>/<Script+Script>-<16 hex digits of the fingerprint>.npy`."""
    return Path(cache_dir) / f"{'+'.join(scripts)}-{fingerprint[:16]}.npy"


def forbidden_token_ids(tokenizer, lang: str, *, keep_latin: bool = False,
                        cache_dir: str | Path | None = None, view: TokenizerView | None = None) -> np.ndarray:
    """Sorted ids of the tokens forbidden for a `lang` output (see the module docstring),
    read from `cache_dir` where a file of this tokenizer and these scripts is, else
    computed (and, with `cache_dir`, written there atomically). `view`: the tokenizer's
    TokenizerView where the caller has one."""
    scripts = allowed_scripts(lang, keep_latin)
    view = view or TokenizerView(tokenizer)
    if cache_dir is None:
        return compute_forbidden_ids(view, scripts)
    path = cache_file(cache_dir, scripts, view.fingerprint())
    if path.is_file():
        try:
            ids = np.load(path, allow_pickle=False)
        except (OSError, ValueError):  # unreadable: computed again and replaced
            ids = None
        if ids is not None and ids.ndim == 1 and ids.dtype == np.int64 and (ids < len(view)).all():
            return ids
    ids = compute_forbidden_ids(view, scripts)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # np.save(path) would add ".npy" to the temporary name
        np.save(fh, ids, allow_pickle=False)
    return ids


# --- the logits processor -----------------------------------------------------------------


class ScriptMaskLogitsProcessor(LogitsProcessor):
    """Sets the scores of the tokens forbidden for `lang` to -inf at every step (one addition
    of a precomputed row of 0 and -inf); for tokenizers with byte tokens, also the
    continuations that would finish a row's unfinished character as a forbidden letter.

    Usable wherever transformers takes a logits processor (`model.generate(...,
    logits_processor=LogitsProcessorList([...]))`) and by xlgen.generation.generate. It
    keeps no state between steps (it reads each row's last tokens), so rows may be dropped
    or reordered between calls (beam search, the CPU greedy loop).
    """

    def __init__(self, tokenizer, lang: str, *, keep_latin: bool = False, cache_dir: str | Path | None = None):
        self.lang = lang
        self.keep_latin = keep_latin
        self.scripts = allowed_scripts(lang, keep_latin)
        view = TokenizerView(tokenizer)
        self.forbidden_ids = forbidden_token_ids(tokenizer, lang, keep_latin=keep_latin, cache_dir=cache_dir,
                                                 view=view)
        self.vocab_size = len(view)
        self._mask = torch.zeros(self.vocab_size, dtype=torch.bool)
        self._mask[torch.from_numpy(self.forbidden_ids)] = True
        self._masks: dict[tuple, torch.Tensor] = {}
        # byte tokens: each token's trailing unfinished character, and the continuation bytes
        # it starts with (with whether it is nothing else)
        self._tails: dict[int, bytes] = {}
        self._heads: dict[int, tuple[bytes, bool]] = {}
        whole = view.bytes()
        for i, data in enumerate(whole if view.has_byte_tokens else ()):  # else every token is whole characters
            head, middle, tail = split_utf8(data or b"")
            if tail:
                self._tails[i] = tail
            if head:
                self._heads[i] = (head, not middle and not tail)
        open_ends = torch.zeros(self.vocab_size, dtype=torch.bool)  # tokens after which a character may be unfinished
        open_ends[sorted(set(self._tails) | {i for i, (_, only) in self._heads.items() if only})] = True
        self._open_ends = open_ends if open_ends.any() else None
        self._finishing: dict[bytes, list[int]] = {}

    def __repr__(self) -> str:
        return (f"ScriptMaskLogitsProcessor(lang={self.lang!r}, scripts={'+'.join(self.scripts)}, "
                f"{len(self.forbidden_ids)} of {self.vocab_size} tokens forbidden)")

    def _on(self, base: torch.Tensor, width: int, device, dtype=None) -> torch.Tensor:
        """The boolean row `base` cut or padded (False) to `width` logits, on `device`; with
        `dtype`, as an additive row of that dtype (0 where False, -inf where True). Made once."""
        key = (id(base), width, device, dtype)
        if key not in self._masks:
            row = torch.zeros(width, dtype=torch.bool)
            row[: min(width, len(base))] = base[:width]
            if dtype is not None:
                row = torch.zeros(width, dtype=dtype).masked_fill(row, -float("inf"))
            self._masks[key] = row.to(device)
        return self._masks[key]

    def pending(self, ids: list[int]) -> bytes:
        """The bytes of the character a row's last tokens leave unfinished (b"" if none)."""
        pending = b""
        for token in ids[-3:]:  # a character spans at most 4 bytes: its lead is among the last 3 tokens
            head, only = self._heads.get(token, (b"", False))
            if only:
                joined = pending + head
                pending = joined if pending and len(joined) < _char_length(pending[0]) else b""
            else:
                pending = self._tails.get(token, b"")
        return pending

    def finishing_forbidden(self, pending: bytes) -> list[int]:
        """Ids of the tokens that would continue the unfinished character `pending` into a
        forbidden letter, or leave it unfinished where only forbidden letters can follow."""
        if pending not in self._finishing:
            need = _char_length(pending[0])
            forbidden = []
            for token, (head, only) in self._heads.items():
                joined = pending + head
                if len(joined) >= need:
                    if has_forbidden_letter(joined[:need].decode("utf-8", errors="replace"), self.scripts):
                        forbidden.append(token)
                elif only and not can_begin_allowed(joined, self.scripts):
                    forbidden.append(token)
            self._finishing[pending] = forbidden
        return self._finishing[pending]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        width = scores.shape[-1]
        # adding a row of 0 / -inf: 9x faster on CPU than masked_fill with the boolean row (40 vs
        # 364 us on 64 x 2,001 scores), and x + 0.0 is x, so the other scores are unchanged
        scores = scores + self._on(self._mask, width, scores.device, scores.dtype)
        if self._open_ends is None or input_ids.shape[1] == 0:
            return scores
        last = input_ids[:, -1]
        rows = self._on(self._open_ends, self.vocab_size, input_ids.device)[last.clamp(0, self.vocab_size - 1)]
        rows &= last < self.vocab_size  # ids past the tokenizer (a padded head) end no character
        if not rows.any():  # the usual step: no row has an unfinished character
            return scores
        for row in rows.nonzero().flatten().tolist():
            pending = self.pending(input_ids[row, -3:].tolist())
            ids = self.finishing_forbidden(pending) if pending else []
            ids = [i for i in ids if i < width]
            if ids:
                scores[row, ids] = -float("inf")
        return scores


def script_mask_processor(tokenizer, lang: str, *, keep_latin: bool = False,
                          cache_dir: str | Path | None = None) -> ScriptMaskLogitsProcessor:
    """The script mask for outputs in `lang` (see ScriptMaskLogitsProcessor), its forbidden
    set read from or written to `cache_dir` (e.g. mask_cache_dir(backbone_dir))."""
    return ScriptMaskLogitsProcessor(tokenizer, lang, keep_latin=keep_latin, cache_dir=cache_dir)


def decode_setup(model, tokenizer, family, lang: str, settings: dict, records: list[dict]):
    """(`generate` keywords, context) of the generate script for outputs in `lang`:
    `settings` {"keep_latin", "cache_dir"} (the registry's interface, xlgen.remedies)."""
    processor = script_mask_processor(tokenizer, lang, keep_latin=bool(settings["keep_latin"]),
                                      cache_dir=settings["cache_dir"])
    return {"logits_processor": [processor]}, contextlib.nullcontext(processor)
