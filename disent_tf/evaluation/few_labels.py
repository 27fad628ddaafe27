"""Few-label model selection: MIG, DCI and SAP on a small labelled set (Locatello et al., ICLR 2020, section 3).

The paper selects models with disentanglement scores computed on 100 or
1,000 labelled observations only, next to the scores on the study's full
sample counts. disentanglement_lib computed them in validation/validate.py
(run by bin/dlib_reproduce_semi_supervised after training): it drew the
labelled set again from the *same* seed as training
(`sample_supervised_data(supervised_seed, ...)`, with the same labeller), so
every model of a study is scored on the same points, encoded all of them
and ran three "validation" metrics on them:

- `mig_validation` (metrics/mig.py `compute_mig_on_fixed_data`): MIG of all
  num_labelled_samples points;
- `dci_validation` (metrics/dci.py `compute_dci_on_fixed_data`) and
  `sap_validation` (metrics/sap_score.py `compute_sap_on_fixed_data`, with
  discrete factors): fitted on the first ceil(n * train_percentage) points,
  tested on the rest (`utils.split_train_test`).

The labels are the labeller's, so with the binned, noisy, permuted or partial
labeller the scores measure against what was labelled, as there. The
labelled set is the model's own training set plus its validation part: the
original scored the points the model was trained on, and so do we.
"""

import dataclasses

import numpy as np

from disent_tf.data import labelled as labelled_lib
from disent_tf.errors import UserError

# dlib's validation config names (config/tests/validation/validation_test_configs), by our metric names.
VALIDATION_METRICS = {"mig": "mig_validation", "dci": "dci_validation", "sap": "sap_validation"}


@dataclasses.dataclass(frozen=True)
class FewLabelSetup:
    """What decides the labelled set the scores use; an S2 model's own unless overridden."""

    num_labelled_samples: int = labelled_lib.DEFAULT_NUM_LABELLED_SAMPLES
    labeller: str = "perfect"
    supervised_seed: int = 0
    train_percentage: float = 0.9
    num_bins: int = labelled_lib.DEFAULT_NUM_BINS
    prob_random: float = labelled_lib.DEFAULT_PROB_RANDOM
    num_observed_factors: int = labelled_lib.DEFAULT_NUM_OBSERVED_FACTORS

    def __post_init__(self):
        labelled_lib.check_num_labelled(self.num_labelled_samples, None)
        labelled_lib.check_labeller(self.labeller, None, self.num_observed_factors, self.num_bins, self.prob_random)
        labelled_lib.check_train_percentage(self.train_percentage)
        if int(self.supervised_seed) != self.supervised_seed or self.supervised_seed < 0:
            raise UserError(f"supervised_seed must be an integer >= 0, got {self.supervised_seed!r}.")

    def to_dict(self):
        return dataclasses.asdict(self)


def setup_of(model, hparams):
    """The FewLabelSetup of a trained model (its TrainConfig's model and hparams); None for unlabelled methods."""
    from disent_tf.models import hparams as hparam_table

    if model not in hparam_table.LABELLED_METHODS:
        return None
    fields = {field.name for field in dataclasses.fields(FewLabelSetup)}
    return FewLabelSetup(**{name: value for name, value in dict(hparams).items() if name in fields})


def resolve(model_setup, num_labelled_samples=None, **overrides):
    """The setup to score with: `model_setup` (or the defaults) with the given values; None when turned off.

    num_labelled_samples None keeps the model's (no scores for a model
    without labels unless given), 0 turns few-label scoring off.
    """
    if num_labelled_samples == 0:
        return None
    given = {name: value for name, value in overrides.items() if value is not None}
    if num_labelled_samples is not None:
        given["num_labelled_samples"] = num_labelled_samples
    if model_setup is None and not given:
        return None
    base = model_setup or FewLabelSetup()
    return dataclasses.replace(base, **given)


def check_data(setup, data):
    """One-sentence UserError when `data` cannot give the setup's labelled set."""
    labelled_lib.check_num_labelled(setup.num_labelled_samples, data.num_observations, getattr(data, "name", "it"))
    labelled_lib.check_labeller(setup.labeller, data.num_factors, setup.num_observed_factors, setup.num_bins,
                                setup.prob_random)
    if labelled_lib.num_train(setup.num_labelled_samples, setup.train_percentage) >= setup.num_labelled_samples:
        raise UserError(f"train_percentage {setup.train_percentage} leaves no labelled point to test DCI and SAP "
                        f"on among {setup.num_labelled_samples}; lower it or label more samples.")


def labelled_points(data, setup):
    """The LabelledSet the scores use (data.labelled.sample_labelled with the setup)."""
    return labelled_lib.sample_labelled(data, setup.num_labelled_samples, setup.supervised_seed, setup.labeller,
                                        num_bins=setup.num_bins, prob_random=setup.prob_random,
                                        num_observed_factors=setup.num_observed_factors)


def scores_from_codes(codes, labels, train_percentage, num_workers=1, gbt_backend=None):
    """{"mig": {...}, "dci": {...}, "sap": {...}} of codes (N, num_codes) against labels (N, L)."""
    from disent_tf.evaluation import gbt
    from disent_tf.evaluation.metrics import dci, mig, sap

    codes = np.asarray(codes, np.float64).T
    factors = np.asarray(labels).astype(np.int64).T
    cut = labelled_lib.num_train(codes.shape[1], train_percentage)
    backend = gbt_backend or gbt.DEFAULT_BACKEND
    return {
        "mig": mig.mig_from_codes(codes, factors),
        "dci": dci.dci_from_codes(codes[:, :cut], factors[:, :cut], codes[:, cut:], factors[:, cut:],
                                  num_workers=num_workers, gbt_backend=backend),
        "sap": sap.sap_from_codes(codes[:, :cut], factors[:, :cut], codes[:, cut:], factors[:, cut:],
                                  num_workers=num_workers),
    }


def few_label_scores(data, encoder, setup, kinds=("mean",), num_workers=1, gbt_backend=None):
    """{kind: {"setup", "metrics"}}: the validation scores of each representation kind on the setup's labelled set.

    `encoder` is a representation.Encoder; the sampled kind draws its noise
    from RandomState(supervised_seed), so reruns agree.
    """
    points = labelled_points(data, setup)
    params = encoder.encode(points.observations)
    results = {}
    for kind in kinds:
        codes = encoder.codes(params, kind, noise_rng=np.random.RandomState(setup.supervised_seed))
        results[kind] = {
            "setup": {**setup.to_dict(), "label_sizes": list(points.label_sizes),
                      "factors": [data.factor_names[i] for i in points.factor_indices]},
            "metrics": scores_from_codes(codes, points.labels, setup.train_percentage, num_workers, gbt_backend),
        }
    return results
