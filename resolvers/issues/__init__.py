"""The issue domain: lifecycle, policy, queries, mutations, live topic, messages."""

from resolvers.issues import messages  # noqa: F401  (registers the domain's error messages)
