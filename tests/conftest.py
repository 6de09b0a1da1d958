"""Suite-wide settings.

In CI (CI=true) hypothesis runs derandomized: the same examples every run, so a
landing never depends on luck. Locally every run explores new examples.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
