"""Train results as the study stored them: the trained model evaluated on fresh training batches.

After training, disentanglement_lib evaluated every model on 1,000 fresh
batches of 64 drawn as in training (z sampled by reparameterisation) and
stored the means of its losses as the train results (REFERENCE.md section 5);
the paper's unsupervised-score analysis reads them. `evaluate_trained` does
the same: `config.eval_batches` batches of the training batch size from the
model's own input (`model.training_dataset`) under a seed stream of its own,
at the final step (so an annealed capacity is the final one), each batch with
fresh noise. `elbo` is the ELBO itself, -(reconstruction + KL), as the study
reported it.
"""

import time

import tensorflow as tf

from disent_tf import seeds


def evaluate_trained(model, data, config, step):
    """{"means": {loss name: mean}, "num_batches", "num_examples", "elapsed_time_s"}; {} when eval_batches is 0."""
    num_batches = int(config.eval_batches)
    if num_batches == 0:
        return {}
    started = time.perf_counter()
    dataset = model.training_dataset(data, config.batch_size, seeds.derive(config.seed, "train_eval"))
    step = tf.constant(int(step), tf.int64)

    @tf.function
    def batch_losses(batch, index):
        # Noise keyed past the training steps: every evaluation batch draws its own.
        return model.compute_losses(batch, step, training=False, noise_step=step + 1 + index)

    totals = {}
    for index, batch in enumerate(dataset.take(num_batches)):
        for name, value in batch_losses(batch, tf.constant(index, tf.int64)).items():
            totals[name] = totals.get(name, 0.0) + float(value)
    return {
        "means": {name: total / num_batches for name, total in sorted(totals.items())},
        "num_batches": num_batches,
        "num_examples": num_batches * int(config.batch_size),
        "elapsed_time_s": round(time.perf_counter() - started, 3),
    }
