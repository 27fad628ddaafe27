"""Every seed disent_tf derives from a run's seed, in one place.

A run has one integer seed. Each consumer of randomness gets its own stream,
`derive(seed, stream, *keys)`: numpy's SeedSequence hashes (seed, stream id,
keys...) into an independent 31-bit seed, so no two consumers share noise and
no stream depends on how many others exist. Streams never change their id:
changing one would change what every seed trains.

    encoder / decoder / discriminator   initial weights of each sub-network (key: layer number)
    latent_noise / shuffle              the model's stateless noise (reparameterisation, FactorVAE's
                                        per-dimension shuffle); keyed further by step and replica in the graph
    input_segment                       the training input stream (key: segment number, see training/inputs.py)
    train_eval                          the fresh batches the trained model is evaluated on (training/train_eval.py)
"""

import numpy as np

STREAMS = {
    "encoder": 1,
    "decoder": 2,
    "discriminator": 3,
    "latent_noise": 4,
    "shuffle": 5,
    "input_segment": 6,
    "train_eval": 7,
}


def derive(seed, stream, *keys):
    """An int in [0, 2**31) for `stream` (a name of STREAMS) of run seed `seed`, further keyed by `keys`."""
    entropy = [int(seed), STREAMS[stream], *(int(key) for key in keys)]
    if min(entropy) < 0:
        raise ValueError(f"seeds and keys must be non-negative integers, got {entropy}")
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint32)[0] >> 1)
