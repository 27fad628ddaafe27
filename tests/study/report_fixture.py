"""The report's test fixture: a SYNTHETIC results table of 12 made-up runs, in bin/aggregate's exact format.

No model was trained: the scores are numbers chosen so that every finding
of disent_tf.study.findings can be computed by hand (tests/study/
test_findings.py does). The runs are findings_study's configs of beta_vae
(β 1, 16), factor_vae (γ 10, 100) and annealed_vae (C_max 5, 100), seeds
0 and 1, with study "synthetic_report_fixture". The table is made the way a
real one is: run folders written here, then read by
disent_tf.study.aggregate.collect, so its columns are aggregate's.

    python tests/study/report_fixture.py   # rewrites tests/study/data/report_fixture.csv

Design, by run r = 0..11 (method, value, seed fastest):
- v = the base score below, 12 distinct values. BetaVAE = 0.5 + v/2,
  FactorVAE = 0.4 + v/2, MIG = v/4, DCI = v/3 (pairwise rho 1),
  Modularity = 1 - v (rho -1), SAP = v with runs 4 and 5 swapped.
- Sampled TC falls with the strength for every method; mean TC rises for
  beta_vae, is flat for factor_vae (rho 0) and falls for annealed_vae
  (whose strength grows as C_max shrinks).
- Reconstruction loss 100 - 10 v, ELBO -(reconstruction + 5).
- downstream_lr: accuracy at 100 examples 0.2 + v/4, statistical
  efficiency 0.35 + 0.05 q (q: a permutation of 1..12 uncorrelated with v's
  ranks), accuracy at 10,000 = accuracy at 100 / efficiency.
"""

import os
import sys
import tempfile

import numpy as np

V = np.array([0.10, 0.30, 0.20, 0.40, 0.50, 0.52, 0.60, 0.62, 0.70, 0.90, 0.74, 0.78])
TC_SAMPLED = np.array([4.0, 3.0, 2.0, 1.0, 5.0, 6.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0])
TC_MEAN = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 3.0, 2.0, 2.5, 1.0, 2.0, 3.0, 4.0])
# Efficiency rank by v's rank k = 1..12; sum_k k q(k) = 507 = 12 * 6.5^2, so Spearman rho(v, efficiency) = 0.
Q_BY_V_RANK = np.array([1, 12, 11, 2, 3, 10, 9, 4, 8, 5, 7, 6])
# findings_study's model_nums ((method * 3 + value position) * 2 + seed) of the 12 runs.
MODEL_NUMS = (0, 1, 4, 5, 6, 7, 10, 11, 30, 31, 34, 35)
STUDY_NAME = "synthetic_report_fixture"
DATA_SOURCE = "synthetic: tests/study/report_fixture.py, no model trained"
TRAINING_SECONDS, SCORING_SECONDS = 100.0, 5.0  # per run, per metric file
PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "report_fixture.csv")


def scores_of_run(r):
    """{metric: {key: value}} of the mean representation of run r."""
    v = float(V[r])
    sap = float(V[{4: 5, 5: 4}.get(r, r)])
    efficiency = 0.35 + 0.05 * float(Q_BY_V_RANK[int(np.argsort(np.argsort(V))[r])])
    accuracy_100 = 0.2 + v / 4
    return {
        "beta_vae": {"train_accuracy": 0.5 + v / 2, "eval_accuracy": 0.5 + v / 2},
        "factor_vae": {"train_accuracy": 0.4 + v / 2, "eval_accuracy": 0.4 + v / 2, "num_active_dims": 10.0},
        "mig": {"discrete_mig": v / 4},
        "dci": {"disentanglement": v / 3, "completeness": v / 3, "informativeness_train": 0.9,
                "informativeness_test": 0.8},
        "sap": {"SAP_score": sap},
        "modularity": {"modularity_score": 1 - v, "explicitness_score_train": 0.9, "explicitness_score_test": 0.8},
        "downstream_lr": {"100:mean_test_accuracy": accuracy_100,
                          "10000:mean_test_accuracy": accuracy_100 / efficiency},
        "unsupervised": {"gaussian_total_correlation": float(TC_MEAN[r])},
    }


def sampled_scores_of_run(r):
    """The sampled representation: the mean's scores times 0.9, with its own total correlation."""
    scores = {metric: {key: 0.9 * value for key, value in keys.items()} for metric, keys in scores_of_run(r).items()}
    scores["unsupervised"]["gaussian_total_correlation"] = float(TC_SAMPLED[r])
    return scores


def write_run_folders(root):
    """bin/reproduce's layout of the 12 runs under `root` (config, train results, metric files)."""
    from disent_tf import records, study
    from disent_tf.run_folder import StudyRun
    from disent_tf.study.reproduce import config_record, metric_record

    sweep = study.get("findings_study")
    for r, model_num in enumerate(MODEL_NUMS):
        run = StudyRun.for_model(str(root), model_num)
        config = sweep.config(model_num).replace(output_dir=run.training.root)
        records.write_json(run.config_path, config_record(STUDY_NAME, model_num, config, sweep.swept_hparam(model_num)))
        reconstruction = 100 - 10 * float(V[r])
        records.write_json(run.training.train_results_path, {"wall_time_s": TRAINING_SECONDS, "evaluation": {
            "means": {"reconstruction_loss": reconstruction, "elbo": -(reconstruction + 5)}, "elapsed_time_s": 0.0}})
        for representation, scores in (("mean", scores_of_run(r)), ("sampled", sampled_scores_of_run(r))):
            for metric, values in scores.items():
                records.write_json(run.metric_path(representation, metric), metric_record(
                    representation, metric, values, data_source=DATA_SOURCE, sample_scale=1.0,
                    seconds=SCORING_SECONDS))


def fixture_table():
    """The fixture as bin/aggregate makes it (a wide DataFrame)."""
    from disent_tf.study import aggregate

    with tempfile.TemporaryDirectory() as root:
        write_run_folders(root)
        table = aggregate.collect(root).table
    # output_dir held the temporary folder; bin/reproduce --output_dir=output would have written these.
    return table.assign(output_dir="output/" + table["run"].astype(str) + "/model")


def write_fixture(path=PATH):
    from disent_tf.study import aggregate

    return aggregate.save(fixture_table(), path)


if __name__ == "__main__":
    print(f"wrote {write_fixture(sys.argv[1] if len(sys.argv) > 1 else PATH)}")
