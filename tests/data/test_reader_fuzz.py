"""Property-based fuzz of every reader: whatever bytes a file holds, reading it either gives examples or
raises `InputError` (one message naming the file), never another exception. A few hundred generated
files in the default run; `-m slow` runs thousands."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqarena.data.text import FORMATS, read_examples
from seqarena.errors import InputError

# pieces that make the readers' edge cases likely: separators, quotes, labels, JSON, odd bytes
PIECES = st.sampled_from([
    "text", "label", ",", "\t", '"', "\n", "\r\n", "\r", " ", "__label__", "__label__a", "pos", "1", "0",
    "{", "}", "[", "]", ":", '{"text": "a", "label": 1}', '{"text": 1, "label": [2]}', "9" * 5000,
    "x" * 140_000, "\x00", "\ufeff", "é", "\u2028", "[" * 3000, "nan", "1.5", "true", "null",
])
CONTENT = st.one_of(
    st.lists(PIECES, max_size=30).map("".join).map(lambda s: s.encode("utf-8")),
    st.binary(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=20).map("".join).map(
        lambda s: s.encode("utf-8", "surrogatepass")),
)


def _read(content: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        if fmt == "per-class":
            (Path(d) / "a.txt").write_bytes(content)
            (Path(d) / "b.txt").write_bytes(b"plain line\n")
            target: Path = Path(d)
        else:
            target = Path(d) / "in.data"
            target.write_bytes(content)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = read_examples(target, fmt)
            except InputError as e:
                assert str(e) and "\n" not in str(e).strip()
                return
        for ex in out:
            assert isinstance(ex.text, str) and ex.text and isinstance(ex.label, str) and ex.label


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENT)
def test_readers_raise_only_input_errors(fmt, content):
    _read(content, fmt)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENT)
def test_readers_raise_only_input_errors_many(fmt, content):
    _read(content, fmt)


@settings(max_examples=60, deadline=None)
@given(obj=st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
                        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                        max_leaves=20),
       label=st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none(), st.booleans()))
def test_jsonl_with_any_values(obj, label):
    line = json.dumps({"text": obj, "label": label})
    _read((line + "\n").encode(), "jsonl")
