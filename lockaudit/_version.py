"""lockaudit's version, where every module reads it (``lockaudit.__version__`` re-exports
it): importing it never imports the package's public face."""

__version__ = "0.1.0"
