"""The discussion domain (议事): policy, loaders, queries, mutations, live topic, messages."""

from resolvers.discussions import messages  # noqa: F401  (registers the domain's error messages)
