"""Pretrained vectors in cells: Kim's four modes for every torch classifier, the static table's bytes
unchanged by every optimizer (the lazy sparse Adadelta included) while non-static moves, multichannel's
frozen channel, the checkpoint's collapsed table, the hash (unchanged without vectors, changed by
another file or mode), the presets and spec fields."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from seqarena.config import ModelConfig, TrainConfig
from seqarena.data.vectors import EmbeddingSource, embedding_source
from seqarena.errors import InputError
from seqarena.models import list_models
from seqarena.models.embeddings import TwoChannelEmbedding, collapse_channels, token_tables
from seqarena.run import embeddings as E
from seqarena.run.cells import Cell, build_model, dataset, run_cell
from seqarena.run.protocol import Protocol, resolve_splits
from seqarena.run.spec import expand, load_preset, parse_spec
from seqarena.train import fit
from tests.run.tiny_text import FILLER, NEG, POS

DIM = 8
SMALL = {"d_embed": DIM, "d_hidden": 8, "n_filters": 4, "kernel_sizes": (2, 3), "d_model": DIM, "n_heads": 2,
         "d_ff": 16, "n_buckets": 64}


def write_vectors(path: Path, words: list[str], dim: int = DIM, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.write_text("".join(w + " " + " ".join(f"{x:.5f}" for x in rng.normal(0, 0.3, dim)) + "\n" for w in words))
    return path


def hparams(name: str) -> dict:
    from seqarena.models import model_hparams

    return {k: v for k, v in SMALL.items() if k in model_hparams(name, "classify")}


@pytest.fixture
def tiny_words(monkeypatch, tiny_text):
    """tiny-text with its vocabulary (ids as the generator assigns them), as a text dataset has."""
    from seqarena.data import DATASETS, DatasetEntry
    from seqarena.data.vocab import Vocab
    from seqarena.run import cells
    from tests.run.tiny_text import make_tiny_text

    words = ["<pad>", "<unk>"] + FILLER + POS + NEG
    monkeypatch.setitem(DATASETS, "tiny-text", DatasetEntry(
        "tiny-text", "test texts", lambda d: replace(make_tiny_text(), vocab=Vocab(words))))
    cells._dataset.cache_clear()
    yield tiny_text
    cells._dataset.cache_clear()


@pytest.fixture
def vec(tmp_path, tiny_words):
    # every word but "boring", "dull" and "plot": 17 of 20 words
    return write_vectors(tmp_path / "v.txt", [w for w in FILLER + POS + NEG if w not in ("boring", "dull", "plot")])


def cell(name: str, mode: str, vec_path: Path | None, **train) -> Cell:
    src = embedding_source(vec_path, mode) if vec_path is not None else None
    return Cell("tiny-text", ModelConfig.of(name, **hparams(name)), TrainConfig(epochs=2, **train), seed=0, fold=0,
                protocol=Protocol(kind="cv", folds=3), embeddings=src)


def test_cells_without_vectors_keep_their_hash():
    c = Cell("mr", ModelConfig.of("textcnn", d_embed=300, kernel_sizes=[3, 4, 5]),
             TrainConfig(epochs=25, optimizer="adadelta", lr=1.0, embed_init=0.25), seed=0, fold=0, experiment="kim",
             protocol=Protocol(kind="cv"))
    assert c.config_hash == "6f9ed36ad9d7"  # as computed by main before vectors existed


def test_another_file_or_mode_is_another_cell_and_the_cache_dir_is_not(tmp_path, vec):
    other = write_vectors(tmp_path / "w.txt", ["good", "bad"], seed=1)
    a, b, c = cell("textcnn", "static", vec), cell("textcnn", "static", other), cell("textcnn", "non-static", vec)
    rand = cell("textcnn", "rand", None)
    assert len({a.config_hash, b.config_hash, c.config_hash, rand.config_hash}) == 4
    moved = replace(a, embeddings=replace(a.embeddings, cache_dir=str(tmp_path), path="/elsewhere/v.txt"))
    assert moved.config_hash == a.config_hash  # the file's contents, not its path or the cache


@pytest.mark.parametrize("name", list_models("classify"))
def test_every_classifier_takes_each_mode(name, vec):
    data = dataset("tiny-text")
    found = [data.vocab.stoi[w] for w in FILLER + POS + NEG if w not in ("boring", "dull", "plot")]
    missing = [data.vocab.stoi[w] for w in ("boring", "dull", "plot")]
    x, lengths = data.train.tokens[:5], data.train.lengths[:5]
    for mode in ("static", "non-static", "multichannel"):
        model = build_model(cell(name, mode, vec), data)
        (_, _, table), = token_tables(model, data.vocab_size)
        w = table.weight.detach()
        sub = E.subset_of(cell(name, mode, vec), data)
        want = dict(zip(sub.ids.tolist(), sub.vectors))
        assert sorted(want) == sorted(found)
        for i in found:
            np.testing.assert_allclose(w[i].numpy(), want[i], atol=1e-6)
        a = sub.init_scale()
        rows = w[missing]
        assert rows.abs().max() <= a and rows.abs().max() > 0  # U(-a, a), a matched to the vectors' variance
        assert torch.count_nonzero(w[:2]) == 0  # <pad> and <unk> at zero
        assert table.weight.requires_grad == (mode != "static")
        if mode == "multichannel":
            assert isinstance(table, TwoChannelEmbedding) and torch.equal(table.static, w)
            model.eval()
            before = model(x, lengths)
            collapse_channels(model)
            assert not any(isinstance(m, TwoChannelEmbedding) for m in model.modules())
            torch.testing.assert_close(model(x, lengths), before)  # the checkpoint's one table: same answers
        else:
            assert model(x, lengths).shape == (5, 2)


@pytest.mark.parametrize("train", [dict(optimizer="adadelta", lr=1.0),  # LazyAdadelta, sparse row gradients
                                   dict(optimizer="adadelta", lr=1.0, weight_decay=1e-3),  # torch's Adadelta
                                   dict(optimizer="sgd", lr=0.5), dict(optimizer="adam", lr=1e-2, weight_decay=1e-3),
                                   dict(optimizer="adamw", lr=1e-2, weight_decay=0.1, grad_clip=1.0)])
@pytest.mark.parametrize("name", ["textcnn", "bow"])
def test_static_table_bytes_never_change_and_non_static_moves(name, train, vec):
    data = dataset("tiny-text")
    results = {}
    for mode in ("static", "non-static", "multichannel"):
        c = cell(name, mode, vec, **train)
        splits = resolve_splits(data, c.protocol, c.fold, c.seed)
        model = build_model(c, data)
        (_, _, table), = token_tables(model, data.vocab_size)
        start = table.weight.detach().clone()
        static = table.static.clone() if mode == "multichannel" else None
        res = fit(model, splits.train, dev=splits.dev, cfg=replace(c.train, dev_ties="last"), seed=0)
        (_, _, table), = token_tables(model, data.vocab_size)
        results[mode] = (start, table, static, res)
    start, table, _, _ = results["static"]
    assert table.weight.numpy().tobytes() == start.numpy().tobytes()  # not one bit moved
    start, table, _, _ = results["non-static"]
    assert not torch.equal(table.weight.detach(), start)
    start, table, static, _ = results["multichannel"]
    assert table.static.numpy().tobytes() == static.numpy().tobytes()  # the frozen channel
    assert not torch.equal(table.weight.detach(), start)  # the trained channel


def test_run_cell_records_mode_and_coverage(vec):
    row = run_cell(cell("textcnn", "static", vec), device="cpu", measure_speed=False)
    assert row["embedding_mode"] == "static" and row["embeddings"] == "v.txt" and row["emb_dim"] == DIM
    assert row["emb_vocab_coverage"] == pytest.approx(17 / 20)
    assert 0.5 < row["emb_token_coverage"] < 1.0
    rand = run_cell(cell("textcnn", "rand", None), device="cpu", measure_speed=False)
    assert "embedding_mode" not in rand
    # static: the frozen table is not counted among the trained parameters
    assert row["params"] == rand["params"] - 22 * DIM  # 20 words, pad, unk


def test_prepare_checks_the_width_and_says_the_coverage(tmp_path, vec):
    lines = []
    cells = E.prepare([cell("textcnn", "static", vec)], lambda r: dataset(r), tmp_path / "vectors", lines.append)
    assert cells[0].embeddings.cache_dir == str(tmp_path / "vectors") and list((tmp_path / "vectors").glob("*.npz"))
    assert "tiny-text: v.txt (8-d, text, 17 words) covers 85.0% of the vocabulary (17 of 20 words)" in lines[0]
    wide = write_vectors(tmp_path / "wide.txt", ["good", "bad"], dim=5)
    with pytest.raises(InputError, match=r"the vectors have 5 dimensions but textcnn's d_embed is 8; set d_embed = 5"):
        E.prepare([cell("textcnn", "static", wide)], lambda r: dataset(r), None, lines.append)
    few = write_vectors(tmp_path / "few.txt", ["good"])
    lines.clear()
    E.prepare([cell("textcnn", "static", few)], lambda r: dataset(r), None, lines.append)
    assert lines[1].startswith("warning: only") and "training tokens" in lines[1]


def test_presets_and_spec_fields(tmp_path, vec, tiny_words):
    tiny_text = tiny_words
    for name, mode in (("kim-static", "static"), ("kim-nonstatic", "non-static"), ("kim-multichannel", "multichannel")):
        spec = load_preset(name)
        assert spec.embedding_mode == mode and spec.name == name and spec.train == load_preset("kim").train
        spec = replace(spec, datasets=(tiny_text,), models=("textcnn", "nbsvm"))
        with pytest.raises(InputError, match=rf"preset '{name}': embedding mode '{mode}' needs word vectors: "
                                             r"add --embeddings FILE"):
            expand(spec)
    (tmp_path / "sub").mkdir()
    text = (f'name = "t"\ndatasets = ["{tiny_text}"]\nmodels = ["textcnn", "nbsvm"]\n[protocol]\nkind = "cv"\n'
            'folds = 3\n[train]\nepochs = 1\nembeddings = "../v.txt"\nembedding_mode = "non-static"\n'
            "[hparams]\nd_embed = 8\n")
    spec_path = tmp_path / "sub" / "spec.toml"
    spec_path.write_text(text)
    spec = parse_spec(text, str(spec_path))
    assert Path(spec.embeddings) == tmp_path / "sub" / ".." / "v.txt"
    cells = expand(spec)
    torch_cells = [c for c in cells if c.model.name == "textcnn"]
    assert all(c.embeddings is not None and c.embeddings.mode == "non-static" for c in torch_cells)
    assert all(c.embeddings is None for c in cells if c.model.name == "nbsvm")
    assert spec.to_dict()["embedding_mode"] == "non-static"
    from seqarena.run.spec import spec_from_dict

    again = spec_from_dict(spec.to_dict())
    assert (again.embeddings, again.embedding_mode) == (spec.embeddings, spec.embedding_mode)
    with pytest.raises(InputError, match=r"spec\.toml:10: \[train\] embedding_mode: unknown 'frozen'"):
        parse_spec(text.replace('"non-static"', '"frozen"'), str(spec_path))
    with pytest.raises(InputError, match=r"unused with embedding mode 'rand'"):
        expand(parse_spec(text.replace('embedding_mode = "non-static"\n', ""), str(spec_path)))


def test_token_id_datasets_are_refused(tmp_path):
    path = write_vectors(tmp_path / "v.txt", ["a"])
    c = Cell("seed-bigram", ModelConfig.of("textcnn", d_embed=DIM), TrainConfig(epochs=1),
             embeddings=EmbeddingSource(str(path), "d", "static"))
    with pytest.raises(InputError, match="token ids without words"):
        E.prepare([c], lambda r: dataset(r), None, print)
