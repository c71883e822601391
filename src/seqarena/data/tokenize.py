"""Tokenizers by name: Kim's (2014) normalisation, whitespace, characters. Each maps a text to tokens."""

from __future__ import annotations

import re
from typing import Callable

from seqarena.errors import InputError

Tokenizer = Callable[[str], list[str]]

# Kim's normalisation, as his paper's preprocessing describes it: keep ASCII letters, digits and a few
# punctuation marks (everything else becomes a space), detach English clitics ('s 've n't 're 'd 'll)
# from their word, make each of , ! ? ( ) a token of its own, lower-case.
_OUTSIDE_KEPT = re.compile(r"[^a-z0-9(),!?'`]+")
_CLITIC = re.compile(r"(n't|'s|'ve|'re|'d|'ll)\b")
_SPLIT_MARK = re.compile(r"([,!?()])")


def kim_tokenize(text: str) -> list[str]:
    """'It's good, isn't it?' -> ['it', "'s", 'good', ',', 'is', "n't", 'it', '?']"""
    t = _OUTSIDE_KEPT.sub(" ", text.lower())
    t = _CLITIC.sub(r" \1", t)
    t = _SPLIT_MARK.sub(r" \1 ", t)
    return t.split()


def whitespace_tokenize(text: str) -> list[str]:
    """Split on runs of whitespace; case and punctuation are kept as they are."""
    return text.split()


def char_tokenize(text: str) -> list[str]:
    """One token per character (spaces included, ends stripped): for character-level models."""
    return list(text.strip())


TOKENIZERS: dict[str, Tokenizer] = {
    "kim": kim_tokenize,
    "whitespace": whitespace_tokenize,
    "chars": char_tokenize,
}


def get_tokenizer(name: str) -> Tokenizer:
    if name not in TOKENIZERS:
        raise InputError(f"--tokenizer: unknown tokenizer '{name}'; choose from {list(TOKENIZERS)}")
    return TOKENIZERS[name]
