"""The paper's six findings, each a number computed from a results table and a verdict computed from it.

Locatello et al., *Challenging Common Assumptions in the Unsupervised
Learning of Disentangled Representations* (ICML 2019, arXiv:1811.12359)
state their findings in words over figures. Each function here turns one
statement into numbers (Spearman rank correlations, spreads, fractions) on
a wide table of bin/aggregate (one row per run and representation, columns
`<metric>.<key>`), and a verdict, "holds", "does not hold" or "not tested",
decided by the thresholds below, never by hand:

1. `sampled_vs_mean_total_correlation`: Fig. 1, section 5.1.
2. `metric_agreement`: Fig. 3.
3. `seeds_versus_methods`: Figs. 4-6.
4. `unsupervised_selection`: Fig. 7.
5. `downstream_efficiency`: Figs. 9-10.
6. `hyperparameter_transfer`: Fig. 8 (needs two data sets).

`all_findings(table)` runs them all. Disentanglement scores are the mean
representation's, as the paper's are. Nothing here imports TensorFlow.
"""

import dataclasses
from typing import Dict, Optional

import numpy as np
import pandas as pd

# The scores the paper compares (its section 3), as (label, wide column).
HEADLINE_SCORES = (
    ("BetaVAE score", "beta_vae.eval_accuracy"),
    ("FactorVAE score", "factor_vae.eval_accuracy"),
    ("MIG", "mig.discrete_mig"),
    ("DCI Disentanglement", "dci.disentanglement"),
    ("Modularity", "modularity.modularity_score"),
    ("SAP", "sap.SAP_score"),
)
# Finding 2's group that the paper calls strongly correlated.
AGREEING_SCORES = ("beta_vae.eval_accuracy", "factor_vae.eval_accuracy", "mig.discrete_mig", "dci.disentanglement")
MODULARITY, SAP = "modularity.modularity_score", "sap.SAP_score"
TOTAL_CORRELATION = "unsupervised.gaussian_total_correlation"
# Finding 4's unsupervised scores (label, column of the per-run table `per_run` builds).
UNSUPERVISED_SCORES = (
    ("Reconstruction loss", "train_reconstruction_loss"),
    ("ELBO", "train_elbo"),
    ("TC (sampled)", "tc_sampled"),
    ("TC (mean)", "tc_mean"),
)
DOWNSTREAM = {"lr": "downstream_lr", "gbt": "downstream_gbt"}  # Fig. 9-10's two classifiers
METHOD_LABELS = {  # in the study's order
    "beta_vae": "β-VAE",
    "factor_vae": "FactorVAE",
    "dip_vae_i": "DIP-VAE-I",
    "dip_vae_ii": "DIP-VAE-II",
    "beta_tc_vae": "β-TCVAE",
    "annealed_vae": "AnnealedVAE",
}
# AnnealedVAE's C_max is a capacity: the KL it is pushed towards. A larger C_max lets more information through,
# so it is a weaker regularisation (Burgess et al. 2018); every other swept value grows with the strength.
WEAKER_WHEN_LARGER = ("c_max",)

# ---- Thresholds of the verdicts (|Spearman rho| on the conventional scale: 0.5 strong, < 0.3 almost none).
FALLS = -0.5  # Finding 1: a score "falls" with the strength when rho(strength, score) <= -0.5 ...
RISES = 0.5  # ... and "rises" when rho >= 0.5; between the two it neither falls nor rises.
STRONG = 0.5  # Finding 2: the agreeing group's mean pairwise rho must be at least this.
COMPARABLE = 0.5  # Finding 3: seed spread / method spread at least this is "comparable".
OFTEN = 0.25  # Finding 3: a good seed at a bad setting beats a bad seed at a good one in at least this share.
WEAK = 0.5  # Finding 4: each unsupervised score's median |rho| with the metrics must be below this.
ALMOST_NONE = 0.3  # Finding 5: the median |rho| of the metrics with statistical efficiency must be below this.
CHANCE_MARGIN = 0.15  # Finding 6: transfer beats a random setting with probability under 0.5 + this: chance.

