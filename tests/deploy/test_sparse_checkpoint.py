"""Sparse baselines saved as arrays and plain data: the rebuilt classifier predicts exactly as the
fitted one; a pickle payload in such a file is refused and nothing runs; truncated files, other
tasks and inconsistent arrays are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqarena.deploy.predictor import load_predictor
from seqarena.errors import InputError
from seqarena.models import create_model
from seqarena.models.sparse import create_sparse_model, sparse_from_state, sparse_proba, sparse_state
from seqarena.train.checkpoint import save_checkpoint, save_sparse_checkpoint

TEXTS = ["a superb , lovely film", "dull and boring", "the hero meets a city", "great great film",
         "flat , awful plot", "it travels to the city", "lovely moving story", "boring flat film",
         "he travels and meets"] * 3
LABELS = np.array([0, 1, 2] * 9)
NEW = ["superb story", "awful boring", "city hero", "never seen words", "a , ,"]


def fitted(name: str, labels: np.ndarray = LABELS):
    return create_sparse_model(name, seed=0).fit(TEXTS, labels)


@pytest.mark.parametrize("name", ["tfidf_lr", "nbsvm"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_state_round_trip_predicts_the_same(name, n_classes):
    labels = LABELS if n_classes == 3 else (LABELS > 0).astype(np.int64)
    clf = fitted(name, labels)
    arrays, plain = sparse_state(name, clf)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    assert all(isinstance(t, str) for t in plain["terms"])
    again = sparse_from_state(arrays, plain)
    np.testing.assert_array_equal(again.predict(NEW + TEXTS), clf.predict(NEW + TEXTS))
    np.testing.assert_allclose(sparse_proba(again, NEW), sparse_proba(clf, NEW), rtol=1e-12, atol=1e-12)
    p = sparse_proba(again, NEW)
    assert p.shape == (len(NEW), n_classes) and np.allclose(p.sum(1), 1)
    assert (p.argmax(1) == clf.predict(NEW)).all()  # the most probable class is the predicted one


def save(tmp_path, name="tfidf_lr"):
    clf = fitted(name)
    arrays, plain = sparse_state(name, clf)
    path = tmp_path / f"{name}.pt"
    save_sparse_checkpoint(path, {"name": name, "task": "classify", "vocab_size": len(plain["terms"]),
                                  "num_classes": 3, "hparams": {}}, arrays, plain, label_names=["a", "b", "c"])
    return path, clf


def test_checkpoint_loads_with_weights_only_and_predicts(tmp_path):
    path, clf = save(tmp_path, "nbsvm")
    raw = torch.load(path, weights_only=True)
    assert raw["model_config"]["kind"] == "sparse"
    pred = load_predictor(path)
    assert pred.kind == "sparse" and pred.labels == ["a", "b", "c"]
    np.testing.assert_allclose(pred.predict_proba(NEW), sparse_proba(clf, NEW))
    assert not list(tmp_path.glob("*.tmp"))


class Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):  # unpickling would create the marker file
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_pickle_payload_in_a_sparse_checkpoint_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    path, _ = save(tmp_path)
    ckpt = torch.load(path, weights_only=True)
    ckpt["sparse_state"]["vectorizer"] = Payload(marker)  # a pickled object where plain data belongs
    evil = tmp_path / "evil.pt"
    torch.save(ckpt, evil)
    with pytest.raises(InputError, match="refused"):
        load_predictor(evil)
    assert not marker.exists()
    torch.load(evil, weights_only=False)  # the payload is real: an unsafe load runs it
    assert marker.read_text() == "ran"


def test_truncated_other_task_and_inconsistent_checkpoints_are_refused(tmp_path):
    path, _ = save(tmp_path)
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable checkpoint"):
        load_predictor(cut)
    lm = create_model("gru", "lm", 12)
    save_checkpoint(tmp_path / "lm.pt", lm, vocab=["<pad>", "<unk>"])
    with pytest.raises(InputError, match="task 'lm', not 'classify'"):
        load_predictor(tmp_path / "lm.pt")
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"]["idf"] = ckpt["state_dict"]["idf"][:3]
    torch.save(ckpt, tmp_path / "bad.pt")
    with pytest.raises(InputError, match="do not fit a vocabulary"):
        load_predictor(tmp_path / "bad.pt")
    del ckpt["sparse_state"]
    torch.save(ckpt, tmp_path / "bad2.pt")
    with pytest.raises(InputError, match="incomplete|sparse_state. is missing"):
        load_predictor(tmp_path / "bad2.pt")
