"""Word lists of `ketapub lint`, one TOML file per language (``en.toml``)."""
