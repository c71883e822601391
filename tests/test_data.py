"""Synthetic seed task and length-bucketed batching."""

import torch

from seqarena.data import load_dataset
from seqarena.data.batching import Split, pad_sequences
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task


def test_bigram_task_matches_the_seed_spec():
    cfg = BigramTaskConfig()
    train, test = make_bigram_task(cfg)
    assert len(train) == 4000 and len(test) == 1000
    assert train.tokens.shape == (4000, 40)
    assert int(train.lengths.min()) >= 15 and int(train.lengths.max()) <= 40
    pad = torch.arange(40)[None, :] >= train.lengths[:, None]
    assert (train.tokens[pad] == 0).all() and (train.tokens[~pad] > 0).all()
    assert set(train.labels.unique().tolist()) == {0, 1}
    pos = (train.tokens >= 10) & (train.tokens < 60)
    neg = (train.tokens >= 60) & (train.tokens < 110)
    # every text carries signal tokens of its own class only, in at least one adjacent pair
    is_pos = train.labels == 1
    assert (pos[is_pos].any(1)).all() and not (neg[is_pos].any())
    assert (neg[~is_pos].any(1)).all() and not (pos[~is_pos].any())
    sig = pos | neg
    assert (sig[:, :-1] & sig[:, 1:]).any(1).all()


def test_bigram_task_is_seeded_and_parametrised():
    a, _ = make_bigram_task(BigramTaskConfig(seed=1, n_train=50, n_test=10))
    b, _ = make_bigram_task(BigramTaskConfig(seed=1, n_train=50, n_test=10))
    c, _ = make_bigram_task(BigramTaskConfig(seed=2, n_train=50, n_test=10))
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.tokens, c.tokens)
    small, _ = make_bigram_task(BigramTaskConfig(vocab_size=300, max_len=12, min_len=5, n_train=20, n_test=5))
    assert small.tokens.shape == (20, 12) and int(small.tokens.max()) < 300


def test_load_dataset_by_name():
    ds = load_dataset("seed-bigram")
    assert ds.vocab_size == 5000 and ds.num_classes == 2 and len(ds.train) == 4000


def test_bucketed_batches_cover_every_row_once_and_trim_padding():
    train, _ = make_bigram_task(BigramTaskConfig(n_train=1000, n_test=1))
    seen = []
    padded_cells = 0
    for idx, (x, L, y) in train.batches(64, shuffle=True, generator=torch.Generator().manual_seed(0)):
        assert x.shape[1] == int(L.max())  # trimmed to the batch's longest row
        assert torch.equal(L, train.lengths[idx]) and torch.equal(y, train.labels[idx])
        assert torch.equal(x, train.tokens[idx, : x.shape[1]])
        padded_cells += int((x == 0).sum())
        seen.append(idx)
    assert sorted(torch.cat(seen).tolist()) == list(range(1000))
    # bucketing: far less padding than padding every batch to 40
    assert padded_cells < 0.2 * int((train.tokens == 0).sum())


def test_batch_order_is_seeded():
    train, _ = make_bigram_task(BigramTaskConfig(n_train=300, n_test=1))
    def order(seed):
        g = torch.Generator().manual_seed(seed)
        return torch.cat([i for i, _ in train.batches(32, shuffle=True, generator=g)])
    assert torch.equal(order(0), order(0)) and not torch.equal(order(0), order(1))


def test_eval_batches_keep_all_rows():
    s = Split(*pad_sequences([[1, 2], [3], [4, 5, 6]]), torch.tensor([0, 1, 0]))
    idx = torch.cat([i for i, _ in s.batches(2)])
    assert sorted(idx.tolist()) == [0, 1, 2]
    assert s.tokens.tolist() == [[1, 2, 0], [3, 0, 0], [4, 5, 6]]
