"""Experiment specs: presets parse, overrides land where the hyperparameter exists, errors name the
file and line, and the CLI turns them into one line and exit 2."""

from __future__ import annotations

import pytest

from seqarena.cli import main
from seqarena.data import DATASETS, DatasetEntry
from seqarena.errors import InputError
from seqarena.models import model_hparams
from seqarena.run.cells import classifier_names
from seqarena.run.spec import expand, load_preset, parse_spec, preset_names, with_overrides

GOOD = """
name = "t"
datasets = ["seed-bigram"]
models = ["textcnn", "gru", "nbsvm"]
seeds = 2
[protocol]
kind = "cv"
folds = 3
dev_fraction = 0.1
[train]
epochs = 2
lr = 1
[hparams]
d_embed = 16
[hparams.textcnn]
kernel_sizes = [2, 3]
"""


def test_presets_ship_with_the_package():
    assert {"seed", "kim"} <= set(preset_names())
    seed = load_preset("seed")
    assert seed.datasets == ("seed-bigram",) and seed.train.optimizer == "adam" and seed.train.epochs == 10


def test_kim_preset_is_kim_2014_cnn_rand_for_every_model(monkeypatch):
    for name in ("mr", "sst2", "subj"):  # parsing checks names only; stand-ins until the readers exist
        if name not in DATASETS:
            monkeypatch.setitem(DATASETS, name, DatasetEntry(name, "stand-in", lambda d: None))
    kim = load_preset("kim")
    assert kim.datasets == ("mr", "sst2", "subj")
    assert kim.models == tuple(classifier_names())  # every registered classifier and both baselines
    t = kim.train
    assert (t.epochs, t.batch_size, t.optimizer, t.rho, t.max_norm) == (25, 50, "adadelta", 0.95, 3.0)
    assert t.embed_init == 0.25 and t.dev_ties == "last"
    assert kim.protocol.kind == "auto" and kim.protocol.folds == 10 and kim.protocol.dev_fraction == 0.1
    cnn = kim.model_config("textcnn").kwargs()
    assert cnn == {"d_embed": 300, "dropout": 0.5, "n_filters": 100, "kernel_sizes": (3, 4, 5), "edge_pad": True}
    for m in classifier_names():  # shared hyperparameters reach exactly the models that have them
        kw = kim.model_config(m).kwargs()
        if m in ("tfidf_lr", "nbsvm"):
            assert kw == {}
        elif "d_embed" in model_hparams(m, "classify"):
            assert kw["d_embed"] == 300


def test_spec_values_are_typed_and_expand_to_cells():
    spec = parse_spec(GOOD, "t.toml")
    assert spec.seeds == (0, 1) and spec.train.lr == 1.0 and isinstance(spec.train.lr, float)
    assert spec.model_config("gru").kwargs() == {"d_embed": 16}
    assert spec.model_config("nbsvm").kwargs() == {}
    cells = expand(spec, fold_subset=(0, 2))
    assert len(cells) == 2 * 2 * 3  # seeds x folds x models
    assert {c.fold for c in cells} == {0, 2} and all(c.protocol.kind == "cv" for c in cells)
    assert len({c.cell_id for c in cells}) == len(cells)


@pytest.mark.parametrize("change, message", [
    (('datasets = ["seed-bigram"]', 'datasets = ["nope"]'), r"t.toml:3: datasets: unknown 'nope'"),
    (('models = ["textcnn", "gru", "nbsvm"]', 'models = ["textcnn", "grux"]'), r"t.toml:4: models: unknown 'grux'"),
    (("epochs = 2", "epoch = 2"), r"t.toml:11: \[train\] epoch: unknown field"),
    (("epochs = 2", 'epochs = "two"'), r"t.toml:11: \[train\] epochs: must be int"),
    (("d_embed = 16", "d_embedding = 16"), r"t.toml:14: \[hparams\] d_embedding: unknown hyperparameter"),
    (("kernel_sizes = [2, 3]", "kernel_size = [2, 3]"), r"t.toml:16: \[hparams.textcnn\] kernel_size: unknown"),
    (("[hparams.textcnn]", "[hparams.lstm]"), r"t.toml:15: \[hparams\] lstm: .*names no model"),
    (("kind = \"cv\"", "kind = \"loo\""), r"t.toml:7: \[protocol\] kind: unknown 'loo'"),
    (("lr = 1", "lr = nan"), r"t.toml:12: \[train\] lr: must be a finite number \(got nan\)"),
    (("lr = 1", "lr = -inf"), r"t.toml:12: \[train\] lr: must be a finite number"),
    (("epochs = 2", "epochs = 0"), r"t.toml:11: \[train\] epochs: must be an integer >= 1"),
    (("d_embed = 16", "d_embed = -5"), r"t.toml:14: \[hparams\] d_embed: must be >= 1 \(got -5\)"),
    (("kernel_sizes = [2, 3]", "kernel_sizes = [2, 0]"), r"t.toml:16: \[hparams.textcnn\] kernel_sizes: must be >= 1"),
    (("kernel_sizes = [2, 3]", "n_filters = -5"), r"t.toml:16: \[hparams.textcnn\] n_filters: must be >= 1"),
    (("kernel_sizes = [2, 3]", "dropout = 1.5"), r"t.toml:16: \[hparams.textcnn\] dropout: must be in \[0.0, 1.0\)"),
    (("seeds = 2", "seeds = 1000000000"), r"t.toml:5: seeds: must be a count 1..10,000"),
    (("seeds = 2", "seeds = 0"), r"t.toml:5: seeds: must be a count"),
    (("name = \"t\"", "nam = \"t\""), r"t.toml:2: nam: unknown field"),
    (("[train]", "[train"), r"t.toml: invalid TOML: .*line 10"),
])
def test_spec_errors_name_file_line_and_field(change, message):
    with pytest.raises(InputError, match=message):
        parse_spec(GOOD.replace(*change), "t.toml")


