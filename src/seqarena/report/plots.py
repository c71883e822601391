"""Every plot of the report, as PNG bytes. The only module that imports matplotlib, lazily, through
the object API on the Agg canvas (no pyplot state, no display). Legends sit below the axes so they
never cover data; one panel per figure so each stays readable on a phone."""

from __future__ import annotations

import io
import textwrap
import statistics
from dataclasses import dataclass

from seqarena.report.i18n import current, integer, localise, num, sig, tr
from seqarena.report.load import history
from seqarena.report.recommend import Candidate, dominates

# large type for the figure size: a 5.4-inch figure shrinks to ~60 % of its width on a phone
_RC = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


DPI = 110  # pixels per inch of the PNGs: a text of s points is s * DPI / 72 pixels tall at full size
SMALLEST_FONT_PT = min(v for k, v in _RC.items() if k.endswith("size"))  # tick and legend labels


@dataclass(frozen=True)
class Figure:
    name: str  # file stem in the Markdown twin, e.g. 'learning-seed-bigram'
    png: bytes
    alt: str  # what the plot shows, for screen readers and the Markdown twin


def model_colors(models: list[str]) -> dict[str, tuple]:
    """One colour per model for every figure of a report (tab10, then tab20 beyond ten models)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(models) <= 10 else "tab20"]
    return {m: cmap(i % cmap.N) for i, m in enumerate(models)}


def _figure(size: tuple[float, float] = (5.4, 3.8)):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=size, dpi=DPI, layout="constrained")
    return fig, fig.subplots()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _render(draw, *args) -> bytes:
    """Run `draw(ax, *args)` on a fresh figure under the report's style; PNG bytes."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        draw(ax, *args)
        # long titles and labels (and Spanish ones) wrap, so that the figure keeps its width and its
        # text its size on a phone (a tight bounding box grows with the longest line)
        for text, width in ((ax.title, 46), (ax.xaxis.label, 52), (ax.yaxis.label, 40)):
            text.set_text(textwrap.fill(text.get_text(), width))
        if current() != "en":  # decimal comma and the language's grouping on both axes
            for a in (ax.xaxis, ax.yaxis):
                a.set_major_formatter(_Localised(a.get_major_formatter()))
        if ax.get_legend_handles_labels()[0]:
            n = len(ax.get_legend_handles_labels()[0])
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=min(3, n), frameon=False)
        return _png(fig)


def _Localised(inner):
    """A matplotlib tick formatter that formats as `inner` does, then writes the number in the report's
    language (made lazily: matplotlib is imported only when a plot is drawn)."""
    from matplotlib.ticker import Formatter

    class Localised(Formatter):
        def set_axis(self, axis):
            super().set_axis(axis)
            inner.set_axis(axis)

        def set_locs(self, locs):
            inner.set_locs(locs)

        def __call__(self, x, pos=None):
            return _swap(inner(x, pos))

        def format_ticks(self, values):
            return [_swap(t) for t in inner.format_ticks(values)]

        def get_offset(self):
            return _swap(inner.get_offset())

    return Localised()


def _swap(text: str) -> str:
    """'1,234.5' -> '1.234,5' (the report's language's separators; English is left alone)."""
    return localise(text) if text and any(ch.isdigit() for ch in text) and _plain_number(text) else text


def _plain_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def _log_if_wide(ax, values: list[float], axis: str) -> None:
    """Log scale when the values span more than a factor of 20, ticks from matplotlib's LogLocator at
    1, 2 and 5 per decade, labelled as plain numbers (10, not 10^1)."""
    pos = [v for v in values if v is not None and v > 0]
    if pos and max(pos) / min(pos) >= 20:
        from matplotlib.ticker import LogLocator

        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        a = ax.xaxis if axis == "x" else ax.yaxis
        a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=8))
        _plain_ticks(a)


