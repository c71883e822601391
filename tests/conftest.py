import pytest
import torch


@pytest.fixture(autouse=True)
def _runs_dir(tmp_path_factory, monkeypatch):
    """`compare` without --out writes to $SEQARENA_RUNS/<timestamp>/: keep that out of the checkout."""
    monkeypatch.setenv("SEQARENA_RUNS", str(tmp_path_factory.getbasetemp() / "runs"))
    # the vectors files' digests (data.vectors.digest_cache) likewise
    monkeypatch.setenv("SEQARENA_VECTORS_CACHE", str(tmp_path_factory.getbasetemp() / "vectors-cache"))


@pytest.fixture(autouse=True)
def _small_threads():
    """Tests run on 2 shared cores: one torch thread keeps them fast (tiny models gain nothing from
    more, and on a busy machine spinning threads make them far slower) and reproducible."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
