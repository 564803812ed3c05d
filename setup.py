"""The optional compiled scanners (``clpkit._native``, sources in ``lib/native/``).

Everything else about the package is in pyproject.toml. The extension is
optional: where no C compiler is found the install still succeeds and clpkit
parses with polars expressions alone (slower; ``clpkit.native.available()``
says which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "clpkit._native",
            sources=[f"lib/native/{name}.c" for name in ("module", "stats", "text", "syslog", "modlog")],
            depends=[f"lib/native/{name}.h" for name in ("arrow", "civil", "lines")],
            extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-unused-function"],
            optional=True,
        )
    ]
)
