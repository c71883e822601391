"""The report as ONE self-contained HTML file: inline CSS, plots as base64 PNG data URIs, no scripts and
no external resources, so it opens offline. Responsive: images shrink to the screen, tables scroll
sideways inside their own box."""

from __future__ import annotations

import base64
import html
import re
import struct

from seqarena.report.document import Section
from seqarena.report.i18n import tr
from seqarena.report.plots import Figure
from seqarena.report.tables import Table, numeric_columns

LONG_TABLE = 25  # rows; longer tables are folded into <details> so the page stays short

_CSS = """
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:#1b1b1b;background:#fff;-webkit-text-size-adjust:100%}
main{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin:2.2rem 0 .8rem}
p{overflow-wrap:break-word}
nav ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;padding:0;margin:0 0 1rem;list-style:none}
a{color:#0b57d0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.3rem 0 1.2rem;max-width:100%}
table{border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e4e4;white-space:nowrap;text-align:left;
 vertical-align:top}
th{background:#f6f6f6;font-weight:600}
td.num{text-align:right}
td:first-child,th:first-child{position:sticky;left:0;z-index:1;background:#fff}
th:first-child{background:#f6f6f6}
.caption{font-weight:600;margin:1rem 0 .2rem}
.note{font-size:.85rem;color:#555;margin:.2rem 0 1rem}
figure{margin:0}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,36rem),1fr));gap:1.5rem 2rem;
 margin:1rem 0 1.5rem}
img{display:block;max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555;margin-top:.3rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;background:#f3f3f3;
 padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
#answer{border:2px solid #0b57d0;border-radius:6px;padding:.2rem 1rem .5rem;background:#f5f8ff;margin-bottom:1.5rem}
details{margin:.5rem 0 1rem}
summary{cursor:pointer;font-weight:600}
@media (max-width:600px){main{padding:.75rem}h1{font-size:1.35rem}h2{font-size:1.15rem}}
"""


def render_html(sections: list[Section], title: str, lang: str = "en") -> str:
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    body = "".join(_section(s) for s in sections)
    nav = html.escape(tr("sections"))
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<h1>{html.escape(title)}</h1>\n<nav aria-label="{nav}"><ul>{toc}</ul></nav>\n{body}</main>\n'
        "</body>\n</html>\n"
    )


def _section(s: Section) -> str:
    parts = [f'<section id="{s.id}">\n<h2>{html.escape(s.title)}</h2>\n']
    figs: list[Figure] = []  # consecutive figures share a grid: side by side on wide screens
    for b in [*s.blocks, None]:
        if isinstance(b, Figure):
            figs.append(b)
            continue
        if figs:
            parts.append('<div class="figs">\n' + "".join(_figure(f) for f in figs) + "</div>\n")
            figs = []
        if isinstance(b, Table):
            parts.append(_table(b))
        elif isinstance(b, str):
            parts.append(f"<p>{inline(b)}</p>\n")
    return "".join(parts) + "</section>\n"


def inline(text: str) -> str:
    """Escape text; `backticks` become <code>, **stars** <strong>."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _table(t: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in t.columns)
    num = numeric_columns(t)
    td = ['<td class="num">' if n else "<td>" for n in num]
    rows = "".join(
        "<tr>" + "".join(f"{td[i]}{html.escape(v)}</td>" for i, v in enumerate(r)) + "</tr>\n" for r in t.rows
    )
    table = (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table></div>\n"
    )
    notes = "".join(f'<p class="note">{inline(n)}</p>\n' for n in t.notes)
    if len(t.rows) > LONG_TABLE:
        rows_note = tr("{n} rows", n=len(t.rows))
        return (
            f"<details><summary>{html.escape(t.caption or tr('Table'))} ({rows_note})</summary>\n"
            f"{table}</details>\n{notes}"
        )
    cap = f'<p class="caption">{html.escape(t.caption)}</p>\n' if t.caption else ""
    return cap + table + notes


def _figure(f: Figure) -> str:
    w, h = png_size(f.png)
    data = base64.b64encode(f.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" width="{w}" height="{h}" '
        f'alt="{html.escape(f.alt)}"><figcaption>{html.escape(f.alt)}</figcaption></figure>\n'
    )


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header (IHDR is the first chunk: bytes 16-24)."""
    return struct.unpack(">II", png[16:24])
