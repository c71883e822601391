"""bow is fastText's classifier: hashed word n-grams computed from the ids, a mean that builds no
(B, K, d) tensor, its own recipe; the registry-wide tests (tests/test_models.py, test_fast_paths.py)
cover its contract."""

import pytest
import torch
import torch.nn.functional as F

from seqarena import kernels
from seqarena.config import TrainConfig
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task
from seqarena.models import MODELS, create_model, model_hparams, train_config
from seqarena.models.baselines import ngram_ids
from seqarena.runtime import seed_everything
from seqarena.train import evaluate, fit

V = 50


def test_ngram_ids_are_words_then_buckets_of_real_windows_without_unknowns():
    tokens = torch.tensor([[5, 6, 7, 0], [1, 6, 9, 9]])  # row 0: length 3; row 1: <unk> first
    lengths = torch.tensor([3, 4])
    ids = ngram_ids(tokens, lengths, 3, V, 97)
    assert ids.shape == (2, 4 + 3 + 2)
    words, bigrams, trigrams = ids[:, :4], ids[:, 4:7], ids[:, 7:]
    assert torch.equal(words, tokens)
    assert (bigrams[0, :2] >= V).all() and bigrams[0, 2] == 0  # (5 6) (6 7); (7 pad) is not a bigram
    assert bigrams[1, 0] == 0 and (bigrams[1, 1:] >= V).all()  # (<unk> 6) is left out
    assert trigrams[0, 0] >= V and trigrams[0, 1] == 0 and trigrams[1, 0] == 0 and trigrams[1, 1] >= V
    assert (ids < V + 97).all()
    # the same window hashes to the same bucket anywhere, and orders hash apart
    again = ngram_ids(torch.tensor([[9, 5, 6, 7]]), torch.tensor([4]), 3, V, 97)
    assert again[0, 5] == ids[0, 4] and again[0, 8] == ids[0, 7]
    assert ngram_ids(tokens, lengths, 1, V, 97).shape == (2, 4)


def test_word_order_reaches_the_answer_only_through_n_grams():
    x = torch.tensor([[3, 4, 5, 6], [6, 5, 4, 3]])
    L = torch.tensor([4, 4])
    with torch.no_grad():
        torch.manual_seed(0)
        bigrams = create_model("bow", "classify", V, 2).eval()(x, L)
        torch.manual_seed(0)
        words = create_model("bow", "classify", V, 2, n=1).eval()(x, L)
    assert not torch.allclose(bigrams[0], bigrams[1])
    torch.testing.assert_close(words[0], words[1])


def test_fast_path_makes_no_per_position_embeddings():
    """Forward and backward of the embedding-bag path make no (B, K, d) tensor (K: words + n-grams per
    text); the reference form (one lookup per position, then a masked mean) does."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Shapes(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            self.seen += [tuple(t.shape) for t in (out if isinstance(out, (tuple, list)) else [out])
                          if isinstance(t, torch.Tensor)]
            return out

    torch.manual_seed(0)
    m = create_model("bow", "classify", V, 2, d_embed=16, n_buckets=64)
    x = torch.randint(2, V, (4, 9))
    L = torch.tensor([9, 5, 3, 1])

    def big_tensors():
        with Shapes() as mode:
            m(x, L).sum().backward()
        return [s for s in mode.seen if len(s) == 3 and s[-1] == 16]

    assert big_tensors() == []
    with kernels.disabled():
        assert (4, 9 + 8, 16) in big_tensors()


def test_sparse_row_sgd_is_dense_sgd():
    """fit trains bow's table with sparse row gradients; torch's dense SGD gives the same weights."""
    task = BigramTaskConfig(vocab_size=300, n_train=64, n_test=16, max_len=12, min_len=4, noise_low=120)
    train, _ = make_bigram_task(task)
    cfg = train_config("bow", epochs=2, batch_size=16)
    torch.manual_seed(0)
    m = create_model("bow", "classify", 300, 2, n_buckets=256)
    ref = create_model("bow", "classify", 300, 2, n_buckets=256)
    ref.load_state_dict(m.state_dict())
    fit(m, train, cfg=cfg, seed=0)
    assert not m.emb.sparse  # switched back after fit
    opt = torch.optim.SGD(ref.parameters(), lr=cfg.lr)
    g = seed_everything(0)  # fit's batch order
    steps = cfg.epochs * -(-len(train) // cfg.batch_size)
    step = 0
    for _ in range(cfg.epochs):
        ref.train()
        for _, (x, lengths, y) in train.batches(cfg.batch_size, shuffle=True, generator=g):
            loss = F.cross_entropy(ref(x, lengths), y)
            opt.zero_grad()
            loss.backward()
            opt.param_groups[0]["lr"] = cfg.lr * (1 - step / steps)
            opt.step()
            step += 1
    for (n, a), b in zip(m.named_parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4, msg=n)


def test_recipe_is_fasttexts_and_a_tuner_can_read_the_search_space():
    cfg = train_config("bow")
    assert (cfg.optimizer, cfg.lr_schedule, cfg.max_norm, cfg.embed_init) == ("sgd", "linear", None, None)
    assert model_hparams("bow", "classify")["dropout"] == 0.0
    assert train_config("gru") == TrainConfig()  # no recipe: TrainConfig's defaults
    assert train_config("bow", lr=1.0, epochs=3).lr == 1.0
    hparams = model_hparams("bow", "classify")
    for key, dist in MODELS["bow"].search_space.items():
        name = key.removeprefix("train.")
        assert name in hparams if key == name else name in TrainConfig.__dataclass_fields__
        assert dist["kind"] in ("log", "int", "choice")
    for entry in MODELS.values():  # every recipe is a valid TrainConfig
        train_config(entry.name)


@pytest.mark.slow
def test_bow_learns_the_signal_bigram_task_with_its_recipe():
    train, test = make_bigram_task(BigramTaskConfig())
    torch.manual_seed(0)
    m = create_model("bow", "classify", 5000, 2)
    fit(m, train, cfg=train_config("bow", epochs=10), seed=0)
    assert evaluate(m, test)["acc"] > 0.95
