"""Target environments: marker values, Requires-Python, wheel tags."""

from __future__ import annotations

import pytest
from packaging.markers import default_environment
from packaging.tags import Tag, sys_tags

from lockaudit.findings import Target
from lockaudit.resolve.environment import Environment


def test_default_is_the_running_interpreter() -> None:
    env = Environment.for_target()
    assert dict(env.markers) == default_environment()
    assert env.tags == tuple(sys_tags())
    assert env.python_version == default_environment()["python_full_version"]


@pytest.mark.parametrize(
    ("target", "markers", "present", "absent"),
    [
        (
            Target("3.11", "linux"),
            {
                "python_version": "3.11",
                "python_full_version": "3.11.0",
                "sys_platform": "linux",
                "platform_system": "Linux",
            },
            [
                "cp311-cp311-manylinux_2_28_x86_64",
                "cp311-abi3-manylinux2014_x86_64",
                "py3-none-any",
                "cp39-abi3-manylinux1_x86_64",
            ],
            [
                "cp311-cp311-manylinux_2_31_x86_64",
                "cp311-cp311-musllinux_1_2_x86_64",
                "cp311-cp311-linux_x86_64",
                "cp312-cp312-manylinux_2_17_x86_64",
            ],
        ),
        (
            Target("3.12.4", "windows"),
            {"python_version": "3.12", "python_full_version": "3.12.4", "sys_platform": "win32", "os_name": "nt"},
            ["cp312-cp312-win_amd64", "py3-none-any", "py312-none-any"],
            ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win32"],
        ),
        (
            Target("3.13", "macos"),
            {"python_version": "3.13", "sys_platform": "darwin", "platform_machine": "arm64"},
            ["cp313-cp313-macosx_12_0_arm64", "cp313-cp313-macosx_11_0_universal2", "py3-none-any"],
            ["cp313-cp313-macosx_13_0_arm64", "cp313-cp313-macosx_12_0_x86_64"],
        ),
    ],
)
def test_fixed_targets(target: Target, markers: dict[str, str], present: list[str], absent: list[str]) -> None:
    env = Environment.for_target(target)
    for key, value in markers.items():
        assert env.markers[key] == value, key
    tags = set(env.tags)
    for text in present:
        assert Tag(*text.split("-")) in tags, text
    for text in absent:
        assert Tag(*text.split("-")) not in tags, text


def test_questions() -> None:
    env = Environment.for_target(Target("3.11", "linux"))
    assert env.evaluate(None) and env.evaluate("")
    assert env.evaluate('python_version < "3.12" and sys_platform == "linux"')
    assert not env.evaluate('extra == "x"') and env.evaluate('extra == "x"', "x")
    assert not env.evaluate("this is not a marker")
    assert env.python_ok(None) and env.python_ok(">=3.8") and not env.python_ok(">=3.12")
    assert env.python_ok(">=3.6.*")  # invalid: ignored, as pip and uv do
    assert env.wheel_ok("a-1.0-py3-none-any.whl") and env.wheel_ok("a-1.0-1build-cp311-cp311-manylinux2014_x86_64.whl")
    assert not env.wheel_ok("a-1.0-cp312-cp312-manylinux2014_x86_64.whl") and not env.wheel_ok("broken.whl")
    assert env.label == "Python 3.11 on linux"


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="'solaris'"):
        Target("3.11", "solaris")
    with pytest.raises(ValueError, match="'3'"):
        Target("3")
