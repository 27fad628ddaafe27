"""disent_tf.study.findings on the synthetic fixture (tests/study/report_fixture.py), against numbers worked by hand.

Spearman's rho of 12 runs without ties is 1 - 6 sum(d^2) / (12 * 143); of
4 runs at two strengths (ties: x ranks 1.5, 1.5, 3.5, 3.5) with y ranks
4, 3, 2, 1 it is -4 / sqrt(4 * 5) = -0.894.
"""

import io
import math

import numpy as np
import pandas as pd
import pytest

from disent_tf.study import findings
from report_fixture import PATH, fixture_table

RHO_4 = 4 / math.sqrt(20)  # 0.894: two strengths, two seeds, the seeds in order
SAP_RHO = 1 - 6 * 2 / 1716  # SAP's ranks: two neighbours swapped


@pytest.fixture(scope="module")
def table():
    return pd.read_csv(PATH)


def test_the_committed_fixture_is_what_its_script_makes(table):
    made = pd.read_csv(io.StringIO(fixture_table().to_csv(index=False)))  # as the CSV holds it
    pd.testing.assert_frame_equal(made, table)


def test_finding_1_total_correlation_against_strength(table):
    finding = findings.sampled_vs_mean_total_correlation(table)
    rho = finding.details.set_index(["method", "representation"])["rho"]
    # beta_vae: sampled TC 4, 3, 2, 1 by (β, seed) = (1, 0), (1, 1), (16, 0), (16, 1); mean TC 1, 2, 3, 4.
    assert rho["beta_vae", "sampled"] == pytest.approx(-RHO_4)
    assert rho["beta_vae", "mean"] == pytest.approx(RHO_4)
    assert rho["factor_vae", "mean"] == pytest.approx(0)  # mean TC 1, 3, 2, 2.5
    # annealed_vae: C_max 5 regularises more than 100, so TC 1, 2 at C_max 5 and 3, 4 at 100 fall with the strength.
    assert rho["annealed_vae", "sampled"] == pytest.approx(-RHO_4)
    assert rho["annealed_vae", "mean"] == pytest.approx(-RHO_4)
    assert finding.numbers == {"methods": 3, "sampled_falls": 3, "mean_does_not_fall": 2, "mean_rises": 1,
                               "median_rho_sampled": pytest.approx(-RHO_4), "median_rho_mean": pytest.approx(0)}
    assert finding.verdict == findings.HOLDS
    assert "for 3 of 3 methods" in finding.sentence
    assert finding.sentence.endswith("(AnnealedVAE's strength grows as its c_max shrinks).")


def test_finding_1_fails_when_the_sampled_total_correlation_rises(table):
    sampled = table["representation"] == "sampled"
    flipped = table.assign(**{findings.TOTAL_CORRELATION: table[findings.TOTAL_CORRELATION].where(
        ~sampled, -table[findings.TOTAL_CORRELATION])})
    finding = findings.sampled_vs_mean_total_correlation(flipped)
    assert finding.numbers["sampled_falls"] == 0 and finding.verdict == findings.DOES_NOT_HOLD


def test_finding_2_metric_agreement(table):
    finding = findings.metric_agreement(table)
    assert finding.numbers["agreeing_rho"] == pytest.approx(1)
    assert finding.numbers["modularity_rho"] == pytest.approx(-1)  # Modularity = 1 - v
    assert finding.numbers["sap_rho"] == pytest.approx(SAP_RHO)
    assert finding.numbers["models"] == 12
    assert finding.verdict == findings.HOLDS
    assert "between the two" in finding.sentence and "not between" not in finding.sentence


def test_finding_2_fails_when_modularity_agrees_most(table):
    dci = "dci.disentanglement"
    agreeing = table.assign(**{findings.MODULARITY: table["mig.discrete_mig"], dci: -table[dci]})
    finding = findings.metric_agreement(agreeing)
    # Pairs among BetaVAE, FactorVAE, MIG: +1; each with the negated DCI: -1: the mean of 3 x 1 and 3 x -1 is 0.
    assert finding.numbers["agreeing_rho"] == pytest.approx(0)
    assert finding.verdict == findings.DOES_NOT_HOLD


