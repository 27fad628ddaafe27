"""Trained encoders written as SavedModels in the TF Serving layout.

    export(model, "exported/beta_vae_dsprites_full_seed0/1", config, data)
    export(model, "exported/my_fit/1", data=data)   # a model trained by model.fit: no TrainConfig

and reading them back is export/reader.py's job (`load_representation`,
`ExportedModel`, `read_metadata`).

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
import tensorflow as tf

from disent_tf import records
from disent_tf.errors import UserError
from disent_tf.export.reader import METADATA_FILE


def export(model, export_dir, config=None, data=None):
    """Writes `model`'s encoder and decoder as a SavedModel to `export_dir`; returns export_dir.

    `data` is the data set the model was trained on (its name, factors and
    image shape go into the assets); `config` the run's TrainConfig, None for
    a model trained outside bin/train (the assets then record the model's
    own config only).

    `export_dir` is the version folder of the TF Serving layout
    (`<export_root>/<name>/<version>`, see `next_version_dir`). It is written
    under a temporary name next to it (TF Serving ignores names that are not
    integers) and renamed into place, so it is either complete or absent.
    """
    if data is None:
        raise UserError("export() needs data=, the data set the model was trained on (disent_tf.data.get(name)).")
    export_dir = str(export_dir).rstrip("/")
    if tf.io.gfile.exists(export_dir):
        raise UserError(f"{export_dir} already exists; choose another export directory or delete it.")
    parent = _parent(export_dir)
    if parent:
        tf.io.gfile.makedirs(parent)
    prefix = f"{parent + '/' if parent else ''}.tmp-{_basename(export_dir)}-"
    # Left by an export that was killed; the caller holds the run's lock, so none is in progress.
    for litter in tf.io.gfile.glob(prefix + "*"):
        tf.io.gfile.rmtree(litter)
    temporary = f"{prefix}{uuid.uuid4().hex[:8]}"
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
        "config": config.to_dict() if config is not None else None,
        "dataset": {
            "name": getattr(data, "name", None) or (config.dataset if config is not None else None),
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


def _parent(path):
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _basename(path):
    return path.rsplit("/", 1)[-1]
