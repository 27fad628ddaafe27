"""Pictures of a trained model, drawn from its SavedModel signatures only.

Uses `reconstruct` (images -> images), `decode` (latents -> images) and
`gaussian_encoder` (images -> mean, logvar), so any disent_tf export works,
without the training code or checkpoints:

- reconstructions.png: rows of inputs, each followed by its reconstruction
  (the decoded posterior mean);
- samples.png: decoded draws from the prior N(0, I);
- traversals.png: one row per latent dimension, that dimension set to
  evenly spaced values (default -2..2) around an encoded image's mean code,
  the others kept (as in disentanglement_lib's visualize_model);
- traversals.gif: the same sweep animated, one column per latent dimension
  and one row per base image, going forth and back.
"""

import numpy as np

from disent_tf.errors import UserError
from disent_tf.export.reader import ExportedModel, read_metadata
from disent_tf.run_folder import join
from disent_tf.visualize import images as image_io

SIGNATURES = ("reconstruct", "decode", "gaussian_encoder")


class _Pictures:
    """The three signatures a visualisation needs, as numpy functions of the one SavedModel reader."""

    def __init__(self, export_dir):
        model = ExportedModel(export_dir)
        model.require(*SIGNATURES)
        self.export_dir = model.export_dir
        self.num_latent = model.input_shape("decode")[0]
        self.observation_shape = model.input_shape("gaussian_encoder")
        self.encode_mean = model.function("gaussian_encoder", ("mean",))
        self.decode = model.function("decode")
        self.reconstruct = model.function("reconstruct")


def latent_traversals(model, base_code, values):
    """(num_latent, len(values), H, W, C): dimension i of `base_code` replaced by each value."""
    codes = np.repeat(np.asarray(base_code, np.float32)[None, None, :], model.num_latent, axis=0)
    codes = np.repeat(codes, len(values), axis=1)
    for dimension in range(model.num_latent):
        codes[dimension, :, dimension] = values
    decoded = model.decode(codes.reshape(-1, model.num_latent))
    return decoded.reshape(model.num_latent, len(values), *decoded.shape[1:])


def visualize_model(export_dir, output_dir, data=None, num_images=16, num_values=9, limit=2.0, seed=0, scale=2):
    """Writes the four pictures of the module docstring; returns {name: path}.

    `data` (a GroundTruthData) provides the input images; without it the data
    set recorded in the export's assets is loaded.
    """
    model = _Pictures(export_dir)
    data = data if data is not None else export_data(export_dir)
    if tuple(data.observation_shape) != model.observation_shape:
        raise UserError(f"data set images {tuple(data.observation_shape)} do not fit the model's input "
                        f"{model.observation_shape}; pass the data set the model was trained on.")
    rng = np.random.RandomState(seed)
    _, inputs = data.sample(num_images, rng)
    values = np.linspace(-limit, limit, num_values, dtype=np.float32)
    paths = {
        "reconstructions": _reconstructions(model, inputs, join(output_dir, "reconstructions.png"), scale),
        "samples": image_io.save_grid(
            join(output_dir, "samples.png"),
            model.decode(rng.standard_normal((num_images, model.num_latent)).astype(np.float32)),
            columns=8, scale=scale),
    }
    base_codes = model.encode_mean(inputs[:3])
    traversals = [latent_traversals(model, code, values) for code in base_codes]
    paths["traversals"] = image_io.save_rows(join(output_dir, "traversals.png"), list(traversals[0]),
                                             scale=scale)
    paths["traversals_gif"] = _traversal_gif(traversals, join(output_dir, "traversals.gif"), scale)
    return paths


def _reconstructions(model, inputs, path, scale):
    reconstructed = model.reconstruct(inputs)
    rows = []
    for start in range(0, len(inputs), 8):
        rows += [inputs[start:start + 8], reconstructed[start:start + 8]]
    rows = [row for row in rows if len(row) == len(rows[0])]
    return image_io.save_rows(path, rows, scale=scale)


def _traversal_gif(traversals, path, scale):
    """Frame t: row b, column d = base image b with latent d at value t; values go forth and back."""
    num_values = traversals[0].shape[1]
    order = list(range(num_values)) + list(range(num_values - 2, 0, -1))
    frames = []
    for t in order:
        frame = np.concatenate([strips[:, t] for strips in traversals], axis=0)
        frames.append(image_io.tile(frame, columns=traversals[0].shape[0]))
    # One scale smaller than the PNGs: a GIF of 30 full frames is large.
    return image_io.save_gif(path, frames, duration_ms=150, scale=max(1, scale - 1))


def export_data(export_dir, dataset=None, data_dir=None):
    """The data set to draw inputs from: `dataset`, else the one recorded in the export's assets."""
    from disent_tf import data as datasets

    if dataset:
        return datasets.get(dataset, data_dir=data_dir)
    recorded = read_metadata(export_dir)
    return datasets.get(recorded["dataset"]["name"], data_dir=data_dir or recorded.get("config", {}).get("data_dir"))
