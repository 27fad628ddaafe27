"""Fields of the configuration dataclasses that carry their own help text.

    steps: int = option(300_000, "Total training steps (the study: 300000).")

The entry points build their flags from these fields (`disent_tf.cli.define_flags`):
name, type, default, help and choices are written once, on the dataclass.
"""

import dataclasses


def option(default=dataclasses.MISSING, help="", choices=None, default_factory=dataclasses.MISSING):
    """A dataclass field with `help` (and `choices` for a string) in its metadata."""
    metadata = {"help": help}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)
