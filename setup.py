"""Build the Cython extensions: the version core `lockaudit._fastcmp` and the
page loops `lockaudit.index._fastpage`.

A failed C build is an error, never a silent pure-Python install: the test
suite also fails when the compiled module does not load (see tests/core).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "lockaudit._fastcmp",
        ["lockaudit/_fastcmp.pyx"],
        extra_compile_args=["-O3"],
    ),
    Extension(
        "lockaudit.index._fastpage",
        ["lockaudit/index/_fastpage.pyx"],
        extra_compile_args=["-O3"],
    ),
]

setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )
)
