"""The command-line tools: one module per tool, each a thin job over the library.

`bin/<tool>` and the console script `disent-<tool>` (setup.cfg) both call
`disent_tf.cli.<tool>.run()`. This module is the plumbing they share: flags
built from the configuration dataclasses (name, type, default, help and
choices come from the dataclass fields, `disent_tf.options.option`), and
`run(main)`, which turns every error a user can cause into one sentence and
exit code 1, and an interruption into exit code 128 + signal.
"""

import dataclasses
import signal
import sys
import typing

from absl import app
from absl import flags

from disent_tf.errors import Interrupted, UserError


def define_flags(cls, module, exclude=(), only=None, defaults=None, helps=None, optional=False, suffix=""):
    """One absl flag per field of dataclass `cls` (`only` those, except `exclude`); returns the flag names.

    `module` is the tool module's `__name__` (its --help lists them).
    `defaults` and `helps` override field defaults and help texts (for
    texts computed from a table, e.g. the list of methods); `optional` makes every flag default
    to None (an override that is absent unless given), with `suffix` added to
    its help.
    """
    hints = typing.get_type_hints(cls)
    defined = []
    for field in dataclasses.fields(cls):
        if field.name not in field_names(cls, exclude, only):
            continue
        default = None if optional else (defaults or {}).get(field.name, _field_default(field))
        help_text = (helps or {}).get(field.name, field.metadata.get("help", field.name)) + suffix
        _define(field.name, _plain_type(hints[field.name]), default, help_text, field.metadata.get("choices"), module)
        defined.append(field.name)
    return defined


def field_names(cls, exclude=(), only=None):
    """The fields of dataclass `cls` that `define_flags(cls, exclude=..., only=...)` turns into flags."""
    return [field.name for field in dataclasses.fields(cls)
            if field.name not in exclude and (only is None or field.name in only)]


def flag_values(names, present_only=False):
    """{name: value} of the flags `names` (only those given on the command line, with `present_only`)."""
    return {name: flags.FLAGS[name].value for name in names if not present_only or flags.FLAGS[name].present}


def run(main):
    """Runs an absl `main`; a UserError ends in one sentence on stderr and exit code 1."""

    _show_tool_flags_in_help(main)

    def guarded(argv):
        if len(argv) > 1:
            fail(f"unexpected positional arguments {argv[1:]}; every option is a --flag (see --help).")
        try:
            return main(argv)
        except Interrupted as stop:
            print(f"stopped: {stop}", file=sys.stderr)
            sys.exit(128 + stop.signum)
        except UserError as error:
            fail(str(error))
        except KeyboardInterrupt:
            # Outside training (which checkpoints first): every file is written atomically, so nothing is half-written.
            print("stopped: interrupted (SIGINT); no file was left half-written, rerun the same command to "
                  "continue.", file=sys.stderr)
            sys.exit(128 + signal.SIGINT)
        except Exception as error:
            # Disk full, read-only or vanished folders found mid-run: the environment, not a bug.
            if not _is_file_system_error(error):
                raise
            fail(f"could not write or read a file ({_first_line(error)}); free space or fix the folder's "
                 "permissions, then rerun the same command.")

    app.run(guarded)


def _is_file_system_error(error):
    """OSError, or TensorFlow's errors for the same causes (tf.io.gfile raises those)."""
    if isinstance(error, OSError):
        return True
    tensorflow = sys.modules.get("tensorflow")
    file_errors = ("ResourceExhaustedError", "PermissionDeniedError", "NotFoundError", "FailedPreconditionError")
    return tensorflow is not None and isinstance(error, tuple(getattr(tensorflow.errors, name) for name in file_errors))


def _first_line(error):
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0][:300]


def _show_tool_flags_in_help(main):
    # absl's --help lists the flags of the program's main module (bin/<tool> or
    # a console script); the tool's flags are defined in its cli module.
    for flag in flags.FLAGS.get_key_flags_for_module(main.__module__):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def _field_default(field):
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory()


def _plain_type(hint):
    """int, float, bool, str or tuple for a field's type hint (Optional[X] -> X)."""
    arguments = [argument for argument in typing.get_args(hint) if argument is not type(None)]
    origin = typing.get_origin(hint)
    if origin is typing.Union and len(arguments) == 1:
        return _plain_type(arguments[0])
    if origin in (tuple, list) or hint in (tuple, list):
        return tuple
    return hint


def _define(name, kind, default, help_text, choices, module):
    if kind is bool:
        flags.DEFINE_bool(name, default, help_text, module_name=module)
    elif kind is int:
        flags.DEFINE_integer(name, default, help_text, module_name=module)
    elif kind is float:
        flags.DEFINE_float(name, default, help_text, module_name=module)
    elif kind is tuple:
        flags.DEFINE_list(name, list(default) if default is not None else None, help_text, module_name=module)
    elif choices:
        flags.DEFINE_enum(name, default, list(choices), help_text, module_name=module)
    else:  # strings, and values a field parses itself (e.g. a seed that may be "study")
        flags.DEFINE_string(name, None if default is None else str(default), help_text, module_name=module)
