"""The ``matcher`` command line: a thin click layer over ``matcher`` and ``data``."""