HOLDS, DOES_NOT_HOLD, NOT_TESTED = "holds", "does not hold", "not tested"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One finding: the paper's statement, the numbers behind it, the verdict and its computed sentence.

    `numbers` are the headline numbers ({name: float}); `details` the table
    they come from (per method, per metric pair, ...), or None.
    """

    number: int
    title: str
    paper: str
    verdict: str
    sentence: str
    numbers: Dict[str, float]
    details: Optional[pd.DataFrame] = None


def all_findings(table):
    """The six findings of `table` (a wide bin/aggregate table), in the paper's order above."""
    return [sampled_vs_mean_total_correlation(table), metric_agreement(table), seeds_versus_methods(table),
            unsupervised_selection(table), downstream_efficiency(table), hyperparameter_transfer(table)]


# ---------------------------------------------------------------------- finding 1


PAPER_1 = ("The total correlation of the sampled representation falls as the regularisation strength grows; "
           "that of the mean representation does not fall, and for most methods it rises (Fig. 1, section 5.1).")


def sampled_vs_mean_total_correlation(table):
    """Finding 1: per data set, method and representation, rho(regularisation strength, Gaussian total correlation).

    Holds when, of the (data set, method) pairs with at least two strengths, more than half
    have the sampled TC falling (rho <= FALLS) and more than half the mean TC
    not falling (rho > FALLS). How many methods' mean TC rises (rho >= RISES)
    is reported alongside.
    """
    title = "The methods enforce what their losses encourage, on the sampled representation only"
    rows = []
    if {TOTAL_CORRELATION, "hparam_value", "model", "representation"} <= set(table.columns):
        for dataset, of_dataset in _datasets(table):
            for method in methods(of_dataset):
                for representation in ("sampled", "mean"):
                    part = of_dataset[(of_dataset["model"] == method)
                                      & (of_dataset["representation"] == representation)]
                    rho = spearman(strength(part), part[TOTAL_CORRELATION])
                    if not np.isnan(rho):
                        rows.append({"dataset": dataset, "method": method, "representation": representation,
                                     "rho": rho, "models": len(part)})
    details = pd.DataFrame(rows, columns=["dataset", "method", "representation", "rho", "models"])
    pivot = (details.pivot(index=["dataset", "method"], columns="representation", values="rho") if rows
             else pd.DataFrame())
    if not {"sampled", "mean"} <= set(pivot.columns) or pivot.dropna().empty:
        return _untested(1, title, PAPER_1, "the table has no methods with two or more regularisation strengths "
                         "and total correlations of both representations")
    pivot = pivot.dropna()
    total = len(pivot)
    unit = "methods" if details["dataset"].nunique() == 1 else "(data set, method) pairs"
    falls = int((pivot["sampled"] <= FALLS).sum())
    steady = int((pivot["mean"] > FALLS).sum())
    rises = int((pivot["mean"] >= RISES).sum())
    holds = falls > total / 2 and steady > total / 2
    numbers = {"methods": total, "sampled_falls": falls, "mean_does_not_fall": steady, "mean_rises": rises,
               "median_rho_sampled": float(pivot["sampled"].median()), "median_rho_mean": float(pivot["mean"].median())}
    sentence = (f"{_verdict_word(holds)}: the sampled representation's total correlation falls with the "
                f"regularisation strength for {falls} of {total} {unit} (Spearman rho <= {FALLS}; median rho "
                f"{numbers['median_rho_sampled']:.2f}); the mean representation's does not fall for {steady} of "
                f"{total} (median rho {numbers['median_rho_mean']:.2f}) and rises (rho >= {RISES}) for {rises}"
                f"{_reversed_note(table)}.")
    return Finding(1, title, PAPER_1, _verdict(holds), sentence, numbers, details)


def _reversed_note(table):
    """Names the methods whose swept value falls as their strength grows (their panel reads right to left)."""
    if "hparam_name" not in table.columns:
        return ""
    swept = table[table["hparam_name"].isin(WEAKER_WHEN_LARGER)]
    notes = [f"{method_label(method)}'s strength grows as its {name} shrinks"
             for method, name in dict(zip(swept["model"], swept["hparam_name"])).items()]
    return f" ({'; '.join(notes)})" if notes else ""


# ---------------------------------------------------------------------- finding 2


PAPER_2 = ("BetaVAE, FactorVAE, MIG and DCI Disentanglement are strongly rank-correlated; Modularity is less "
           "correlated, and SAP sits in between (Fig. 3).")


