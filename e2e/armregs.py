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


def fabricated_clidr(ctr, mte=False):
    """The CLIDR_EL1 a 6.3+ kernel makes up for its guests from the sanitised CTR_EL0
    (reset_clidr, arch/arm64/kvm/sys_regs.c): with IDC a unified cache at LoC (level 1 with
    DIC, else 2), else an L1 data cache that is LoUU, LoUIS and LoC; an L1 instruction cache
    unless DIC; with MTE the tags unified with the LoC cache."""
    idc, dic = (ctr >> 28) & 1, (ctr >> 29) & 1
    if idc:
        loc = 1 if dic else 2
        clidr = 4 << (3 * (loc - 1))
    else:
        loc = 1
        clidr = (1 << 27) | (1 << 21) | 2
    if not dic:
        clidr |= 1
    clidr |= loc << 24
    if mte:
        clidr |= 2 << (33 + 2 * (loc - 1))
    return clidr
