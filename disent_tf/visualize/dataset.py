"""Pictures of a ground-truth data set: random samples and one traversal per factor."""

import os

import numpy as np

from disent_tf.visualize import images as image_io


def factor_traversals(data, rng, steps=None):
    """One (k, H, W, C) strip per factor: a random base point with that factor swept.

    Each strip varies one factor over `steps` evenly spaced classes (all of
    them when the factor has fewer) and keeps the other factors fixed.
    """
    base = data.sample_factors(1, rng)[0]
    length = steps or min(max(data.factor_sizes), 10)
    strips = []
    for column, size in enumerate(data.factor_sizes):
        values = np.unique(np.round(np.linspace(0, size - 1, length)).astype(np.int64))
        values = np.resize(values, length)  # short factors repeat their classes to fill the strip
        factors = np.repeat(base[None, :], length, axis=0)
        factors[:, column] = values
        strips.append(data.sample_observations_from_factors(factors, rng))
    return strips


def visualize_dataset(data, output_dir, num_samples=64, seed=0, scale=2):
    """Writes samples.png and traversals.png under output_dir; returns their paths."""
    rng = np.random.RandomState(seed)
    _, observations = data.sample(num_samples, rng)
    columns = int(np.ceil(np.sqrt(num_samples)))
    samples = image_io.save_grid(os.path.join(output_dir, "samples.png"), observations,
                                 columns=columns, scale=scale)
    traversals = image_io.save_rows(os.path.join(output_dir, "traversals.png"),
                                    factor_traversals(data, rng), scale=scale)
    return {"samples": samples, "traversals": traversals}
