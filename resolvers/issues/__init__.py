"""Issues (tickets): lifecycle rules, loaders, queries, mutations, photos, the overdue sweep."""