def metric_agreement(table):
    """Finding 2: Spearman correlations between the headline scores, per data set, averaged over data sets.

    Numbers: the mean pairwise rho within BetaVAE, FactorVAE, MIG, DCI
    ("agreeing"), and the mean rho of Modularity and of SAP with those four.
    Holds when agreeing >= STRONG and Modularity's rho is below it; whether
    SAP lies between the two is reported alongside.
    """
    title = "The metrics mostly agree"
    summaries, matrices = [], {}
    for dataset, rows in _datasets(_mean_rows(table)):
        matrix = rank_correlation_matrix(rows)
        if matrix is None:
            continue
        matrices[dataset] = matrix
        summaries.append({"dataset": dataset, "models": len(rows), "agreeing": _mean_pairwise(matrix, AGREEING_SCORES),
                          "modularity": _mean_with(matrix, MODULARITY), "sap": _mean_with(matrix, SAP)})
    details = pd.DataFrame(summaries, columns=["dataset", "models", "agreeing", "modularity", "sap"])
    means = details[["agreeing", "modularity", "sap"]].mean()
    if details.empty or np.isnan(means["agreeing"]) or np.isnan(means["modularity"]):
        return _untested(2, title, PAPER_2, "the table lacks three models of one data set with BetaVAE, "
                         "FactorVAE, MIG, DCI and Modularity scores")
    agreeing, modularity, sap = (float(means[k]) for k in ("agreeing", "modularity", "sap"))
    holds = agreeing >= STRONG and modularity < agreeing
    between = "not scored" if np.isnan(sap) else ("between the two" if modularity <= sap <= agreeing else
                                                    "not between the two")
    numbers = {"agreeing_rho": agreeing, "modularity_rho": modularity, "sap_rho": sap,
               "models": int(details["models"].sum())}
    sentence = (f"{_verdict_word(holds)}: over {numbers['models']} models, BetaVAE, FactorVAE, MIG and DCI have a "
                f"mean pairwise Spearman rho of {agreeing:.2f} (strong: >= {STRONG}); Modularity's mean rho with "
                f"them is {modularity:.2f}{' (less)' if modularity < agreeing else ' (not less)'}, and SAP's, "
                f"{_number(sap)}, is {between}.")
    return Finding(2, title, PAPER_2, _verdict(holds), sentence, numbers, details)


def rank_correlation_matrix(rows):
    """Spearman rho between the headline scores of `rows` (labels as index and columns); None if < 2 scores."""
    columns = [column for _, column in HEADLINE_SCORES if column in rows.columns and rows[column].notna().sum() >= 3]
    if len(columns) < 2:
        return None
    return rows[columns].corr(method="spearman")


# ---------------------------------------------------------------------- finding 3


PAPER_3 = ("Random seeds and hyperparameters matter more than the method: for each method the spread over seeds "
           "at one setting is comparable to the spread between methods (Figs. 4 and 5), and a good seed with a "
           "bad setting often beats a bad seed with a good one (Fig. 6).")


def seeds_versus_methods(table):
    """Finding 3, per headline score (mean representation): seeds against methods.

    Seed spread: the mean over settings (method, value, data set) of the
    standard deviation (ddof 1) over seeds. Method spread: per data set, the
    standard deviation (ddof 1) of the methods' mean scores, averaged over
    data sets. Their ratio is "comparable" at >= COMPARABLE. Beats: per
    (data set, method, score), the best setting and the worst by median
    score; does the best seed of the worst setting beat the worst seed of
    the best? Holds when the ratio is comparable for most scores and the
    share of beats is at least OFTEN.
    """
    title = "Random seeds and hyperparameters matter more than the method"
    rows, beats = [], []
    mean = _mean_rows(table) if {"model", "hparam_value"} <= set(table.columns) else table.iloc[0:0]
    for label, column in _scores(mean):
        seed, method = _seed_spread(mean, column), _method_spread(mean, column)
        if not (np.isnan(seed) or np.isnan(method)):
            rows.append({"score": label, "column": column, "seed_spread": seed, "method_spread": method,
                         "ratio": seed / method if method > 0 else np.inf})
        beats.extend(_beats(mean, column))
    details = pd.DataFrame(rows, columns=["score", "column", "seed_spread", "method_spread", "ratio"])
    if details.empty or not beats:
        return _untested(3, title, PAPER_3, "the table lacks two methods, two settings of a method and two seeds "
                         "of a setting")
    comparable = int((details["ratio"] >= COMPARABLE).sum())
    fraction = float(np.mean(beats))
    holds = comparable > len(details) / 2 and fraction >= OFTEN
    numbers = {"median_ratio": float(details["ratio"].median()), "scores_comparable": comparable,
               "scores": len(details), "good_seed_bad_setting_wins": fraction, "comparisons": len(beats)}
    sentence = (f"{_verdict_word(holds)}: the spread over seeds at one setting is {numbers['median_ratio']:.2f} times "
                f"the spread between methods (median over scores; comparable, >= {COMPARABLE}, for {comparable} of "
                f"{len(details)} scores), and the best seed of a method's worst setting beats the worst seed of its "
                f"best setting in {fraction:.0%} of {len(beats)} comparisons (often: >= {OFTEN:.0%}).")
    return Finding(3, title, PAPER_3, _verdict(holds), sentence, numbers, details)


