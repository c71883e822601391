"""Experiment specs in TOML: datasets x models x seeds x overrides -> cells.

```toml
name = "kim"                       # experiment id stored with every row
datasets = ["mr", "sst2", "subj"]  # built-in datasets; or a [datasets] table, for files too:
# [datasets]
# named = ["sst2"]                 # built-in datasets, by name
# [datasets.reviews]               # a file dataset called "reviews" (paths relative to the spec)
# train = "reviews.csv"            # a path or a list; dev, test likewise; format inferred from .csv
# text_column = "body"             # format, text_column, label_column, tokenizer, min_freq, max_vocab
models = "all"                     # or a list of names (torch classifiers and sparse baselines)
seeds = [0]                        # a list, or N for seeds 0..N-1
[protocol]                         # kind auto|given|cv, folds, dev_fraction, split_seed
[train]                            # TrainConfig fields, for every torch model; also embeddings =
                                   #   "vectors.txt" (relative to the spec) and embedding_mode =
                                   #   rand|static|non-static|multichannel (run.embeddings)
[train.bow]                        # TrainConfig fields for one model, over [train]; inherit = false:
                                   #   over the model's own recipe instead, [train] not applied
[hparams]                          # for every model that has the hyperparameter
[hparams.textcnn]                  # for one model (an unknown name is an error)
[search.textcnn]                   # `seqarena tune`: distributions over the model's default search
                                   #   space (run/search.py; replace = true: the whole space)
```
A model's training config (`Spec.train_config`): TrainConfig's defaults, then the model's own recipe
from the registry (`ModelEntry.train`, e.g. bow's SGD with linear decay), then the fields [train] sets
(only those written, so a recipe survives what a spec leaves unsaid), then its [train.<model>] table,
then CLI flags. Each cell carries that config, so its hash is the recipe actually used.
Presets ship in `seqarena/presets/<name>.toml`. Every error names the file and, where it can, the line."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from seqarena.checks import MAX_SEED, MAX_SEEDS
from seqarena.config import ModelConfig, TrainConfig
from seqarena.data import DATASETS, dataset_task
from seqarena.data.files import FileSource, check_name, file_source
from seqarena.data.names import NameSource
from seqarena.errors import FieldError, InputError
from seqarena.models import list_models, model_hparams, train_config
from seqarena.models.hparams import RULES, check_hparams
from seqarena.models.sparse import sparse_hparams
from seqarena.run import embeddings as vectors
from seqarena.run.cells import Cell, classifier_names, dataset, is_sparse
from seqarena.run.protocol import Protocol
from seqarena.run.search import parse_search, space_for

TOP_KEYS = ("name", "datasets", "models", "seeds", "protocol", "train", "hparams", "search")


@dataclass(frozen=True)
class Spec:
    name: str
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    seeds: tuple[int, ...] = (0,)
    protocol: Protocol = field(default_factory=Protocol)
    train: TrainConfig = field(default_factory=TrainConfig)  # [train] over TrainConfig's defaults
    shared: dict[str, Any] = field(default_factory=dict)  # [hparams]: where the model has the name
    per_model: dict[str, dict[str, Any]] = field(default_factory=dict)  # [hparams.<model>]
    source: str = "<spec>"
    files: dict[str, FileSource] = field(default_factory=dict)  # file datasets among `datasets`, by name
    train_set: tuple[str, ...] = ()  # the fields of `train` written in [train] or given as flags
    train_per_model: dict[str, dict[str, Any]] = field(default_factory=dict)  # [train.<model>] (+ flags)
    own_recipe: tuple[str, ...] = ()  # models whose [train.<model>] says inherit = false
    task: str = "classify"  # of every dataset: "classify", or "lm" (name corpora, language models)
    search: dict[str, dict[str, Any]] = field(default_factory=dict)  # [search.<model>] entries
    search_replace: tuple[str, ...] = ()  # models whose [search.<model>] says replace = true
    embeddings: str | None = None  # [train] embeddings: a vectors file (absolute path), every torch model
    embedding_mode: str = "rand"  # [train] embedding_mode: one of data.vectors.MODES

    def model_config(self, name: str) -> ModelConfig:
        """The model's overrides: shared hyperparameters it has, then its own table."""
        known = hparams_of(name, self.task)
        over = {k: v for k, v in self.shared.items() if k in known}
        over.update(self.per_model.get(name, {}))
        return ModelConfig.of(name, **over)

    def train_config(self, name: str) -> TrainConfig:
        """How model `name` trains: its recipe, [train]'s written fields (unless its table says
        inherit = false), its [train.<model>] table; CLI flags are in both of the last two."""
        spec_wide = {} if name in self.own_recipe else {k: getattr(self.train, k) for k in self.train_set}
        return train_config(name, task=self.task, **{**spec_wide, **self.train_per_model.get(name, {})})

    def search_space(self, name: str) -> dict[str, dict]:
        """What `seqarena tune` searches for model `name` (run.search.space_for)."""
        return space_for(name, self.search.get(name), name in self.search_replace, self.task)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["protocol"], d["train"] = asdict(self.protocol), asdict(self.train)
        d["files"] = {k: v.to_dict() for k, v in self.files.items()}
        d["train_by_model"] = {m: asdict(self.train_config(m)) for m in self.models if not is_sparse(m)}
        d["task"] = self.task
        return d

    def ref(self, dataset: str) -> str | FileSource | NameSource:
        """What run.cells.dataset loads for one of `datasets`."""
        return self.files.get(dataset, dataset)


