"""lock_command: the command line a lock's header quotes, one function for the CLI and the service."""

from __future__ import annotations

from lockaudit.inputs.selection import Selection
from lockaudit.resolve import lock_command


def test_inputs_alone() -> None:
    assert lock_command(["requirements.in"]) == "lockaudit lock requirements.in"


def test_every_flag_in_order_as_given() -> None:
    command = lock_command(
        ["pyproject.toml", "constraints.txt"],
        python="3.11",
        platform="linux",
        as_of="2025-01-31",
        prereleases=True,
        selection=Selection(("Fast", "docs"), ("test",), all_extras=True, all_groups=True),
        output="requirements.lock",
    )
    assert command == (
        "lockaudit lock pyproject.toml constraints.txt --python 3.11 --platform linux --as-of 2025-01-31 --pre "
        "--extra=Fast --extra=docs --group=test --all-extras --all-groups -o requirements.lock"
    )


def test_unset_values_leave_their_flags_out() -> None:
    assert lock_command(["r.in"], python=None, platform="", prereleases=False) == "lockaudit lock r.in"
    assert lock_command(["r.in"], prereleases=None, selection=Selection()) == "lockaudit lock r.in"