def test_finding_3_seeds_versus_methods(table):
    finding = findings.seeds_versus_methods(table)
    # Modularity = 1 - v: the seed pairs of the six settings differ by 0.2, 0.2, 0.02, 0.02, 0.2, 0.04, so the
    # mean standard deviation is 0.68 / 6 / sqrt(2); the method means 0.75, 0.44, 0.22 have the standard deviation
    # sqrt(((0.28)^2 + (0.03)^2 + (0.25)^2) / 2) (the same as v's 0.25, 0.56, 0.78).
    seed = 0.68 / 6 / math.sqrt(2)
    method = math.sqrt((0.28 ** 2 + 0.03 ** 2 + 0.25 ** 2) / 2)
    row = finding.details.set_index("column").loc[findings.MODULARITY]
    assert row["seed_spread"] == pytest.approx(seed) and row["method_spread"] == pytest.approx(method)
    assert finding.details.set_index("column").loc["mig.discrete_mig", "seed_spread"] == pytest.approx(seed / 4)
    assert finding.numbers["median_ratio"] == pytest.approx(seed / method)  # 0.30: every score is v, scaled
    # Best seed of the worst setting against the worst seed of the best: beta_vae 0.30 > 0.20, factor_vae
    # 0.52 < 0.60, annealed_vae 0.78 > 0.70 (v; the same outcomes for 1 - v and SAP): 2 of 3 for each score.
    assert finding.numbers["good_seed_bad_setting_wins"] == pytest.approx(2 / 3)
    assert finding.numbers["comparisons"] == 18
    assert finding.verdict == findings.DOES_NOT_HOLD  # seeds spread 0.30 times the methods: not comparable
    assert "0 of 6 scores" in finding.sentence


def test_finding_3_holds_when_seeds_spread_as_much_as_methods(table):
    noisy = table.copy()
    seed_one = noisy["seed"] == 1
    for _, column in findings.HEADLINE_SCORES:  # seed 1 moved up by 1: every setting's seeds 1 apart
        noisy.loc[seed_one, column] += 1.0
    finding = findings.seeds_versus_methods(noisy)
    assert finding.numbers["scores_comparable"] == 6
    assert finding.verdict == findings.HOLDS


def test_finding_4_unsupervised_scores(table):
    finding = findings.unsupervised_selection(table)
    # Reconstruction = 100 - 10 v: rho -1 with BetaVAE, FactorVAE, MIG, DCI and SAP's -SAP_RHO, +1 with Modularity.
    assert finding.details.loc["Reconstruction loss", "MIG"] == pytest.approx(-1)
    assert finding.details.loc["ELBO", "Modularity"] == pytest.approx(-1)
    assert finding.details.loc["ELBO", "SAP"] == pytest.approx(SAP_RHO)
    assert finding.numbers["largest_median_abs_rho"] == pytest.approx(1)
    assert finding.numbers["runs"] == 12 and finding.sentence.startswith("Does not hold: over 12 runs, ")
    assert list(finding.details.index) == ["Reconstruction loss", "ELBO", "TC (sampled)", "TC (mean)"]
    assert finding.verdict == findings.DOES_NOT_HOLD


def test_finding_4_holds_without_reconstruction_and_elbo(table):
    finding = findings.unsupervised_selection(table.drop(columns=["train_reconstruction_loss", "train_elbo"]))
    assert list(finding.details.index) == ["TC (sampled)", "TC (mean)"]
    assert finding.numbers["largest_median_abs_rho"] < findings.WEAK
    assert finding.verdict == findings.HOLDS


