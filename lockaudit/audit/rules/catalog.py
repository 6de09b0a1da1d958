"""The rule catalogue: what every code means, how bad it is by default, how to fix it.

Used by ``lockaudit explain CODE`` and for the SARIF rule metadata. Codes are
stable: a code keeps its meaning forever, new rules get new codes.

:func:`semver_jump` and :func:`severity_for_jump` (how drift is graded) live
in :mod:`lockaudit.semver` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ...findings import RuleCode, Severity
from ...semver import Jump, semver_jump, severity_for_jump

__all__ = ["CATALOG", "Jump", "Rule", "explain", "get_rule", "semver_jump", "severity_for_jump"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule's documentation.

    ``name`` is a PascalCase identifier (SARIF ``reportingDescriptor.name``),
    ``title`` one line, ``explanation`` one paragraph, ``example`` an input that
    triggers it and what lockaudit says, ``fix`` what to do about it.
    """

    code: RuleCode
    name: str
    title: str
    default_severity: Severity
    explanation: str
    example: str
    fix: str

    def help_text(self) -> str:
        """Plain text for ``lockaudit explain`` and SARIF ``help.text``."""
        return (
            f"{self.code}: {self.title}\n"
            f"Default severity: {self.default_severity}\n\n"
            f"{self.explanation}\n\n"
            f"Example:\n{_indent(self.example)}\n\n"
            f"How to fix: {self.fix}\n"
        )


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def _rule(code: RuleCode, name: str, title: str, severity: Severity, explanation: str, example: str, fix: str) -> Rule:
    return Rule(code, name, title, severity, " ".join(explanation.split()), example.strip("\n"), " ".join(fix.split()))


