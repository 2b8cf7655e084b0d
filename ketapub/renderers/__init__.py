"""Built-in renderers.

Each registers through the ``ketapub.renderers`` entry-point group, exactly as a third-party
renderer would; ``ketapub.renderers.jsonfeed`` is the worked example for plugin authors.
"""
