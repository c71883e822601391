"""Datasets by name (mr, sst2, subj from the data directory) and from user files (`load_files`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from seqarena.data import DATASETS, TextConfig, load_dataset, load_files
from seqarena.data.corpora import load_corpus
from seqarena.data.tokenize import kim_tokenize
from seqarena.data.vocab import Vocab
from seqarena.errors import InputError


def test_registry_names():
    assert {"seed-bigram", "mr", "sst2", "subj"} <= set(DATASETS)
    with pytest.raises(InputError, match="unknown dataset 'imdb'; choose from"):
        load_dataset("imdb")


# counts from the data's README (classification/README.md)
@pytest.mark.parametrize("name,protocol,sizes,classes", [
    ("mr", "cv", {"train": [5331, 5331]}, ["neg", "pos"]),
    ("sst2", "given", {"train": [3310, 3610], "dev": [428, 444], "test": [912, 909]}, ["negative", "positive"]),
    ("subj", "cv", {"train": [5000, 5000]}, ["objective", "subjective"]),
])
def test_named_corpora_load_with_the_right_counts(shared_data, name, protocol, sizes, classes):
    ds = load_dataset(name, shared_data)
    assert ds.protocol == protocol and ds.label_names == classes and ds.num_classes == 2
    for split, counts in sizes.items():
        s = getattr(ds, split)
        assert torch.bincount(s.labels).tolist() == counts
        assert len(ds.texts[split]) == len(s)
    if protocol == "cv":
        assert ds.test is None and ds.dev is None
    assert ds.vocab_size == len(ds.vocab)


def test_rows_align_with_texts_and_vocab_comes_from_train_only(shared_data):
    ds = load_dataset("sst2", shared_data)
    assert ds.vocab.itos == Vocab.build(kim_tokenize(t) for t in ds.texts["train"]).itos
    for split in (ds.train, ds.test):
        text = ds.texts["train" if split is ds.train else "test"][7]
        n = int(split.lengths[7])
        assert split.tokens[7, :n].tolist() == ds.vocab.encode(kim_tokenize(text))
        assert (split.tokens[7, n:] == 0).all()
    test_words = {w for t in ds.texts["test"] for w in kim_tokenize(t)}
    train_words = {w for t in ds.texts["train"] for w in kim_tokenize(t)}
    unseen = test_words - train_words
    assert unseen and not any(w in ds.vocab for w in unseen)


def test_cp1252_corpus_decodes_without_warning(shared_data, recwarn):
    ds = load_corpus("mr", shared_data, TextConfig(tokenizer="whitespace"))
    assert not [w for w in recwarn.list if "cp1252" in str(w.message)]
    # rt-polarity has cp1252 punctuation (0x85, 0x91, 0x96, 0x97): decoded, not replaced
    assert any("\u2026" in t or "\u2019" in t or "\u2013" in t or "\u2014" in t for t in ds.texts["train"])


def test_repeated_loads_are_cached(shared_data):
    assert load_dataset("subj", shared_data) is load_dataset("subj", shared_data)


def fake_sst2(root: Path, train: str = "1 good film\n0 bad film\n1 great\n") -> Path:
    d = root / "classification" / "sst2"
    d.mkdir(parents=True)
    (d / "stsa.binary.train").write_text(train)
    (d / "stsa.binary.dev").write_text("0 awful\n")
    (d / "stsa.binary.test").write_text("1 good\n0 bad\n")
    return root


def test_env_var_names_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQARENA_DATA", str(fake_sst2(tmp_path)))
    ds = load_dataset("sst2")
    assert (len(ds.train), len(ds.dev), len(ds.test)) == (3, 1, 2)
    assert ds.meta["data_dir"] == str(tmp_path)


def test_missing_dataset_says_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQARENA_DATA", str(tmp_path))
    with pytest.raises(InputError) as e:
        load_dataset("mr")
    msg = str(e.value)
    assert str(tmp_path) in msg and "seqarena data download mr" in msg and "\n" not in msg


def write_csvs(tmp_path: Path) -> tuple[Path, Path, Path]:
    train = tmp_path / "train.csv"
    train.write_text("text,label\ngood good film,pos\nbad film,neg\nrare word,pos\nbad bad,neg\n")
    dev = tmp_path / "dev.csv"
    dev.write_text("text,label\ngood,pos\n")
    test = tmp_path / "test.csv"
    test.write_text("text,label\nbad unseen,neg\ngood,pos\n")
    return train, dev, test


def test_load_files_builds_a_given_split_dataset(tmp_path):
    train, dev, test = write_csvs(tmp_path)
    ds = load_files(train, dev, test, fmt="csv", min_freq=2)
    assert ds.protocol == "given" and ds.label_names == ["neg", "pos"]
    # counts: bad 3, good 2, film 2 (ties in first-seen order); rare, word: once, below min_freq
    assert ds.vocab.itos == ["<pad>", "<unk>", "bad", "good", "film"]
    assert ds.test.tokens[0, :2].tolist() == [2, 1]  # "bad unseen"
    assert ds.texts["test"] == ["bad unseen", "good"]
    assert load_files(train, fmt="csv").protocol == "cv"


def test_load_files_rereads_an_edited_file(tmp_path):
    train, _, _ = write_csvs(tmp_path)
    first = load_files(train, fmt="csv")
    assert load_files(train, fmt="csv") is first
    train.write_text("text,label\na,x\nb,y\nc,z\n")
    os.utime(train, ns=(first_ns := train.stat().st_mtime_ns + 10**9, first_ns))
    assert load_files(train, fmt="csv").label_names == ["x", "y", "z"]


def test_label_only_in_test_and_single_class(tmp_path):
    train, _, test = write_csvs(tmp_path)
    test.write_text("text,label\ngood,pos\nodd one,neutral\n")
    with pytest.raises(InputError, match=r"test\.csv:3: label 'neutral' does not occur in the training data"):
        load_files(train, test=test, fmt="csv")
    one = tmp_path / "one.txt"
    one.write_text("1 a\n1 b\n")
    with pytest.raises(InputError, match=r"one\.txt: only one class \('1'\) in the training data"):
        load_files(one, fmt="label-text")


def test_integer_labels_sort_numerically(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("10 a\n2 b\n1 c\n")
    assert load_files(p, fmt="label-text").label_names == ["1", "2", "10"]
