"""What `compare` and `train` share for pretrained word vectors: the two flags' help and reading the
file with a progress bar, coverage lines on stderr."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seqarena.cli.common import err_console, progress_bar
from seqarena.data.vectors import MODES
from seqarena.run import embeddings as vectors

EMBEDDINGS_HELP = ("Pretrained word vectors: word2vec .bin, or GloVe / fastText / word2vec text (.txt, .vec; header "
                   "line optional), gzip-compressed or not. Only the vocabulary's words are kept.")
MODE_HELP = (f"{', '.join(MODES)} (Kim 2014): static freezes the vectors, non-static trains them, multichannel "
             "keeps a frozen and a trained copy [default: the spec's; rand].")


def prepare_cells(cells: list, load: Callable[[object], object], cache_dir: Path | None) -> list:
    """run.embeddings.prepare with a progress bar per file read (bytes) and coverage lines on stderr."""
    if not any(getattr(c, "embeddings", None) is not None for c in cells):
        return cells

    def say(line: str) -> None:
        err_console.print(f"seqarena: {line}", markup=False, highlight=False, soft_wrap=True)

    with progress_bar(transient=True) as bar:
        def progress(what: str, total: int):
            task = bar.add_task(what, total=max(total, 1))
            return lambda done, _total: bar.update(task, completed=done)

        return vectors.prepare(cells, load, cache_dir, say, progress)
