"""NarrateError: a failure meant for users, shown as one sentence with a non-zero exit."""


class NarrateError(Exception):
    """A problem the user can fix; str(error) is one clear sentence, shown without a traceback."""

    exit_code = 1


class InputError(NarrateError):
    """The input article cannot be read or holds nothing to say."""

    exit_code = 2


class InputWarning(UserWarning):
    """Something in the input was ignored (a front-matter field that cannot be used...); str(warning) is one sentence."""


class SettingsNote(UserWarning):
    """Something about the show's settings a listener or a podcast directory would notice (a placeholder title, a
    feed only this machine can open); str(note) is one sentence. Publishing goes on."""
