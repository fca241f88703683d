"""Cross-cutting pieces: settings, database, identity, permissions, errors, paging, storage."""
