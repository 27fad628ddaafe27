"""Loads a SavedModel with plain TensorFlow, never importing disent_tf; prints JSON.

Run as a script by tests/export/test_saved_model.py: proves that an export
needs nothing but TensorFlow (what TF Serving and other users have).
"""

import json
import sys

import numpy as np
import tensorflow as tf

export_dir, images_file = sys.argv[1], sys.argv[2]
loaded = tf.saved_model.load(export_dir)
images = tf.constant(np.load(images_file))
signatures = {}
for name, function in loaded.signatures.items():
    inputs = function.structured_input_signature[1]
    signatures[name] = {
        "inputs": {key: spec.shape.as_list() for key, spec in inputs.items()},
        "outputs": {key: spec.shape.as_list() for key, spec in function.structured_outputs.items()},
    }
mean = loaded.signatures["serving_default"](images=images)["representation"].numpy()
again = loaded.signatures["serving_default"](images=images)["representation"].numpy()
encoder = loaded.signatures["gaussian_encoder"](images=images)
sampled = loaded.signatures["sampled"](images=images)["representation"].numpy()
decoded = loaded.signatures["decode"](latents=tf.constant(mean))["images"].numpy()
reconstructed = loaded.signatures["reconstruct"](images=images)["images"].numpy()
print("REPORT " + json.dumps({
    "imported_disent_tf": any(module.startswith("disent_tf") for module in sys.modules),
    "signatures": signatures,
    "mean": mean.tolist(),
    "mean_is_deterministic": bool(np.array_equal(mean, again)),
    "encoder_mean_equals_mean": bool(np.allclose(encoder["mean"].numpy(), mean)),
    "sampled_differs_from_mean": bool(not np.allclose(sampled, mean)),
    "decoded_range": [float(decoded.min()), float(decoded.max())],
    "reconstructed_equals_decoded_mean": bool(np.allclose(reconstructed, decoded, atol=1e-6)),
}))
