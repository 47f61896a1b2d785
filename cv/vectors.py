"""Embedding vectors: normalising, comparing and storing them. One place for each of these."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32Array = npt.NDArray[np.float32]
EMBEDDING_DIM = 1280
# Vectors shorter than this are treated as zero (an all-black crop can give one): no direction.
_TINY = 1e-12


def l2_normalise(vectors: npt.ArrayLike) -> F32Array:
    """Rows scaled to unit length (a single vector is one row); zero rows stay zero."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    out = np.zeros_like(array)
    np.divide(array, norms, out=out, where=norms > _TINY)
    return out


def cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    return float(np.dot(l2_normalise(a), l2_normalise(b)))


def pack(vector: npt.ArrayLike) -> bytes:
    """Little-endian float32 bytes, for a BLOB/BYTEA column."""
    return np.asarray(vector, dtype="<f4").tobytes()

