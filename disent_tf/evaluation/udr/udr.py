"""Unsupervised disentanglement ranking (UDR): Duan, Matthey, Saraiva, Watters,
Burgess, Lerchner & Higgins, "Unsupervised Model Selection for Variational
Disentangled Representation Learning", ICLR 2020 (arXiv:1905.12614), section 3.

Follows disentanglement_lib's `evaluation/udr/metrics/udr.py`
(`compute_udr_sklearn`) with the defaults of `config/tests/methods/udr/udr.gin`
and the KL of its `evaluation/udr/evaluate.py`:

* 1,000 observations drawn in batches of 10 (factors, then observations, from
  the metric's RandomState); every model encodes the same observations; the
  representation is the posterior mean;
* per model and latent, KL_l = mean over the points of
  0.5 (mu_l^2 + exp(logvar_l) - logvar_l - 1);
* each model's means are standardised (scikit-learn StandardScaler) and the
  latents with KL_l <= 0.01 set to 0 (this threshold is fixed in the
  reference, whatever `kl_filter_threshold` says);
* for every ordered pair (i, j), i != j, a correlation matrix R (latents of i x
  latents of j): `"lasso"` (default) the |coefficients| of
  Lasso(alpha=0.1) regressing j's latents on i's, `"spearman"` the |Spearman
  rank correlation| of each pair of latents (NaN for a constant latent);
* with `filter_low_kl` (default) R keeps the rows and columns of latents with
  KL > `kl_filter_threshold` (0.01);
* the pair's score is the relative strength
  (mean_cols(max^2 / sum) + mean_rows(max^2 / sum)) / 2 of R, NaN terms as 0
  (Eq. 3-4 of the paper);
* a model's UDR is the median of the pairs' scores in which it is the second
  model, `pairwise[j, i]` over j != i (the reference's `model_scores`).

With Lasso the best score is 1 - alpha = 0.9, not 1: standardised latents
that match one to one get coefficients 0.9, and max^2 / sum of a row with one
entry is that entry. Spearman's best is 1.

Where a model has no latent above the threshold the reference fails on an
empty matrix; we score such a pair 0. Lasso's `random_state` is unused by its
default cyclic coordinate descent, so no seed is needed.
"""

import warnings

import numpy as np
import scipy.stats
from sklearn import exceptions, linear_model, preprocessing

from disent_tf.errors import UserError

STUDY_DEFAULTS = dict(num_data_points=1000, batch_size=10, correlation_matrix="lasso", filter_low_kl=True,
                      kl_filter_threshold=0.01)
CORRELATIONS = ("lasso", "spearman")
# The reference zeroes the standardised latents at this KL, independently of kl_filter_threshold.
_ZEROING_KL = 0.01


def compute_udr(data, encoders, rng, *, num_data_points=1000, batch_size=10, correlation_matrix="lasso",
                filter_low_kl=True, kl_filter_threshold=0.01, encode_batch_size=4096):
    """[{"udr", "num_active_dims"}] per encoder, in the order given.

    `encoders` have `.encode(observations) -> (n, 2 * num_latent)` parameters,
    mean and log-variance side by side (`representation.GaussianEncoder`).
    """
    encoders = list(encoders)
    if len(encoders) < 2:
        raise UserError(f"UDR ranks models against each other and needs at least two, got {len(encoders)}; "
                        "pass the encoders of several models trained on the same data set.")
    if correlation_matrix not in CORRELATIONS:
        raise UserError(f"unknown UDR correlation matrix {correlation_matrix!r}; choose one of "
                        f"{', '.join(CORRELATIONS)}.")
    if num_data_points % batch_size:
        raise UserError(f"UDR's num_data_points ({num_data_points}) must be a multiple of its batch_size "
                        f"({batch_size}).")
    params = encode_points(data, encoders, rng, num_data_points, batch_size, encode_batch_size)
    means, kls = zip(*(split_gaussian(p, index) for index, p in enumerate(params)))
    sizes = sorted({mean.shape[1] for mean in means})
    if len(sizes) > 1:
        raise UserError(f"UDR compares latents one to one, but the models have {sizes} latents; "
                        "pass models with the same number of latents.")
    result = udr_from_codes([mean.T for mean in means], kls, correlation_matrix, filter_low_kl,
                            kl_filter_threshold)
    return [{"udr": float(score), "num_active_dims": int(np.sum(kl > kl_filter_threshold))}
            for score, kl in zip(result["model_scores"], kls)]


