import pickle

import pytest
import torch

from seqarena.errors import InputError
from seqarena.models import create_model
from seqarena.train.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint

SIDE_EFFECT = []


def mark(what):
    SIDE_EFFECT.append(what)


class Evil:
    def __reduce__(self):
        return (mark, ("executed",))


def test_round_trip(tmp_path):
    m = create_model("textcnn", "classify", 40, 3, n_filters=5).eval()
    vocab = ["<pad>", "<unk>"] + [f"w{i}" for i in range(2, 40)]
    save_checkpoint(tmp_path / "m.pt", m, vocab=vocab, label_names=["x", "y", "z"])
    ckpt = load_checkpoint(tmp_path / "m.pt", task="classify")
    assert ckpt["vocab"][2] == "w2" and ckpt["label_names"] == ["x", "y", "z"]
    m2 = model_from_checkpoint(ckpt)
    x, L = torch.randint(1, 40, (2, 6)), torch.tensor([6, 4])
    torch.testing.assert_close(m2(x, L), m(x, L))
    with pytest.raises(InputError, match="task 'classify', not 'lm'"):
        load_checkpoint(tmp_path / "m.pt", task="lm")


def test_pickled_objects_are_refused_not_executed(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "seqarena-checkpoint", "payload": Evil()}, path)
    with pytest.raises(InputError, match="refused"):
        load_checkpoint(path)
    assert SIDE_EFFECT == []
    pickle.loads(pickle.dumps(Evil()))  # the object really does act when unpickled
    assert SIDE_EFFECT == ["executed"]


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not torch")
    with pytest.raises(InputError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    with pytest.raises(InputError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
