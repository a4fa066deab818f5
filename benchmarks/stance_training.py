"""Fitting the stance model (training code: benchmarks only, never imported by the pipeline).

The fitted weights are stored as plain JSON (orchestration/core/stance/stance_model.json), which
orchestration.core.stance.classify reads without scikit-learn.
"""
from __future__ import annotations

from collections import Counter

from orchestration.core.stance.classify import StanceModel, featurize


def fit_stance_model(sentences: list[str], claims: list[str], labels: list[str], *, C: float = 1.0,
                     min_count: int = 2) -> StanceModel:
    """Fit the logistic regression (scikit-learn) and keep its weights as plain data."""
    return fit_stance_model_on_features([featurize(s, c) for s, c in zip(sentences, claims)], labels,
                                        C=C, min_count=min_count)


def fit_stance_model_on_features(rows: list[dict[str, float]], labels: list[str], *, C: float = 1.0,
                                 min_count: int = 2) -> StanceModel:
    """Features seen fewer than `min_count` times in the training rows are dropped: they cannot
    generalise and only bloat the stored model."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(name for row in rows for name in row)
    rows = [{k: v for k, v in row.items() if counts[k] >= min_count or k == "bias"} for row in rows]
    from threadpoolctl import threadpool_limits

    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform(rows)
    model = LogisticRegression(C=C, max_iter=2000)
    # One BLAS thread: on a shared 2-core machine, oversubscribed threads made a 0.6 s fit take 17 s.
    with threadpool_limits(limits=1):
        model.fit(X, labels)
    classes = tuple(model.classes_)
    names = vectorizer.get_feature_names_out()
    coef = model.coef_
    if len(classes) == 2:   # binary sklearn models keep one row; expand to one per class
        coef = [-coef[0], coef[0]]
        intercept = (-float(model.intercept_[0]), float(model.intercept_[0]))
    else:
        intercept = tuple(float(b) for b in model.intercept_)
    weights = {}
    for j, name in enumerate(names):
        w = tuple(round(float(coef[k][j]), 5) for k in range(len(classes)))
        if any(abs(x) > 1e-5 for x in w):
            weights[name] = w
    return StanceModel(classes, tuple(round(b, 5) for b in intercept), weights)
