"""The errors a user's input causes, as opposed to a bug: bad params, no verified MNIST
copy, a corrupt bitstream, an unreadable file, a training that diverged at these settings.

They share one base class, so every command (`qae compress`, each pipeline stage through
`qae.stage.run`) reports them as a message and exit status 1, never as a traceback.
Nothing here can change a number.
"""


class UserError(Exception):
    """Something the user can fix: the message says what and, where it can, how."""
