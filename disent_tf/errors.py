"""Errors a user can cause and fix: the entry points print them as one sentence."""


class UserError(ValueError):
    """Bad input from the user (flag, name, file, shape): the message says what to do."""


class MissingFileError(UserError, FileNotFoundError):
    """A data or model file the user must supply is not where we looked."""


class Interrupted(UserError):
    """SIGINT or SIGTERM stopped long work cleanly; the entry point exits with 128 + signum."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum
