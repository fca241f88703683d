"""The village domain: profiles and committees (policy, loaders, queries, mutations, messages)."""

from resolvers.villages import messages  # noqa: F401  (registers the domain's error messages)
