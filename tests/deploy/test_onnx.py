"""ONNX export of every registered classifier: onnxruntime's logits equal PyTorch's within 1e-4 on a
padded batch of mixed lengths (a length-1 text and texts shorter than TextCNN's widest kernel among
them), with batch and length both different from the traced example."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqarena.deploy.onnx import export_model, parity, sample_batch, session
from seqarena.models import create_model, list_models

CLASSIFIERS = list_models("classify")


def test_every_classifier_is_covered():
    assert len(CLASSIFIERS) == 8  # a new classifier gets its parity test by being registered


def _model(name: str, **hp):
    torch.manual_seed(0)
    m = create_model(name, "classify", 60, 3, **hp)
    with torch.no_grad():  # biases and weights away from their init, so a missed mask would show
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return m.eval()


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_onnx_logits_match_pytorch(tmp_path, name):
    m = _model(name)
    path = tmp_path / f"{name}.onnx"
    export_model(m, path)
    sess = session(path, threads=1)
    assert parity(m, sess) <= 1e-4
    for lengths in ([1], [2, 1, 3], [33, 4, 1, 17, 2, 9, 12]):
        x, L = sample_batch(60, lengths, seed=len(lengths))
        with torch.no_grad():
            ref = m(x, L).numpy()
        got = sess.run(None, {"tokens": x.numpy(), "lengths": L.numpy()})[0]
        assert got.shape == (len(lengths), 3)
        np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)
        # padding never changes an answer in the graph either: each row alone gives the same logits
        alone = sess.run(None, {"tokens": x[:1, : lengths[0]].numpy(), "lengths": L[:1].numpy()})[0]
        np.testing.assert_allclose(alone[0], got[0], atol=1e-4, rtol=0)


@pytest.mark.parametrize("hp", [{"edge_pad": True}, {"kernel_sizes": (2, 7)}])
def test_textcnn_variants_export(tmp_path, hp):
    m = _model("textcnn", **hp)
    export_model(m, tmp_path / "t.onnx")
    assert parity(m, session(tmp_path / "t.onnx", threads=1)) <= 1e-4


def test_bidirectional_and_deep_recurrent_export(tmp_path):
    for name, hp in (("bilstm", {"n_layers": 2}), ("gru", {"n_layers": 2})):
        m = _model(name, **hp)
        export_model(m, tmp_path / f"{name}.onnx")
        assert parity(m, session(tmp_path / f"{name}.onnx", threads=1)) <= 1e-4
