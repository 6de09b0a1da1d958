"""pip's requirements-file options (pip/_internal/req/req_file.py, SUPPORTED_OPTIONS +
SUPPORTED_OPTIONS_REQ): which there are, how pip's optparse reads them from a
line's words, the checks its callbacks make, and what the options of a file
add up to (:class:`IndexState`, frozen into :class:`lockaudit.model.IndexOptions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from packaging.utils import canonicalize_name

from ..model import IndexOptions
from ._requirements_lexer import Report, Word

__all__ = ["PER_REQUIREMENT", "STRONG_HASHES", "IndexState", "Option", "apply_file_option", "read_options"]

STRONG_HASHES = ("sha256", "sha384", "sha512")

# name -> (canonical name, takes a value).
_OPTIONS: dict[str, tuple[str, bool]] = {
    "-i": ("--index-url", True),
    "--index-url": ("--index-url", True),
    "--pypi-url": ("--index-url", True),
    "--extra-index-url": ("--extra-index-url", True),
    "--no-index": ("--no-index", False),
    "-c": ("--constraint", True),
    "--constraint": ("--constraint", True),
    "-r": ("--requirement", True),
    "--requirement": ("--requirement", True),
    "-e": ("--editable", True),
    "--editable": ("--editable", True),
    "-f": ("--find-links", True),
    "--find-links": ("--find-links", True),
    "--no-binary": ("--no-binary", True),
    "--only-binary": ("--only-binary", True),
    "--prefer-binary": ("--prefer-binary", False),
    "--require-hashes": ("--require-hashes", False),
    "--no-require-hashes": ("--no-require-hashes", False),
    "--pre": ("--pre", False),
    "--all-releases": ("--all-releases", True),
    "--only-final": ("--only-final", True),
    "--trusted-host": ("--trusted-host", True),
    "--use-feature": ("--use-feature", True),
    "--hash": ("--hash", True),
    "-C": ("--config-settings", True),
    "--config-settings": ("--config-settings", True),
}
#: The options that belong to the requirement on their line (all others are ignored there).
PER_REQUIREMENT = frozenset({"--hash", "--config-settings"})
_LONG = sorted(k for k in _OPTIONS if k.startswith("--"))
#: pip's --use-feature choices (the features it knows, and those now always on).
_FEATURES = (
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
)


class Option(NamedTuple):
    name: str  # canonical: "--index-url" for -i
    value: str  # "" for a flag
    start: int
    end: int
    vstart: int  # where the value starts


@dataclass
class IndexState:
    """Mutable twin of IndexOptions while files are read."""

    index_url: str | None = None
    extra: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    trusted: list[str] = field(default_factory=list)
    no_index: bool = False
    pre: bool = False
    only_binary: list[str] = field(default_factory=list)
    no_binary: list[str] = field(default_factory=list)
    prefer_binary: bool = False
    require_hashes: bool = False

    def freeze(self) -> IndexOptions:
        return IndexOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(dict.fromkeys(self.extra)),
            find_links=tuple(dict.fromkeys(self.find_links)),
            trusted_hosts=tuple(dict.fromkeys(self.trusted)),
            no_index=self.no_index,
            pre=self.pre,
            only_binary=tuple(dict.fromkeys(self.only_binary)),
            no_binary=tuple(dict.fromkeys(self.no_binary)),
            prefer_binary=self.prefer_binary,
            require_hashes=self.require_hashes,
        )


def read_options(tokens: list[Word], report: Report) -> tuple[list[Option], list[Word]] | None:
    """The options in a line's words, read as pip's optparse reads them, and the
    words left over (pip ignores those). None when pip rejects the line (the
    problem is reported)."""
    out: list[Option] = []
    leftover: list[Word] = []
    i = 0
    while i < len(tokens):
        token, s, e = tokens[i]
        i += 1
        if token == "--":  # optparse: the end of the options
            leftover.extend(tokens[i:])
            break
        if not token.startswith("-") or token == "-":
            leftover.append(Word(token, s, e))  # optparse keeps it as an argument; pip ignores those
            continue
        name, value, vstart = token, None, e
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
            vstart = s + len(name) + 1
        elif not token.startswith("--") and len(token) > 2:
            name, value = token[:2], token[2:]
            vstart = s + 2
        spec = _OPTIONS.get(name)
        if spec is None and name.startswith("--"):
            # optparse (pip's parser) accepts any unambiguous prefix of a long option.
            matches = [o for o in _LONG if o.startswith(name)]
            if len(matches) > 1 and len({_OPTIONS[o][0] for o in matches}) > 1:
                report(
                    s,
                    s + len(name),
                    f"ambiguous option {name!r} ({', '.join(matches)})",
                    expected="a pip requirements-file option",
                    code="unknown-option",
                )
                return None
            spec = _OPTIONS[matches[0]] if matches else None
        if spec is None:
            report(
                s,
                s + len(name),
                f"no such option: {name}",
                expected="a pip requirements-file option",
                code="unknown-option",
            )
            return None
        canonical, takes_value = spec
        if takes_value and value is None:
            if i >= len(tokens):
                report(s, e, f"option {canonical} requires 1 argument", expected="a value")
                return None
            value, vstart, e = tokens[i]  # optparse takes the next word, whatever it is
            i += 1
        elif not takes_value and value is not None:
            report(s, e, f"option {canonical} does not take a value")
            return None
        option = Option(canonical, value or "", s, e, vstart)
        if not _valid(option, report):
            return None
        out.append(option)
    return out, leftover


def _valid(o: Option, report: Report) -> bool:
    """The checks pip's option callbacks make (a failed one rejects the line)."""
    if o.name == "--hash":
        return _check_hash(o.value, o.start, o.end, report)
    if o.name == "--config-settings" and "=" not in o.value:
        report(o.vstart, o.end, f"arguments to {o.name} must be of the form KEY=VAL")
        return False
    if o.name in ("--no-binary", "--only-binary", "--all-releases", "--only-final") and o.value.startswith("-"):
        report(o.start, o.end, f"option {o.name} requires 1 argument", expected="a value")
        return False
    if o.name == "--use-feature" and o.value not in _FEATURES:
        report(
            o.vstart,
            o.end,
            f"option --use-feature: invalid choice {o.value!r}",
            expected=", ".join(_FEATURES),
        )
        return False
    return True