def test_finding_5_downstream_efficiency(table):
    finding = findings.downstream_efficiency(table)
    # Efficiency ranks q against v's ranks k: sum k q = 507 = 12 * 6.5^2, so rho 0; SAP swaps k 5 and 6 (q 3, 10):
    # sum 500, rho 1 - 6 (1300 - 1000) / 1716.
    assert finding.details.loc["MIG", "LR efficiency"] == pytest.approx(0, abs=1e-12)
    assert finding.details.loc["SAP", "LR efficiency"] == pytest.approx(1 - 6 * 300 / 1716)
    assert finding.details.loc["MIG", "LR accuracy @100"] == pytest.approx(1)
    assert finding.numbers["median_abs_rho_efficiency"] == pytest.approx(0, abs=1e-12)
    assert finding.numbers["median_rho_accuracy_100"] == pytest.approx(1)
    assert finding.verdict == findings.HOLDS


def test_finding_5_fails_when_efficiency_follows_the_metrics(table):
    large = "downstream_lr.10000:mean_test_accuracy"
    tracking = table.assign(**{large: table["downstream_lr.100:mean_test_accuracy"] / (1 + table["mig.discrete_mig"])})
    finding = findings.downstream_efficiency(tracking)
    assert finding.details.loc["MIG", "LR efficiency"] == pytest.approx(1)
    assert finding.verdict == findings.DOES_NOT_HOLD


def test_finding_6_is_not_tested_on_one_data_set(table):
    finding = findings.hyperparameter_transfer(table)
    assert finding.verdict == findings.NOT_TESTED
    assert finding.sentence == "Not tested: the table holds 1 data set(s) and the finding needs two."


def _two_datasets(table, second):
    other = second.assign(dataset="color_dsprites", run=second["run"] + 1000)
    return pd.concat([table, other], ignore_index=True)


def test_finding_6_transfer_of_the_same_ranking_always_wins(table):
    finding = findings.hyperparameter_transfer(_two_datasets(table, table))
    assert finding.numbers == {"beats_random": pytest.approx(1), "pairs": 12}  # 6 scores x 2 directions
    assert finding.verdict == findings.DOES_NOT_HOLD


def test_finding_6_transfer_of_a_reversed_ranking_never_wins(table):
    reversed_scores = table.copy()
    for _, column in findings.HEADLINE_SCORES:
        reversed_scores[column] = 1 - reversed_scores[column]
    finding = findings.hyperparameter_transfer(_two_datasets(table, reversed_scores))
    assert finding.numbers["beats_random"] == pytest.approx(0)
    assert finding.verdict == findings.HOLDS


def test_findings_without_their_columns_are_not_tested(table):
    bare = table[["run", "representation", "model", "dataset", "seed", "hparam_name", "hparam_value"]]
    results = findings.all_findings(bare)
    assert [f.number for f in results] == [1, 2, 3, 4, 5, 6]
    assert all(f.verdict == findings.NOT_TESTED and f.sentence.startswith("Not tested: ") for f in results)


def test_spearman_needs_three_pairs_and_two_values():
    assert np.isnan(findings.spearman([1, 2], [2, 1]))
    assert np.isnan(findings.spearman([1, 1, 1], [1, 2, 3]))
    assert findings.spearman([1, 2, 3, np.nan], [3, 2, 1, 0]) == pytest.approx(-1)


def test_correlations_are_per_data_set_then_averaged(table):
    # A second data set whose scores all sit 10 above the first: pooled, MIG and reconstruction would both rank
    # its runs on top; per data set, each has the fixture's rho -1, and so has their mean.
    shifted = table.copy()
    for column in ["train_reconstruction_loss"] + [column for _, column in findings.HEADLINE_SCORES]:
        shifted[column] = shifted[column] + 10
    finding = findings.unsupervised_selection(_two_datasets(table, shifted))
    assert finding.details.loc["Reconstruction loss", "MIG"] == pytest.approx(-1)
    first = findings.sampled_vs_mean_total_correlation(_two_datasets(table, shifted))
    assert first.numbers["methods"] == 6 and "of 6 (data set, method) pairs" in first.sentence