def _seed_spread(rows, column):
    spreads = rows.groupby(_setting_keys(rows))[column].std(ddof=1).dropna()
    return float(spreads.mean()) if len(spreads) else np.nan


def _method_spread(rows, column):
    by_method = rows.groupby([_dataset_key(rows), "model"])[column].mean().dropna()
    spreads = by_method.groupby(level=0).std(ddof=1).dropna()
    return float(spreads.mean()) if len(spreads) else np.nan


def _beats(rows, column):
    """True/False per (data set, method) with two settings of two seeds: best seed of worst > worst seed of best."""
    outcomes = []
    rows = rows.dropna(subset=[column])
    for _, part in rows.groupby([_dataset_key(rows), "model"]):
        settings = part.groupby("hparam_value")[column]
        if settings.ngroups < 2 or settings.size().min() < 2:
            continue
        medians = settings.median()
        best, worst = medians.idxmax(), medians.idxmin()
        outcomes.append(bool(settings.max()[worst] > settings.min()[best]))
    return outcomes


# ---------------------------------------------------------------------- finding 4


PAPER_4 = ("Well-disentangled models cannot be picked without labels: the unsupervised scores (reconstruction, "
           "ELBO, total correlation of either representation) correlate weakly with the disentanglement metrics "
           "(Fig. 7).")


def unsupervised_selection(table):
    """Finding 4: rho between each unsupervised score and each headline score, over runs.

    Holds when every unsupervised score's median |rho| over the metrics is
    below WEAK (none tracks the metrics); the strongest single pair is
    reported alongside.
    """
    title = "Well-disentangled models cannot be picked without labels"
    runs = per_run(table)
    details = _correlations(runs, UNSUPERVISED_SCORES, _scores(runs))
    if details is None:
        return _untested(4, title, PAPER_4, "the table lacks unsupervised scores (train_reconstruction_loss, "
                         "train_elbo, total correlation) or disentanglement scores of three runs")
    medians = details.abs().median(axis=1).dropna()
    strongest = details.abs().stack().idxmax()
    holds = bool((medians < WEAK).all())
    numbers = {"largest_median_abs_rho": float(medians.max()),
               "strongest_pair_rho": float(details.loc[strongest]), "runs": len(runs)}
    sentence = (f"{_verdict_word(holds)}: over {len(runs)} runs, the median |Spearman rho| of an unsupervised score "
                f"with the metrics is at most {medians.max():.2f} ({medians.idxmax()}; weak: < {WEAK}); the strongest "
                f"single pair is {strongest[0]} with {strongest[1]} (rho {numbers['strongest_pair_rho']:.2f}).")
    return Finding(4, title, PAPER_4, _verdict(holds), sentence, numbers, details)


# ---------------------------------------------------------------------- finding 5


PAPER_5 = ("More disentanglement does not mean fewer samples for downstream tasks: the metrics correlate with "
           "accuracy at 100 examples on some data sets, but almost not at all with statistical efficiency, the "
           "accuracy at 100 examples over that at 10,000 (Figs. 9 and 10).")


