"""Readers of data.text on small files written in tmp_path: every format, encodings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqarena.data.text import FORMATS, class_files, decode_file, read_examples, read_lines
from seqarena.errors import InputError


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def pairs(examples) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in examples]


def test_csv_named_columns_any_order_and_quoted_commas(tmp_path):
    p = write(tmp_path / "a.csv", 'id,label,body\n1,pos,"good, very good"\n2,neg,bad film\n')
    ex = read_examples(p, "csv", text_column="body", label_column="label")
    assert pairs(ex) == [("good, very good", "pos"), ("bad film", "neg")]
    assert ex[1].where == f"{p}:3"


def test_tsv_has_no_quoting(tmp_path):
    p = write(tmp_path / "a.tsv", 'text\tlabel\nhe said "hi\tpos\nplain\tneg\n')
    assert pairs(read_examples(p, "tsv")) == [('he said "hi', "pos"), ("plain", "neg")]


def test_jsonl_keys_and_integer_labels(tmp_path):
    lines = [{"sentence": "nice", "y": 1}, {"sentence": "awful", "y": 0}]
    p = write(tmp_path / "a.jsonl", "\n".join(json.dumps(o) for o in lines) + "\n")
    assert pairs(read_examples(p, "jsonl", text_column="sentence", label_column="y")) == [("nice", "1"), ("awful", "0")]


def test_fasttext_and_label_text(tmp_path):
    ft = write(tmp_path / "a.ft", "__label__pos a fine film\n__label__neg  dull \n")
    assert pairs(read_examples(ft, "fasttext")) == [("a fine film", "pos"), ("dull", "neg")]
    lt = write(tmp_path / "a.txt", "1 a fine film\r\n0 dull\r\n")  # CRLF too
    assert pairs(read_examples(lt, "label-text")) == [("a fine film", "1"), ("dull", "0")]


def test_per_class_directory_list_and_stem_collision(tmp_path):
    d = tmp_path / "classes"
    d.mkdir()
    write(d / "pos.txt", "good\ngreat\n")
    write(d / "neg.txt", "bad\n")
    write(d / ".hidden", "ignored\n")
    assert sorted(pairs(read_examples(d, "per-class"))) == [("bad", "neg"), ("good", "pos"), ("great", "pos")]
    # MR's naming: the stems collide, so the class is the extension
    a, b = write(tmp_path / "rt.pos", "good\n"), write(tmp_path / "rt.neg", "bad\n")
    assert set(class_files([a, b])) == {"pos", "neg"}
    (tmp_path / "x").mkdir()
    twin = write(tmp_path / "x" / "rt.pos", "x\n")  # same stem and extension as `a`
    with pytest.raises(InputError, match="cannot tell the classes apart"):
        class_files([a, twin])


def test_several_files_are_concatenated(tmp_path):
    a = write(tmp_path / "a.txt", "1 x\n")
    b = write(tmp_path / "b.txt", "0 y\n")
    assert pairs(read_examples([a, b], "label-text")) == [("x", "1"), ("y", "0")]


def test_cp1252_fallback_warns_with_the_file_name(tmp_path):
    p = write(tmp_path / "latin.txt", "1 caf\u00e9 \u2014 na\u00efve\n0 plain\n", encoding="cp1252")
    with pytest.warns(UserWarning, match=r"latin\.txt.*cp1252"):
        ex = read_examples(p, "label-text")
    assert ex[0].text == "caf\u00e9 \u2014 na\u00efve"


def test_utf8_bom_is_dropped_and_no_warning(tmp_path, recwarn):
    p = tmp_path / "bom.csv"
    p.write_bytes("text,label\ncaf\u00e9,a\n".encode("utf-8-sig"))
    assert pairs(read_examples(p, "csv")) == [("caf\u00e9", "a")]
    assert not recwarn.list


def test_bytes_valid_in_neither_encoding(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"1 fine\n0 broken \x81 byte\n")  # 0x81: invalid UTF-8 start, undefined in cp1252
    with pytest.raises(InputError, match=r"bad\.txt:2: byte 0x81 is neither UTF-8 nor cp1252"):
        decode_file(p)


@pytest.mark.parametrize("fmt,content,message", [
    ("label-text", "1 a\n0\n", r":2: no text after the label"),
    ("fasttext", "__label__a x\nb y\n", r":2: line does not start with '__label__"),
    ("fasttext", "__label__a __label__b x\n", r":1: 2 labels"),
    ("jsonl", '{"text": "a", "label": 1}\n{"text": "b"\n', r":2: not valid JSON"),
    ("jsonl", '{"text": "a", "label": 1}\n{"txt": "b", "label": 0}\n', r":2: no key 'text'"),
    ("jsonl", '{"text": "", "label": 1}\n', r":1: empty text"),
    ("csv", "text,label\na,1\nb\n", r":3: 1 fields, the header has 2"),
    ("csv", "body,label\na,1\n", r":1: no column 'text'; columns are \['body', 'label'\]"),
    ("csv", "", r":1: no header row"),
])
def test_bad_input_names_file_and_line(tmp_path, fmt, content, message):
    p = write(tmp_path / "in.data", content)
    with pytest.raises(InputError, match=r"in\.data" + message):
        read_examples(p, fmt)


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"unknown format 'xml'; choose from"):
        read_examples(tmp_path / "a", "xml")
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_examples(tmp_path / "nope.csv", "csv")
    assert set(FORMATS) == {"csv", "tsv", "jsonl", "fasttext", "label-text", "per-class"}


def test_read_lines_for_prediction_files(tmp_path):
    p = write(tmp_path / "t.txt", "first text\nsecond\n")
    assert read_lines(p) == [(1, "first text"), (2, "second")]


@pytest.mark.parametrize("fmt,content", [
    ("label-text", "1 a\n\n0 b\n  \n"), ("csv", "text,label\na,1\n\nb,0\n,\n"),
    ("jsonl", '{"text": "a", "label": 1}\n\n{"text": "b", "label": 0}\n\n'),
    ("fasttext", "__label__1 a\n\n__label__0 b\n\n"), ("tsv", "text\tlabel\na\t1\n\nb\t0\n\t\n"),
])
def test_blank_lines_are_skipped_with_one_warning_per_file(tmp_path, fmt, content):
    p = write(tmp_path / "in.data", content)
    with pytest.warns(UserWarning, match=r"in\.data: 2 blank lines skipped") as rec:
        assert pairs(read_examples(p, fmt)) == [("a", "1"), ("b", "0")]
    assert len([w for w in rec.list if "blank" in str(w.message)]) == 1


def test_long_fields_deep_json_and_huge_numbers_are_input_errors_or_read(tmp_path):
    long = "w " * 100_000  # 200,000 characters: over the csv module's default field limit
    p = write(tmp_path / "long.csv", f'text,label\n"{long}",a\nshort,b\n')
    assert len(read_examples(p, "csv")[0].text) == len(long.strip())
    deep = write(tmp_path / "deep.jsonl", '{"text": ' + "[" * 100_000 + "]" * 100_000 + ', "label": 1}\n')
    with pytest.raises(InputError, match=r"deep\.jsonl:1:"):
        read_examples(deep, "jsonl")
    huge = write(tmp_path / "huge.jsonl", '{"text": "a", "label": ' + "9" * 5000 + "}\n")
    with pytest.raises(InputError, match=r"huge\.jsonl:1:"):
        read_examples(huge, "jsonl")
    nul = write(tmp_path / "nul.csv", "text,label\na\x00b,1\n")
    try:
        read_examples(nul, "csv")
    except InputError as e:
        assert "nul.csv" in str(e)


def test_numeric_labels_as_floats_and_words(tmp_path):
    lines = [{"text": "a", "label": 1.0}, {"text": "b", "label": "pos"}, {"text": "c", "label": 2}]
    p = write(tmp_path / "a.jsonl", "\n".join(json.dumps(o) for o in lines) + "\n")
    assert [e.label for e in read_examples(p, "jsonl")] == ["1", "pos", "2"]
    bad = write(tmp_path / "b.jsonl", json.dumps({"text": "a", "label": 1.5}) + "\n")
    with pytest.raises(InputError, match=r"b\.jsonl:1: empty or non-scalar label"):
        read_examples(bad, "jsonl")


@pytest.mark.parametrize("name,fmt", [("a.csv", "csv"), ("a.TSV", "tsv"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl")])
def test_format_inferred_from_the_extension(tmp_path, name, fmt):
    from seqarena.data.text import infer_format

    assert infer_format([write(tmp_path / name, "x")]) == fmt


def test_format_inference_refuses_ambiguity(tmp_path):
    from seqarena.data.text import infer_format

    d = tmp_path / "classes"
    d.mkdir()
    assert infer_format([d]) == "per-class"
    with pytest.raises(InputError, match=r"a\.txt: cannot tell the format .*'\.txt'; give --format, one of"):
        infer_format([write(tmp_path / "a.txt", "x")])
    with pytest.raises(InputError, match=r"several formats"):
        infer_format([write(tmp_path / "b.csv", "x"), write(tmp_path / "c.tsv", "x")])
