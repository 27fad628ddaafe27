"""Trained encoders as SavedModels in the TF Serving layout, and reading them back.

    export(model, "exported/beta_vae_dsprites_full_seed0/1", config, data)
    representation = load_representation("exported/beta_vae_dsprites_full_seed0/1")
    codes = representation(images)          # numpy (n, 64, 64, 1) -> (n, 10)

The SavedModel's signatures (inputs `images` float32 [None, H, W, C] in
[0, 1], or `latents` float32 [None, num_latent]):

    serving_default   images  -> representation (posterior mean; the study's "mean")
    sampled           images  -> representation (mean + exp(logvar / 2) * eps; "sampled")
    gaussian_encoder  images  -> mean, logvar
    decode            latents -> images (sigmoid of the decoder's logits)
    reconstruct       images  -> images (decode of the posterior mean)

`assets/disent_tf.json` records the TrainConfig, the data set (name, factor
names and sizes, observation shape) and library versions. Nothing in the
SavedModel needs disent_tf: plain `tf.saved_model.load` and TF Serving read it.
"""

import re
import uuid

import keras
import numpy as np
import tensorflow as tf

from disent_tf.errors import MissingFileError
from disent_tf.errors import UserError
from disent_tf import records

METADATA_FILE = "disent_tf.json"
KINDS = ("mean", "sampled")


def export(model, export_dir, config, data):
    """Writes `model`'s encoder and decoder as a SavedModel to `export_dir`; returns export_dir.

    `export_dir` is the version folder of the TF Serving layout
    (`<export_root>/<name>/<version>`, see `next_version_dir`). It is written
    under a temporary name next to it (TF Serving ignores names that are not
    integers) and renamed into place, so it is either complete or absent.
    """
    export_dir = str(export_dir).rstrip("/")
    if tf.io.gfile.exists(export_dir):
        raise UserError(f"{export_dir} already exists; choose another export directory or delete it.")
    parent = _parent(export_dir)
    if parent:
        tf.io.gfile.makedirs(parent)
    temporary = f"{parent + '/' if parent else ''}.tmp-{_basename(export_dir)}-{uuid.uuid4().hex[:8]}"
    try:
        _archive(model, data.observation_shape).write_out(temporary, verbose=False)
        tf.io.gfile.makedirs(f"{temporary}/assets")
        records.write_json(f"{temporary}/assets/{METADATA_FILE}", _metadata(config, data, model))
        tf.io.gfile.rename(temporary, export_dir)
    finally:
        if tf.io.gfile.exists(temporary):
            tf.io.gfile.rmtree(temporary)
    return export_dir


def next_version_dir(export_root, name):
    """`<export_root>/<name>/<v>` with v one more than the largest integer version there (1 if none)."""
    base = f"{str(export_root).rstrip('/')}/{name}"
    versions = [int(entry.rstrip("/")) for entry in (tf.io.gfile.listdir(base) if tf.io.gfile.isdir(base) else [])
                if re.fullmatch(r"\d+", entry.rstrip("/"))]
    return f"{base}/{max(versions, default=0) + 1}"


def read_metadata(export_dir):
    """The `assets/disent_tf.json` of a SavedModel written by `export`, as a dict."""
    _check_saved_model(export_dir)
    path = f"{str(export_dir).rstrip('/')}/assets/{METADATA_FILE}"
    if not tf.io.gfile.exists(path):
        raise MissingFileError(f"{export_dir} has no assets/{METADATA_FILE}; it was not written by disent_tf's export.")
    return records.read_json(path)


