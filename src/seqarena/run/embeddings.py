"""Pretrained word vectors for a comparison's cells: which cells get them (`attach`), reading each
file once for every dataset before anything trains (`prepare`: the subsets cached beside the run,
dimensions checked, coverage printed), and, in each worker, the model's tables filled (`apply`) and
the coverage put in the row (`row_fields`).

A torch cell with vectors carries a `data.vectors.EmbeddingSource`; its hash gains the file's sha256
and the mode, so another file or mode is another cell, and cells without vectors hash as before. The
sparse baselines read no vectors and get none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from seqarena.data import Dataset, Split
from seqarena.data.vectors import LOW_COVERAGE, MODES, EmbeddingSource, Subset, embedding_source, load_subsets
from seqarena.errors import InputError
from seqarena.models.embeddings import apply_vectors, embedding_dims

NEEDS_FILE = ("static", "non-static", "multichannel")
WIDTH_KEYS = ("d_embed", "d_model")  # the token table's width: the vectors' dimension, never searched


def fixed_width(space: dict) -> dict:
    """A `tune` search space without the token table's width (with vectors it is the file's dimension)."""
    return {k: v for k, v in space.items() if k not in WIDTH_KEYS}


def check_mode(mode: str, where: str = "--embedding-mode") -> str:
    if mode not in MODES:
        raise InputError(f"{where}: unknown '{mode}'; choose from {list(MODES)}")
    return mode


def source_for(path: str | Path | None, mode: str, where: str = "the spec") -> EmbeddingSource | None:
    """The EmbeddingSource of a (file, mode) pair, None for rand; a clear refusal for a mode without a
    file (the kim-static, kim-nonstatic and kim-multichannel presets) or a file without a mode."""
    check_mode(mode)
    if mode == "rand":
        if path is not None:
            raise InputError(f"--embeddings {path}: unused with embedding mode 'rand'; add --embedding-mode "
                             "static, non-static or multichannel (or a preset kim-static, kim-nonstatic, "
                             "kim-multichannel)")
        return None
    if path is None:
        raise InputError(f"{where}: embedding mode '{mode}' needs word vectors: add --embeddings FILE (word2vec "
                         ".bin, or GloVe/fastText/word2vec text .txt/.vec, optionally .gz)")
    return embedding_source(path, mode)


def attach(cells: list, src: EmbeddingSource | None, is_sparse: Callable[[str], bool]) -> list:
    """The cells with `src` on every torch classifier's cell (the sparse baselines and language models read
    no word vectors)."""
    if src is None:
        return cells
    return [c if is_sparse(c.model.name) or getattr(c, "task", "classify") != "classify" else replace(c, embeddings=src)
            for c in cells]


def _words(data: Dataset, what: str) -> list[str]:
    if data.vocab is None:
        raise InputError(f"--embeddings: dataset '{data.name}' is token ids without words; word vectors need a "
                         "text dataset")
    return data.vocab.to_list()


def prepare(cells: list, load: Callable[[object], Dataset], cache_dir: Path | None,
            say: Callable[[str], None] = print, progress: Callable[[str, int], Callable[[int, int], None]] | None = None
            ) -> list:
    """Read each vectors file once for all the datasets that use it (or their cached subsets), check that
    every model's token table has the vectors' width, print each dataset's coverage (a warning under
    50 % of the training tokens) and return the cells pointing at the cache."""
    from seqarena.models import meta_model

    by_file: dict[str, list] = {}
    for c in cells:
        if getattr(c, "embeddings", None) is not None:
            by_file.setdefault(c.embeddings.path, []).append(c)
    if not by_file:
        return cells
    cache = str(cache_dir) if cache_dir is not None else None
    for path, group in by_file.items():
        src = replace(group[0].embeddings, cache_dir=cache)
        refs = list(dict.fromkeys(c.data_ref for c in group))
        datas = [load(r) for r in refs]
        vocabs = [_words(d, path) for d in datas]
        bar = progress(f"reading {Path(path).name}", Path(path).stat().st_size) if progress else None
        subsets = load_subsets(src, vocabs, bar)
        for data, sub in zip(datas, subsets):
            cov = coverage(sub, data.train)
            say(coverage_line(data.name, path, sub, cov))
            if cov["emb_token_coverage"] < LOW_COVERAGE:
                say(f"warning: only {cov['emb_token_coverage']:.1%} of {data.name}'s training tokens have a vector in "
                    f"{Path(path).name}: the others start random; check the file's language and casing against the "
                    "tokenizer (kim lower-cases)")
        dims = {sub.dim for sub in subsets}
        for c in group:
            data = datas[refs.index(c.data_ref)]
            m = meta_model(c.model.name, "classify", data.vocab_size, data.num_classes, **c.model.kwargs())
            for d in embedding_dims(m, data.vocab_size):
                if d not in dims:
                    dim = next(iter(dims))
                    key = "d_model" if c.model.name == "transformer" else "d_embed"
                    raise InputError(f"--embeddings {path}: the vectors have {dim} dimensions but {c.model.name}'s "
                                     f"{key} is {d}; set {key} = {dim} ([hparams] in a spec, --hparam {key}={dim} "
                                     "for train)")
    return [replace(c, embeddings=replace(c.embeddings, cache_dir=cache)) if getattr(c, "embeddings", None) is not None
            else c for c in cells]


def coverage(sub: Subset, train: Split) -> dict:
    """The share of the vocabulary (words, `<pad>`/`<unk>` aside) and of the training tokens (of `train`)
    that have a vector in the file."""
    found = sub.found()
    words = max(sub.vocab_size - 2, 1)
    mask = torch.arange(train.tokens.shape[1])[None, :] < train.lengths[:, None]
    counts = torch.bincount(train.tokens[mask].long(), minlength=sub.vocab_size).numpy()[: sub.vocab_size]
    total = int(counts.sum())
    hit = int(counts[found].sum())
    return {"emb_vocab_coverage": float(found[2:].sum()) / words,
            "emb_token_coverage": hit / total if total else 0.0}


def coverage_line(name: str, path: str, sub: Subset, cov: dict) -> str:
    a = sub.init_scale()
    return (f"{name}: {Path(path).name} ({sub.dim}-d, {sub.fmt}, {sub.file_words:,} words) covers "
            f"{cov['emb_vocab_coverage']:.1%} of the vocabulary ({len(sub.ids):,} of {sub.vocab_size - 2:,} words"
            + (f", {sub.lowercase_matches:,} through lower case" if sub.lowercase_matches else "")
            + f") and {cov['emb_token_coverage']:.1%} of the training tokens; the others start U(-{a:.3f}, {a:.3f})")


def subset_of(cell, data: Dataset) -> Subset:
    return load_subsets(cell.embeddings, [_words(data, cell.embeddings.path)])[0]


def apply(model: torch.nn.Module, cell, data: Dataset) -> torch.nn.Module:
    """Fill the model's token tables from the cell's vectors in its mode (seeded by the cell's seed)."""
    src = getattr(cell, "embeddings", None)
    if src is None:
        return model
    sub = subset_of(cell, data)
    return apply_vectors(model, src.mode, sub.ids, sub.vectors, data.vocab_size, sub.init_scale(), seed=cell.seed,
                         what=f"--embeddings {src.path}")


def row_fields(cell, data: Dataset, train: Split) -> dict:
    """What a result row records about the vectors: mode, file name, digest, coverage of this cell's
    training rows. Empty for a cell without vectors (rand)."""
    src = getattr(cell, "embeddings", None)
    if src is None:
        return {}
    sub = subset_of(cell, data)
    return {"embedding_mode": src.mode, "embeddings": Path(src.path).name, "embeddings_digest": src.digest[:16],
            "emb_dim": sub.dim, **coverage(sub, train)}
