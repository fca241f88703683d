"""The deputies domain: profiles, QR message-box codes."""

from resolvers.deputies import messages  # noqa: F401  (registers the domain's error messages)