def _check_hash(value: str, s: int, e: int, report: Report) -> bool:
    algo, sep, digest = value.partition(":")
    if not sep:
        report(
            s,
            e,
            f"invalid hash {value!r}: pip wants a hash name followed by a value",
            expected="--hash=ALGORITHM:HEXDIGEST",
        )
        return False
    if algo not in STRONG_HASHES:
        report(
            s,
            e,
            f"hash algorithm {algo!r} is not allowed",
            expected=", ".join(STRONG_HASHES),
        )
        return False
    if not digest:  # pip accepts it, and no file will ever match it
        report(
            s, e, f"empty hash {value!r}", expected="--hash=ALGORITHM:HEXDIGEST", severity="warning", code="empty-hash"
        )
    return True


def apply_file_option(option: Option, idx: IndexState, report: Report) -> None:
    """What an option on a line of its own adds to the file's index options."""
    name, value, start, end = option.name, option.value, option.start, option.end
    if name == "--index-url":
        idx.index_url = value
    elif name == "--extra-index-url":
        idx.extra.append(value)
    elif name == "--find-links":
        idx.find_links.append(value)
    elif name == "--trusted-host":
        idx.trusted.append(value)
    elif name == "--no-index":
        idx.no_index = True
    elif name == "--pre":
        idx.pre = True
    elif name == "--prefer-binary":
        idx.prefer_binary = True
    elif name == "--require-hashes":
        idx.require_hashes = True
    elif name in ("--only-binary", "--no-binary"):
        _binary(name, value, idx)
    elif name == "--all-releases" and ":all:" in value.split(","):
        idx.pre = True  # what --pre means
    elif name in PER_REQUIREMENT:
        report(
            start,
            end,
            f"{name} without a requirement on its line: pip ignores it",
            expected="NAME... " + name,
            severity="warning",
            code="ignored-option",
        )
    # --use-feature, --no-require-hashes, --only-final and --all-releases for single
    # packages change how pip installs, not what is required: nothing to keep.


def _binary(name: str, value: str, idx: IndexState) -> None:
    # pip: ":all:" / ":none:" reset the other list, as its fmt_ctl_handle_mutual_exclude does.
    this, other = (idx.only_binary, idx.no_binary) if name == "--only-binary" else (idx.no_binary, idx.only_binary)
    for item in value.split(","):
        item = item.strip()
        if item == ":all:":
            this[:] = [":all:"]
            other.clear()
        elif item == ":none:":
            this.clear()
        elif item:
            item = canonicalize_name(item)
            this.append(item)
            if item in other:
                other.remove(item)
