"""The report's Markdown twin: the same sections as the HTML file, plots as PNG files beside it."""

from __future__ import annotations

import re

from seqarena.report.document import Section
from seqarena.report.plots import Figure
from seqarena.report.tables import Table, numeric_columns


def render_markdown(sections: list[Section], title: str, image_dir: str) -> tuple[str, dict[str, bytes]]:
    """(Markdown text, {file name: PNG bytes}); images are linked as `image_dir/<name>.png`."""
    lines = [f"# {title}", ""]
    lines += [f"- [{s.title}](#{s.id})" for s in sections] + [""]
    images: dict[str, bytes] = {}
    for s in sections:
        lines += [f'<a id="{s.id}"></a>', "", f"## {s.title}", ""]
        for b in s.blocks:
            if isinstance(b, Table):
                lines += _table(b)
            elif isinstance(b, Figure):
                name = re.sub(r"[^A-Za-z0-9_.-]+", "-", b.name) + ".png"  # a safe file name
                images[name] = b.png
                lines += [f"![{b.alt}]({image_dir}/{name})", ""]
            else:
                lines += [b, ""]
    return "\n".join(lines), images


def _table(t: Table) -> list[str]:
    out = [f"**{t.caption}**", ""] if t.caption else []
    out.append("| " + " | ".join(_esc(c) for c in t.columns) + " |")
    out.append("|" + "|".join("---:" if n else "---" for n in numeric_columns(t)) + "|")
    out += ["| " + " | ".join(_esc(v) for v in r) + " |" for r in t.rows]
    return out + [""] + [f"_{n}_" for n in t.notes] + ([""] if t.notes else [])


def _esc(v: str) -> str:
    return v.replace("|", "\\|").replace("\n", " ")