def _plain_ticks(axis) -> None:
    """Short plain labels (3 significant digits, thousands separated) and no minor labels, which
    overlap on a range under one decade."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))
    axis.set_minor_formatter(NullFormatter())


def tick_label(v: float) -> str:
    """0.332194512 -> '0.332', 12000 -> '12,000', 2.5e-05 -> '2.5e-05'."""
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return num(v, 0)
    if abs(v) >= 1e-3:
        return sig(v, 3)
    return sig(v, 2)


def learning_curves(rows: list[dict], metric: str, colors: dict, dataset) -> Figure | None:
    """Held-out accuracy against epoch, mean over runs with a ±std band."""
    key = "test_acc" if metric == "test_acc" else "dev_acc"
    curves = _epoch_curves(rows, key)
    if not curves:
        return None

    def draw(ax):
        for m, by_epoch in curves.items():
            _mean_band(ax, sorted(by_epoch), by_epoch, colors.get(str(m)), m)
        ax.set_xlabel(tr("epoch"))
        ax.set_ylabel(tr("{split} accuracy (fraction)", split=tr(key.replace("_acc", ""))))
        ax.set_title(tr("Learning curves on {dataset}", dataset=dataset))
        ax.xaxis.get_major_locator().set_params(integer=True)

    return Figure(f"learning-{dataset}", _render(draw),
                  tr("{metric} against epoch for each model on {dataset}", metric=key, dataset=dataset))


def accuracy_vs(cands: list[Candidate], x_key: str, colors: dict, dataset) -> Figure | None:
    """Mean accuracy (± std) against a cost, with the 2-D Pareto front (higher accuracy, lower cost)
    marked."""
    pts = [c for c in cands if c.accuracy is not None and getattr(c, x_key) is not None]
    if not pts:
        return None
    x_label = tr({
        "train_time_s": "training time (s, optimisation only)",
        "params": "parameters (count)",
        "latency_ms": "latency, batch 1 (ms)",
    }[x_key])
    # 2-D dominance: the cost goes into a minimised slot of a bare candidate, the others stay unmeasured
    two_d = [
        Candidate(c.model, None, None, c.accuracy, None, c.n, getattr(c, x_key), None, None) for c in pts
    ]
    front = {a.model for a in two_d if not any(dominates(b, a) for b in two_d if b is not a)}

    def draw(ax):
        for c in pts:
            x = getattr(c, x_key)
            on = c.model in front
            col = colors.get(str(c.model))
            ax.errorbar(
                [x],
                [c.accuracy],
                yerr=[c.accuracy_std or 0.0],
                fmt="o" if on else "s",
                ms=8 if on else 6,
                mfc=col if on else "white",
                mec=col,
                ecolor=col,
                capsize=3,
                zorder=3,
            )
            ax.annotate(c.model, (x, c.accuracy), xytext=(6, 6), textcoords="offset points", fontsize=11)
        fx = sorted((getattr(c, x_key), c.accuracy) for c in pts if c.model in front)
        ax.step([p[0] for p in fx], [p[1] for p in fx], where="post", color="0.35", ls="--", lw=1.2, zorder=2)
        # the legend explains the encoding; the models are named beside their points
        ax.plot([], [], "o", color="0.3", ms=7, label=tr("on the Pareto front"))
        ax.plot([], [], "s", mfc="white", mec="0.3", ms=6, label=tr("dominated"))
        ax.plot([], [], ls="--", color="0.35", label=tr("Pareto front"))
        _log_if_wide(ax, [getattr(c, x_key) for c in pts], "x")
        if x_key == "params":  # 320000 -> 320k
            from matplotlib.ticker import EngFormatter

            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.set_xlabel(x_label + (tr(", log scale") if ax.get_xscale() == "log" else ""))
        ax.set_ylabel(tr("accuracy (fraction)"))
        ax.set_title(tr("Accuracy against {what} on {dataset}", what=x_label.split(" (")[0], dataset=dataset))
        ax.margins(x=0.15, y=0.15)

    return Figure(
        f"acc-vs-{x_key}-{dataset}",
        _render(draw),
        tr("mean accuracy against {what} on {dataset}; filled markers and the dashed line: Pareto front",
           what=x_label, dataset=dataset),
    )


# (row key, axis label with unit, title)
_SCALING = (
    ("train_step_ms", "training step time (ms)", "Training step time"),
    ("forward_ms", "forward pass time (ms)", "Forward pass time (the latency at batch 1)"),
    ("throughput_seq_s", "throughput (sequences/s)", "Throughput"),
    ("peak_mem_bytes", "peak memory (bytes)", "Peak memory"),
)


def scaling(rows: list[dict], colors: dict) -> list[Figure]:
    """Each measured cost against sequence length (or batch size when T is fixed), log-log, per model
    and device. When several batch sizes were measured, the most common one is plotted (named in the
    title)."""
    x_key = "seq_len" if len({r.get("seq_len") for r in rows}) > 1 else "batch_size"
    if not any(isinstance(r.get(x_key), (int, float)) for r in rows):
        return []
    devices = list(dict.fromkeys(str(r.get("device", "")) for r in rows))
    styles = ["-", "--", ":", "-."]
    figs = []
    for key, label, title in _SCALING:
        rs = [
            r for r in rows if isinstance(r.get(key), (int, float)) and isinstance(r.get(x_key), (int, float))
        ]
        fixed = ""
        if x_key == "seq_len" and len({r.get("batch_size") for r in rs}) > 1:
            sizes = [r.get("batch_size") for r in rs]
            bs = max(set(sizes), key=sizes.count)
            rs, fixed = [r for r in rs if r.get("batch_size") == bs], tr(", batch size {bs}", bs=bs)
        if not rs:
            continue

        def draw(ax, rs=rs, key=key, label=label, title=title, fixed=fixed):
            for m in dict.fromkeys(r.get("model") for r in rs):
                for i, d in enumerate(devices):
                    pts = sorted(
                        (r[x_key], r[key])
                        for r in rs
                        if r.get("model") == m and str(r.get("device", "")) == d
                    )
                    if pts:
                        ax.plot(
                            [p[0] for p in pts],
                            [p[1] for p in pts],
                            marker="o",
                            ms=3,
                            color=colors.get(str(m)),
                            ls=styles[i % len(styles)],
                            label=f"{m} ({d})" if len(devices) > 1 else str(m),
                        )
            ax.set_xscale("log", base=2)
            _plain_ticks(ax.xaxis)
            _log_if_wide(ax, [r[key] for r in rs], "y")
            ax.set_xlabel(
                tr("sequence length T (tokens)" if x_key == "seq_len" else "batch size (sequences)")
                + tr(", log scale")
            )
            ax.set_ylabel(tr(label) + (tr(", log scale") if ax.get_yscale() == "log" else ""))
            ax.set_title(tr("{what} against {x}{fixed}", what=tr(title), fixed=fixed,
                            x=tr("sequence length" if x_key == "seq_len" else "batch size")))

        figs.append(Figure(f"scaling-{key}", _render(draw),
                           tr("{what} against {x}{fixed}, per model", what=tr(label), x=x_key, fixed=fixed)))
    return figs


def gradient_flow(rows: list[dict], colors: dict) -> list[Figure]:
    """Gradient norm at each input position, one figure per stage (at initialisation, after training)."""
    rs = [
        r
        for r in rows
        if isinstance(r.get("position"), (int, float)) and isinstance(r.get("grad_norm"), (int, float))
    ]
    figs = []
    for stage in dict.fromkeys(str(r.get("phase", "")) for r in rs):
        sr = [r for r in rs if str(r.get("phase", "")) == stage]

        def draw(ax, sr=sr, stage=stage):
            for m in dict.fromkeys(r.get("model") for r in sr):
                pts = sorted((r["position"], r["grad_norm"]) for r in sr if r.get("model") == m)
                ax.plot(
                    [p[0] for p in pts], [p[1] for p in pts], color=colors.get(str(m)), lw=1.4, label=str(m)
                )
            _log_if_wide(ax, [r["grad_norm"] for r in sr], "y")
            ax.set_xlabel(tr("input position t (tokens from the start)"))
            ax.set_ylabel("‖∂loss/∂embedding(t)‖" + (tr(", log scale") if ax.get_yscale() == "log" else ""))
            when = {"init": tr("at initialisation"), "trained": tr("after training")}.get(stage, stage)
            ax.set_title(f"{tr('Gradient flow')} {when}".strip())

        figs.append(
            Figure(
                f"gradients-{stage or 'all'}",
                _render(draw),
                tr("gradient norm against input position, {stage}, per model", stage=stage or tr("all stages")),
            )
        )
    return figs


def probes(rows: list[dict], colors: dict) -> list[Figure]:
    """Accuracy against the probe's difficulty knob, one figure per probe."""
    rs = [
        r
        for r in rows
        if isinstance(r.get("difficulty"), (int, float)) and isinstance(r.get("test_acc"), (int, float))
    ]
    figs = []
    for probe in dict.fromkeys(str(r.get("probe", "")) for r in rs):
        pr = [r for r in rs if str(r.get("probe", "")) == probe]

        def draw(ax, pr=pr, probe=probe):
            for m in dict.fromkeys(r.get("model") for r in pr):
                by_d: dict[float, list[float]] = {}
                for r in pr:
                    if r.get("model") == m:
                        by_d.setdefault(r["difficulty"], []).append(r["test_acc"])
                xs = sorted(by_d)
                ax.plot(
                    xs,
                    [statistics.fmean(by_d[x]) for x in xs],
                    marker="o",
                    ms=4,
                    color=colors.get(str(m)),
                    label=str(m),
                )
            _log_if_wide(ax, [r["difficulty"] for r in pr], "x")
            ax.set_xlabel(tr("difficulty (probe's knob)") + (tr(", log scale") if ax.get_xscale() == "log" else ""))
            ax.set_ylabel(tr("accuracy (fraction)"))
            ax.set_title(tr("Probe: {probe}", probe=probe) if probe else tr("Probes"))

        figs.append(
            Figure(f"probe-{probe or 'all'}", _render(draw), tr("accuracy against difficulty on probe {probe}", probe=probe))
        )
    return figs


