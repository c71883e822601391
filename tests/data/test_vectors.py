"""data.vectors: the same subset from every format (word2vec binary, text with and without a header,
gzip), casing, coverage, the cache, and bad files named by file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from seqarena.data import Split
from seqarena.data import vectors as V
from seqarena.errors import InputError
from seqarena.run.embeddings import coverage

WORDS = ["the", "Good", "good", "bad", ". . .", "film"]
VOCAB = ["<pad>", "<unk>", "good", "the", "missing", "bad", ". . .", "plot"]


def vecs(dim: int = 4) -> np.ndarray:
    return (np.arange(len(WORDS) * dim, dtype=np.float32).reshape(len(WORDS), dim) - 7) / 8


def write_text(path: Path, header: bool = True, dim: int = 4, lines: list[str] | None = None) -> Path:
    rows = lines if lines is not None else [w + " " + " ".join(f"{x:.6f}" for x in v) for w, v in zip(WORDS, vecs(dim))]
    text = (f"{len(rows)} {dim}\n" if header else "") + "\n".join(rows) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_binary(path: Path, dim: int = 4, cut: int = 0) -> Path:
    data = f"{len(WORDS) - 1} {dim}\n".encode()  # '. . .' cannot be a binary word
    for w, v in zip(WORDS, vecs(dim)):
        if " " in w:
            continue
        data += w.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
    data = data[: len(data) - cut] if cut else data
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def expected(binary: bool = False) -> dict[int, np.ndarray]:
    v = vecs()
    out = {2: v[2], 3: v[0], 5: v[3]}  # "good" exactly (not "Good", seen first), "the", "bad"
    if not binary:
        out[6] = v[4]  # a word with spaces (GloVe 840B's '. . .'): the last 4 fields are the vector
    return out


@pytest.mark.parametrize("name,binary", [("v.bin", True), ("v.bin.gz", True), ("v.txt", False), ("v.vec", False),
                                         ("v.txt.gz", False), ("noheader.txt", False), ("noheader.txt.gz", False)])
def test_every_format_gives_the_same_vectors(tmp_path, name, binary):
    path = tmp_path / name
    if binary:
        write_binary(path)
    else:
        write_text(path, header=not name.startswith("noheader"))
    sub = V.read_subsets(path, [VOCAB])[0]
    want = expected(binary)
    assert sub.ids.tolist() == sorted(want) and sub.dim == 4 and sub.vocab_size == len(VOCAB)
    for i, v in zip(sub.ids, sub.vectors):
        np.testing.assert_allclose(v, want[int(i)], atol=1e-6)
    assert sub.file_words == (len(WORDS) - (1 if binary else 0))
    assert sub.fmt.startswith("word2vec-binary" if binary else "text") and sub.fmt.endswith("+gzip") == name.endswith(".gz")


def test_a_word_only_cased_in_the_file_takes_its_first_cased_vector(tmp_path):
    path = write_text(tmp_path / "v.txt", lines=["Paris 1 1", "PARIS 2 2", "london 3 3"], dim=2)
    sub = V.read_subsets(path, [["<pad>", "<unk>", "paris", "london", "<unk2>"]])[0]
    assert sub.ids.tolist() == [2, 3] and sub.lowercase_matches == 1
    np.testing.assert_array_equal(sub.vectors, [[1, 1], [3, 3]])


def test_pad_and_unk_never_match(tmp_path):
    path = write_text(tmp_path / "v.txt", lines=["<unk> 1 1", "<pad> 2 2", "a 3 3"], dim=2)
    assert V.read_subsets(path, [["<pad>", "<unk>", "a"]])[0].ids.tolist() == [2]


def test_several_vocabularies_in_one_pass_and_coverage(tmp_path):
    path = write_text(tmp_path / "v.txt")
    a, b = V.read_subsets(path, [VOCAB, ["<pad>", "<unk>", "film", "nothing"]])
    assert a.ids.tolist() == [2, 3, 5, 6] and b.ids.tolist() == [2]
    # training tokens: good x3, missing x1, plot x2 (+ padding): 3 of 6 found; 4 of 6 words
    tokens = torch.tensor([[2, 2, 4, 0], [2, 7, 7, 0]])
    cov = coverage(a, Split(tokens, torch.tensor([3, 3]), torch.tensor([0, 1])))
    assert cov["emb_vocab_coverage"] == pytest.approx(4 / 6) and cov["emb_token_coverage"] == pytest.approx(3 / 6)
    assert a.init_scale() == pytest.approx(float(np.sqrt(3 * np.var(a.vectors))))


def test_subsets_are_cached_by_file_digest_and_vocabulary(tmp_path, monkeypatch):
    path = write_text(tmp_path / "v.txt")
    src = V.embedding_source(path, "static")
    src = V.EmbeddingSource(src.path, src.digest, src.mode, str(tmp_path / "cache"))
    first = V.load_subset(src, VOCAB)
    files = list((tmp_path / "cache").glob("*.npz"))
    assert len(files) == 1 and files[0].name.startswith(src.digest[:12])
    V._MEMORY.clear()
    monkeypatch.setattr(V, "read_subsets", lambda *a, **k: pytest.fail("the cache was not used"))
    again = V.load_subset(src, VOCAB)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    assert again.ids.tolist() == first.ids.tolist() and again.fmt == first.fmt
    # another vocabulary is another cache entry (here: read, so the monkeypatched reader refuses)
    with pytest.raises(pytest.fail.Exception):
        V.load_subset(src, VOCAB + ["new"])
    V._MEMORY.clear()


def test_a_different_file_has_a_different_digest(tmp_path):
    a = V.embedding_source(write_text(tmp_path / "a.txt"), "static")
    b = V.embedding_source(write_text(tmp_path / "b.txt", lines=["good 1 2 3 5"]), "static")
    assert a.digest != b.digest and a.identity() != b.identity()
    assert V.embedding_source(tmp_path / "a.txt", "static").identity() == a.identity()


@pytest.mark.parametrize("lines,header,match", [
    (["good 1 2 3 4", "the 1 2 x 4"], True, r"v\.txt:3: non-numeric value 'x' in the vector of 'the'"),
    (["good 1 2 3 4", "bad 1 2 3"], False, r"v\.txt:2: 3 values, expected 4 \(the first line's dimension\)"),
    (["good 1 2 3", "the 1 2 3 4"], True, r"v\.txt:2: 3 values, expected 4 \(the header's dimension\)"),
    (["good 1 2 nan 4"], True, r"v\.txt:2: the vector of 'good' has a non-finite value"),
    (["good"], False, r"v\.txt:1: a word without a vector"),
    ([], True, r"v\.txt: no vectors"),
])
def test_bad_text_files_name_the_file_and_line(tmp_path, lines, header, match):
    path = write_text(tmp_path / "v.txt", header=header, lines=lines)
    with pytest.raises(InputError, match=match):
        V.read_subsets(path, [VOCAB])


def test_empty_file_and_truncated_binary(tmp_path):
    (tmp_path / "e.txt").write_text("")
    with pytest.raises(InputError, match=r"e\.txt: empty file"):
        V.read_subsets(tmp_path / "e.txt", [VOCAB])
    for name in ("t.bin", "t.bin.gz"):
        path = write_binary(tmp_path / name, cut=6)
        with pytest.raises(InputError, match=rf"{name.replace('.', '[.]')}: truncated at entry 5 of 5 \(byte [0-9,]+\)"):
            V.read_subsets(path, [VOCAB])
    (tmp_path / "text.bin").write_text("good 1 2 3\n")
    with pytest.raises(InputError, match=r"text\.bin:1: a word2vec binary file starts with the line 'COUNT DIM'"):
        V.read_subsets(tmp_path / "text.bin", [VOCAB])
    write_binary(tmp_path / "b.bin")
    (tmp_path / "b.vec").write_bytes((tmp_path / "b.bin").read_bytes())
    with pytest.raises(InputError, match=r"b\.vec:2: binary data in a text vectors file; a word2vec binary file "
                                         r"must be named \.bin"):
        V.read_subsets(tmp_path / "b.vec", [VOCAB])
    (tmp_path / "bad.txt.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all")
    with pytest.raises(InputError, match=r"bad\.txt\.gz: not a readable gzip vectors file"):
        V.read_subsets(tmp_path / "bad.txt.gz", [VOCAB])


def test_the_digest_is_remembered_across_processes_until_the_file_changes(tmp_path, monkeypatch):
    path = write_text(tmp_path / "v.txt")
    first = V.vectors_digest(path)
    monkeypatch.setattr(V, "file_digest", lambda *a: pytest.fail("hashed again"))
    assert V.vectors_digest(path) == first  # from digests.json: no second read of the file
    monkeypatch.undo()
    monkeypatch.setenv("SEQARENA_VECTORS_CACHE", str(V.digest_cache()))
    write_text(path, lines=["good 1 2 3 4"])
    assert V.vectors_digest(path) != first


def test_missing_file_and_unknown_mode(tmp_path):
    with pytest.raises(InputError, match=r"--embeddings: .*nope\.txt: no such file"):
        V.embedding_source(tmp_path / "nope.txt", "static")
    with pytest.raises(InputError, match=r"--embedding-mode: unknown 'frozen'"):
        V.embedding_source(tmp_path / "nope.txt", "frozen")
