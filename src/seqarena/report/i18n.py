"""The report's languages. Every text of the report (headings, captions, table headers, paragraphs, plot
labels, the recommendation) is written in English as a message id and passed through `tr`, which
returns it in the current language (`language("es")` sets it for a block of code); numbers go through
`num` / `sig` / `integer`, which format them as the language expects (Spanish: decimal comma and a
point between thousands, CLDR's symbols through Babel). English is the identity, so the
English report is what the code says."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from decimal import Decimal
from typing import Iterator

from seqarena.errors import InputError

LANGS = ("en", "es")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("seqarena_report_lang", default="en")


def check_lang(lang: str, flag: str = "--lang") -> str:
    if lang not in LANGS:
        raise InputError(f"{flag}: unknown language '{lang}'; choose from {list(LANGS)}")
    return lang


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Texts and numbers made inside the block are in `lang`."""
    token = _current.set(check_lang(lang))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def tr(msgid: str, **fields) -> str:
    """`msgid` in the current language, its {fields} filled in (the fields are already formatted)."""
    text = msgid
    if _current.get() != "en":
        from seqarena.report.i18n_es import MESSAGES

        text = MESSAGES.get(msgid, msgid)
    return text.format(**fields) if fields else text


def plural(n: int, one: str, many: str) -> str:
    """`one` or `many` (message ids, translated) by the count n."""
    return tr(one if n == 1 else many)


def _localise(s: str) -> str:
    """A number formatted the English way ('1,234.5', '-0.25', '1.2e-05') in the current language."""
    if _current.get() == "en" or not any(ch.isdigit() for ch in s):
        return s
    from babel.numbers import format_decimal

    plain = s.replace(",", "")
    if plain.lstrip("+-").lower() in ("inf", "nan"):
        return s
    d = Decimal(plain)
    grouped = "," in s  # grouped where the English string is
    frac = -d.as_tuple().exponent if d.as_tuple().exponent < 0 else 0
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * frac if frac else "")
    out = format_decimal(d, format=pattern, locale=_current.get(), decimal_quantization=False)
    return ("+" + out) if s.startswith("+") else out


def num(v: float, digits: int, grouping: bool = True) -> str:
    """v with `digits` decimals (grouped in thousands when `grouping`)."""
    return _localise(f"{v:,.{digits}f}" if grouping else f"{v:.{digits}f}")


def sig(v: float, digits: int = 4) -> str:
    """v to `digits` significant digits (Python's g format)."""
    return _localise(f"{v:.{digits}g}")


def integer(v: int) -> str:
    return _localise(f"{int(v):,}")


def localise(s: str) -> str:
    """A number already formatted the English way, in the current language (for format specs such as
    '+.3f' that the helpers above do not cover)."""
    return _localise(s)
