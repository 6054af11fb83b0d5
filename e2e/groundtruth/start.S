// Entry for the bare EL1 ground-truth reader: QEMU virt jumps here with the MMU off.
    .section .text.start, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0        // so an UNDEFINED sysreg read reports instead of hanging
    isb
    bl      main
    b       semihost_exit       // main's return value is the exit status

// semihost_exit(status): SYS_EXIT (0x18) with the AArch64 parameter block
// {ADP_Stopped_ApplicationExit, status} so QEMU exits with that status.
    .global semihost_exit
semihost_exit:
    sub     sp, sp, #16
    mov     x1, #0x0026
    movk    x1, #0x2, lsl #16
    str     x1, [sp]
    str     x0, [sp, #8]
    mov     x1, sp
    mov     w0, #0x18
    hlt     #0xf000
1:  b       1b

// Every vector goes to the same C handler; only synchronous faults are expected.
    .balign 2048
vectors:
    .rept 16
    .balign 128
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    b       on_exception
    .endr
