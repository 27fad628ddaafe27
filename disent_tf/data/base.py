"""The GroundTruthData protocol: a data set with known factors of variation.

Every data set of the study is a finite grid of factor classes. Factors are
integer class indices, one column per factor; an observation is float32
(H, W, C) in [0, 1]. Grid indices are the mixed-radix (row-major) number of
the factor classes, the order of the original dSprites file. Every random draw
takes an explicit numpy Generator or RandomState.
"""

import abc

import numpy as np

from disent_tf.errors import UserError


def _randint(rng, high, size):
    """Uniform integers in [0, high) from a Generator or a legacy RandomState."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size=size)
    return rng.randint(0, high, size=size)


class GroundTruthData(abc.ABC):
    """Base class of every data set; subclasses fill the abstract members."""

    name: str = ""

    @property
    @abc.abstractmethod
    def factor_names(self):
        """Names of the factors of variation, in column order."""

    @property
    @abc.abstractmethod
    def factor_sizes(self):
        """Number of classes of each factor (a list of ints)."""

    @property
    @abc.abstractmethod
    def observation_shape(self):
        """(H, W, C) of one observation."""

    @property
    def data_source(self):
        """Where the observations come from (a file path, a renderer, TFDS)."""
        return "unknown"

    @property
    def deterministic(self):
        """True when an observation is a function of its factors alone.

        Only then may codes be cached by grid index (evaluation) and images be
        addressed by index (`observations_at`).
        """
        return True

    @property
    def num_factors(self):
        return len(self.factor_sizes)

    @property
    def num_observations(self):
        """Size of the factor grid."""
        return int(np.prod(self.factor_sizes, dtype=np.int64))

    @abc.abstractmethod
    def sample_observations_from_factors(self, factors, rng):
        """float32 (n, H, W, C) in [0, 1] for int factors (n, num_factors)."""

    def sample_factors(self, num, rng):
        """int64 (num, num_factors), each factor uniform over its classes."""
        columns = [_randint(rng, size, num) for size in self.factor_sizes]
        return np.stack(columns, axis=1).astype(np.int64, copy=False)

    def sample(self, num, rng):
        """(factors, observations) for `num` points drawn uniformly from the grid."""
        factors = self.sample_factors(num, rng)
        return factors, self.sample_observations_from_factors(factors, rng)

    def index(self, factors):
        """Grid index (int64, mixed radix, row-major) of each row of factors."""
        factors = self.check_factors(factors, copy=False)
        return np.ravel_multi_index(tuple(factors.T), self.factor_sizes).astype(np.int64, copy=False)

    def factors_of(self, index):
        """Inverse of `index`: int64 (n, num_factors) for grid indices."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and (index.min() < 0 or index.max() >= self.num_observations):
            raise UserError(
                f"{self.name}: grid index out of range [0, {self.num_observations}); "
                "pass indices of the factor grid.")
        return np.stack(np.unravel_index(index, self.factor_sizes), axis=-1).astype(np.int64)

    def observations_at(self, index):
        """Observations of grid indices; deterministic data sets only."""
        if not self.deterministic:
            raise UserError(f"{self.name} is not deterministic: its observations cannot be "
                            "addressed by grid index; use sample_observations_from_factors.")
        return self.sample_observations_from_factors(self.factors_of(index), np.random.default_rng(0))

    def check_factors(self, factors, copy=True):
        """int64 (n, num_factors) `factors` (a copy unless copy=False), or a UserError naming the bad factor."""
        factors = np.asarray(factors)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise UserError(
                f"{self.name}: factors must have shape (n, {self.num_factors}) for "
                f"{self.factor_names}, got {factors.shape}.")
        if factors.size and not np.issubdtype(factors.dtype, np.integer):
            if not np.all(np.equal(np.mod(factors, 1), 0)):
                raise UserError(f"{self.name}: factors must be integer class indices.")
        factors = factors.astype(np.int64, copy=copy)
        # One comparison for the whole array (the evaluation checks millions of rows); the loop only names the culprit.
        if factors.size and (factors.min() < 0 or np.any(factors >= np.asarray(self.factor_sizes))):
            for column, (name, size) in enumerate(zip(self.factor_names, self.factor_sizes)):
                values = factors[:, column]
                if values.min() < 0 or values.max() >= size:
                    raise UserError(
                        f"{self.name}: factor '{name}' must be in [0, {size - 1}], "
                        f"got values in [{values.min()}, {values.max()}].")
        return factors

    def __repr__(self):
        return f"<{type(self).__name__} {self.name} factors={dict(zip(self.factor_names, self.factor_sizes))}>"
