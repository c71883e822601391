"""Report layer: reads a run directory (never trains) and writes a self-contained HTML report, its
Markdown twin, and recommendations under constraints."""

from __future__ import annotations

from pathlib import Path

from seqarena.fsutil import atomic_write
from seqarena.report.load import RunData, load_run
from seqarena.report.recommend import Constraints, Recommendation, recommend

__all__ = ["Constraints", "Recommendation", "RunData", "load_run", "recommend", "write_report"]


def write_report(run_dir: Path | str, out: Path | str | None = None, lang: str = "en") -> tuple[Path, Path]:
    """Write `out` (default RUN_DIR/report.html), its Markdown twin (same name, .md) and the twin's
    images (`<stem>_files/`), in `lang` (report.i18n.LANGS). Returns (html path, markdown path). Raises
    InputError for a bad run dir or language."""
    from seqarena.report.document import build_document
    from seqarena.report.html import render_html
    from seqarena.report.i18n import check_lang, language, tr
    from seqarena.report.markdown import render_markdown

    check_lang(lang)
    run = load_run(run_dir)
    html_path = Path(out) if out is not None else run.run_dir / "report.html"
    md_path = html_path.with_suffix(".md")
    image_dir = html_path.parent / f"{html_path.stem}_files"
    with language(lang):
        title = tr("seqarena report: {name}", name=run.run_dir.resolve().name)
        sections = build_document(run, lang)
        md, images = render_markdown(sections, title, image_dir.name)
        page = render_html(sections, title, lang)
    image_dir.mkdir(parents=True, exist_ok=True)
    for old in image_dir.glob("*.png"):  # figures of an earlier report of this directory
        if old.name not in images:
            old.unlink(missing_ok=True)  # missing: a concurrent report removed it first
    # write then rename, each file: a reader (or a concurrent run) never sees half a report
    for name, png in images.items():
        atomic_write(image_dir / name, png)
    atomic_write(md_path, md)
    atomic_write(html_path, page)
    return html_path, md_path
