"""Ground-truth data sets: `get(name, data_dir=None)` and `names()`.

See docs/data.md for every data set, its factors and where its files go.
"""

from disent_tf.data.base import GroundTruthData
from disent_tf.data.registry import get, names

__all__ = ["GroundTruthData", "get", "names"]