def downstream_efficiency(table):
    """Finding 5: rho of each headline score with acc@100 and with acc@100 / acc@10000, per classifier.

    Holds when the median |rho| of the metrics with efficiency, over
    metrics and classifiers, is below ALMOST_NONE. The median rho with
    acc@100 is reported alongside.
    """
    title = "More disentanglement does not mean fewer samples for downstream tasks"
    runs = _with_efficiency(_mean_rows(table))
    targets = [(f"{kind.upper()} accuracy @100", f"{kind}_acc100") for kind in DOWNSTREAM]
    targets += [(f"{kind.upper()} efficiency", f"{kind}_efficiency") for kind in DOWNSTREAM]
    details = _correlations(runs, _scores(runs), targets)
    efficiency = [label for label, _ in targets if "efficiency" in label]
    if details is None or details.reindex(columns=efficiency).isna().all().all():
        return _untested(5, title, PAPER_5, "the table lacks downstream accuracies at 100 and 10,000 examples "
                         "(downstream_lr or downstream_gbt) of three runs")
    with_efficiency = details.reindex(columns=efficiency).abs().stack().median()
    accuracy = details.reindex(columns=[c for c in details.columns if "@100" in c]).stack().median()
    holds = bool(with_efficiency < ALMOST_NONE)
    numbers = {"median_abs_rho_efficiency": float(with_efficiency), "median_rho_accuracy_100": float(accuracy),
               "runs": len(runs)}
    sentence = (f"{_verdict_word(holds)}: over {len(runs)} runs, the median |Spearman rho| of the metrics with "
                f"statistical efficiency is {with_efficiency:.2f} (almost none: < {ALMOST_NONE}); their median rho "
                f"with accuracy at 100 examples is {accuracy:.2f}.")
    return Finding(5, title, PAPER_5, _verdict(holds), sentence, numbers, details)


def _with_efficiency(rows):
    """Mean-representation rows with `<kind>_acc100` and `<kind>_efficiency` = acc@100 / acc@10000."""
    rows = rows.copy()
    for kind, metric in DOWNSTREAM.items():
        small, large = f"{metric}.100:mean_test_accuracy", f"{metric}.10000:mean_test_accuracy"
        if {small, large} <= set(rows.columns):
            rows[f"{kind}_acc100"] = rows[small]
            rows[f"{kind}_efficiency"] = rows[small] / rows[large].where(rows[large] > 0)
    return rows


# ---------------------------------------------------------------------- finding 6


PAPER_6 = "Hyperparameters do not transfer across data sets better than chance (Fig. 8)."


def hyperparameter_transfer(table):
    """Finding 6: how often the setting best on one data set beats a random setting on another.

    For each ordered pair of data sets (A, B) and headline score: the
    setting (method, value) with the best median score on A; on B, the
    share of settings its median beats (ties count half). Chance is 0.5.
    Holds when the mean share is below 0.5 + CHANCE_MARGIN. Needs two data
    sets with the same settings.
    """
    title = "Hyperparameters do not transfer across data sets better than chance"
    mean = _mean_rows(table) if {"model", "hparam_value", "dataset"} <= set(table.columns) else table.iloc[0:0]
    datasets = [name for name, _ in _datasets(mean)]
    if len(datasets) < 2:
        return _untested(6, title, PAPER_6, f"the table holds {len(datasets)} data set(s) and the finding needs two")
    rows = []
    for label, column in _scores(mean):
        medians = mean.groupby(["dataset", "model", "hparam_value"])[column].median().unstack("dataset")
        for source, target in ((a, b) for a in datasets for b in datasets if a != b):
            share = _transfer_share(medians, source, target)
            if not np.isnan(share):
                rows.append({"score": label, "source": source, "target": target, "beats_random": share})
    details = pd.DataFrame(rows, columns=["score", "source", "target", "beats_random"])
    if details.empty:
        return _untested(6, title, PAPER_6, "the data sets share no settings with scores")
    share = float(details["beats_random"].mean())
    holds = share < 0.5 + CHANCE_MARGIN
    numbers = {"beats_random": share, "pairs": len(details)}
    sentence = (f"{_verdict_word(holds)}: the setting best on one data set beats a random setting on another with "
                f"probability {share:.2f} (chance 0.50; no better than chance: < {0.5 + CHANCE_MARGIN:.2f}), "
                f"over {len(details)} (score, data set pair) cases.")
    return Finding(6, title, PAPER_6, _verdict(holds), sentence, numbers, details)


def _transfer_share(medians, source, target):
    both = medians[[source, target]].dropna()
    if len(both) < 2:
        return np.nan
    chosen = both[target][both[source].idxmax()]
    others = both[target].drop(both[source].idxmax())
    return float(((others < chosen).sum() + 0.5 * (others == chosen).sum()) / len(others))


# ---------------------------------------------------------------------- shared


