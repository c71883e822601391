"""fsutil: write-then-rename with unique temp names, removed on failure; output paths refused early."""

from __future__ import annotations

import os
import threading

import pytest

from seqarena.errors import InputError
from seqarena.fsutil import atomic_path, atomic_write, check_output_dir, check_output_file


def test_atomic_write_replaces_and_leaves_nothing_beside(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    atomic_write(target, "new")
    atomic_write(tmp_path / "sub" / "b.bin", b"\x00\x01")  # parents are created
    assert target.read_text() == "new" and (tmp_path / "sub" / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "sub"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("precious")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_temp_names_are_unique_so_concurrent_writers_never_collide(tmp_path):
    target = tmp_path / "results.json"
    seen, errors = [], []

    def write(i: int) -> None:
        try:
            with atomic_path(target) as tmp:
                seen.append(tmp.name)
                tmp.write_text(str(i) * 1000)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(seen)) == 8
    text = target.read_text()
    assert len(set(text)) == 1 and len(text) == 1000  # one writer's whole content, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_output_paths_are_checked_before_work(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    assert check_output_file(tmp_path / "new" / "deeper" / "m.pt", "--out") == tmp_path / "new" / "deeper" / "m.pt"
    assert check_output_dir(tmp_path / "adir", "--out") == tmp_path / "adir"
    check_output_dir(tmp_path / "a" / "b", "--out")
    for call, path, message in [
        (check_output_file, tmp_path / "afile" / "m.pt", "afile is a file, not a directory"),
        (check_output_file, tmp_path / "afile" / "x" / "m.pt", "afile is a file"),
        (check_output_file, tmp_path / "adir", "is a directory"),
        (check_output_dir, tmp_path / "afile", "exists and is not a directory"),
        (check_output_dir, tmp_path / "afile" / "x", "afile is a file"),
    ]:
        with pytest.raises(InputError, match=message):
            call(path, "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]  # checks create nothing


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="not writable"):
            check_output_dir(ro / "run", "--out")
        with pytest.raises(InputError, match="not writable"):
            check_output_file(ro / "m.pt", "--out")
    finally:
        ro.chmod(0o755)


def test_leftovers_of_a_killed_writer_are_swept_once_stale(tmp_path):
    target = tmp_path / "results.json"
    stale, fresh = tmp_path / ".results.json.abc123.tmp", tmp_path / ".results.json.def456.tmp"
    stale.write_text("half")
    fresh.write_text("being written")
    old = stale.stat().st_mtime - 2 * 3600
    os.utime(stale, (old, old))
    atomic_write(target, "{}")
    assert not stale.exists() and fresh.exists()  # a recent one may belong to a live writer
