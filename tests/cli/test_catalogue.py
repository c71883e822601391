"""The CLI's promise over every command and many bad inputs: exit code 2, exactly one line on stderr
(`seqarena: error: ...`), no traceback, nothing on stdout, and nothing previously saved changed (the
workspace, a results directory included, is hashed before and after every case).

Each case runs in-process through `seqarena.cli.main(argv)`; `write_crash_log` is replaced by a
function that fails the test, so a bad input that reached the internal-error handler (a bug, not a
refused input) cannot pass. Sizes are tiny and every case fails before any training starts."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
from pathlib import Path

import pytest
import torch

from seqarena import cli
from seqarena.models import create_model
from seqarena.run.store import ResultsStore
from seqarena.train.checkpoint import save_checkpoint


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > PWNED",))


SPECS = {  # name -> TOML text of a bad spec
    "lr_nan": '[train]\nlr = nan\n',
    "lr_inf": '[train]\nlr = inf\n',
    "lr_neg": '[train]\nlr = -1.0\n',
    "wd_nan": '[train]\nweight_decay = nan\n',
    "rho_one": '[train]\noptimizer = "adadelta"\nrho = 1.0\n',
    "max_norm_zero": '[train]\nmax_norm = 0.0\n',
    "grad_clip_nan": '[train]\ngrad_clip = nan\n',
    "patience_zero": '[train]\npatience = 0\n',
    "epochs_zero": '[train]\nepochs = 0\n',
    "epochs_huge": '[train]\nepochs = 100000000\n',
    "batch_huge": '[train]\nbatch_size = 1000000000\n',
    "optimizer_bad": '[train]\noptimizer = "lbfgs"\n',
    "embed_init_neg": '[train]\nembed_init = -0.25\n',
    "dev_ties_bad": '[train]\ndev_ties = "middle"\n',
    "folds_one": '[protocol]\nfolds = 1\n',
    "dev_fraction_nan": '[protocol]\ndev_fraction = nan\n',
    "dev_fraction_one": '[protocol]\ndev_fraction = 1.0\n',
    "split_seed_neg": '[protocol]\nsplit_seed = -1\n',
    "kind_bad": '[protocol]\nkind = "loo"\n',
    "n_filters_neg": '[hparams.textcnn]\nn_filters = -5\n',
    "kernel_sizes_empty": '[hparams.textcnn]\nkernel_sizes = []\n',
    "kernel_sizes_zero": '[hparams.textcnn]\nkernel_sizes = [3, 0]\n',
    "dropout_big": '[hparams]\ndropout = 1.5\n',
    "dropout_nan": '[hparams]\ndropout = nan\n',
    "embedding_mode_bad": '[train]\nembedding_mode = "frozen"\n',
    "embeddings_not_a_path": '[train]\nembeddings = 3\nembedding_mode = "static"\n',
    "embeddings_missing_file": '[train]\nembeddings = "nope.vec"\nembedding_mode = "static"\n',
    "d_embed_zero": '[hparams]\nd_embed = 0\n',
    "d_embed_huge": '[hparams]\nd_embed = 100000000\n',
    "heads_mismatch": '[hparams.transformer]\nd_model = 30\n',
    "n_layers_zero": '[hparams.gru]\nn_layers = 0\n',
    "edge_pad_int": '[hparams.textcnn]\nedge_pad = 1\n',
    "nbsvm_C_neg": '[hparams.nbsvm]\nC = -1.0\n',
    "nbsvm_beta_big": '[hparams.nbsvm]\nbeta = 2.0\n',
    "nbsvm_alpha_nan": '[hparams.nbsvm]\nalpha = nan\n',
    "ngram_max_zero": '[hparams.tfidf_lr]\nngram_max = 0\n',
    "unknown_hparam": '[hparams]\nwidth = 3\n',
    "unknown_field": 'colour = "red"\n',
    "not_toml": '[train\nlr = 1\n',
}
SPEC_HEAD = 'name = "bad"\ndatasets = ["seed-bigram"]\nmodels = ["textcnn", "gru", "transformer", "nbsvm", "tfidf_lr"]\n'
SPEC_SEEDS = {"seeds_huge": "seeds = 1000000000\n", "seeds_zero": "seeds = 0\n", "seeds_neg": "seeds = [-1]\n",
              "seeds_big": "seeds = [99999999999999999]\n".replace("99999999999999999", "9" * 19)}


def _spec_cases() -> list[tuple[str, list[str]]]:
    cases = [(f"spec-{k}", ["compare", "--config", f"specs/{k}.toml"]) for k in list(SPECS) + list(SPEC_SEEDS)]
    cases += [(f"spec-{k}-over-run", ["compare", "--config", f"specs/{k}.toml", "--out", "run"])
              for k in ("lr_nan", "n_filters_neg", "dropout_big", "seeds_huge")]
    return cases


CASES: list[tuple[str, list[str]]] = [
    # --- typer-level usage errors ---
    ("no-such-command", ["fly"]),
    ("unknown-option", ["compare", "--colour", "red"]),
    ("int-not-a-number", ["compare", "--epochs", "abc"]),
    ("train-missing-model", ["train", "--dataset", "seed-bigram"]),
    ("predict-missing-arg", ["predict"]),
    ("report-missing-arg", ["report"]),
    ("float-not-a-number", ["recommend", "run", "--max-latency-ms", "fast"]),
    # --- compare ---
    ("compare-epochs-0", ["compare", "--epochs", "0"]),
    ("compare-epochs-neg", ["compare", "--epochs", "-3"]),
    ("compare-epochs-huge", ["compare", "--epochs", "100000000"]),
    ("compare-seeds-0", ["compare", "--seeds", "0"]),
    ("compare-seeds-1e9", ["compare", "--models", "bow", "--seeds", "1000000000"]),
    ("compare-seeds-2^70", ["compare", "--seeds", str(2**70)]),
    ("compare-jobs-0", ["compare", "--jobs", "0"]),
    ("compare-jobs-huge", ["compare", "--jobs", "1000000"]),
    ("compare-threads-0", ["compare", "--threads", "0"]),
    ("compare-threads-huge", ["compare", "--threads", "100000"]),
    ("compare-folds-1", ["compare", "--folds", "1"]),
    ("compare-folds-huge", ["compare", "--folds", "1000000000"]),
    ("compare-fold-subset-x", ["compare", "--fold-subset", "a,b"]),
    ("compare-fold-subset-empty", ["compare", "--fold-subset", ","]),
    ("compare-folds-given", ["compare", "--folds", "3"]),
    ("compare-protocol", ["compare", "--protocol", "loo"]),
    ("compare-executor", ["compare", "--executor", "slurm"]),
    ("compare-preset", ["compare", "--preset", "nope"]),
    ("compare-preset-and-config", ["compare", "--preset", "seed", "--config", "specs/lr_nan.toml"]),
    ("compare-config-missing", ["compare", "--config", "missing.toml"]),
    ("compare-config-dir", ["compare", "--config", "adir"]),
    ("compare-models", ["compare", "--models", "gpt5"]),
    ("compare-models-empty", ["compare", "--models", ","]),
    ("compare-dataset", ["compare", "--dataset", "imdb"]),
    ("compare-out-file", ["compare", "--models", "bow", "--out", "afile"]),
    ("compare-out-under-file", ["compare", "--models", "bow", "--out", "afile/x"]),
    ("compare-out-deep-under-file", ["compare", "--models", "bow", "--out", "afile/x/y"]),
    ("compare-device", ["compare", "--device", "tpu"]),
    ("compare-device-index", ["compare", "--device", "cpu:x"]),
    ("compare-device-cuda", ["compare", "--device", "cuda"]),
    ("compare-out-foreign-db", ["compare", "--models", "bow", "--epochs", "1", "--out", "foreign"]),
    ("compare-out-junk-db", ["compare", "--models", "bow", "--epochs", "1", "--out", "junkdb"]),
    ("compare-ray-no-address", ["compare", "--models", "bow", "--executor", "ray"]),
    ("compare-fold-subset-range", ["compare", "--dataset", "mr", "--models", "nbsvm", "--fold-subset", "99"]),
    *_spec_cases(),
    # --- tune ---
    ("tune-trials-0", ["tune", "--trials", "0"]),
    ("tune-budget-neg", ["tune", "--budget-minutes", "-1"]),
    ("tune-budget-nan", ["tune", "--budget-minutes", "nan"]),
    ("tune-show-space-unknown", ["tune", "--show-space", "nosuch"]),
    ("tune-spec-lr-nan-over-run", ["tune", "--config", "specs/lr_nan.toml", "--out", "run"]),
    ("tune-lm-metric-accuracy", ["tune", "--preset", "names", "--metric", "accuracy", "--out", "run"]),
    ("tune-select-unknown", ["tune", "--select", "luck"]),
    ("tune-classifier-metric-nll", ["tune", "--preset", "seed", "--metric", "nll", "--out", "run"]),
    ("tune-no-dev-over-run", ["tune", "--preset", "seed", "--models", "nbsvm", "--trials", "1", "--out", "run"]),
    # --- train ---
    ("train-model", ["train", "--model", "gpt5", "--dataset", "seed-bigram"]),
    ("train-lm-model", ["train", "--model", "causal_cnn", "--dataset", "seed-bigram"]),
    ("train-dataset", ["train", "--model", "bow", "--dataset", "imdb"]),
    ("train-neither", ["train", "--model", "bow"]),
    ("train-both", ["train", "--model", "bow", "--dataset", "mr", "--train", "afile"]),
    ("train-format-missing", ["train", "--model", "bow", "--train", "afile"]),
    ("train-format-with-dataset", ["train", "--model", "bow", "--dataset", "mr", "--format", "csv"]),
    ("train-tokenizer", ["train", "--model", "bow", "--dataset", "mr", "--tokenizer", "bpe"]),
    ("train-tokenizer-on-ids", ["train", "--model", "bow", "--dataset", "seed-bigram", "--tokenizer", "chars"]),
    ("train-epochs-0", ["train", "--model", "bow", "--dataset", "seed-bigram", "--epochs", "0"]),
    ("train-epochs-huge", ["train", "--model", "bow", "--dataset", "seed-bigram", "--epochs", "10000000"]),
    ("train-seed-neg", ["train", "--model", "bow", "--dataset", "seed-bigram", "--seed", "-1"]),
    ("train-seed-2^70", ["train", "--model", "bow", "--dataset", "seed-bigram", "--seed", str(2**70)]),
    ("train-threads-0", ["train", "--model", "bow", "--dataset", "seed-bigram", "--threads", "0"]),
    ("train-min-freq-0", ["train", "--model", "bow", "--dataset", "mr", "--min-freq", "0"]),
    ("train-out-under-file", ["train", "--model", "bow", "--dataset", "seed-bigram", "--out", "afile/x.pt"]),
    ("train-out-dir", ["train", "--model", "bow", "--dataset", "seed-bigram", "--out", "adir"]),
    ("train-device", ["train", "--model", "bow", "--dataset", "seed-bigram", "--device", "quantum"]),
    ("train-missing-file", ["train", "--model", "bow", "--train", "missing.csv", "--format", "csv"]),
    ("train-format-bad", ["train", "--model", "bow", "--train", "afile", "--format", "xml"]),
    # --- predict ---
    ("predict-missing", ["predict", "missing.pt", "good"]),
    ("predict-dir", ["predict", "adir", "good"]),
    ("predict-junk", ["predict", "ckpt/junk.pt", "good"]),
    ("predict-truncated", ["predict", "ckpt/truncated.pt", "good"]),
    ("predict-evil", ["predict", "ckpt/evil.pt", "good"]),
    ("predict-evil-bare-pickle", ["predict", "ckpt/evil.pkl", "good"]),
    ("predict-plain-dict", ["predict", "ckpt/plain.pt", "good"]),
    ("predict-version", ["predict", "ckpt/version.pt", "good"]),
    ("predict-lm-ckpt", ["predict", "ckpt/lm.pt", "good"]),
    ("predict-no-config", ["predict", "ckpt/no_config.pt", "good"]),
    ("predict-no-hparams", ["predict", "ckpt/no_hparams.pt", "good"]),
    ("predict-config-str", ["predict", "ckpt/config_str.pt", "good"]),
    ("predict-unknown-model", ["predict", "ckpt/unknown_model.pt", "good"]),
    ("predict-bad-hparam", ["predict", "ckpt/bad_hparam.pt", "good"]),
    ("predict-vocab-size-str", ["predict", "ckpt/vocab_size_str.pt", "good"]),
    ("predict-shape", ["predict", "ckpt/shape.pt", "good"]),
    ("predict-missing-weight", ["predict", "ckpt/missing_weight.pt", "good"]),
    ("predict-extra-weight", ["predict", "ckpt/extra_weight.pt", "good"]),
    ("predict-weight-not-tensor", ["predict", "ckpt/weight_str.pt", "good"]),
    ("predict-no-state", ["predict", "ckpt/no_state.pt", "good"]),
    ("predict-labels-empty", ["predict", "ckpt/labels_empty.pt", "good"]),
    ("predict-labels-missing", ["predict", "ckpt/labels_missing.pt", "good"]),
    ("predict-labels-count", ["predict", "ckpt/labels_count.pt", "good"]),
    ("predict-labels-dup", ["predict", "ckpt/labels_dup.pt", "good"]),
    ("predict-labels-ints", ["predict", "ckpt/labels_ints.pt", "good"]),
    ("predict-vocab-length", ["predict", "ckpt/vocab_length.pt", "good"]),
    ("predict-vocab-specials", ["predict", "ckpt/vocab_specials.pt", "good"]),
    ("predict-no-vocab", ["predict", "ckpt/no_vocab.pt", "good"]),
    ("predict-tokenizer", ["predict", "ckpt/tokenizer.pt", "good"]),
    ("predict-no-text", ["predict", "ckpt/good.pt"]),
    ("predict-text-and-file", ["predict", "ckpt/good.pt", "good", "--file", "afile"]),
    ("predict-empty-text", ["predict", "ckpt/good.pt", " "]),
    ("predict-file-missing", ["predict", "ckpt/good.pt", "--file", "missing.txt"]),
    ("predict-device", ["predict", "ckpt/good.pt", "good", "--device", "tpu"]),
    # --- report / recommend ---
    ("report-missing-dir", ["report", "nowhere"]),
    ("report-file", ["report", "afile"]),
    ("report-empty-dir", ["report", "adir"]),
    ("report-bad-json", ["report", "badjson"]),
    ("report-foreign-db", ["report", "foreign"]),
    ("report-junk-db", ["report", "junkdb"]),
    ("report-out-suffix", ["report", "run", "--out", "r.txt"]),
    ("report-out-under-file", ["report", "run", "--out", "afile/r.html"]),
    ("report-out-dir", ["report", "run", "--out", "adir"]),
    ("report-out-twin-is-dir", ["report", "run", "--out", "twin/r.html"]),
    ("recommend-missing-dir", ["recommend", "nowhere"]),
    ("recommend-foreign-db", ["recommend", "foreign"]),
    ("recommend-junk-db", ["recommend", "junkdb"]),
    ("recommend-latency-neg", ["recommend", "run", "--max-latency-ms", "-1"]),
    ("recommend-latency-nan", ["recommend", "run", "--max-latency-ms", "nan"]),
    ("recommend-latency-inf", ["recommend", "run", "--max-latency-ms", "inf"]),
    ("recommend-params-neg", ["recommend", "run", "--max-params", "-5"]),
    ("recommend-time-nan", ["recommend", "run", "--max-train-time-s", "nan"]),
    ("recommend-acc-big", ["recommend", "run", "--min-accuracy", "1.5"]),
    ("recommend-acc-nan", ["recommend", "run", "--min-accuracy", "nan"]),
    ("recommend-dataset", ["recommend", "run", "--dataset", "imdb"]),
    # --- names train ---
    ("names-train-hidden-0", ["names", "train", "--model", "gru", "--hidden", "0"]),
    ("names-train-hidden-neg", ["names", "train", "--model", "gru", "--hidden", "-4"]),
    ("names-train-hidden-huge", ["names", "train", "--model", "gru", "--hidden", "100000000"]),
    ("names-train-layers-0", ["names", "train", "--model", "gru", "--layers", "0"]),
    ("names-train-layers-huge", ["names", "train", "--model", "lstm", "--layers", "100000"]),
    ("names-train-causal-layers", ["names", "train", "--model", "causal_cnn", "--layers", "60"]),
    ("names-train-embed-0", ["names", "train", "--model", "gru", "--embed", "0"]),
    ("names-train-dropout-big", ["names", "train", "--model", "gru", "--dropout", "1.5"]),
    ("names-train-dropout-one", ["names", "train", "--model", "gru", "--dropout", "1.0"]),
    ("names-train-dropout-neg", ["names", "train", "--model", "gru", "--dropout", "-0.1"]),
    ("names-train-dropout-nan", ["names", "train", "--model", "gru", "--dropout", "nan"]),
    ("names-train-heads", ["names", "train", "--model", "transformer", "--hidden", "30"]),
    ("names-train-order-0", ["names", "train", "--model", "ngram", "--order", "0"]),
    ("names-train-order-9", ["names", "train", "--model", "ngram", "--order", "9"]),
    ("names-train-order-on-gru", ["names", "train", "--model", "gru", "--order", "3"]),
    ("names-train-one-hot-transformer", ["names", "train", "--model", "transformer", "--one-hot"]),
    ("names-train-model", ["names", "train", "--model", "gpt5"]),
    ("names-train-classifier", ["names", "train", "--model", "bilstm"]),
    ("names-train-lr-nan", ["names", "train", "--lr", "nan"]),
    ("names-train-lr-inf", ["names", "train", "--lr", "inf"]),
    ("names-train-lr-0", ["names", "train", "--lr", "0"]),
    ("names-train-lr-neg", ["names", "train", "--lr", "-0.01"]),
    ("names-train-epochs-0", ["names", "train", "--epochs", "0"]),
    ("names-train-batch-0", ["names", "train", "--batch-size", "0"]),
    ("names-train-batch-huge", ["names", "train", "--batch-size", "10000000000"]),
    ("names-train-patience-0", ["names", "train", "--patience", "0"]),
    ("names-train-max-time-0", ["names", "train", "--max-time", "0"]),
    ("names-train-max-time-nan", ["names", "train", "--max-time", "nan"]),
    ("names-train-seed-neg", ["names", "train", "--seed", "-1"]),
    ("names-train-seed-2^70", ["names", "train", "--seed", str(2**70)]),
    ("names-train-n-0", ["names", "train", "--n", "0"]),
    ("names-train-n-huge", ["names", "train", "--n", "1000000000"]),
    ("names-train-threads-0", ["names", "train", "--threads", "0"]),
    ("names-train-ckpt-under-file", ["names", "train", "--checkpoint", "afile/x.pt"]),
    ("names-train-ckpt-dir", ["names", "train", "--checkpoint", "adir"]),
    ("names-train-split", ["names", "train", "--split", "thirds"]),
    ("names-train-corpus", ["names", "train", "--corpus", "missing-names.txt"]),
    ("names-train-device", ["names", "train", "--device", "tpu"]),
    # --- names sample ---
    ("names-sample-n-0", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--n", "0"]),
    ("names-sample-n-1e9", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--n", "1000000000"]),
    ("names-sample-temp-0", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--temperature", "0"]),
    ("names-sample-temp-nan", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--temperature", "nan"]),
    ("names-sample-temp-inf", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--temperature", "inf"]),
    ("names-sample-top-k-0", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--top-k", "0"]),
    ("names-sample-max-len-0", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--max-len", "0"]),
    ("names-sample-max-len-huge", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--max-len", "1000000000"]),
    ("names-sample-seed-2^70", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--seed", str(2**70)]),
    ("names-sample-prefix", ["names", "sample", "--checkpoint", "ckpt/lm.pt", "--prefix", "ZQ#"]),
    ("names-sample-missing", ["names", "sample", "--checkpoint", "missing.pt"]),
    ("names-sample-classifier", ["names", "sample", "--checkpoint", "ckpt/good.pt"]),
    ("names-sample-evil", ["names", "sample", "--checkpoint", "ckpt/evil.pt"]),
    ("names-sample-lm-no-vocab", ["names", "sample", "--checkpoint", "ckpt/lm_no_vocab.pt"]),
    ("names-sample-lm-no-splits", ["names", "sample", "--checkpoint", "ckpt/lm_no_splits.pt"]),
    ("names-sample-lm-split-missing", ["names", "sample", "--checkpoint", "ckpt/lm_split_missing.pt"]),
    ("names-sample-lm-vocab-length", ["names", "sample", "--checkpoint", "ckpt/lm_vocab_length.pt"]),
    ("names-sample-lm-vocab-chars", ["names", "sample", "--checkpoint", "ckpt/lm_vocab_chars.pt"]),
    ("names-sample-lm-max-len", ["names", "sample", "--checkpoint", "ckpt/lm_max_len.pt"]),
    ("names-sample-lm-kind", ["names", "sample", "--checkpoint", "ckpt/lm_kind.pt"]),
    ("names-sample-lm-shape", ["names", "sample", "--checkpoint", "ckpt/lm_shape.pt"]),
    # --- names compare ---
    ("names-compare-empty", ["names", "compare", "--models", ","]),
    ("names-compare-model", ["names", "compare", "--models", "gpt5"]),
    ("names-compare-classifier", ["names", "compare", "--models", "textcnn"]),
    ("names-compare-setting", ["names", "compare", "--models", "gru:width=3"]),
    ("names-compare-no-value", ["names", "compare", "--models", "gru:d_hidden"]),
    ("names-compare-value", ["names", "compare", "--models", "gru:d_hidden=big"]),
    ("names-compare-hidden-0", ["names", "compare", "--models", "gru:d_hidden=0"]),
    ("names-compare-dropout-nan", ["names", "compare", "--models", "rnn:dropout=nan"]),
    ("names-compare-order-9", ["names", "compare", "--models", "ngram:order=9"]),
    ("names-compare-lr-nan", ["names", "compare", "--lr", "nan"]),
    ("names-compare-epochs-0", ["names", "compare", "--epochs", "0"]),
    ("names-compare-seed-2^70", ["names", "compare", "--seed", str(2**70)]),
    # --- theory / probe / scale / gradients ---
    ("theory-seq-len-0", ["theory", "--seq-len", "0"]),
    ("theory-seq-len-huge", ["theory", "--models", "bow", "--seq-len", "100000000"]),
    ("theory-vocab-1", ["theory", "--vocab-size", "1"]),
    ("theory-vocab-huge", ["theory", "--models", "bow", "--vocab-size", "10000000000"]),
    ("theory-models", ["theory", "--models", "gpt5"]),
    ("theory-out-file", ["theory", "--models", "bow", "--out", "afile"]),
    ("theory-out-under-file", ["theory", "--models", "bow", "--out", "afile/x"]),
    ("probe-epochs-0", ["probe", "--epochs", "0"]),
    ("probe-n-train-1", ["probe", "--n-train", "1"]),
    ("probe-n-train-huge", ["probe", "--n-train", "10000000000"]),
    ("probe-seeds-0", ["probe", "--seeds", "0"]),
    ("probe-seeds-huge", ["probe", "--seeds", "1000000000"]),
    ("probe-tasks", ["probe", "--tasks", "parity"]),
    ("probe-difficulties-two-tasks", ["probe", "--tasks", "order,count", "--difficulties", "3"]),
    ("probe-difficulties-huge", ["probe", "--tasks", "longrange", "--difficulties", "1000000000"]),
    ("probe-difficulties-budget", ["probe", "--tasks", "longrange", "--difficulties", "90000",
                                   "--n-train", "5000"]),
    ("probe-difficulties-0", ["probe", "--tasks", "order", "--difficulties", "0"]),
    ("probe-difficulties-even", ["probe", "--tasks", "count", "--difficulties", "4"]),
    ("probe-difficulties-x", ["probe", "--tasks", "order", "--difficulties", "x"]),
    ("probe-threads-0", ["probe", "--quick", "--threads", "0"]),
    ("probe-out-file", ["probe", "--quick", "--out", "afile"]),
    ("probe-models", ["probe", "--models", "gpt5"]),
    ("scale-lengths-0", ["scale", "--lengths", "0"]),
    ("scale-lengths-x", ["scale", "--lengths", "x"]),
    ("scale-lengths-empty", ["scale", "--lengths", ","]),
    ("scale-lengths-huge", ["scale", "--models", "bow", "--lengths", "1000000000"]),
    ("scale-lengths-many", ["scale", "--models", "bow", "--lengths", ",".join(["8"] * 2000)]),
    ("scale-batch-0", ["scale", "--batch-sizes", "0"]),
    ("scale-batch-huge", ["scale", "--models", "bow", "--batch-sizes", "100000000000"]),
    ("scale-repeats-0", ["scale", "--repeats", "0"]),
    ("scale-max-step-0", ["scale", "--max-step-s", "0"]),
    ("scale-max-step-nan", ["scale", "--max-step-s", "nan"]),
    ("scale-device", ["scale", "--device", "tpu"]),
    ("scale-out-file", ["scale", "--models", "bow", "--out", "afile"]),
    ("scale-models", ["scale", "--models", "gpt5"]),
    ("gradients-seq-len-10", ["gradients", "--seq-len", "10"]),
    ("gradients-seq-len-huge", ["gradients", "--seq-len", "100000000"]),
    ("gradients-epochs-0", ["gradients", "--epochs", "0"]),
    ("gradients-n-train-1", ["gradients", "--n-train", "1"]),
    ("gradients-budget", ["gradients", "--n-train", "5000000", "--seq-len", "8000"]),
    ("gradients-hiddens-0", ["gradients", "--hiddens", "0"]),
    ("gradients-hiddens-huge", ["gradients", "--hiddens", "100000000"]),
    ("gradients-hiddens-x", ["gradients", "--hiddens", "big"]),
    ("gradients-sweep-steps-0", ["gradients", "--sweep-steps", "0"]),
    ("gradients-out-file", ["gradients", "--out", "afile"]),
    ("gradients-models", ["gradients", "--models", "gpt5"]),
    # --- data ---
    ("data-download-name", ["data", "download", "imdb"]),
    ("data-download-cache-file", ["data", "download", "mr", "--cache-dir", "afile"]),
    ("data-download-cache-under-file", ["data", "download", "mr", "--cache-dir", "afile/cache"]),
    ("data-unknown", ["data", "explode"]),
]

if not os.access("/proc/1", os.W_OK) and os.path.isdir("/proc/1"):  # an unwritable directory, even for root
    CASES += [("compare-out-unwritable", ["compare", "--models", "bow", "--out", "/proc/1/seqarena-run"]),
              ("train-out-unwritable", ["train", "--model", "bow", "--dataset", "seed-bigram",
                                        "--out", "/proc/1/m.pt"]),
              ("names-train-ckpt-unwritable", ["names", "train", "--checkpoint", "/proc/1/last.pt"])]


def test_the_catalogue_is_big_and_its_names_unique():
    assert len(CASES) >= 150, len(CASES)
    assert len({name for name, _ in CASES}) == len(CASES)


def _checkpoints(d: Path) -> None:
    d.mkdir()
    vocab = ["<pad>", "<unk>", "good", "bad", "film"]
    model = create_model("bow", "classify", len(vocab), 2, d_embed=4)
    extra = {"vocab": vocab, "label_names": ["neg", "pos"], "tokenizer": "whitespace", "dataset": "toy", "seed": 0}
    save_checkpoint(d / "good.pt", model, **extra)
    good = torch.load(d / "good.pt", weights_only=True)

    def variant(name: str, change, base: dict = good) -> None:
        c = pickle.loads(pickle.dumps(base))  # a deep copy of plain data and tensors
        change(c)
        torch.save(c, d / f"{name}.pt")

    variant("no_config", lambda c: c.pop("model_config"))
    variant("no_hparams", lambda c: c["model_config"].pop("hparams"))
    variant("config_str", lambda c: c.update(model_config="bow"))
    variant("unknown_model", lambda c: c["model_config"].update(name="gpt5"))
    variant("bad_hparam", lambda c: c["model_config"]["hparams"].update(d_embed=-4))
    variant("vocab_size_str", lambda c: c["model_config"].update(vocab_size="five"))
    variant("shape", lambda c: c["state_dict"].update({k: torch.zeros(3, 3) for k in list(c["state_dict"])[:1]}))
    variant("missing_weight", lambda c: c["state_dict"].pop(next(iter(c["state_dict"]))))
    variant("extra_weight", lambda c: c["state_dict"].update(extra=torch.zeros(1)))
    variant("weight_str", lambda c: c["state_dict"].update({k: "w" for k in list(c["state_dict"])[:1]}))
    variant("no_state", lambda c: c.pop("state_dict"))
    variant("labels_empty", lambda c: c.update(label_names=[]))
    variant("labels_missing", lambda c: c.pop("label_names"))
    variant("labels_count", lambda c: c.update(label_names=["a", "b", "c"]))
    variant("labels_dup", lambda c: c.update(label_names=["a", "a"]))
    variant("labels_ints", lambda c: c.update(label_names=[0, 1]))
    variant("vocab_length", lambda c: c.update(vocab=vocab[:3]))
    variant("vocab_specials", lambda c: c.update(vocab=["a", "b", "c", "d", "e"]))
    variant("no_vocab", lambda c: c.update(vocab=None, tokenizer=None))
    variant("tokenizer", lambda c: c.update(tokenizer="bpe"))
    variant("version", lambda c: c.update(format_version=999))
    torch.save({"weights": torch.zeros(2)}, d / "plain.pt")
    torch.save({"format": "seqarena-checkpoint", "payload": Evil()}, d / "evil.pt")
    (d / "evil.pkl").write_bytes(pickle.dumps(Evil(), protocol=2))
    (d / "junk.pt").write_bytes(b"not a checkpoint at all" * 10)
    data = (d / "good.pt").read_bytes()
    (d / "truncated.pt").write_bytes(data[: len(data) // 2])

    chars = list("abcdeo")
    lm = create_model("gru", "lm", len(chars) + 2, None, d_embed=4, d_hidden=4)
    lm_extra = {"kind": "names-lm", "vocab": chars, "splits": {"train": ["abe", "cod"], "val": ["dab"], "test": ["bod"]},
                "max_len": 8, "corpus": {"name": "toy"}, "row": {"model": "gru"}}
    save_checkpoint(d / "lm.pt", lm, **lm_extra)
    good_lm = torch.load(d / "lm.pt", weights_only=True)

    def lm_variant(name: str, change) -> None:
        variant(name, change, good_lm)

    lm_variant("lm_no_vocab", lambda c: c.pop("vocab"))
    lm_variant("lm_no_splits", lambda c: c.pop("splits"))
    lm_variant("lm_split_missing", lambda c: c["splits"].pop("val"))
    lm_variant("lm_vocab_length", lambda c: c.update(vocab=chars[:4]))
    lm_variant("lm_vocab_chars", lambda c: c.update(vocab=["ab", "c", "d", "e", "o", "f"]))
    lm_variant("lm_max_len", lambda c: c.update(max_len=0))
    lm_variant("lm_kind", lambda c: c.pop("kind"))
    lm_variant("lm_shape", lambda c: c["state_dict"].update(
        {k: torch.zeros(1) for k in list(c["state_dict"])[-1:]}))


def _run_dir(d: Path) -> None:
    """A results directory as `compare --out` leaves it: results.sqlite, results.json."""
    rows = [{"cell_id": f"compare/toy/{m}/h/-/{s}", "experiment": "compare", "dataset": "toy", "model": m,
             "family": "baseline", "config_hash": "h", "fold": None, "seed": s, "params": 10, "test_acc": a,
             "train_acc": a, "dev_acc": None, "macro_f1": a, "train_time_s": 1.0, "latency_ms": 0.5,
             "throughput": 100.0, "history": "[]"}
            for m, a0 in (("bow", 0.7), ("textcnn", 0.8)) for s, a in enumerate((a0, a0 + 0.01))]
    store = ResultsStore(d / "results.sqlite")
    for r in rows:
        store.put(r)
    store.close()
    (d / "results.json").write_text(json.dumps({"summary": [], "tests": {}, "rows": rows}))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("catalogue")
    (ws / "afile").write_text("a plain file\n")
    (ws / "adir").mkdir()
    (ws / "twin").mkdir()
    (ws / "twin" / "r.md").mkdir()  # report --out twin/r.html: its Markdown twin's name is a directory
    (ws / "specs").mkdir()
    for name, body in SPECS.items():
        (ws / "specs" / f"{name}.toml").write_text(SPEC_HEAD + body)
    for name, body in SPEC_SEEDS.items():
        (ws / "specs" / f"{name}.toml").write_text(SPEC_HEAD + body)
    _checkpoints(ws / "ckpt")
    (ws / "run").mkdir()
    _run_dir(ws / "run")
    (ws / "badjson").mkdir()
    (ws / "badjson" / "results.json").write_text("{not json")
    (ws / "foreign").mkdir()
    db = sqlite3.connect(ws / "foreign" / "results.sqlite")  # somebody else's database, journal mode delete
    db.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
    db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    db.commit()
    db.close()
    (ws / "junkdb").mkdir()
    (ws / "junkdb" / "results.sqlite").write_bytes(b"this is not sqlite" * 100)
    return ws


def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under root: its content hash (files) or 'dir'."""
    out = {}
    for p in sorted(root.rglob("*")):
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.mark.parametrize("argv", [argv for _, argv in CASES], ids=[name for name, _ in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(argv, workspace, monkeypatch, capsys):
    monkeypatch.chdir(workspace)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)

    def reached_internal_error(e, argv):  # a bad input must be refused, never crash
        raise AssertionError(f"reached the internal-error handler: {type(e).__name__}: {e}")

    monkeypatch.setattr(cli, "write_crash_log", reached_internal_error)
    before = snapshot(workspace)
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert e.value.code == 2, err
    assert len(lines) == 1 and lines[0].startswith("seqarena: error: "), err
    assert "Traceback" not in err and out == ""
    assert snapshot(workspace) == before, "a bad input changed files in the workspace"
    assert not (workspace / "PWNED").exists()
    db = sqlite3.connect(workspace / "foreign" / "results.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # never switched to WAL
    db.close()
