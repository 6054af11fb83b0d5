"""Register facts the test-bed scripts share (gt2view.py, matrix.py, differential.py).

The C++ library has the same rules (cache/selectors.h, kernel/vcpu_model.h); these scripts check
that library against real kernels, so they keep their own small, independent copy of the two
facts they need.
"""


def described(clidr):
    """CSSELR Level|InD selectors CLIDR's Ctype fields describe, up to the first level without
    a cache, sorted: a data or unified cache gives (n-1)<<1, an instruction cache (n-1)<<1 | 1."""
    sels = []
    for n in range(7):
        ctype = (clidr >> (3 * n)) & 7
        if ctype == 0:
            break
        if ctype in (2, 3, 4):
            sels.append(n << 1)
        if ctype in (1, 3):
            sels.append(n << 1 | 1)
    return sorted(sels)


def sanitised_ctr(ctr, clidr):
    """Linux's system-wide CTR_EL0 for one CPU kind: IDC set when CLIDR makes it effective
    (LoC = 0, or LoUIS = LoUU = 0), TminLine (bits [37:32]) dropped."""
    loc, louis, louu = (clidr >> 24) & 7, (clidr >> 21) & 7, (clidr >> 27) & 7
    if loc == 0 or (louis == 0 and louu == 0):
        ctr |= 1 << 28
    return ctr & ~(0x3F << 32)
