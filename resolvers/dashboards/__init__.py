"""The dashboards domain: a region's statistics (queries), their live pushes (live), and the
exports of its issues (exports) and the leaders' page (page)."""

from resolvers.dashboards import messages  # noqa: F401  (registers the domain's error messages)
