"""One router per topic: audit, check, resolve, versions (and match), diff, health."""
