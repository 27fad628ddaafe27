"""Representation functions: where codes come from, so that metrics never need to know.

An *encoder* turns observations (n, H, W, C) float32 in [0, 1] into per-image
parameters; a *kind* turns those parameters into codes:

* `GaussianEncoder` keeps the posterior mean and log-variance of each image.
  Kind `mean` is the mean; kind `sampled` is one reparameterised draw
  mean + exp(logvar / 2) * eps per observation (section 3 of REFERENCE.md).
  The study drew eps inside TensorFlow; we draw it in float32 from a numpy
  Generator seeded from the metric seed, so that cached and uncached runs of
  one seed see the same noise.
* `FunctionEncoder` wraps any callable returning codes (kind `mean`: the
  codes as returned).
* `CodeTable` is a precomputed table with one row of codes per grid index of
  a deterministic data set, for encoders trained in other frameworks.

Sources: a SavedModel export (`from_saved_model`), a TF Serving REST endpoint
(`from_serving`), a Python callable (`from_callable`, `from_gaussian_callable`)
and a `.npy` code table (`load_code_table`). Every output is validated: wrong
shape or non-finite codes raise a UserError.
"""

import json
import posixpath
import urllib.error
import urllib.request

import numpy as np

from disent_tf.errors import MissingFileError, UserError

KINDS = ("mean", "sampled")
DEFAULT_BATCH_SIZE = 1024


class Encoder:
    """Batches observations through `_encode_batch` and validates its output."""

    kinds = ("mean",)
    # True when the parameters of an image depend on the image alone, so they
    # may be cached by grid index.
    deterministic = True

    def __init__(self, batch_size=DEFAULT_BATCH_SIZE, description="representation"):
        self.batch_size = int(batch_size)
        self.description = description
        self.num_params = None
        self.images_encoded = 0

    def encode(self, observations):
        """Parameters (n, num_params) of each observation, in batches of `batch_size`."""
        observations = np.asarray(observations, dtype=np.float32)
        if observations.ndim != 4:
            raise UserError(f"observations must have shape (n, H, W, C), got {observations.shape}.")
        chunks = [self._checked(self._encode_batch(observations[start:start + self.batch_size]),
                                len(observations[start:start + self.batch_size]))
                  for start in range(0, len(observations), self.batch_size)]
        self.images_encoded += len(observations)
        if not chunks:
            return np.zeros((0, self.num_params or 0), np.float32)
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks, axis=0)

    def codes(self, params, kind, noise_rng=None):
        """Codes of kind `kind` from parameters; kind `mean` returns them as they are."""
        self.check_kind(kind)
        return params

    def check_kind(self, kind):
        if kind not in self.kinds:
            raise UserError(f"{self.description} gives only the {'/'.join(self.kinds)} representation, "
                            f"not '{kind}'; pass --representation={self.kinds[0]}.")

    def _encode_batch(self, observations):
        raise NotImplementedError

    def _checked(self, params, num_images):
        params = np.asarray(params)
        if params.ndim == 1 and num_images:
            params = params[:, np.newaxis]
        if params.ndim != 2 or params.shape[0] != num_images:
            raise UserError(f"{self.description} returned shape {params.shape} for {num_images} images; "
                            "it must return one row of codes per image, shape (n, num_codes).")
        if self.num_params is None:
            self.num_params = params.shape[1]
        elif params.shape[1] != self.num_params:
            raise UserError(f"{self.description} returned {params.shape[1]} codes per image after "
                            f"{self.num_params} before; it must return a fixed number of codes.")
        if not np.issubdtype(params.dtype, np.floating):
            params = params.astype(np.float32)
        bad = ~np.isfinite(params).all(axis=1)
        if bad.any():
            raise UserError(f"{self.description} returned NaN or infinite codes for {int(bad.sum())} of "
                            f"{num_images} images; check the model (did training diverge?).")
        return params


class FunctionEncoder(Encoder):
    """Codes from a Python callable (n, H, W, C) -> (n, num_codes)."""

    def __init__(self, function, batch_size=DEFAULT_BATCH_SIZE, deterministic=True,
                 description="the representation function"):
        super().__init__(batch_size, description)
        self.function = function
        self.deterministic = deterministic

    def _encode_batch(self, observations):
        return np.asarray(self.function(observations))


