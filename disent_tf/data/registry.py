"""Data set names -> constructors. Each constructor takes the data folder (or None)."""

from disent_tf.errors import UserError


def _dsprites(cls, **kwargs):
    def build(data_dir):
        from disent_tf.data import dsprites
        return getattr(dsprites, cls)(data_dir, **kwargs)
    return build


def _module(module, cls, **kwargs):
    def build(data_dir):
        import importlib
        return getattr(importlib.import_module(f"disent_tf.data.{module}"), cls)(data_dir, **kwargs)
    return build


_CONSTRUCTORS = {
    "dsprites_full": _dsprites("DSprites"),
    "dsprites_noshape": _dsprites("DSprites", factor_columns=(2, 3, 4, 5), name="dsprites_noshape"),
    "color_dsprites": _dsprites("ColorDSprites"),
    "noisy_dsprites": _dsprites("NoisyDSprites"),
    "scream_dsprites": _dsprites("ScreamDSprites"),
    "smallnorb": _module("smallnorb", "SmallNORB"),
    "cars3d": _module("cars3d", "Cars3D"),
    "shapes3d": _module("shapes3d", "Shapes3D"),
    "mpi3d_toy": _module("mpi3d", "MPI3D", variant="mpi3d_toy"),
    "mpi3d_realistic": _module("mpi3d", "MPI3D", variant="mpi3d_realistic"),
    "mpi3d_real": _module("mpi3d", "MPI3D", variant="mpi3d_real"),
    "tfds:dsprites": _module("tfds_sources", "TFDSData", tfds_name="dsprites"),
    "tfds:shapes3d": _module("tfds_sources", "TFDSData", tfds_name="shapes3d"),
    "tfds:smallnorb": _module("tfds_sources", "TFDSData", tfds_name="smallnorb"),
}


# Images on each data set's factor grid (`num_observations`), without loading its module (which imports
# TensorFlow), so that tools can check a size before any TensorFlow work; tests/data/test_labelled.py checks
# them against the modules. MPI3D's older files hold a smaller grid: the loaded data set decides there.
GRID_SIZES = {
    "dsprites_full": 737_280, "dsprites_noshape": 245_760, "color_dsprites": 737_280, "noisy_dsprites": 737_280,
    "scream_dsprites": 737_280, "smallnorb": 4_860, "cars3d": 17_568, "shapes3d": 480_000,
    "mpi3d_toy": 1_036_800, "mpi3d_realistic": 1_036_800, "mpi3d_real": 1_036_800,
}


def grid_size(name):
    """Images on the factor grid of data set `name` (an upper bound for MPI3D), or None when not tabled."""
    return GRID_SIZES.get(name)


def names():
    """Every registered data set name."""
    return list(_CONSTRUCTORS)


def get(name, data_dir=None):
    """The data set `name`, reading original files from `data_dir` or $DISENT_TF_DATA.

    dsprites_full and its variants (except scream_dsprites, which needs
    scream/scream.jpg) work with no files: they are rendered by the library.
    """
    return _CONSTRUCTORS[check_name(name)](data_dir)


def check_name(name):
    """`name` if a data set has it; one-sentence UserError otherwise (nothing is loaded)."""
    if name not in _CONSTRUCTORS:
        raise UserError(f"unknown data set {name!r}; choose one of: {', '.join(names())}.")
    return name