def load_representation(export_dir, kind="mean", batch_size=256, seed=0):
    """A numpy representation function fn(images (n, H, W, C) float32) -> codes (n, num_latent).

    kind "mean" calls `serving_default`. kind "sampled" calls
    `gaussian_encoder` and draws mean + exp(logvar / 2) * eps with a numpy
    Generator seeded by `seed`, so sampled codes are reproducible (the
    SavedModel's own `sampled` signature is for serving, with unseeded
    noise). Inputs are fed `batch_size` at a time.
    """
    if kind not in KINDS:
        raise UserError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    if int(batch_size) < 1:
        raise UserError(f"batch_size must be a positive integer, got {batch_size}.")
    _check_saved_model(export_dir)
    loaded = tf.saved_model.load(str(export_dir))
    signature_name = "serving_default" if kind == "mean" else "gaussian_encoder"
    if signature_name not in loaded.signatures:
        raise UserError(f"the SavedModel in {export_dir} has no '{signature_name}' signature; "
                        "export it with disent_tf.export.saved_model.export.")
    signature = loaded.signatures[signature_name]
    image_shape = tuple(signature.structured_input_signature[1]["images"].shape[1:])
    num_latent = int(next(iter(signature.structured_outputs.values())).shape[-1])
    rng = np.random.default_rng(seed)

    def encode(batch):
        outputs = signature(images=tf.constant(batch))
        if kind == "mean":
            return outputs["representation"].numpy()
        mean, logvar = outputs["mean"].numpy(), outputs["logvar"].numpy()
        return mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape, dtype=np.float32)

    def representation(images):
        images = _check_images(images, image_shape)
        if len(images) == 0:
            return np.zeros((0, num_latent), np.float32)
        codes = [encode(images[start:start + batch_size]) for start in range(0, len(images), batch_size)]
        return np.concatenate(codes, axis=0)

    # Keep the loaded object alive as long as the function (its variables live there).
    representation.saved_model = loaded
    return representation


# ------------------------------------------------------------------ internals


def _archive(model, observation_shape):
    """An ExportArchive with the five signatures of the module docstring."""
    images_spec = tf.TensorSpec([None, *observation_shape], tf.float32, name="images")
    latents_spec = tf.TensorSpec([None, model.num_latent], tf.float32, name="latents")

    def serving_default(images):
        mean, _ = model.gaussian_encoder(images)
        return {"representation": mean}

    def sampled(images):
        mean, logvar = model.gaussian_encoder(images)
        return {"representation": mean + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mean))}

    def gaussian_encoder(images):
        mean, logvar = model.gaussian_encoder(images)
        return {"mean": mean, "logvar": logvar}

    def decode(latents):
        return {"images": tf.sigmoid(model.decode(latents))}

    def reconstruct(images):
        mean, _ = model.gaussian_encoder(images)
        return {"images": tf.sigmoid(model.decode(mean))}

    archive = keras.export.ExportArchive()
    archive.track(model)
    for function in (serving_default, sampled, gaussian_encoder, reconstruct):
        archive.add_endpoint(function.__name__, function, input_signature=[images_spec])
    archive.add_endpoint("decode", decode, input_signature=[latents_spec])
    return archive


def _metadata(config, data, model):
    return {
        "config": config.to_dict(),
        "dataset": {
            "name": getattr(data, "name", config.dataset) or config.dataset,
            "factor_names": list(data.factor_names),
            "factor_sizes": [int(size) for size in data.factor_sizes],
            "observation_shape": [int(size) for size in data.observation_shape],
            "data_source": data.data_source,
        },
        "model": records.plain(model.get_config()),
        "num_latent": int(model.num_latent),
        "signatures": ["serving_default", "sampled", "gaussian_encoder", "decode", "reconstruct"],
        "versions": records.library_versions(),
    }


def _check_saved_model(export_dir):
    if not tf.io.gfile.isdir(str(export_dir)):
        raise MissingFileError(f"{export_dir} does not exist; pass the version folder of an export, "
                               "e.g. exported/<run name>/1.")
    if not tf.saved_model.contains_saved_model(str(export_dir)):
        raise UserError(f"{export_dir} is not a SavedModel (no saved_model.pb); pass the version folder of an "
                        "export, e.g. exported/<run name>/1.")


def _check_images(images, image_shape):
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != image_shape:
        raise UserError(f"images must have shape (n, {', '.join(map(str, image_shape))}) for this SavedModel, "
                        f"got {images.shape}.")
    if not np.issubdtype(images.dtype, np.floating):
        raise UserError(f"images must be float32 in [0, 1], got {images.dtype}; divide uint8 pixels by 255.")
    return images.astype(np.float32, copy=False)


def _parent(path):
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _basename(path):
    return path.rsplit("/", 1)[-1]