class GaussianEncoder(Encoder):
    """Mean and log-variance from a callable (n, H, W, C) -> (mean, logvar).

    Parameters are stored as [mean, logvar] side by side, so one cache serves
    both the mean and the sampled representation.
    """

    kinds = KINDS

    def __init__(self, gaussian_function, batch_size=DEFAULT_BATCH_SIZE,
                 description="the Gaussian encoder"):
        super().__init__(batch_size, description)
        self.gaussian_function = gaussian_function

    def _encode_batch(self, observations):
        mean, logvar = self.gaussian_function(observations)
        mean, logvar = np.asarray(mean), np.asarray(logvar)
        if mean.shape != logvar.shape or mean.ndim != 2:
            raise UserError(f"{self.description} returned mean {mean.shape} and logvar {logvar.shape}; "
                            "both must have shape (n, num_latent).")
        return np.concatenate([mean, logvar], axis=1)

    def codes(self, params, kind, noise_rng=None):
        """The mean, or mean + exp(logvar / 2) * eps with float32 eps ~ N(0, I) from `noise_rng`."""
        self.check_kind(kind)
        num_latent = params.shape[1] // 2
        mean = np.ascontiguousarray(params[:, :num_latent])
        if kind == "mean":
            return mean
        if noise_rng is None:
            raise ValueError("the sampled representation needs a noise generator")
        logvar = params[:, num_latent:]
        noise = noise_rng.standard_normal(mean.shape, dtype=np.float32)
        return (mean + np.exp(logvar / 2) * noise).astype(mean.dtype, copy=False)


class CodeTable(Encoder):
    """Precomputed codes, one row per grid index of a deterministic data set."""

    def __init__(self, table, description="the code table"):
        super().__init__(DEFAULT_BATCH_SIZE, description)
        table = np.asarray(table)
        if table.ndim != 2 or not np.issubdtype(table.dtype, np.number):
            raise UserError(f"{description} must be a numeric array of shape (grid size, num_codes), "
                            f"got {table.dtype} {table.shape}.")
        self.table = self._checked(table, table.shape[0])

    def check_size(self, data):
        if self.table.shape[0] != data.num_observations:
            raise UserError(
                f"{self.description} has {self.table.shape[0]} rows but {data.name}'s factor grid has "
                f"{data.num_observations} images; it needs one row per grid index, in row-major order "
                f"of {list(data.factor_sizes)}.")
        if not data.deterministic:
            raise UserError(f"{data.name} is not deterministic (its images are not a function of the "
                            "factors), so it cannot be scored from a code table; pass a model instead.")

    def _encode_batch(self, observations):
        raise UserError(f"{self.description} holds codes for grid indices only; it cannot encode images.")


def from_callable(function, batch_size=DEFAULT_BATCH_SIZE, deterministic=True):
    """Encoder for any callable (n, H, W, C) float32 -> (n, num_codes); kind `mean` only."""
    return FunctionEncoder(function, batch_size, deterministic)


def from_gaussian_callable(function, batch_size=DEFAULT_BATCH_SIZE):
    """Encoder for a callable returning (mean, logvar); kinds `mean` and `sampled`."""
    return GaussianEncoder(function, batch_size)


