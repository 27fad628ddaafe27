"""Reading SavedModels back: the one reader that evaluation, visualisation and the study use.

    model = ExportedModel("exported/beta_vae_dsprites_full_seed0")   # a version folder, or its parent
    mean, logvar = model.function("gaussian_encoder")(images)         # numpy in, numpy out
    codes = load_representation(model.export_dir)(images)             # the mean representation

`resolve_export_dir` turns a version folder or its parent (TF Serving layout:
the highest integer version) into the SavedModel folder; `find_export` finds
the SavedModel of a run folder; `read_metadata` reads `assets/disent_tf.json`.
Only integer version folders count, so a `.tmp-...` folder left by an export
that was killed is never taken for a finished one.
"""

import numpy as np

from disent_tf import records
from disent_tf.errors import MissingFileError, UserError
from disent_tf.run_folder import StudyRun, TrainingRun, gfile, join

METADATA_FILE = "disent_tf.json"
KINDS = ("mean", "sampled")
DEFAULT_BATCH_SIZE = 1024


def _is_saved_model(folder):
    return gfile().exists(join(folder, "saved_model.pb"))


def _versions(folder):
    """Integer version folders of `folder`, highest first."""
    if not gfile().isdir(folder):
        return []
    names = [name.rstrip("/") for name in gfile().listdir(folder)]
    return [join(folder, str(v)) for v in sorted((int(n) for n in names if n.isdigit()), reverse=True)]


def resolve_export_dir(export_dir):
    """The SavedModel folder: `export_dir` itself, or its highest numbered version (TF Serving layout)."""
    export_dir = str(export_dir).rstrip("/")
    if _is_saved_model(export_dir):
        return export_dir
    if gfile().isdir(export_dir):
        for candidate in _versions(export_dir):
            if _is_saved_model(candidate):
                return candidate
        raise UserError(f"{export_dir} is not a SavedModel (no saved_model.pb in it or in a numbered "
                        "version folder); pass the folder written by the export, e.g. exported/<name>/1.")
    if gfile().exists(export_dir):
        raise UserError(f"{export_dir} is a file, not a SavedModel folder; pass the folder written by the export.")
    raise MissingFileError(f"export directory {export_dir} does not exist; pass the version folder of an export, "
                           "e.g. exported/<run name>/1.")


def find_export(folder):
    """The SavedModel of `folder`: an export itself, a training run's recorded export, or a study run's."""
    folder = str(folder).rstrip("/")
    if _is_saved_model(folder):
        return folder
    study_run = StudyRun(folder)
    for training in (TrainingRun(folder), study_run.training):
        recorded = training.read_results().get("export_dir")
        if recorded and _is_saved_model(recorded):
            return recorded
    names = gfile().listdir(study_run.export_root) if gfile().isdir(study_run.export_root) else []
    for name in sorted(name.rstrip("/") for name in names):
        for version in _versions(join(study_run.export_root, name)):
            if _is_saved_model(version):
                return version
    raise MissingFileError(f"found no SavedModel in {folder}; pass --export_dir, or run bin/reproduce "
                           "(or bin/train) there first.")


def read_metadata(export_dir, required=True):
    """The `assets/disent_tf.json` written by the export; {} for a foreign SavedModel unless `required`."""
    path = join(resolve_export_dir(export_dir), "assets", METADATA_FILE)
    if not gfile().exists(path):
        if required:
            raise MissingFileError(f"{export_dir} has no assets/{METADATA_FILE}; it was not written by "
                                   "disent_tf's export.")
        return {}
    try:
        return records.read_json(path)
    except ValueError as error:
        raise UserError(f"{path} is not valid JSON ({error}); re-export the model.") from None


