"""A synthetic results folder in the layout bin/reproduce writes (shared by the study tests)."""

import numpy as np

from disent_tf import records, study
from disent_tf.run_folder import StudyRun
from disent_tf.study.reproduce import config_record, metric_record

SCORES = {
    "beta_vae": ("train_accuracy", "eval_accuracy"),
    "factor_vae": ("train_accuracy", "eval_accuracy", "num_active_dims"),
    "mig": ("discrete_mig",),
    "dci": ("disentanglement", "completeness", "informativeness_train", "informativeness_test"),
    "sap": ("SAP_score",),
    "modularity": ("modularity_score", "explicitness_score_train", "explicitness_score_test"),
    "unsupervised": ("gaussian_total_correlation", "mutual_info_score"),
}


def write_synthetic_results(root, model_nums, study_name="unsupervised_study_v1", seed=0, timed=False):
    """Writes config.json and every metric file of both representations for each model.

    `timed`: also a train_results.json (wall time 100 s, train evaluation 2 s
    with ELBO -50 and reconstruction 45) and 1.5 s in every metric file.
    """
    rng = np.random.default_rng(seed)
    sweep = study.get(study_name)
    for model_num in model_nums:
        run = StudyRun.for_model(str(root), model_num)
        config = sweep.config(model_num)
        records.write_json(run.config_path, config_record(study_name, model_num, config, sweep.swept_hparam(model_num)))
        if timed:
            records.write_json(run.training.train_results_path, {"wall_time_s": 100.0, "evaluation": {
                "means": {"elbo": -50.0, "reconstruction_loss": 45.0}, "elapsed_time_s": 2.0}})
        for representation in ("mean", "sampled"):
            for metric, keys in SCORES.items():
                scores = {key: float(rng.uniform()) for key in keys}
                records.write_json(run.metric_path(representation, metric), metric_record(
                    representation, metric, scores, data_source="synthetic", **({"seconds": 1.5} if timed else {})))