def test_cli_spec_error_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("epochs = 2", "epochz = 2"))
    with pytest.raises(SystemExit) as e:
        main(["compare", "--config", str(bad)])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2 and "\n" not in err
    assert f"{bad}:11" in err and "epochz" in err


@pytest.mark.parametrize("argv, message", [
    (["--preset", "nope"], "--preset: unknown 'nope'"),
    (["--fold-subset", "0"], "--folds/--fold-subset: no dataset"),
    (["--protocol", "cv", "--folds", "3", "--fold-subset", "5"], "--fold-subset: fold(s) [5] out of range"),
    (["--executor", "spark"], "--executor: unknown 'spark'"),
    (["--executor", "ray", "--models", "bow"], "--address"),
])
def test_cli_flag_errors(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(SystemExit) as e:
        main(["compare", *argv])
    assert e.value.code == 2 and message in capsys.readouterr().err


RECIPES = """
name = "r"
datasets = ["seed-bigram"]
models = ["bow", "gru", "textcnn", "nbsvm"]
[train]
epochs = 3
batch_size = 50
[train.textcnn]
lr = 0.01
[train.gru]
inherit = false
epochs = 4
"""


def test_a_models_recipe_survives_what_the_spec_leaves_unsaid():
    from seqarena.models import train_config

    spec = parse_spec(RECIPES, "r.toml")
    bow = spec.train_config("bow")  # its recipe, then the two fields [train] writes
    assert bow == train_config("bow", epochs=3, batch_size=50) and bow.optimizer == "sgd"
    assert spec.train_config("textcnn") == train_config("textcnn", epochs=3, batch_size=50, lr=0.01)
    assert spec.train_config("gru") == train_config("gru", epochs=4)  # inherit = false: [train] not applied
    flagged = with_overrides(spec, train={"epochs": 7})  # a flag beats every table
    assert {m: flagged.train_config(m).epochs for m in ("bow", "gru", "textcnn")} == {"bow": 7, "gru": 7, "textcnn": 7}
    cells = {c.model.name: c for c in expand(spec)}
    assert cells["bow"].train == bow and cells["gru"].train.epochs == 4  # the hash covers the recipe used
    other = parse_spec(RECIPES.replace("batch_size = 50", "batch_size = 50\nlr = 0.5"), "r.toml")
    assert {c.model.name: c for c in expand(other)}["bow"].config_hash != cells["bow"].config_hash
    assert spec.to_dict()["train_by_model"]["bow"]["optimizer"] == "sgd"


@pytest.mark.parametrize("change, message", [
    (("[train.textcnn]", "[train.nbsvm]"), r"r.toml:8: \[train\] nbsvm: .*names no torch model"),
    (("[train.textcnn]", "[train.lstm]"), r"r.toml:8: \[train\] lstm: .*names no torch model"),
    (("lr = 0.01", "lrr = 0.01"), r"r.toml:9: \[train.textcnn\] lrr: unknown field"),
    (("inherit = false", "inherit = 0"), r"r.toml:11: \[train.gru\] inherit: must be bool"),
    (("lr = 0.01", "lr = -1"), r"r.toml: \[train.textcnn\] \(textcnn\) lr must be > 0"),
])
def test_per_model_train_table_errors(change, message):
    with pytest.raises(InputError, match=message):
        parse_spec(RECIPES.replace(*change), "r.toml")


def test_presets_keep_bow_on_its_recipe():
    seed = load_preset("seed")
    assert seed.train_config("gru").optimizer == "adam"
    bow = seed.train_config("bow")
    assert (bow.optimizer, bow.lr_schedule, bow.epochs) == ("sgd", "linear", 10)
    kim = load_preset("kim")
    bow = kim.train_config("bow")
    assert (bow.optimizer, bow.epochs, bow.dev_ties, bow.max_norm, bow.embed_init) == ("sgd", 25, "last", None, None)
    assert kim.model_config("bow").kwargs() == {"d_embed": 300, "dropout": 0.0}
    assert kim.train_config("textcnn") == kim.train  # everyone else: Kim's recipe