def load_code_table(path):
    """CodeTable from a `.npy` file of shape (grid size, num_codes)."""
    import tensorflow as tf  # tf.io.gfile so that the table may live on gs://

    if not tf.io.gfile.exists(path):
        raise MissingFileError(f"code table {path} does not exist; pass --codes=<file.npy> with one row "
                               "of codes per grid index.")
    try:
        with tf.io.gfile.GFile(path, "rb") as handle:
            table = np.load(handle, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise UserError(f"{path} is not a readable .npy array ({error}); save the table with numpy.save.")
    return CodeTable(table, description=f"code table {path}")


# --- SavedModel ------------------------------------------------------------------------------

def resolve_export_dir(export_dir):
    """The SavedModel folder: `export_dir` itself, or its highest numbered version (TF Serving layout)."""
    import tensorflow as tf

    if tf.io.gfile.exists(posixpath.join(export_dir, "saved_model.pb")):
        return export_dir
    if tf.io.gfile.isdir(export_dir):
        versions = [name.rstrip("/") for name in tf.io.gfile.listdir(export_dir)]
        versions = sorted((int(v) for v in versions if v.isdigit()), reverse=True)
        for version in versions:
            candidate = posixpath.join(export_dir, str(version))
            if tf.io.gfile.exists(posixpath.join(candidate, "saved_model.pb")):
                return candidate
        raise UserError(f"{export_dir} is not a SavedModel (no saved_model.pb in it or in a numbered "
                        "version folder); pass the folder written by the export, e.g. exported/<name>/1.")
    if tf.io.gfile.exists(export_dir):
        raise UserError(f"{export_dir} is a file, not a SavedModel folder; pass the folder written by the export.")
    raise MissingFileError(f"export directory {export_dir} does not exist; pass --export_dir=<SavedModel folder>.")


def read_export_metadata(export_dir):
    """The `assets/disent_tf.json` written by the export, or {} when it has none."""
    import tensorflow as tf

    path = posixpath.join(resolve_export_dir(export_dir), "assets", "disent_tf.json")
    if not tf.io.gfile.exists(path):
        return {}
    with tf.io.gfile.GFile(path, "r") as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise UserError(f"{path} is not valid JSON ({error}); re-export the model.")


def from_saved_model(export_dir, kind="mean", batch_size=DEFAULT_BATCH_SIZE):
    """Encoder for a SavedModel with the export's signatures.

    `gaussian_encoder` {images -> mean, logvar} is preferred (cacheable for
    both kinds); without it, kind `mean` falls back to `serving_default`
    {images -> representation} and kind `sampled` to the stochastic `sampled`
    signature (not cacheable).
    """
    import tensorflow as tf

    path = resolve_export_dir(export_dir)
    try:
        loaded = tf.saved_model.load(path)
    except Exception as error:  # TF raises several types for unreadable models
        raise UserError(f"{path} could not be loaded as a SavedModel ({type(error).__name__}: "
                        f"{str(error).splitlines()[0] if str(error) else ''}); re-export the model.")
    signatures = dict(loaded.signatures)
    description = f"SavedModel {path}"
    if "gaussian_encoder" in signatures:
        function = _signature_caller(signatures["gaussian_encoder"], ("mean", "logvar"), path)
        encoder = GaussianEncoder(lambda x: function(x), batch_size, description)
    elif kind == "mean" and "serving_default" in signatures:
        function = _signature_caller(signatures["serving_default"], ("representation",), path)
        encoder = FunctionEncoder(lambda x: function(x)[0], batch_size, True, description)
    elif kind == "sampled" and "sampled" in signatures:
        function = _signature_caller(signatures["sampled"], ("representation",), path)
        encoder = FunctionEncoder(lambda x: function(x)[0], batch_size, False, description)
        encoder.kinds = ("sampled",)
    else:
        raise UserError(f"{path} has signatures {sorted(signatures)} but the {kind} representation needs "
                        "'gaussian_encoder' (or 'serving_default' / 'sampled'); export it with disent_tf's export.")
    encoder.loaded = loaded  # keep the SavedModel's resources alive with the encoder
    return encoder


def _signature_caller(signature, outputs, path):
    import tensorflow as tf

    _, input_specs = signature.structured_input_signature
    if len(input_specs) != 1:
        raise UserError(f"{path}: signature inputs {sorted(input_specs)} must be a single image tensor.")
    input_name = next(iter(input_specs))
    missing = [name for name in outputs if name not in signature.structured_outputs]
    if missing:
        raise UserError(f"{path}: signature outputs {sorted(signature.structured_outputs)} lack {missing}; "
                        "export the model with disent_tf's export.")
    expected = input_specs[input_name].shape

    def call(observations):
        if expected.rank is not None and tuple(expected[1:]) != tuple(observations.shape[1:]):
            raise UserError(f"{path} expects images of shape {tuple(expected[1:])} but the data set has "
                            f"{tuple(observations.shape[1:])}; pass the --dataset the model was trained on.")
        result = signature(**{input_name: tf.constant(observations)})
        return tuple(result[name].numpy() for name in outputs)

    return call


# --- TF Serving REST ---------------------------------------------------------------------------

def from_serving(url, kind="mean", batch_size=64, timeout=60.0):
    """Encoder for a model served by TF Serving: POST `<url>:predict` with `instances` batches.

    Uses the `gaussian_encoder` signature (mean and logvar), so both kinds work
    and codes can be cached; `url` is like http://host:8501/v1/models/NAME.
    """
    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UserError(f"--serving_url {url} must start with http:// or https://, "
                        "e.g. http://localhost:8501/v1/models/NAME.")

    def gaussian(observations):
        predictions = _predict(url, "gaussian_encoder", observations, timeout)
        try:
            mean = np.array([row["mean"] for row in predictions], dtype=np.float32)
            logvar = np.array([row["logvar"] for row in predictions], dtype=np.float32)
        except (TypeError, KeyError, ValueError):
            raise UserError(f"{url} answered without 'mean' and 'logvar' outputs; serve a disent_tf export "
                            "(signature gaussian_encoder).")
        return mean, logvar

    encoder = GaussianEncoder(gaussian, batch_size, f"served model {url}")
    encoder.check_kind(kind)
    return encoder


def _predict(url, signature_name, observations, timeout):
    body = json.dumps({"signature_name": signature_name,
                       "instances": np.asarray(observations, np.float32).tolist()}).encode()
    request = urllib.request.Request(f"{url}:predict", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:200]
        raise UserError(f"{url} refused the predict request (HTTP {error.code}: {detail}); check the model "
                        "name in --serving_url and that it is a disent_tf export.")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise UserError(f"cannot reach TF Serving at {url} ({reason}); start the server or fix --serving_url.")
    except json.JSONDecodeError:
        raise UserError(f"{url} did not answer with JSON; --serving_url must be a TF Serving REST model URL.")
    if "predictions" not in answer:
        raise UserError(f"{url} answered {str(answer)[:200]} instead of predictions; check the model.")
    return answer["predictions"]
