"""numba, imported without its look for a BLAS.

numba's array functions, loaded at a process's first compiled call, look for a BLAS by
importing scipy.linalg: 0.2 s in every process that calls one (scipy is installed, for
mlcroissant in the tests). No compiled function here does linear algebra, so numba's
array functions are imported once here with scipy made unimportable, and it is restored.
"""

import sys

_ABSENT = "scipy" not in sys.modules
if _ABSENT:
    sys.modules["scipy"] = None  # its import fails at once
try:
    import numba.np.arraymath  # noqa: F401  (decides, on import, that there is no BLAS)
finally:
    if _ABSENT:
        del sys.modules["scipy"]

import numba  # noqa: E402

__all__ = ["numba"]