class ExportedModel:
    """A loaded SavedModel whose signatures are numpy functions with one input check."""

    def __init__(self, export_dir):
        import tensorflow as tf

        self.export_dir = resolve_export_dir(export_dir)
        try:
            self._loaded = tf.saved_model.load(self.export_dir)
        except Exception as error:  # TF raises several types for unreadable models
            first_line = str(error).splitlines()[0] if str(error) else ""
            raise UserError(f"{self.export_dir} could not be loaded as a SavedModel ({type(error).__name__}: "
                            f"{first_line}); re-export the model.") from None
        self.signatures = dict(self._loaded.signatures)

    @property
    def metadata(self):
        return read_metadata(self.export_dir, required=False)

    def has(self, *names):
        return all(name in self.signatures for name in names)

    def require(self, *names):
        missing = [name for name in names if name not in self.signatures]
        if missing:
            raise UserError(f"the SavedModel in {self.export_dir} lacks the signatures {', '.join(missing)}; "
                            "export it with disent_tf.export.saved_model.export.")

    def input_shape(self, name):
        """(H, W, C) of the images (or (num_latent,) of the latents) signature `name` takes."""
        _, specs = self.signatures[name].structured_input_signature
        return tuple(next(iter(specs.values())).shape[1:])

    def output_size(self, name):
        return int(next(iter(self.signatures[name].structured_outputs.values())).shape[-1])

    def function(self, name, outputs=None, batch_size=DEFAULT_BATCH_SIZE):
        """numpy fn(inputs (n, ...)) -> the signature's outputs (one array, or a tuple for several `outputs`).

        `outputs` defaults to the signature's only output. Inputs are checked
        once (shape and float dtype; uint8 pixels are refused, not cast) and
        fed `batch_size` at a time.
        """
        import tensorflow as tf

        self.require(name)
        signature = self.signatures[name]
        _, specs = signature.structured_input_signature
        if len(specs) != 1:
            raise UserError(f"{self.export_dir}: signature inputs {sorted(specs)} must be a single tensor.")
        input_name, spec = next(iter(specs.items()))
        outputs = tuple(outputs or signature.structured_outputs)
        missing = [output for output in outputs if output not in signature.structured_outputs]
        if missing:
            raise UserError(f"{self.export_dir}: signature outputs {sorted(signature.structured_outputs)} lack "
                            f"{missing}; export the model with disent_tf's export.")
        expected = tuple(spec.shape[1:]) if spec.shape.rank is not None else None
        sizes = {output: signature.structured_outputs[output].shape[1:] for output in outputs}
        if int(batch_size) < 1:
            raise UserError(f"batch_size must be a positive integer, got {batch_size}.")

        def call(values):
            values = _check_input(values, expected, input_name, self.export_dir)
            if len(values) == 0:
                empty = tuple(np.zeros((0, *sizes[o]), np.float32) for o in outputs)
                return empty if len(outputs) > 1 else empty[0]
            chunks = []
            for start in range(0, len(values), int(batch_size)):
                result = signature(**{input_name: tf.constant(values[start:start + int(batch_size)])})
                chunks.append([result[output].numpy() for output in outputs])
            joined = tuple(np.concatenate([chunk[i] for chunk in chunks], axis=0) for i in range(len(outputs)))
            return joined if len(outputs) > 1 else joined[0]

        call.saved_model = self  # keeps the loaded variables alive as long as the function
        return call


def load_representation(export_dir, kind="mean", batch_size=256, seed=0):
    """A numpy representation function fn(images (n, H, W, C) float32) -> codes (n, num_latent).

    kind "mean" calls `serving_default`. kind "sampled" calls
    `gaussian_encoder` and draws mean + exp(logvar / 2) * eps with a numpy
    Generator seeded by `seed`, so sampled codes are reproducible (the
    SavedModel's own `sampled` signature is for serving, with unseeded noise).
    """
    if kind not in KINDS:
        raise UserError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    model = ExportedModel(export_dir)
    if kind == "mean":
        return model.function("serving_default", ("representation",), batch_size)
    gaussian = model.function("gaussian_encoder", ("mean", "logvar"), batch_size)
    rng = np.random.default_rng(seed)

    def sampled(images):
        mean, logvar = gaussian(images)
        return mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape, dtype=np.float32)

    sampled.saved_model = model
    return sampled


def _check_input(values, expected, input_name, export_dir):
    values = np.asarray(values)
    if expected is not None and (values.ndim != len(expected) + 1 or tuple(values.shape[1:]) != expected):
        what = "images" if input_name == "images" else input_name
        raise UserError(f"{what} must have shape (n, {', '.join(map(str, expected))}) for the SavedModel "
                        f"{export_dir}, got {values.shape}; pass the --dataset the model was trained on.")
    if not np.issubdtype(values.dtype, np.floating):
        raise UserError(f"{input_name} must be float32 in [0, 1], got {values.dtype}; divide uint8 pixels by 255.")
    return values.astype(np.float32, copy=False)