def evp_curves(rows: list[dict], colors: dict, dataset, lower: bool = False) -> Figure | None:
    """Expected best dev score against the number of trials (Dodge et al. 2019), ± one std band;
    `lower`: the score is nats/char, the best of n trials its lowest."""
    rs = [r for r in rows if isinstance(r.get("n"), int) and isinstance(r.get("mean"), (int, float))]
    if not rs:
        return None

    def draw(ax):
        for m in dict.fromkeys(r.get("model") for r in rs):
            pts = sorted((r["n"], r["mean"], r.get("std") or 0.0) for r in rs if r.get("model") == m)
            _line_band(ax, [p[0] for p in pts], [p[1] for p in pts], [p[2] for p in pts], colors.get(str(m)), str(m))
        ax.set_xlabel(tr("trials (tuning budget)"))
        ax.set_ylabel(tr("expected best dev nats/char (lower is better)") if lower else tr("expected best dev score"))
        ax.set_title(tr("Expected validation performance on {dataset}", dataset=dataset))
        ax.xaxis.get_major_locator().set_params(integer=True)

    return Figure(f"evp-{dataset}", _render(draw),
                  tr("expected best dev score against the number of trials for each model on {dataset}", dataset=dataset))


def trial_scores(rows: list[dict], colors: dict, dataset, lower: bool = False) -> Figure | None:
    """Each trial's dev score against its number (hollow markers: pruned trials, at the best score
    they reported), with each model's best so far as a step line (`lower`: nats/char, the lowest)."""
    rs = [r for r in rows if isinstance(r.get("trial"), int) and isinstance(r.get("value"), (int, float))]
    if not rs:
        return None

    def draw(ax):
        for m in dict.fromkeys(r.get("model") for r in rs):
            mr = sorted((r for r in rs if r.get("model") == m), key=lambda r: r["trial"])
            c = colors.get(str(m))
            done = [r for r in mr if r.get("state") == "complete"]
            cut = [r for r in mr if r.get("state") != "complete"]
            ax.scatter([r["trial"] for r in done], [r["value"] for r in done], s=18, color=c, label=str(m))
            ax.scatter([r["trial"] for r in cut], [r["value"] for r in cut], s=18, facecolors="none", edgecolors=c)
            best, xs, ys = None, [], []
            for r in done:
                best = r["value"] if best is None else (min if lower else max)(best, r["value"])
                xs.append(r["trial"])
                ys.append(best)
            if xs:
                ax.step(xs, ys, where="post", color=c, lw=1, alpha=0.7)
        ax.set_xlabel(tr("trial"))
        ax.set_ylabel(tr("dev nats/char (lower is better)") if lower else tr("dev score"))
        ax.set_title(tr("Trials on {dataset} (hollow: pruned)", dataset=dataset))
        ax.xaxis.get_major_locator().set_params(integer=True)

    return Figure(f"trials-{dataset}", _render(draw),
                  tr("dev score of every trial against its number on {dataset}", dataset=dataset))


