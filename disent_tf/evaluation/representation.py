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
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

from disent_tf import filesystem
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
        self.encode_seconds = 0.0

    def encode(self, observations):
        """Parameters (n, num_params) of each observation, in batches of `batch_size`."""
        observations = np.asarray(observations)
        if observations.ndim != 4:
            raise UserError(f"observations must have shape (n, H, W, C), got {observations.shape}.")
        if not np.issubdtype(observations.dtype, np.floating):
            raise UserError(f"observations must be float32 in [0, 1], got {observations.dtype}; "
                            "divide uint8 pixels by 255.")
        observations = observations.astype(np.float32, copy=False)
        tic = time.perf_counter()
        chunks = [self._checked(self._encode_batch(observations[start:start + self.batch_size]),
                                len(observations[start:start + self.batch_size]))
                  for start in range(0, len(observations), self.batch_size)]
        self.images_encoded += len(observations)
        self.encode_seconds += time.perf_counter() - tic
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
        if np.iscomplexobj(table):  # float32 would silently drop the imaginary part
            raise UserError(f"{description} is complex ({table.dtype}); codes must be real numbers: save "
                            "the real codes, e.g. numpy.save(path, codes.real.astype('float32')).")
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
    """CodeTable from a `.npy` file of shape (grid size, num_codes) and a real numeric dtype.

    The header is read first, so a folder, a `.npz` archive or an array of
    Python objects (which numpy would only load by unpickling) is refused with
    a sentence of our own before any data is read.
    """
    if not filesystem.exists(path):
        raise MissingFileError(f"code table {path} does not exist; pass --codes=<file.npy> with one row "
                               "of codes per grid index.")
    if filesystem.isdir(path):
        raise UserError(f"code table {path} is a folder; pass --codes=<file.npy>, the table file itself.")
    try:
        with filesystem.GFile(path, "rb") as handle:
            _check_npy_header(path, handle)
            table = np.load(handle, allow_pickle=False)
    except UserError:
        raise
    except filesystem.permission_errors():
        raise UserError(f"code table {path} cannot be read (permission denied); give your user read "
                        "access to it.") from None
    except (ValueError, EOFError) + filesystem.errors() as error:
        raise UserError(f"{path} is not a readable .npy array ({_first_line(error)}); save the table "
                        "with numpy.save.") from None
    return CodeTable(table, description=f"code table {path}")


def _check_npy_header(path, handle):
    """UserError unless `handle` starts a .npy array of plain numbers; leaves it at the start of the file."""
    start = handle.read(6)
    handle.seek(0)
    if start.startswith(b"PK"):
        raise UserError(f"{path} is a .npz archive, not a .npy array; save the table alone with "
                        "numpy.save('codes.npy', table) and pass that file.")
    if start != b"\x93NUMPY":  # np.load would try to unpickle it and suggest allow_pickle
        raise UserError(f"{path} is not a .npy array (it lacks numpy's .npy header); save the table "
                        "with numpy.save('codes.npy', table) and pass that file.")
    version = np.lib.format.read_magic(handle)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    _, _, dtype = read_header(handle)
    handle.seek(0)
    if dtype.hasobject:
        raise UserError(f"{path} holds Python objects, not numbers, and is not unpickled for safety; "
                        "save the codes as a float array, e.g. numpy.save(path, codes.astype('float32')).")


def _first_line(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__


# --- SavedModel ------------------------------------------------------------------------------

def from_saved_model(export_dir, kind="mean", batch_size=DEFAULT_BATCH_SIZE):
    """Encoder for a SavedModel with the export's signatures (export/reader.py loads it).

    `gaussian_encoder` {images -> mean, logvar} is preferred (cacheable for
    both kinds); without it, kind `mean` falls back to `serving_default`
    {images -> representation} and kind `sampled` to the stochastic `sampled`
    signature (not cacheable).
    """
    from disent_tf.export.reader import ExportedModel

    model = ExportedModel(export_dir)
    description = f"SavedModel {model.export_dir}"
    if model.has("gaussian_encoder"):
        function = model.function("gaussian_encoder", ("mean", "logvar"), batch_size)
        encoder = GaussianEncoder(function, batch_size, description)
    elif kind == "mean" and model.has("serving_default"):
        encoder = FunctionEncoder(model.function("serving_default", ("representation",), batch_size),
                                  batch_size, True, description)
    elif kind == "sampled" and model.has("sampled"):
        encoder = FunctionEncoder(model.function("sampled", ("representation",), batch_size),
                                  batch_size, False, description)
        encoder.kinds = ("sampled",)
    else:
        raise UserError(f"{model.export_dir} has signatures {sorted(model.signatures)} but the {kind} representation "
                        "needs 'gaussian_encoder' (or 'serving_default' / 'sampled'); export it with disent_tf's export.")
    encoder.saved_model = model  # keep the SavedModel's resources alive with the encoder
    return encoder


# --- TF Serving REST ---------------------------------------------------------------------------

def from_serving(url, kind="mean", batch_size=64, timeout=60.0):
    """Encoder for a model served by TF Serving: POST `<url>:predict` with `instances` batches.

    Uses the `gaussian_encoder` signature (mean and logvar), so both kinds work
    and codes can be cached; `url` is like http://host:8501/v1/models/NAME.
    """
    url = url.rstrip("/")
    if not _is_http(url):
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


def _is_http(url):
    """True when `url` is http(s) in any letter case (RFC 3986: schemes are case-insensitive)."""
    return urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to http(s); urllib's default would also follow one to ftp://."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _is_http(newurl):
            fp.close()
            raise UserError(f"{req.full_url} redirected to {newurl}; TF Serving is only reached over http or "
                            "https, so point --serving_url at the server itself.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _predict(url, signature_name, observations, timeout):
    body = json.dumps({"signature_name": signature_name,
                       "instances": np.asarray(observations, np.float32).tolist()}).encode()
    request = urllib.request.Request(f"{url}:predict", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.build_opener(_HttpOnlyRedirects).open(request, timeout=timeout) as response:
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
