"""Unsupervised disentanglement ranking (UDR) of several models trained on the same data.

`udr.compute_udr(data, encoders, rng)` scores each model by how consistently
other models recover its active latents; `udr.udr_from_codes` is the array
core. See udr.py for the definition and its source.
"""

from disent_tf.evaluation.udr.udr import compute_udr, udr_from_codes

__all__ = ["compute_udr", "udr_from_codes"]