def hparams_of(name: str, task: str = "classify") -> dict[str, Any]:
    return sparse_hparams(name) if is_sparse(name) else model_hparams(name, task)


def model_names(task: str) -> list[str]:
    """Every model a comparison of `task` accepts ('all' means these)."""
    return classifier_names() if task == "classify" else list_models(task)


def spec_task(datasets: tuple[str, ...], files: dict) -> str:
    """The one task of a spec's datasets; a spec that mixes tasks is refused."""
    tasks = {("lm" if isinstance(files.get(d), NameSource) else dataset_task(d)) for d in datasets}
    if len(tasks) > 1:
        raise InputError(f"datasets {list(datasets)} mix classification and name corpora (language models); "
                         "compare them in separate runs")
    return tasks.pop() if tasks else "classify"


# Kim (2014)'s pretrained variants: the kim preset with an embedding mode (they need --embeddings FILE)
MODE_PRESETS = {"kim-static": ("kim", "static"), "kim-nonstatic": ("kim", "non-static"),
                "kim-multichannel": ("kim", "multichannel")}


def preset_names() -> list[str]:
    return sorted([*(p.name[:-5] for p in resources.files("seqarena").joinpath("presets").iterdir()
                     if p.name.endswith(".toml")), *MODE_PRESETS])


def load_preset(name: str) -> Spec:
    names = preset_names()
    if name not in names:
        raise InputError(f"--preset: unknown '{name}'; choose from {names}")
    if name in MODE_PRESETS:
        base, mode = MODE_PRESETS[name]
        return replace(load_preset(base), name=name, source=f"preset '{name}'", embedding_mode=mode)
    text = resources.files("seqarena").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")
    return parse_spec(text, f"preset '{name}'")


def load_spec(path: Path) -> Spec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--config {path}: cannot read it ({e})") from None
    return parse_spec(text, str(path))


