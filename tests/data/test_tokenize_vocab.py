"""Tokenizers (Kim's normalisation, whitespace, characters) and the Vocab (pad 0, unk 1, limits)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqarena.data.tokenize import TOKENIZERS, char_tokenize, get_tokenizer, kim_tokenize, whitespace_tokenize
from seqarena.data.vocab import PAD, UNK, UNK_ID, Vocab
from seqarena.errors import InputError


def test_registry_holds_the_three_tokenizers():
    assert set(TOKENIZERS) == {"kim", "whitespace", "chars"}
    assert get_tokenizer("chars") is char_tokenize
    with pytest.raises(InputError, match=r"unknown tokenizer 'bpe'; choose from \['kim', 'whitespace', 'chars'\]"):
        get_tokenizer("bpe")


def test_kim_lowercases_splits_clitics_and_punctuation():
    assert kim_tokenize("It's GOOD, isn't it?") == ["it", "'s", "good", ",", "is", "n't", "it", "?"]
    assert kim_tokenize("(We'll see!) they'd've") == ["(", "we", "'ll", "see", "!", ")", "they", "'d", "'ve"]
    # characters outside letters, digits and , ! ? ( ) ' ` separate tokens and vanish
    assert kim_tokenize("co-writer/director; 3.5 stars") == ["co", "writer", "director", "3", "5", "stars"]
    assert kim_tokenize("caf\u00e9 \u2014 ok") == ["caf", "ok"]
    # text already tokenised this way (SST-2, MR) is a fixed point
    toks = kim_tokenize("they presume their audience wo n't sit still , however")
    assert kim_tokenize(" ".join(toks)) == toks


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abnt's'dvelrX(),!?` .-\u00e9\t", max_size=30))
def test_kim_output_is_lowercase_nonempty_tokens_and_a_fixed_point(s):
    toks = kim_tokenize(s)
    assert all(t and t == t.lower() and not any(c.isspace() for c in t) for t in toks)
    assert kim_tokenize(" ".join(toks)) == toks


def test_whitespace_and_chars():
    assert whitespace_tokenize("  A b\tC\n") == ["A", "b", "C"]
    assert char_tokenize(" ab c ") == ["a", "b", " ", "c"]


def test_vocab_special_ids_frequency_order_and_limits():
    texts = [["b", "a", "a"], ["c", "a", "b"], ["d"]]  # a:3 b:2 c:1 d:1
    v = Vocab.build(texts)
    assert v.itos[:2] == [PAD, UNK] and v.stoi[PAD] == 0 and UNK_ID == 1
    assert v.itos[2:] == ["a", "b", "c", "d"]  # by count; ties (c, d) in first-seen order
    assert Vocab.build(texts, min_freq=2).itos == [PAD, UNK, "a", "b"]
    assert Vocab.build(texts, max_size=3).itos == [PAD, UNK, "a"]  # max_size counts pad and unk
    assert len(Vocab.build(texts, min_freq=5)) == 2


def test_vocab_encode_decode_and_plain_list_round_trip():
    v = Vocab.build([["x", "y", "x"]])
    assert v.encode(["x", "zzz", "y"]) == [2, UNK_ID, 3]
    assert v.encode([]) == [UNK_ID]  # every sequence keeps length >= 1
    assert v.decode([2, 1, 3, 0, 0]) == ["x", UNK, "y"]
    plain = v.to_list()
    assert all(isinstance(t, str) for t in plain)
    assert Vocab.from_list(plain).stoi == v.stoi


def test_vocab_survives_a_weights_only_checkpoint(tmp_path):
    v = Vocab.build([["un", "deux", "un"]])
    torch.save({"vocab": v.to_list()}, tmp_path / "v.pt")
    back = torch.load(tmp_path / "v.pt", weights_only=True)["vocab"]
    assert Vocab.from_list(back).itos == v.itos


def test_vocab_rejects_bad_limits_and_lists():
    with pytest.raises(InputError, match="--min-freq must be >= 1"):
        Vocab.build([["a"]], min_freq=0)
    with pytest.raises(InputError, match="--max-vocab must be >= 3"):
        Vocab.build([["a"]], max_size=2)
    with pytest.raises(InputError, match="must start with"):
        Vocab.from_list(["a", "b"])
