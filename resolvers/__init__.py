"""What each query and mutation does, one module per domain; schema/ only declares types."""
