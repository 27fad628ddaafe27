"""The reproduced study: sweeps, one-command reproduction, aggregation and figures.

`STUDIES` maps a study's name to its sweep (`disent_tf.study.sweep.Study`);
add a study by adding an entry here.
"""

from disent_tf.errors import UserError
from disent_tf.study import findings_study, semi_supervised_study, sweep, weak_study

STUDIES = {study.name: study for study in (
    sweep.unsupervised_study_v1,
    weak_study.weakly_supervised_study,
    semi_supervised_study.semi_supervised_study,
    sweep.smoke,
    findings_study.findings_study,
)}


def names():
    return sorted(STUDIES)


def get(name):
    """The study called `name`; an unknown name lists the valid ones."""
    if name not in STUDIES:
        raise UserError(f"unknown study '{name}'; valid studies are: {', '.join(names())}.")
    return STUDIES[name]
