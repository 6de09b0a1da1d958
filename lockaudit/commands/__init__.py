"""One module per subcommand: ``add_parser(subparsers)`` and ``run(args) -> int``.

``lockaudit/cli.py`` composes them; nothing here is imported by the library.
"""