def per_run(table):
    """One row per run: the mean representation's columns, `tc_mean`, and the sampled one's TC as `tc_sampled`."""
    # copy(): one block per dtype, so that adding columns to a wide table read from a CSV stays cheap.
    mean = _mean_rows(table).set_index("run").copy() if "run" in table.columns else pd.DataFrame()
    if mean.empty or TOTAL_CORRELATION not in table.columns:
        return mean.reset_index() if not mean.empty else mean
    sampled = table[table["representation"] == "sampled"].set_index("run")[TOTAL_CORRELATION]
    mean = mean.assign(tc_mean=mean[TOTAL_CORRELATION], tc_sampled=sampled.reindex(mean.index))
    return mean.reset_index()


def spearman(x, y):
    """Spearman's rho over the pairs where both are numbers; NaN with fewer than 3 or a constant side."""
    pairs = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)}).dropna()
    if len(pairs) < 3 or pairs["x"].nunique() < 2 or pairs["y"].nunique() < 2:
        return np.nan
    return float(pairs["x"].rank().corr(pairs["y"].rank()))


def strength(rows):
    """The regularisation strength of each row: hparam_value, negated where a larger value regularises less."""
    sign = np.where(rows["hparam_name"].isin(WEAKER_WHEN_LARGER), -1.0, 1.0) if "hparam_name" in rows else 1.0
    return rows["hparam_value"].astype(float) * sign


def methods(rows):
    """Methods in the paper's order, unknown ones after them."""
    present = list(dict.fromkeys(rows["model"].dropna())) if "model" in rows.columns else []
    return [m for m in METHOD_LABELS if m in present] + [m for m in present if m not in METHOD_LABELS]


def method_label(method):
    return METHOD_LABELS.get(method, method)


def _correlations(rows, row_scores, column_scores):
    """rho (row labels x column labels) per data set of `rows`, averaged over data sets; None without a number.

    Per data set, as the paper's figures are: pooled, the data sets' different score levels would correlate.
    """
    matrices = [_correlations_of(part, row_scores, column_scores) for _, part in _datasets(rows)]
    matrices = [matrix for matrix in matrices if matrix is not None]
    if not matrices:
        return None
    return pd.concat(matrices).groupby(level=0, sort=False).mean()  # NaN cells left out of a mean


def _correlations_of(rows, row_scores, column_scores):
    """DataFrame of rho (row labels x column labels) over `rows`; None when no pair has a number."""
    present = [(label, c) for label, c in row_scores if c in rows.columns and rows[c].notna().any()]
    targets = [(label, c) for label, c in column_scores if c in rows.columns and rows[c].notna().any()]
    if not present or not targets:
        return None
    matrix = pd.DataFrame({label: [spearman(rows[c], rows[t]) for _, c in present] for label, t in targets},
                          index=[label for label, _ in present])
    return None if matrix.isna().all().all() else matrix


def _mean_rows(table):
    if "representation" not in table.columns:
        return table.iloc[0:0]
    return table[table["representation"] == "mean"]


def _scores(rows):
    return [(label, column) for label, column in HEADLINE_SCORES
            if column in rows.columns and rows[column].notna().any()]


def _datasets(rows):
    if "dataset" not in rows.columns:
        return [("all", rows)] if len(rows) else []
    return [(name, rows[rows["dataset"] == name]) for name in dict.fromkeys(rows["dataset"].dropna())]


def _dataset_key(rows):
    return rows["dataset"] if "dataset" in rows.columns else pd.Series("all", index=rows.index)


def _setting_keys(rows):
    return [_dataset_key(rows), rows["model"], rows["hparam_value"]]


def _mean_pairwise(matrix, columns):
    present = [c for c in columns if c in matrix.columns]
    values = [matrix.loc[a, b] for i, a in enumerate(present) for b in present[i + 1:]]
    return float(np.nanmean(values)) if values and not np.isnan(values).all() else np.nan


def _mean_with(matrix, column):
    others = [c for c in AGREEING_SCORES if c in matrix.columns]
    if column not in matrix.columns or not others:
        return np.nan
    values = matrix.loc[column, others].to_numpy(dtype=float)
    return float(np.nanmean(values)) if not np.isnan(values).all() else np.nan


def _untested(number, title, paper, reason):
    return Finding(number, title, paper, NOT_TESTED, f"Not tested: {reason}.", {}, None)


def _verdict(holds):
    return HOLDS if holds else DOES_NOT_HOLD


def _verdict_word(holds):
    return "Holds" if holds else "Does not hold"


def _number(value):
    return "n/a" if np.isnan(value) else f"{value:.2f}"
