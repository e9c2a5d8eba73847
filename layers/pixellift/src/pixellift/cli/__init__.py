"""The ``pixellift`` command line."""
