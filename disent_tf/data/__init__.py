"""Ground-truth data sets: `get(name, data_dir=None)`, `names()` and `check_name(name)`.

See docs/data.md for every data set, its factors and where its files go.
"""

from disent_tf.data.base import GroundTruthData
from disent_tf.data.registry import check_name, get, names

__all__ = ["GroundTruthData", "check_name", "get", "names"]
