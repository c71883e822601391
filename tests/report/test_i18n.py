"""The report in Spanish (`--lang es`): every message the code translates has a Spanish text, no English
heading, caption or table header is left in a Spanish report, and numbers use a decimal comma."""

from __future__ import annotations

import ast
import html as htmllib
import re
import shutil
from pathlib import Path

import pytest
from rowmaker import FIXTURES, TOY, make_rows, write_results

import seqarena
from seqarena.cli import main
from seqarena.errors import InputError
from seqarena.report import write_report
from seqarena.report.i18n import integer, language, num, sig, tr
from seqarena.report.i18n_es import MESSAGES
from seqarena.report.recommend import Constraints, recommend

SRC = Path(seqarena.__file__).parent


def _literal_msgids() -> dict[str, str]:
    """Every string literal passed to tr() or plural() anywhere in the package -> its file."""
    ids: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "plural")):
                continue
            args = node.args if node.func.id == "plural" else node.args[:1]
            for a in args:
                for x in (a.body, a.orelse) if isinstance(a, ast.IfExp) else (a,):
                    if isinstance(x, ast.Constant) and isinstance(x.value, str):
                        ids.setdefault(x.value, path.name)
    return ids


def test_every_message_has_a_spanish_text():
    ids = _literal_msgids()
    assert len(ids) > 100  # the scan finds the report's messages
    missing = {m: f for m, f in ids.items() if m not in MESSAGES}
    assert missing == {}


def test_spanish_texts_keep_the_fields_of_their_message():
    field = re.compile(r"{(\w+)}")
    for msgid, text in MESSAGES.items():
        assert sorted(field.findall(msgid)) == sorted(field.findall(text)), msgid


def test_numbers_as_the_language_writes_them():
    assert (num(1234.5, 1), integer(5685098), sig(0.332194512)) == ("1,234.5", "5,685,098", "0.3322")
    with language("es"):
        assert (num(1234.5, 1), integer(5685098), sig(0.332194512)) == ("1.234,5", "5.685.098", "0,3322")
        assert num(0.25, 3) == "0,250" and sig(2.5e-05, 2) == "0,000025"
        assert tr("Results") == "Resultados" and tr("unknown message {x}", x=1) == "unknown message 1"
    assert tr("Results") == "Results"  # the block ended: English again


def test_unknown_language_is_refused(tmp_path):
    d = write_results(tmp_path / "run", make_rows(TOY))
    with pytest.raises(InputError, match="--lang: unknown language 'fr'"):
        write_report(d, lang="fr")
    assert not (d / "report.html").exists()


def _headings(page: str) -> list[str]:
    """The texts of headings, captions, table headers, figure captions and folded-table summaries."""
    tags = r"<(h1|h2|th[^>]*|figcaption|summary|p class=\"caption\")>(.*?)</"
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", m[1])).strip() for m in re.findall(tags, page, flags=re.DOTALL)]


# texts that are the same in both languages: names of things, symbols, units
_SAME = re.compile(r"^(F1 \S+|GPU|torch|n\.s\.|[\w.-]+ = [\w.-]+|[\d.,\s%-]*)$")


@pytest.fixture(scope="module")
def both_reports(tmp_path_factory):
    out = {}
    for lang in ("en", "es"):
        d = write_results(tmp_path_factory.mktemp(lang) / "run", make_rows(TOY))
        for f in FIXTURES.glob("*.json"):
            shutil.copy(f, d / f.name)
        out[lang] = write_report(d, lang=lang)[0].read_text()
    return out


def test_no_english_heading_remains(both_reports):
    en, es = _headings(both_reports["en"]), _headings(both_reports["es"])
    assert len(en) == len(es) > 40  # the same structure, every kind of heading present
    models = set(TOY)
    left = [(e, s) for e, s in zip(en, es) if e == s and not _SAME.match(s) and s not in models]
    assert left == []
    assert '<html lang="es">' in both_reports["es"] and "<h2>La respuesta</h2>" in both_reports["es"]


def test_spanish_paragraphs_and_numbers(both_reports):
    es = both_reports["es"]
    assert "Se recomienda textcnn" in es and "**" not in es
    results = re.search(r'<section id="results">(.*?)</section>', es, flags=re.DOTALL)[1]
    cells = re.findall(r'<td class="num">([^<]+)</td>', results)
    assert cells and any(re.match(r"^0,\d{3}", c) for c in cells)
    assert not any(re.match(r"^0\.\d{3}", c) for c in cells)  # no English decimal point left


def test_recommendation_in_spanish(tmp_path):
    rows = make_rows(TOY)
    en = recommend(rows, Constraints(max_params=10**12)).reason
    with language("es"):
        es = recommend(rows, Constraints(max_params=10**12)).reason
    assert en.startswith("textcnn is recommended") and es.startswith("Se recomienda textcnn")
    assert "parámetros <=" in es and "Frente de Pareto" in es


def test_cli_lang_flags(tmp_path, capsys):
    d = write_results(tmp_path / "run", make_rows(TOY))
    with pytest.raises(SystemExit) as e:
        main(["report", str(d), "--lang", "es"])
    assert e.value.code == 0
    assert "<h2>Resultados</h2>" in (d / "report.html").read_text()
    assert "## Resultados" in (d / "report.md").read_text()
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["recommend", str(d), "--lang", "es", "--dataset", "toy"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "Se recomienda" in out and "Modelos medidos en toy" in out
    with pytest.raises(SystemExit) as e:
        main(["report", str(d), "--lang", "fr"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.strip().count("\n") == 0 and "--lang" in err and "'fr'" in err


def test_compare_writes_a_spanish_report(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as e:
        main(["compare", "--models", "bow", "--epochs", "1", "--jobs", "1", "--threads", "1",
              "--out", str(out), "--lang", "es", "--json"])
    assert e.value.code == 0
    page = (out / "report.html").read_text()
    assert '<html lang="es">' in page and "<h2>Resultados</h2>" in page
    with pytest.raises(SystemExit) as e:  # a bad language is refused before any training
        main(["compare", "--models", "bow", "--epochs", "1", "--out", str(tmp_path / "r2"), "--lang", "xx"])
    assert e.value.code == 2 and not (tmp_path / "r2").exists()