def parse_spec(text: str, source: str) -> Spec:
    """Validate a spec's text; every error names `source` and, where it can, the line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:  # its message ends with "(at line L, column C)"
        raise InputError(f"{source}: invalid TOML: {e}") from None
    err = _Errors(text, source)
    err.unknown(raw, TOP_KEYS, table="")
    name = err.typed("", "name", raw.get("name", Path(source).stem), str)
    if isinstance(raw.get("datasets"), dict):
        datasets, files = _dataset_table(err, raw["datasets"], source)
    else:
        datasets, files = tuple(err.names("", "datasets", raw.get("datasets"), sorted(DATASETS))), {}
    try:
        task = spec_task(datasets, files)
    except InputError as e:
        err.fail("", "datasets", str(e))
    models_raw = raw.get("models", "all")
    models = tuple(model_names(task)) if models_raw == "all" else tuple(
        err.names("", "models", models_raw, model_names(task) + ["all"]))
    seeds_raw = raw.get("seeds", [0])
    if isinstance(seeds_raw, int) and not isinstance(seeds_raw, bool) and 1 <= seeds_raw <= MAX_SEEDS:
        seeds = tuple(range(seeds_raw))
    elif (isinstance(seeds_raw, list) and 0 < len(seeds_raw) <= MAX_SEEDS
          and all(type(s) is int and 0 <= s <= MAX_SEED for s in seeds_raw)):
        seeds = tuple(dict.fromkeys(seeds_raw))
    else:
        err.fail("", "seeds", f"must be a count 1..{MAX_SEEDS:,} or a list of at most {MAX_SEEDS:,} integers "
                              f"in 0..{MAX_SEED} (got {_short(seeds_raw)})")
    protocol = err.dataclass_table(raw, "protocol", Protocol)
    train_raw = dict(err.table(raw, "train"))
    emb_path, emb_mode = _embedding_fields(err, train_raw, source)
    tables = {k: v for k, v in train_raw.items() if isinstance(v, dict)}  # [train.<model>]
    train = err.dataclass_table({"train": {k: v for k, v in train_raw.items() if k not in tables}}, "train",
                                TrainConfig)
    train_per_model, own_recipe = {}, []
    for key, value in tables.items():
        if key not in models or is_sparse(key):
            err.fail("train", key, f"[train.{key}] names no torch model of this spec; models: {list(models)}")
        if not err.typed(f"train.{key}", "inherit", value.pop("inherit", True), bool):
            own_recipe.append(key)
        train_per_model[key] = err.fields(f"train.{key}", value, TrainConfig)
    shared, per_model = {}, {}
    for key, value in err.table(raw, "hparams").items():
        if isinstance(value, dict):
            if key not in models:
                err.fail("hparams", key, f"[hparams.{key}] names no model of this spec; models: {list(models)}")
            per_model[key] = err.hparams(f"hparams.{key}", value, hparams_of(key, task), key)
        else:
            shared[key] = value
    everyone = {k: v for m in models for k, v in hparams_of(m, task).items()}
    shared = err.hparams("hparams", shared, everyone, "any model of this spec")
    search, search_replace = parse_search(err, raw, models, task)
    spec = Spec(name, datasets, models, seeds, protocol, train, shared, per_model, source, files,
                tuple(k for k in train_raw if k not in tables), train_per_model, tuple(own_recipe), task,
                search, search_replace, emb_path, emb_mode)
    for m in models:  # the rules the builders apply, now, so that no cell fails on them later
        over = spec.model_config(m).kwargs()
        try:
            check_hparams(m, {**hparams_of(m, task), **over})
        except FieldError as e:
            own = e.field in per_model.get(m, {}) or m in per_model and e.field not in shared
            table = f"hparams.{m}" if own else "hparams"  # the model's own table when the key is not shared
            err.fail(table, e.field, f"{e.what} (model '{m}')")
    for m in models:  # a recipe and the spec's fields together must still make a valid config
        if not is_sparse(m):
            try:
                spec.train_config(m)
            except InputError as e:
                raise InputError(f"{source}: [train{'.' + m if m in tables else ''}] ({m}) {e}") from None
    return spec


def _embedding_fields(err: "_Errors", train_raw: dict, source: str) -> tuple[str | None, str]:
    """[train] embeddings (a path, relative to the spec) and embedding_mode, taken out of the table (they
    are no TrainConfig fields: cells without vectors keep their hashes)."""
    from seqarena.data.vectors import MODES

    mode = err.typed("train", "embedding_mode", train_raw.pop("embedding_mode", "rand"), str)
    if mode not in MODES:
        err.fail("train", "embedding_mode", f"unknown '{mode}'; choose from {list(MODES)}")
    path = train_raw.pop("embeddings", None)
    if path is not None:
        path = err.typed("train", "embeddings", path, str)
        p = Path(path).expanduser()
        if not p.is_absolute():
            p = (Path(source).parent if Path(source).exists() else Path.cwd()) / p
        path = str(p)
    return path, mode


# [datasets.NAME] fields -> file_source arguments (and the TOML type each must have)
FILE_FIELDS = {"train": "paths", "dev": "paths", "test": "paths", "format": str, "text_column": str,
               "label_column": str, "tokenizer": str, "min_freq": int, "max_vocab": int}


def _dataset_table(err: "_Errors", table: dict, source: str) -> tuple[tuple[str, ...], dict[str, FileSource]]:
    """A [datasets] table: `named = [...]` (built-in datasets) and one [datasets.NAME] table per file
    dataset, in the order written. Paths are relative to the spec file's directory."""
    base = Path(source).parent if Path(source).exists() else Path.cwd()
    order: list[str] = []
    files: dict[str, FileSource] = {}
    for key, value in table.items():
        if key == "named":
            order += err.names("datasets", "named", value, sorted(DATASETS))
            continue
        if not isinstance(value, dict):
            err.fail("datasets", key, "must be a table of files ([datasets.NAME] with train = ...) or the list "
                     "`named = [...]` of built-in datasets")
        tname = f"datasets.{key}"
        err.unknown(value, list(FILE_FIELDS), tname)
        args: dict[str, Any] = {}
        for f, kind in FILE_FIELDS.items():
            if f not in value:
                continue
            v = value[f]
            if kind == "paths":
                if isinstance(v, str):
                    v = [v]
                if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
                    err.fail(tname, f, f"must be a path or a list of paths (got {v!r})")
            else:
                v = err.typed(tname, f, v, kind)
            args["fmt" if f == "format" else f] = v
        if "train" not in args:
            err.fail("datasets", key, f"[{tname}] needs train = \"FILE\" (and optionally dev, test)")
        line = err.line_of("datasets", key)
        where = f"{source}:{line}: [{tname}]" if line else f"{source}: [{tname}]"
        try:
            check_name(key, f"[{tname}]")
        except InputError as e:
            raise InputError(f"{source}{f':{line}' if line else ''}: {e}") from None
        files[key] = file_source(**args, name=key, base=base, where=where)
        order.append(key)
    if not order:
        err.fail("", "datasets", "the [datasets] table names no dataset")
    return tuple(dict.fromkeys(order)), files


