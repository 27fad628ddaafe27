"""Representation functions: callables, code tables, TF Serving REST, and their validation."""


import numpy as np
import pytest

from disent_tf.errors import UserError
from disent_tf.evaluation import evaluate, representation, sampling
from disent_tf.evaluation.config import EvaluationConfig

from evaluation_fixtures import linear_gaussian
from harness.serving import JsonHandler, local_server


def test_wrong_shape_and_nan_codes_are_user_errors(tiny_data):
    observations = tiny_data.observations_at(np.arange(5))
    with pytest.raises(UserError, match="one row of codes per image"):
        representation.from_callable(lambda x: np.zeros((len(x) + 1, 3))).encode(observations)
    with pytest.raises(UserError, match="NaN or infinite"):
        representation.from_callable(lambda x: np.full((len(x), 3), np.nan)).encode(observations)
    with pytest.raises(UserError, match="only the mean"):
        sampling.CodeSampler(tiny_data, representation.from_callable(lambda x: x[:, 0, 0]), kind="sampled")


def test_sampled_codes_are_mean_plus_scaled_noise():
    encoder = representation.from_gaussian_callable(lambda x: (np.ones((len(x), 2), np.float32),
                                                               np.full((len(x), 2), np.log(4.0), np.float32)))
    params = encoder.encode(np.zeros((3, 8, 8, 1), np.float32))
    codes = encoder.codes(params, "sampled", np.random.default_rng(0))
    noise = np.random.default_rng(0).standard_normal((3, 2), dtype=np.float32)
    np.testing.assert_allclose(codes, 1 + 2 * noise, rtol=1e-6)
    assert codes.dtype == np.float32
    np.testing.assert_array_equal(encoder.codes(params, "mean"), np.ones((3, 2)))


def test_code_table_scores_like_the_encoder_it_was_made_from(tiny_data, tmp_path):
    gaussian = linear_gaussian()
    table = gaussian(tiny_data.observations_at(np.arange(tiny_data.num_observations)))[0]
    np.save(tmp_path / "codes.npy", table)
    config = EvaluationConfig(metrics=("mig", "sap", "factor_vae"), num_workers=1, sample_scale=0.003)
    from_table = evaluate.evaluate(tiny_data, representation.load_code_table(str(tmp_path / "codes.npy")), config,
                                   progress=None)["mean"]
    from_encoder = evaluate.evaluate(tiny_data, representation.from_callable(lambda x: gaussian(x)[0]), config,
                                     progress=None)["mean"]
    assert from_table["cache"] == "table" and from_table["images_encoded"] == 0
    assert from_table["metrics"] == from_encoder["metrics"]


def test_code_table_of_the_wrong_length_is_refused(tiny_data, tmp_path):
    np.save(tmp_path / "short.npy", np.zeros((59, 4), np.float32))
    with pytest.raises(UserError, match="59 rows but tiny's factor grid has 60"):
        evaluate.evaluate(tiny_data, representation.load_code_table(str(tmp_path / "short.npy")),
                          EvaluationConfig(metrics=("mig",)), progress=None)
    with pytest.raises(UserError, match="does not exist"):
        representation.load_code_table(str(tmp_path / "missing.npy"))


class _FakeServing(JsonHandler):
    """Answers `<url>:predict` like TF Serving's REST API (row format) for gaussian_encoder."""

    gaussian = staticmethod(linear_gaussian())
    requests = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.request_json()
        type(self).requests.append((self.path, body["signature_name"], len(body["instances"])))
        if not self.path.endswith("/v1/models/tiny:predict"):
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b'{"error": "Servable not found"}')
            return
        mean, logvar = self.gaussian(np.array(body["instances"], np.float32))
        self.send_json({"predictions": [{"mean": m.tolist(), "logvar": v.tolist()} for m, v in zip(mean, logvar)]})


@pytest.fixture
def serving_url():
    with local_server(_FakeServing) as address:
        yield f"http://{address}/v1/models/tiny"


def test_tf_serving_rest_representation(tiny_data, serving_url):
    encoder = representation.from_serving(serving_url, "sampled", batch_size=16)
    observations = tiny_data.observations_at(np.arange(40))
    params = encoder.encode(observations)
    mean, logvar = linear_gaussian()(observations)
    np.testing.assert_allclose(params, np.concatenate([mean, logvar], axis=1), rtol=1e-6)
    assert [r[1:] for r in _FakeServing.requests[-3:]] == [("gaussian_encoder", 16), ("gaussian_encoder", 16),
                                                           ("gaussian_encoder", 8)]


def test_tf_serving_errors_are_one_sentence(serving_url):
    images = np.zeros((2, 8, 8, 1), np.float32)
    with pytest.raises(UserError, match="refused the predict request .HTTP 404"):
        representation.from_serving(serving_url.replace("tiny", "other")).encode(images)
    with pytest.raises(UserError, match="cannot reach TF Serving"):
        representation.from_serving("http://127.0.0.1:9/v1/models/tiny", timeout=5).encode(images)
    with pytest.raises(UserError, match="must start with http"):
        representation.from_serving("localhost:8501/v1/models/tiny")