def confusion_heatmap(labels: list[str], matrix: list[list[int]], model: str, dataset) -> Figure:
    """The confusion matrix as a labelled heatmap: rows gold, columns predicted, colour = share of the
    gold class (so a rare class is as visible as a common one), each cell's count written in it."""
    k = len(labels)
    totals = [max(1, sum(row)) for row in matrix]
    share = [[v / t for v in row] for row, t in zip(matrix, totals)]
    short = [lab if len(lab) <= 14 else lab[:13] + "…" for lab in labels]

    def draw(ax):
        im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
        ax.grid(False)
        ax.set_xticks(range(k), short, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
        ax.set_yticks(range(k), short)
        ax.set_xlabel(tr("predicted class"))
        ax.set_ylabel(tr("true class"))
        ax.set_title(tr("{model} on {dataset}: confusion (test)", model=model, dataset=dataset))
        size = 11 if k <= 6 else 8 if k <= 12 else 0
        if size:
            for i in range(k):
                for j in range(k):
                    ax.text(j, i, integer(matrix[i][j]), ha="center", va="center", fontsize=size,
                            color="white" if share[i][j] > 0.6 else "black")
        ax.figure.colorbar(im, ax=ax, label=tr("share of the true class"), shrink=0.8)

    return Figure(f"confusion-{dataset}-{model}", _render(draw),
                  tr("confusion matrix of {model} on {dataset}: rows are true classes, columns predicted classes",
                     model=model, dataset=dataset))


def _epoch_curves(rows: list[dict], key: str) -> dict[str, dict[int, list[float]]]:
    """model -> epoch -> the values of `key` in each row's per-epoch history (one per run)."""
    curves: dict[str, dict[int, list[float]]] = {}
    for r in rows:
        for e in history(r):
            if isinstance(e.get(key), (int, float)) and isinstance(e.get("epoch"), int):
                curves.setdefault(r["model"], {}).setdefault(e["epoch"], []).append(float(e[key]))
    return curves


def _line_band(ax, xs: list, mean: list[float], sd: list[float] | None, color, label: str,
               marker: str = "o") -> None:
    """A mean line with a ± sd band (no band when sd is None)."""
    ax.plot(xs, mean, marker=marker, ms=3, color=color, label=label)
    if sd is not None:
        ax.fill_between(xs, [a - s for a, s in zip(mean, sd)], [a + s for a, s in zip(mean, sd)],
                        color=color, alpha=0.15, lw=0)


def _mean_band(ax, xs: list, by_x: dict, color, label: str, marker: str = "o") -> None:
    """Mean line over runs with a ± std band where there are several runs."""
    mean = [statistics.fmean(by_x[x]) for x in xs]
    several = any(len(by_x[x]) > 1 for x in xs)
    sd = [statistics.stdev(by_x[x]) if len(by_x[x]) > 1 else 0.0 for x in xs] if several else None
    _line_band(ax, xs, mean, sd, color, label, marker)


def lm_learning_curves(rows: list[dict], colors: dict, dataset) -> Figure | None:
    """Dev nats/char against epoch for each language model (mean over seeds, ± std band); a count
    model, fitted in one pass, is one point."""
    curves = _epoch_curves(rows, "dev_nll")
    if not curves:
        return None

    def draw(ax):
        for m, by_epoch in curves.items():
            _mean_band(ax, sorted(by_epoch), by_epoch, colors.get(str(m)), m)
        ax.set_xlabel(tr("epoch"))
        ax.set_ylabel(tr("dev nats per character"))
        ax.set_title(tr("Learning curves on {dataset}", dataset=dataset))
        ax.xaxis.get_major_locator().set_params(integer=True)

    return Figure(f"lm-learning-{dataset}", _render(draw),
                  tr("dev nats per character against epoch for each language model on {dataset}", dataset=dataset))


def nll_by_position(rows: list[dict], colors: dict, dataset) -> Figure | None:
    """Test NLL (nats) of the character at each position of a name (0 = the first letter; the stop
    token counted where it falls), mean over seeds: where in a name each model loses its memory."""
    import json

    curves: dict[str, dict[int, list[float]]] = {}
    for r in rows:
        pts = r.get("nll_by_position")
        pts = json.loads(pts) if isinstance(pts, str) else pts or []
        first = max((p.get("n", 0) for p in pts), default=0)
        for p in pts:  # positions few names reach are noise: at least 20 names, or 10 % of them
            if p.get("n", 0) >= min(20, 0.1 * first) and isinstance(p.get("nll"), (int, float)):
                curves.setdefault(r["model"], {}).setdefault(int(p["position"]), []).append(float(p["nll"]))
    if not curves:
        return None

    def draw(ax):
        for m, by_pos in curves.items():
            _mean_band(ax, sorted(by_pos), by_pos, colors.get(str(m)), m, marker=".")
        ax.set_xlabel(tr("character position in the name (0 = first letter)"))
        ax.set_ylabel(tr("test NLL of that character (nats)"))
        ax.set_title(tr("Where each model loses its memory ({dataset})", dataset=dataset))
        ax.xaxis.get_major_locator().set_params(integer=True)

    return Figure(f"lm-position-{dataset}", _render(draw),
                  tr("test NLL per character position for each language model on {dataset}", dataset=dataset))
