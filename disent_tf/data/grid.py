"""A factor grid whose observations may depend on hidden (non-factor) columns.

Mirrors disentanglement_lib's `SplitDiscreteStateSpace`: the stored images are
indexed by a *full* grid (e.g. dSprites' colour, shape, scale, ...); some of
its columns are the ground-truth factors, the others are drawn uniformly at
random for every observation, in column order, from the caller's rng. Drawing
them in the original's order and shapes keeps our random streams identical to
the original's for the same seed.
"""

import numpy as np

from disent_tf.data.base import _randint


class SplitGrid:
    """Full grid sizes plus which columns are factors (the rest are hidden)."""

    def __init__(self, full_sizes, factor_columns):
        self.full_sizes = tuple(int(size) for size in full_sizes)
        self.factor_columns = tuple(int(column) for column in factor_columns)
        self.hidden_columns = tuple(
            column for column in range(len(self.full_sizes)) if column not in self.factor_columns)
        self._factor_sizes = tuple(self.full_sizes[column] for column in self.factor_columns)

    @property
    def factor_sizes(self):
        return list(self._factor_sizes)

    @property
    def deterministic(self):
        """True when every hidden column has one value, so factors fix the image."""
        return all(self.full_sizes[column] == 1 for column in self.hidden_columns)

    def complete(self, factors, rng):
        """int64 (n, len(full_sizes)): `factors` plus hidden columns drawn from `rng`."""
        full = np.zeros((factors.shape[0], len(self.full_sizes)), dtype=np.int64)
        full[:, list(self.factor_columns)] = factors
        for column in self.hidden_columns:
            # randint(1) draws nothing from a RandomState; called anyway, as the original does.
            full[:, column] = _randint(rng, self.full_sizes[column], factors.shape[0])
        return full

    def full_index(self, full_factors):
        """Mixed-radix (row-major) index of full factor rows."""
        return np.ravel_multi_index(tuple(np.asarray(full_factors).T), self.full_sizes).astype(np.int64)