_RULES = (
    _rule(
        RuleCode.NO_CONSTRAINT,
        "NoVersionConstraint",
        "Requirement has no version constraint",
        Severity.MEDIUM,
        """A requirement without any version specifier admits every release, including
        future major versions with breaking changes. Only the lock keeps installs
        reproducible; anything that installs from the requirement alone (a fresh
        environment, a library's users, a Dockerfile without the lock) takes whatever is
        newest that day.""",
        """requirements.in:3    requests
    LA001 requests: no version constraint; a fresh install takes 2.32.3 (locked 2.28.1)""",
        """Declare the range you have tested, usually a lower bound at the version you
        need and an upper bound below the next major version: requests>=2.28,<3.""",
    ),
    _rule(
        RuleCode.OPEN_ENDED,
        "OpenEndedRange",
        "Range has no upper bound",
        Severity.LOW,
        """A range with only a lower bound (>=, >) admits every later release, including
        major versions that did not exist when it was written. The finding says how many
        newer major versions the range admits today; each one is an untested upgrade
        that a fresh install takes without warning.""",
        """pyproject.toml:12    "pydantic>=1.10"
    LA002 pydantic: '>=1.10' has no upper bound and admits 1 newer major version today (2.x)""",
        """Add an upper bound below the next major version you have not tested
        (pydantic>=1.10,<2), or raise the lower bound to what you do test and accept the
        open range knowingly (suppress LA002 for that package with a reason).""",
    ),
    _rule(
        RuleCode.DRIFT,
        "LockDrift",
        "A fresh install takes another version than the lock",
        Severity.MEDIUM,
        """A fresh install of the project's inputs today (their fresh resolution on the
        target environment, every requirement of every package taken into account) takes
        another version of a package you declare than the lock pins: a version you never
        tested. A package a parent holds back is not drift. The severity follows the size
        of the jump: a patch jump is low, a minor jump medium, a major jump high; on 0.x
        versions a minor jump counts as major, and a jump across an epoch is always
        major. The finding says how many releases and how many days lie between the two,
        and on which targets when they differ.""",
        """requirements.txt:8   django==4.2.7   (requirements.in: django>=4.2,<6)
    LA003 django: locked 4.2.7, a fresh install takes 5.1.4 (major jump; 23 releases, 410 days newer)""",
        """Upgrade the lock and run your tests (pip-compile --upgrade-package django, uv
        lock -P django, poetry update django), or tighten the declared range to the
        versions you actually test (django>=4.2,<5).""",
    ),
    _rule(
        RuleCode.LOCK_OUTSIDE_RANGE,
        "LockOutsideRange",
        "Locked version no longer satisfies the declared range",
        Severity.HIGH,
        """The version in the lock is not admitted by the range the requirement declares,
        usually because the range was edited without re-locking. Installing from the lock
        installs a version your own requirements forbid, and the next re-lock changes it
        in a way nobody reviewed.""",
        """pyproject.toml:9    "numpy>=2"      poetry.lock: numpy 1.26.4
    LA004 numpy: locked 1.26.4 does not satisfy '>=2'""",
        """Re-lock so the lock agrees with the requirements (pip-compile, uv lock, poetry
        lock), or correct the range if the lock is what you meant.""",
    ),
    _rule(
        RuleCode.PRERELEASE,
        "PreRelease",
        "A pre-release is locked or would be installed",
        Severity.MEDIUM,
        """A pre-release (alpha, beta, release candidate, dev build) is either pinned in
        the lock or is the newest version the range admits, so a fresh install takes it.
        The latter happens when the range itself names a pre-release (>=2.0b1) or when
        pre-releases are enabled (--pre), and also when only pre-releases match.""",
        """requirements.in:4    httpx>=1.0.dev0
    LA005 httpx: a fresh install takes the pre-release 1.0.dev3""",
        """Name a final release in the range (httpx>=0.28,<1), or pin the pre-release
        deliberately and suppress LA005 for it with a reason and an expiry date.""",
    ),
    _rule(
        RuleCode.YANKED,
        "YankedRelease",
        "Locked or newest admissible version is yanked",
        Severity.HIGH,
        """The index marks the release as yanked (PEP 592): its maintainers withdrew it,
        usually because it is broken or insecure. Installers still install a yanked
        version when it is pinned exactly, so a lock keeps installing it silently. If the
        newest admissible version is yanked, resolvers skip it and take an older one. The
        finding quotes the reason the index gives, when it gives one.""",
        """requirements.txt:11   urllib3==2.0.0
    LA006 urllib3: locked 2.0.0 is yanked ("breaks on Python 3.7")""",
        """Re-lock to a version that is not yanked (exclude the yanked one explicitly with
        !=2.0.0 if the resolver keeps picking it).""",
    ),
    _rule(
        RuleCode.REQUIRES_PYTHON_TRAP,
        "RequiresPythonTrap",
        "A release does not support a target Python",
        Severity.MEDIUM,
        """The newest admissible release declares a Requires-Python that excludes one of
        your target Python versions, so on that Python a fresh install silently takes an
        older release (the finding names it) and your environments diverge. Or the locked
        version itself does not support a target Python, so installing the lock there
        fails.""",
        """pyproject.toml:10    "numpy>=1.24"     targets: python 3.9, 3.12
    LA007 numpy: 2.2.1 requires Python >=3.10; on 3.9 a fresh install takes 2.0.2 instead""",
        """Drop the old Python from your targets, or bound the range so every target gets
        the same version (numpy>=1.24,<2.1), or accept the split with a suppression.""",
    ),
    _rule(
        RuleCode.YOUNG_RELEASE,
        "YoungRelease",
        "Newest admissible release is younger than the cooldown",
        Severity.LOW,
        """The release a fresh install would take was published less than the cooldown
        ago (7 days by default). Fresh releases are where regressions and the occasional
        malicious upload are found; waiting a few days lets others find them first. The
        finding says when the release clears the cooldown.""",
        """requirements.in:2    fastapi>=0.110
    LA008 fastapi: 0.115.6 was released 2 days ago; it clears the 7-day cooldown on 2025-01-10""",
        """Wait until it clears, or exclude it for now (fastapi>=0.110,!=0.115.6). Change
        the cooldown with cooldown = "3d" (globally or per package).""",
    ),
    _rule(
        RuleCode.MISREAD_RANGE,
        "MisreadRange",
        "Range probably does not mean what it looks like",
        Severity.LOW,
        """Some range operators are commonly misread: ~=1.4 admits every 1.x from 1.4 on
        (minor upgrades), not only 1.4.x (that is ~=1.4.0); in Poetry and npm ^0.4 means
        >=0.4,<0.5 and ^0.0.3 means exactly 0.0.3; ==2.* admits every 2.x; and a lower
        bound far below the locked version no longer documents what you need. The finding
        says what was probably meant.""",
        """requirements.in:6    attrs~=23.1
    LA009 attrs: '~=23.1' admits every 23.x from 23.1 on; for 23.1.x only write '~=23.1.0'""",
        """Write the range that says what you mean (~=23.1.0, >=0.4,<0.5, or a raised lower
        bound), or suppress LA009 for it if the wide reading is intended.""",
    ),
    _rule(
        RuleCode.HASHES,
        "HashCheck",
        "Lock has no hashes, or a locked hash is unknown to the index",
        Severity.HIGH,
        """Hashes make an install refuse files that are not the ones you locked. A lock
        without hashes gets no such protection (reported at low severity). A locked hash
        that is not among the index's files for that version is worse: the file you
        locked is no longer served, or what is served is not what you locked (reported at
        critical severity); find out which before you install.""",
        """requirements.txt:15   certifi==2024.8.30 --hash=sha256:0f3c...
    LA010 certifi: locked hash sha256:0f3c... is not among the index's files for 2024.8.30""",
        """Lock with hashes (pip-compile --generate-hashes, uv pip compile
        --generate-hashes; poetry and uv locks carry them). For an unknown hash, compare
        the index's files with your lock and re-lock only once you know why they differ.""",
    ),
    _rule(
        RuleCode.LATE_ARTIFACTS,
        "LateArtifacts",
        "Files were added to the locked version after the lock was made",
        Severity.MEDIUM,
        """The index lists files for the locked version that were uploaded after the lock
        was made (for instance a new wheel for a platform). A fresh install on that
        platform takes a file nobody locked or tested; without hashes it installs it
        without complaint, with hashes it fails.""",
        """poetry.lock:210    orjson 3.10.12 (locked 2024-11-20)
    LA011 orjson: 2 files added to 3.10.12 after the lock was made (latest on 2024-12-02)""",
        """Re-lock (with hashes) so the lock lists the files you accept, and check who
        uploaded the late files.""",
    ),
    _rule(
        RuleCode.DEPENDENCY_CHANGE,
        "DependencyChange",
        "Newest admissible release changes its dependencies",
        Severity.LOW,
        """The release a fresh install would take declares different dependencies or a
        different Requires-Python than the locked one: dependencies added or removed, or
        their ranges re-bounded. Upgrading therefore changes more than this one package;
        the finding lists the differences.""",
        """requirements.txt:4    httpx==0.27.2   (fresh install takes 0.28.1)
    LA012 httpx: 0.28.1 removes dependency sniffio""",
        """Review the listed changes before upgrading; re-lock and run your tests with the
        new set of dependencies.""",
    ),
    _rule(
        RuleCode.UNKNOWN,
        "UnknownStatus",
        "Package not found on the index, or the index could not be reached",
        Severity.INFO,
        """lockaudit could not learn the package's release history: the index does not
        know the name (a typo, a private package, a package that was removed) or could not
        be reached. Its status is unknown, and it is reported as unknown, never as fine:
        the run exits with code 3 unless unknowns are allowed (--allow-unknown) or this
        finding is suppressed for the package. The same code reports answers that cannot
        be installed or trusted: a locked version the index does not have (installing the
        lock fails: high) and a project page that lists no files at all (a login page or
        a placeholder: suspicious, medium).""",
        """requirements.in:9    internal-utils>=1.2
    LA013 internal-utils: not found on the index; status unknown""",
        """Point lockaudit at the index that serves the package (--index-url), fix the
        name, or suppress LA013 for it with a reason.""",
    ),
    _rule(
        RuleCode.ENVIRONMENT_DIVERGENCE,
        "EnvironmentDivergence",
        "Target environments get different versions",
        Severity.LOW,
        """A requirement's markers select it on some target environments but not others,
        or the newest admissible version differs between targets (through markers,
        Requires-Python or platform wheels). The environments you deploy to then run
        different code than the one you test in.""",
        """pyproject.toml:14    "uvloop>=0.19; sys_platform != 'win32'"   targets: linux, win32
    LA014 uvloop: installed on linux (0.21.0), not on win32""",
        """Test on each target, or align the versions (bound the range so all targets get
        the same release).""",
    ),
    _rule(
        RuleCode.NOT_FROM_INDEX,
        "NotFromIndex",
        "Package does not come from the index",
        Severity.INFO,
        """The package is installed from a URL, a local path, a VCS checkout or as an
        editable install, so there is no release history to compare with: lockaudit
        cannot audit it for drift. This is information, so you know what is not covered.""",
        """requirements.txt:20   mylib @ git+https://example.org/acme/mylib@v1.4
    LA015 mylib: installed from VCS; not audited for drift""",
        """Nothing to fix. Publish the package to an index you audit against if you want
        it covered.""",
    ),
    _rule(
        RuleCode.EXPIRED_SUPPRESSION,
        "ExpiredSuppression",
        "A suppression has passed its expiry date",
        Severity.LOW,
        """A [[tool.lockaudit.suppress]] entry has an until date that has passed. It no
        longer applies, so the findings it covered are reported again, and this finding
        points at the entry so it is reviewed rather than forgotten.""",
        """pyproject.toml    [[tool.lockaudit.suppress]] code = "LA003", package = "django", until = 2025-01-31
    LA016 django: suppression of LA003 expired on 2025-01-31 (reason: "waiting for 5.x support")""",
        """Fix what it suppressed, or renew it with a new until date and a reason that is
        still true; delete it if it no longer matches anything.""",
    ),
    _rule(
        RuleCode.LOCK_INCONSISTENT,
        "LockInconsistent",
        "Lock does not satisfy its inputs or is not closed",
        Severity.HIGH,
        """Installing exactly what the lock says does not give what the inputs ask for:
        a requested package is missing from the lock or locked at a version its range
        excludes, or the lock is not closed: a locked release depends on a package the
        lock does not have, or on a range that excludes the locked version, or does not
        support the target Python. Dependencies are read from each locked release's own
        metadata, with markers and extras evaluated for the target environment. The
        finding names the package that requires it and the top-level requirement that
        pulls it in. Locked packages that nothing requires for the target are reported
        at info severity. Only a lock is held to this: a project without one has nothing
        missing from it, and a file of pins written by hand (no tool's header, no `# via`
        lines, no hashes) does not claim to pin everything: what it leaves out a fresh
        install takes unpinned (its rows say "unlocked").""",
        """requirements.lock:41   requests==2.32.3     (urllib3 not in the lock)
    LA017 urllib3: required by requests 2.32.3 (urllib3<3,>=1.21.1) but missing from the lock""",
        """Re-lock from the inputs (lockaudit lock, pip-compile, uv pip compile, uv lock,
        poetry lock) instead of editing the lock by hand, and commit the inputs and the
        lock together.""",
    ),
    _rule(
        RuleCode.TRANSITIVE_DRIFT,
        "TransitiveDrift",
        "A fresh install would change, add or drop a pulled-in package",
        Severity.MEDIUM,
        """Resolving the inputs afresh today (or as of a given date) picks different
        versions than the lock: packages deep in the dependency tree move even when every
        top-level pin stays, and packages appear or disappear. Each change is graded by
        its semver size like LA003 (patch low, minor medium, major high); a package a
        fresh install adds, which nobody tested with this lock, is high, one it no longer
        installs low. Each names the top-level requirements that pull the package in. A
        fresh resolution that fails altogether is reported at high severity with the
        conflict's explanation.""",
        """requirements.in:3    fastapi[standard]      (requirements.lock: starlette==0.41.3)
    LA018 starlette: locked 0.41.3, a fresh resolution takes 0.46.1 (major; pulled in by fastapi[standard] (requirements.in:3))""",  # noqa: E501 (an output line as the CLI prints it)
        """Re-lock and run your tests to take the changes knowingly, or constrain the
        transitive package (a -c constraints file, or a bound in your requirements) if it
        must not move.""",
    ),
    _rule(
        RuleCode.DEPENDENCIES_UNKNOWN,
        "DependenciesUnknown",
        "A release's dependencies could not be read",
        Severity.INFO,
        """The release ships only a source distribution whose metadata is not reliable
        (metadata older than 2.2, or dependencies marked dynamic) and the index offers no
        metadata for it, or its metadata could not be fetched. Its dependencies are
        unknown: lockaudit does not guess them and cannot check the lock or the
        resolution below this package.""",
        """requirements.lock:12   legacy-tool==0.9
    LA019 legacy-tool: the dependencies of 0.9 are unknown (sdist only; its metadata is not reliable)""",
        """Ask the maintainers to publish wheels (or an sdist with Metadata 2.2), pin a
        release that has them, or suppress LA019 for the package once you have checked
        its dependencies yourself.""",
    ),
    _rule(
        RuleCode.API_DEFAULT_CHANGED,
        "ApiDefaultChanged",
        "An upgrade changes the default value of public parameters",
        Severity.MEDIUM,
        """Read statically from the locked and the fresh wheel (never imported): a public
        function or constructor keeps its parameter but now uses another default. Code
        that relies on the default silently changes behaviour: nothing fails, the result
        differs. Runs for upgrades of minor size and up (api-changes = "patch" in the
        policy includes patch upgrades). Defaults that are hard to read are labelled low
        confidence: a change to None (often "inherit the setting") and one named marker or
        constant replaced by another; a stub's "..." is never compared. The finding
        counts the changes and names the first; the JSON and SARIF reports list them all,
        lockaudit diff PACKAGE OLD NEW shows the whole diff.""",
        """requirements.txt:5    werkzeug==2.2.3   (fresh install takes 3.1.9)
    LA021 werkzeug: 3 defaults changed from 2.2.3 to 3.1.9: security.generate_password_hash(method) 'pbkdf2:sha256' -> 'scrypt', ...""",  # noqa: E501 (an output line as the CLI prints it)
        """Pass the values you rely on explicitly (generate_password_hash(pw,
        method="pbkdf2:sha256")) before upgrading, or pin below the release that changed
        them; suppress LA021 for the package once you have checked each call.""",
    ),
    _rule(
        RuleCode.API_REMOVED,
        "ApiRemoved",
        "An upgrade removes or renames public objects or parameters",
        Severity.MEDIUM,
        """A public name (listed in __all__, or without a leading underscore, not in tests or
        vendored code) of the locked version is gone from the fresh one: removed, renamed,
        or only importable from elsewhere now; or a public function lost a parameter, or
        it was renamed; or an object changed kind (a method became a property). Code using
        it fails with ImportError, AttributeError or TypeError after the upgrade. Names a
        module __getattr__ still serves, members that may now be inherited from a base
        class outside the package, and names rebound to builtins are left out as noise.""",
        """requirements.txt:7    httpx==0.23.0   (fresh install takes 0.28.1)
    LA022 httpx: 27 removals or renames from 0.23.0 to 0.28.1: Client(app) removed, Client(proxies) removed, ...""",
        """Move the code to the replacements before upgrading (the release notes name
        them), or pin below the release that removed them.""",
    ),
    _rule(
        RuleCode.API_SIGNATURE_CHANGED,
        "ApiSignatureChanged",
        "An upgrade moves public parameters or makes them keyword-only or required",
        Severity.MEDIUM,
        """A public function or constructor keeps a parameter but calls that worked may
        not: it moved to another position (positional calls now pass values to the wrong
        parameter), became keyword-only or positional-only, lost its default (now
        required), or a new required parameter was added.""",
        """requirements.txt:7    httpx==0.23.0   (fresh install takes 0.28.1)
    LA023 httpx: 10 signature changes from 0.23.0 to 0.28.1: HTTPTransport(trust_env) moved from position 5 to 2, ...""",  # noqa: E501 (an output line as the CLI prints it)
        """Call the functions with keyword arguments, and pass the newly required ones,
        before upgrading.""",
    ),
    _rule(
        RuleCode.API_DEPRECATION,
        "ApiDeprecation",
        "An upgrade deprecates public functions you may use",
        Severity.LOW,
        """A public function, method or class of the fresh release warns of its own
        deprecation (warnings.warn with DeprecationWarning, PendingDeprecationWarning or
        FutureWarning, a deprecation helper, or a @deprecated decorator) where the locked
        one did not, or a name is now served only by a module __getattr__ that warns.
        Tests that turn warnings into errors fail; the next release may remove it. Found
        statically in the wheel's source; the message is quoted.""",
        """requirements.txt:3    requests==2.28.0   (fresh install takes 2.32.3)
    LA024 requests: 1 new deprecation from 2.28.0 to 2.32.3: adapters.HTTPAdapter.get_connection now warns: `get_connection` has been deprecated in favor of `get_connection_with_tls_context` ...""",  # noqa: E501 (an output line as the CLI prints it)
        """Move to the replacement the warning names; run your tests with -W
        error::DeprecationWarning to find the calls.""",
    ),
    _rule(
        RuleCode.API_DISTRIBUTION_CHANGED,
        "DistributionChanged",
        "An upgrade removes public modules or entry points, or changes Requires-Python",
        Severity.MEDIUM,
        """The fresh release's wheel no longer has a public module the locked one had
        (imports of it fail), or drops a console script or plugin entry point, or
        declares another Requires-Python (read from the wheel itself). A finding with
        only a Requires-Python change is low severity.""",
        """requirements.txt:3    requests==2.28.0   (fresh install takes 2.32.3)
    LA025 requests: Requires-Python >=3.7, <4 -> >=3.8 from 2.28.0 to 2.32.3""",
        """Check that your code does not import the removed modules and that no script or
        plugin you use is gone; make sure every target Python is still supported.""",
    ),
    _rule(
        RuleCode.API_UNKNOWN,
        "ApiUnknown",
        "What an upgrade changes in the API is unknown",
        Severity.INFO,
        """lockaudit could not read the API of the locked or the fresh release: a release
        with only an sdist (sources are never built), a wheel that could not be
        downloaded or read, an analysis over its memory or time limits, --offline without
        a cached summary. The API changes are reported as unknown, never as none.""",
        """requirements.txt:9    legacy-tool==0.9   (fresh install takes 1.2)
    LA026 legacy-tool: API changes from 0.9 to 1.2 unknown: legacy-tool 0.9 has only an sdist""",
        """Nothing to fix in your project; suppress LA026 for the package if you have
        reviewed the upgrade some other way. Limits: LOCKAUDIT_API_MEMORY_MB,
        LOCKAUDIT_API_TIMEOUT, LOCKAUDIT_API_MAX_WHEEL_MB.""",
    ),
    _rule(
        RuleCode.UNREADABLE_INPUT,
        "UnreadableInputLine",
        "A line of an input file could not be read",
        Severity.HIGH,
        """A line that pip, uv, Poetry or pipenv would reject (or that lockaudit cannot
        read as its format says) was left out of the audit: whatever it declares or pins
        is neither checked nor installed as written. The rest of the file is read and
        audited; the line is reported at its file, line and column, and counts toward
        --fail-on like any finding. A file that cannot be read at all (missing, not
        valid TOML or JSON) still makes the run exit 2.""",
        """requirements.txt:12:13    numpy==1.26 --hash=md5:abcd
    LA020 requirements.txt: hash algorithm 'md5' is not allowed (expected sha256, sha384, sha512)""",
        """Fix the line as the message says (the caret in the input-problem output points at
        the bad spot), or ignore LA020 for the file if the line is meant for another tool.""",
    ),
)

#: Every rule, by code, in code order.
CATALOG: Mapping[RuleCode, Rule] = MappingProxyType({r.code: r for r in sorted(_RULES, key=lambda r: r.code.value)})


def get_rule(code: str | RuleCode) -> Rule:
    """The rule for ``code`` ("LA003", "la003" or RuleCode.DRIFT); ValueError if unknown."""
    return CATALOG[RuleCode.parse(code)]


def explain(code: str | RuleCode) -> str:
    """The text ``lockaudit explain CODE`` shows."""
    return get_rule(code).help_text()
