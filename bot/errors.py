"""Errors of the bot layer that callers turn into messages for users."""


class QuestionError(ValueError):
    """A question that cannot be processed (empty or too long); the message is for the user, in Chinese."""
