"""Neural baselines: fastText's classifier (Joulin et al. 2017), a bag of words and hashed word n-grams.

The n-gram ids are computed from the token ids inside the model, so the model contract holds
(`model(tokens, lengths)` on right-padded ids) and padding never changes an answer. Ids 0 .. V-1 are
the words (0 padding, 1 unknown: both as in every token table); V .. V+n_buckets-1 are the buckets
the n-grams of order 2..n hash into. One table holds both, as fastText's input matrix does."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from seqarena import kernels
from seqarena.data.vocab import UNK_ID
from seqarena.models.layers import Dropout, length_mask, make_embedding, masked_mean

# an n-gram's bucket: a polynomial hash of its ids mod a Mersenne prime, h <- (h * MULT_k + id) mod PRIME
# with a multiplier per order k, then mod n_buckets. h < 2^31 and MULT_k < 2^31, so h * MULT_k + id
# stays below 2^63 (no int64 overflow)
PRIME = 2**31 - 1
MULT = 1_000_000_007


def ngram_ids(tokens: torch.Tensor, lengths: torch.Tensor, n: int, vocab_size: int, n_buckets: int) -> torch.Tensor:
    """(B, T) word ids -> (B, K) ids of the bag, 0 where there is nothing: the words themselves (their
    real positions), then for each order 2..n the bucket of every window of real tokens. A window that
    holds the unknown word is left out: every unknown word shares one id, so its n-grams would mean
    nothing (and with min_freq 1 no training text has one). Padding is never read: a window counts
    only when it ends before the text's length."""
    T = tokens.shape[1]
    real = length_mask(lengths, T)  # (B, T)
    parts = [tokens.masked_fill(~real, 0)]
    known = real & (tokens != UNK_ID)
    for k in range(2, min(n, T) + 1):
        W = T - k + 1  # windows of k tokens
        h, ok = tokens[:, :W], known[:, :W]
        for j in range(1, k):
            h = (h * (MULT + k) + tokens[:, j : j + W]) % PRIME
            ok = ok & known[:, j : j + W]
        parts.append(torch.where(ok, vocab_size + h % n_buckets, 0))
    return torch.cat(parts, 1) if len(parts) > 1 else parts[0]


class _BagMean(torch.autograd.Function):
    """Mean of the rows `flat[offsets[b]:offsets[b+1]]` of `weight` per bag b, by nn.EmbeddingBag's
    kernel: nothing (B, K, d) is made. The backward writes each index's gradient row once (sparse rows
    when the table is sparse, else one index_add into a dense gradient), without EmbeddingBag's own
    backward, which gathers and sorts twice."""

    @staticmethod
    def forward(ctx, weight, flat, offsets, bag_of, counts, sparse: bool):
        size = counts.clamp(min=1).unsqueeze(1).to(weight.dtype)  # (B, 1)
        ctx.save_for_backward(flat, bag_of, size)
        ctx.shape, ctx.sparse = weight.shape, sparse
        # the sum kernel, then the division: measured 3x faster than mode="mean" on the CPU
        return F.embedding_bag(flat, weight, offsets, mode="sum") / size

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out):
        flat, bag_of, size = ctx.saved_tensors
        rows = (d_out / size).index_select(0, bag_of)  # (n, d): every index's gradient row
        if ctx.sparse:
            grad = torch.sparse_coo_tensor(flat.unsqueeze(0), rows, ctx.shape, check_invariants=False)
        else:
            grad = torch.zeros(ctx.shape, dtype=d_out.dtype, device=d_out.device).index_add_(0, flat, rows)
        return grad, None, None, None, None, None


class FastText(nn.Module):
    """Mean of the embeddings of a text's words and hashed word n-grams (orders 2..n), then a linear
    layer. Order-aware only within n tokens."""

    family = "baseline"
    causal = False

    def __init__(self, vocab_size: int, num_classes: int, d_embed: int, n: int, n_buckets: int,
                 dropout: float) -> None:
        super().__init__()
        self.vocab_size, self.n, self.n_buckets = vocab_size, n, n_buckets
        self.emb = make_embedding(vocab_size + (n_buckets if n > 1 else 0), d_embed)
        nn.init.uniform_(self.emb.weight, -1.0 / d_embed, 1.0 / d_embed)  # fastText's input init
        with torch.no_grad():
            self.emb.weight[0].zero_()
        self.drop = Dropout(dropout)
        self.head = nn.Linear(d_embed, num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        ids = ngram_ids(tokens, lengths, self.n, self.vocab_size, self.n_buckets)  # (B, K), 0 = nothing
        present = ids != 0
        if not kernels.enabled():  # reference form: every row looked up, the mean over those present
            return masked_mean(self.emb(ids), present)  # (B, E)
        counts = present.sum(1)  # (B,)
        offsets = counts.cumsum(0) - counts
        bag_of = torch.repeat_interleave(counts)  # (n,): the bag of each id, in row-major order
        out = _BagMean.apply(self.emb.weight, ids[present], offsets, bag_of, counts, self.emb.sparse)
        static = getattr(self.emb, "static", None)  # multichannel vectors (models.embeddings): their frozen copy
        return out if static is None else out + F.embedding_bag(ids[present], static, offsets, mode="mean")

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.encode(tokens, lengths)
        return self.head(self.drop(x) if self.drop.p > 0 else x)  # fastText has no dropout: skip the call


def build_bow(vocab_size: int, num_classes: int, d_embed: int = 100, n: int = 2, n_buckets: int = 2**18,
              dropout: float = 0.0) -> nn.Module:
    """fastText's defaults (dim 100) with word bigrams; 2^18 buckets measured as good as fastText's 2M
    on the SST-2 and MR dev sets (docs/bow.md) at an eighth of the memory."""
    return FastText(vocab_size, num_classes, d_embed, n, n_buckets, dropout)


# fastText's recipe (train_supervised's defaults, dim and epochs aside): SGD, its lr decayed linearly to
# 0, no dropout (the hparam's default), no max-norm, the model's own init. fastText takes one text per
# step at lr 0.1; a mean loss over a batch of B texts takes the same steps at lr 0.1 B, and batches
# make the step cheap enough (docs/bow.md: chosen on the dev sets)
BOW_RECIPE: dict = {"optimizer": "sgd", "lr": 6.4, "lr_schedule": "linear", "batch_size": 64}

# The search space of `bow` for a tuner (read by a later `tune`): a hyperparameter of build_bow, or
# "train.<TrainConfig field>" -> its distribution: {"kind": "log", "low", "high"} (log-uniform),
# {"kind": "int", "low", "high"} (integers, both ends included), {"kind": "choice", "values"}.
BOW_SEARCH_SPACE: dict[str, dict] = {
    "d_embed": {"kind": "choice", "values": [50, 100, 200, 300]},
    "n": {"kind": "int", "low": 1, "high": 3},
    "n_buckets": {"kind": "choice", "values": [2**17, 2**18, 2**19, 2**20, 2**21]},
    "train.lr": {"kind": "log", "low": 0.3, "high": 30.0},
    "train.batch_size": {"kind": "choice", "values": [8, 16, 32, 64, 128]},
    "train.epochs": {"kind": "int", "low": 5, "high": 50},
}