def with_overrides(spec: Spec, **changes: Any) -> Spec:
    """The spec with CLI flags applied (None = not given); training fields by name in `train`."""
    changes = {k: v for k, v in changes.items() if v is not None}
    train = changes.pop("train", {})
    protocol = changes.pop("protocol", {})
    if train:  # a flag beats everything a spec says, [train.<model>] tables included
        spec = replace(spec, train=replace(spec.train, **train), train_set=tuple(dict.fromkeys([*spec.train_set, *train])),
                       train_per_model={m: {**t, **train} for m, t in spec.train_per_model.items()})
    if protocol:
        spec = replace(spec, protocol=replace(spec.protocol, **protocol))
    return replace(spec, **changes)


def expand(spec: Spec, data_dir: str | None = None, fold_subset: tuple[int, ...] | None = None) -> list[Cell]:
    """The spec's cells: for each dataset (its protocol resolved), seed, fold and model. Datasets are
    loaded here, once, so a missing file fails before anything trains."""
    cells = []
    for ds in spec.datasets:
        data = dataset(spec.ref(ds), data_dir)
        if data.task == "lm" and (data.test is None or spec.protocol.kind == "cv"):
            raise InputError(f"dataset '{ds}': a name corpus is compared on its own train/dev/test split "
                             f"(split '{data.meta['corpus'].split}' has no test names, or --protocol cv was "
                             "asked); compare it with `seqarena names compare --corpus NAME --split random` (or makemore)")
        proto = spec.protocol.resolve(data)
        folds: list[int | None] = [None]
        if proto.kind == "cv":
            folds = list(range(proto.folds)) if fold_subset is None else list(fold_subset)
            bad = [f for f in folds if not 0 <= f < proto.folds]
            if bad:
                raise InputError(f"--fold-subset: fold(s) {bad} out of range for {proto.folds} folds (0..{proto.folds - 1})")
        for seed in spec.seeds:
            for fold in folds:
                for m in spec.models:
                    cells.append(Cell(ds, spec.model_config(m), spec.train_config(m), seed=seed, fold=fold,
                                      experiment=spec.name, protocol=proto, source=spec.files.get(ds),
                                      task=spec.task))
    return vectors.attach(cells, vectors.source_for(spec.embeddings, spec.embedding_mode, spec.source), is_sparse)


