"""The dashboards domain: a region's statistics (queries) and their live pushes (live)."""

from resolvers.dashboards import messages  # noqa: F401  (registers the domain's error messages)