def encode_points(data, encoders, rng, num_points, batch_size, encode_batch_size=4096):
    """Parameters of every encoder on the same `num_points` observations, drawn `batch_size` at a time."""
    params = [[] for _ in encoders]
    pending = []

    def flush():
        if pending:
            observations = np.concatenate(pending, axis=0)
            for outputs, encoder in zip(params, encoders):
                outputs.append(np.asarray(encoder.encode(observations)))
            pending.clear()

    for _ in range(num_points // batch_size):
        factors = data.sample_factors(batch_size, rng)
        pending.append(data.sample_observations_from_factors(factors, rng))
        if len(pending) * batch_size >= encode_batch_size:
            flush()
    flush()
    return [np.concatenate(outputs, axis=0) for outputs in params]


def split_gaussian(params, index=0):
    """(mean (n, L), KL per latent (L,)) of parameters [mean | logvar] (n, 2 L)."""
    params = np.asarray(params, dtype=np.float64)
    if params.ndim != 2 or params.shape[1] % 2:
        raise UserError(f"encoder {index} returned parameters of shape {params.shape}; UDR needs the mean and "
                        "log-variance side by side, shape (n, 2 * num_latent) (a Gaussian encoder).")
    num_latent = params.shape[1] // 2
    mean, logvar = params[:, :num_latent], params[:, num_latent:]
    return mean, gaussian_kl(mean, logvar)


def gaussian_kl(mean, logvar):
    """Mean over the points of KL(N(mean, exp(logvar)) || N(0, 1)) per latent."""
    return np.mean(0.5 * (np.square(mean) + np.exp(logvar) - logvar - 1), axis=0)


def udr_from_codes(codes, kl, correlation_matrix="lasso", filter_low_kl=True, kl_filter_threshold=0.01):
    """Array core: codes of M models, each (num_latent, N) on the same points, and their KL (num_latent,).

    Returns `raw_correlations` (M, M, L, L), `pairwise_disentanglement_scores`
    (M, M; pair (i, j) at [i, j], diagonal 0) and `model_scores` (M,).
    """
    if correlation_matrix not in CORRELATIONS:
        raise ValueError(f"unknown correlation matrix {correlation_matrix!r}; expected one of {CORRELATIONS}")
    kl = [np.asarray(k, dtype=np.float64) for k in kl]
    latents = [preprocessing.StandardScaler().fit_transform(np.asarray(c, dtype=np.float64).T) * (k > _ZEROING_KL)
               for c, k in zip(codes, kl)]
    masks = [k > kl_filter_threshold for k in kl]
    num_models, num_latent = len(latents), latents[0].shape[1]
    raw = np.zeros((num_models, num_models, num_latent, num_latent))
    pairwise = np.zeros((num_models, num_models))
    for i in range(num_models):
        for j in range(num_models):
            if i == j:
                continue
            if correlation_matrix == "lasso":
                matrix = lasso_correlation_matrix(latents[i], latents[j])
            else:
                matrix = spearman_correlation_matrix(latents[i], latents[j])
            raw[i, j] = matrix
            if filter_low_kl:
                matrix = matrix[masks[i], :][:, masks[j]]
            pairwise[i, j] = relative_strength_disentanglement(matrix)
    model_scores = np.array([np.median(np.delete(pairwise[:, i], i)) for i in range(num_models)])
    return {"raw_correlations": raw, "pairwise_disentanglement_scores": pairwise, "model_scores": model_scores}


def relative_strength_disentanglement(matrix):
    """(mean over columns + mean over rows of max^2 / sum) / 2, NaN terms counted as 0; empty -> 0."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if not matrix.size:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = np.nan_to_num(np.square(np.max(matrix, axis=0)) / np.sum(matrix, axis=0))
        rows = np.nan_to_num(np.square(np.max(matrix, axis=1)) / np.sum(matrix, axis=1))
    return float((np.nanmean(columns) + np.nanmean(rows)) / 2)


def spearman_correlation_matrix(first, second):
    """|Spearman correlation| of latent a of `first` (n, L) with latent b of `second` (n, L) at [a, b].

    Pearson correlation of average ranks (scipy's spearmanr); NaN where a latent is constant.
    """
    ranks_first = _standardized(scipy.stats.rankdata(first, axis=0))
    ranks_second = _standardized(scipy.stats.rankdata(second, axis=0))
    return np.abs(ranks_first.T @ ranks_second / first.shape[0])


def lasso_correlation_matrix(first, second):
    """|Lasso(alpha=0.1) coefficients| of regressing `second`'s latents on `first`'s, at [a of first, b]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
        model = linear_model.Lasso(alpha=0.1).fit(first, second)
    return np.abs(np.asarray(model.coef_).reshape(second.shape[1], first.shape[1])).T


def _standardized(columns):
    centred = columns - columns.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return centred / np.sqrt(np.mean(np.square(centred), axis=0))
