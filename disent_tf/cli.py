"""Shared plumbing for the absl entry points in bin/."""

import sys

from absl import app

from disent_tf.errors import UserError


def run(main):
    """Runs an absl `main`; a UserError ends in one sentence on stderr and exit code 1."""

    def guarded(argv):
        if len(argv) > 1:
            _fail(f"unexpected positional arguments {argv[1:]}; every option is a --flag (see --help).")
        try:
            return main(argv)
        except UserError as error:
            _fail(str(error))

    app.run(guarded)


def _fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
