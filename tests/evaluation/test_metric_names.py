"""The metric table (evaluation/metrics/__init__.py) names every metric without importing it; it must say true."""

import importlib
import pkgutil

from disent_tf.evaluation import metrics
from disent_tf.evaluation.metrics import base


def declared_metrics():
    """{name: (module, attribute)} of every base.Metric the metric modules define, found by importing them."""
    found = {}
    for module_info in pkgutil.iter_modules(metrics.__path__):
        module = importlib.import_module(f"{metrics.__name__}.{module_info.name}")
        for attribute, value in vars(module).items():
            if isinstance(value, base.Metric) and value.name not in found:
                found[value.name] = (module_info.name, attribute)
    return found


def test_the_table_names_every_metric_where_its_module_declares_it():
    assert metrics.DECLARED_BY == {name: declared_metrics()[name] for name in metrics.DECLARED_BY}
    assert set(metrics.DECLARED_BY) == set(declared_metrics())


def test_get_returns_the_metric_of_that_name():
    assert [metrics.get(name).name for name in metrics.names()] == metrics.names()


def test_groups_are_the_study_then_every_metric_in_run_order():
    assert metrics.GROUPS["all"] == ["beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "downstream_lr",
                                     "downstream_gbt", "unsupervised"]
    assert metrics.GROUPS["extended"] == metrics.names()
    assert metrics.names()[:9] == metrics.GROUPS["all"]
