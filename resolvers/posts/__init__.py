"""The post domain (the village feed): policy, loaders, queries, mutations, messages."""

from resolvers.posts import messages  # noqa: F401  (registers the domain's error messages)
