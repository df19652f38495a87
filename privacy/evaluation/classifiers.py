"""Typist identification: the scaled-Manhattan nearest-centroid baseline and a learned model.

Both take a feature matrix with NaN for absent features and return a score per (query, typist),
higher meaning more likely, so top-k accuracy is computed the same way for both.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

CLASSIFIERS = ("nearest_centroid", "random_forest", "lda")
LEARNED = ("random_forest", "lda")
# The policy-agnostic attacker (agnostic.py's features), beside the learned ones.
AGNOSTIC = ("agnostic:nearest_centroid", "agnostic:random_forest")
ATTACKERS = (*AGNOSTIC, *CLASSIFIERS)
CLASSIFIER_LABELS = {
    "nearest_centroid": "nearest centroid",
    "random_forest": "random forest",
    "lda": "shrinkage LDA",
    "agnostic:nearest_centroid": "agnostic, nearest centroid",
    "agnostic:random_forest": "agnostic, random forest",
}


@dataclass(frozen=True)
class Scores:
    labels: np.ndarray  # typist label of each score column
    values: np.ndarray  # (queries, typists), higher is more likely


def nearest_centroid(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray) -> Scores:
    """Centroid per typist; distance = mean over present features of |x - c| / scale, where
    scale is the pooled mean absolute deviation from the typist centroids (Killourhy & Maxion's
    scaled Manhattan, pooled because ten samples per typist are too few for a per-typist one)."""
    labels = np.unique(y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are expected
        centroids = np.stack([np.nanmean(x_train[y_train == label], axis=0) for label in labels])
        index = np.searchsorted(labels, y_train)
        scale = np.nanmean(np.abs(x_train - centroids[index]), axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)
    values = np.empty((len(x_query), len(labels)))
    for row, query in enumerate(x_query):
        scaled = np.abs(centroids - query) / scale
        present = np.isfinite(scaled)
        total = np.where(present, scaled, 0.0).sum(axis=1)
        values[row] = -total / np.maximum(present.sum(axis=1), 1)
    return Scores(labels, values)


def _impute_standardize(x_train: np.ndarray, x_query: np.ndarray) -> tuple[np.ndarray, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fill = np.nanmedian(x_train, axis=0)
    fill = np.where(np.isfinite(fill), fill, 0.0)
    train = np.where(np.isfinite(x_train), x_train, fill)
    query = np.where(np.isfinite(x_query), x_query, fill)
    # Missing-value indicators: whether a feature occurs at all is itself a signal.
    train = np.hstack([train, np.isnan(x_train)])
    query = np.hstack([query, np.isnan(x_query)])
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (query - mean) / std


def lda(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray) -> Scores:
    """Linear discriminant analysis: one within-typist covariance shared by all typists, with
    Ledoit-Wolf shrinkage, on standardized features. With ~10 samples per typist and hundreds
    of typists a shared covariance is what can be learned; it weighs correlated timing features
    properly, which the baseline's per-feature distance cannot."""
    from sklearn.covariance import ledoit_wolf

    train, query = _impute_standardize(x_train, x_query)
    labels, index = np.unique(y_train, return_inverse=True)
    means = np.stack([train[index == i].mean(axis=0) for i in range(len(labels))])
    covariance, _ = ledoit_wolf(train - means[index])
    # Constant features (an output that says the same for everyone) make it singular.
    covariance += 1e-9 * np.eye(len(covariance))
    weights = np.linalg.solve(covariance, means.T)  # (features, typists)
    values = query @ weights - 0.5 * np.einsum("tf,ft->t", means, weights)
    return Scores(labels, values)


def random_forest(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_query: np.ndarray,
    seed: int = 0,
    trees: int = 150,
) -> Scores:
    """A random forest over the same features: nonlinear, picks the few features that still
    separate typists and ignores the rest, which a distance over all features cannot."""
    from sklearn.ensemble import RandomForestClassifier

    train, query = _impute_standardize(x_train, x_query)
    model = RandomForestClassifier(n_estimators=trees, n_jobs=2, random_state=seed)
    model.fit(train, y_train)
    return Scores(model.classes_, model.predict_proba(query))


def score(
    name: str, x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray, seed: int = 0
) -> Scores:
    if x_train.shape[1] == 0:  # the output held no feature at all: every label ties
        labels = np.unique(y_train)
        return Scores(labels, np.zeros((len(x_query), len(labels))))
    if name == "nearest_centroid":
        return nearest_centroid(x_train, y_train, x_query)
    if name == "random_forest":
        return random_forest(x_train, y_train, x_query, seed)
    if name == "lda":
        return lda(x_train, y_train, x_query)
    raise ValueError(f"unknown classifier {name!r}; known: {', '.join(CLASSIFIERS)}")
