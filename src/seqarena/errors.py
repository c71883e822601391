"""The one exception type for bad user input: the CLI prints it as one line and exits 2."""


class InputError(ValueError):
    """Bad input from the user (a flag, a file, a spec field). The message names where and what."""


class FieldError(InputError):
    """A bad value of one named field (a spec key, a hyperparameter, a config field). `field` and
    `what` are kept apart so a spec loader can put the field's file and line in front."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"{field} {what}")
        self.field, self.what = field, what