class _Errors:
    """Checks that raise InputError naming the spec's source, the table, the key and its line."""

    def __init__(self, text: str, source: str) -> None:
        self.lines, self.source = text.splitlines(), source

    def line_of(self, table: str, key: str) -> int | None:
        """The line of `key` in [table] (or of a [table.key] header); None when not found."""
        current = ""
        for n, line in enumerate(self.lines, 1):
            s = line.strip()
            if s.startswith("["):
                current = _header(s)
                if table and current == f"{table}.{key}":
                    return n
            elif current == table and "=" in s and s.split("=", 1)[0].strip().strip("\"'") == key:
                return n
        return None

    def header_of(self, table: str) -> int | None:
        """The line of the [table] header (a field left at its default has no line of its own)."""
        return next((n for n, line in enumerate(self.lines, 1)
                     if table and line.strip().startswith("[") and _header(line.strip()) == table), None)

    def fail(self, table: str, key: str, what: str) -> NoReturn:
        line = self.line_of(table, key) or self.header_of(table)
        where = f"{self.source}:{line}" if line else self.source
        raise InputError(f"{where}: {f'[{table}] ' if table else ''}{key}: {what}")

    def unknown(self, d: dict, known: tuple[str, ...] | list[str], table: str) -> None:
        for k in d:
            if k not in known:
                self.fail(table, k, f"unknown field; choose from {sorted(known)}")

    def typed(self, table: str, key: str, value: Any, kind: type) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(table, key, f"must be {kind.__name__} (got {value!r})")
        return value

    def names(self, table: str, key: str, value: Any, choices: list[str]) -> list[str]:
        if value is None:
            self.fail(table, key, f"missing; choose from {choices}")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.fail(table, key, f"must be a list of names (got {value!r}); choose from {choices}")
        for v in value:
            if v not in choices:
                self.fail(table, key, f"unknown '{v}'; choose from {choices}")
        return list(dict.fromkeys(value))

    def table(self, raw: dict, name: str) -> dict:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            self.fail("", name, "must be a table")
        return value

    def dataclass_table(self, raw: dict, name: str, cls: type) -> Any:
        """Build `cls` from [name]: unknown fields and wrong types are errors; ints stand for floats."""
        d = self.fields(name, self.table(raw, name), cls)
        try:
            return cls(**d)
        except FieldError as e:  # e.field is a field name, or its flag spelling (--batch-size)
            self.fail(name, e.field.lstrip("-").replace("-", "_"), e.what)
        except InputError as e:
            raise InputError(f"{self.source}: [{name}] {e}") from None

    def fields(self, name: str, d: dict, cls: type) -> dict:
        """The table's values typed as the fields of `cls`; unknown fields and wrong types are errors."""
        types = {f.name: str(f.type) for f in fields(cls)}
        self.unknown(d, list(types), name)
        return {k: self._coerce(name, k, v, types[k]) for k, v in d.items()}

    def _coerce(self, table: str, key: str, v: Any, annotation: str) -> Any:
        """TOML value -> the field's type (`annotation` as written, e.g. 'float | None')."""
        if "float" in annotation and type(v) in (int, float):
            return float(v)
        if "int" in annotation and type(v) is int or "str" in annotation and isinstance(v, str):
            return v
        self.fail(table, key, f"must be {annotation} (got {v!r})")

    def hparams(self, table: str, d: dict, known: dict[str, Any], who: str) -> dict:
        out = {}
        for k, v in d.items():
            if k not in known:
                self.fail(table, k, f"unknown hyperparameter of {who}; choose from {sorted(known)}")
            default = known[k]
            if isinstance(default, tuple):
                if not isinstance(v, list) or not all(type(x) is type(default[0]) for x in v):
                    self.fail(table, k, f"must be a list like {list(default)} (got {v!r})")
                v = tuple(v)
            elif isinstance(default, float) and type(v) in (int, float):
                v = float(v)
            elif default is not None and type(v) is not type(default):
                self.fail(table, k, f"must be {type(default).__name__} like {default!r} (got {v!r})")
            try:
                RULES.get(k, lambda k, v: None)(k, v)
            except FieldError as e:
                self.fail(table, k, e.what)
            out[k] = v
        return out


def _header(line: str) -> str:
    """'[hparams.textcnn]  # comment' -> 'hparams.textcnn'."""
    return line.split("#", 1)[0].strip().strip("[] ")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def spec_from_dict(d: dict, source: str = "<stored spec>") -> Spec:
    """The `Spec` that `Spec.to_dict()` wrote (a results store's `experiments` table): JSON lists
    become the tuples they were, so the cells it expands hash as the stored ones did."""
    try:
        files = {k: NameSource(**v) if "path" in v else
                 FileSource(**{**v, **{s: tuple(v.get(s) or ()) for s in ("train", "dev", "test")}})
                 for k, v in (d.get("files") or {}).items()}

        def hp(table: dict) -> dict:
            return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}

        return Spec(d["name"], tuple(d["datasets"]), tuple(d["models"]), tuple(d["seeds"]),
                    Protocol(**d["protocol"]), TrainConfig(**d["train"]), hp(d.get("shared") or {}),
                    {m: hp(t) for m, t in (d.get("per_model") or {}).items()}, d.get("source", source), files,
                    tuple(d.get("train_set") or ()), dict(d.get("train_per_model") or {}),
                    tuple(d.get("own_recipe") or ()), d.get("task", "classify"), dict(d.get("search") or {}),
                    tuple(d.get("search_replace") or ()), d.get("embeddings"), d.get("embedding_mode") or "rand")
    except (KeyError, TypeError) as e:
        raise InputError(f"{source}: not a stored experiment spec ({type(e).__name__}: {e})") from None
