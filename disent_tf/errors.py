"""Errors a user can cause and fix: the entry points print them as one sentence."""


class UserError(ValueError):
    """Bad input from the user (flag, name, file, shape): the message says what to do."""


class MissingFileError(UserError, FileNotFoundError):
    """A data or model file the user must supply is not where we looked."""
