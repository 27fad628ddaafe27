"""disent_tf: learning and measuring disentangled representations in TF2 / Keras 3."""

__version__ = "0.1.0"
