// Bare EL1 reader of the cache ID registers of a QEMU CPU model: the ground truth that
// a "native cache config" KVM capability must reproduce. Prints one JSON line on the PL011.
#include <stdint.h>

#define UART_DR ((volatile uint32_t *)0x09000000)
#define UART_FR ((volatile uint32_t *)0x09000018)

void semihost_exit(int status) __attribute__((noreturn));

static void putc_(char c)
{
    while (*UART_FR & (1u << 5)) // TXFF: FIFO full
        ;
    *UART_DR = (uint32_t)c;
}

static void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

static void hex(uint64_t v) // "0x..." with no leading zeros, the form the docs use
{
    char buf[19];
    int i = 0;
    puts_("\"0x");
    do {
        buf[i++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    while (i)
        putc_(buf[--i]);
    putc_('"');
}

static void field(const char *name, uint64_t v, int first)
{
    if (!first)
        putc_(',');
    putc_('"');
    puts_(name);
    puts_("\":");
    hex(v);
}

// Sysregs by encoding so the assembler does not need to know FEAT_CCIDX/MTE names.
#define READ(enc) ({ uint64_t v_; __asm__ volatile("mrs %0, " enc : "=r"(v_)); v_; })

static uint64_t ccsidr(uint64_t sel, uint64_t *readback)
{
    __asm__ volatile("msr s3_2_c0_c0_0, %0\n isb" ::"r"(sel)); // CSSELR_EL1
    *readback = READ("s3_2_c0_c0_0");
    return READ("s3_1_c0_c0_0"); // CCSIDR_EL1
}

static uint64_t ccsidr2(uint64_t sel)
{
    __asm__ volatile("msr s3_2_c0_c0_0, %0\n isb" ::"r"(sel));
    return READ("s3_1_c0_c0_2"); // CCSIDR2_EL1, only exists with FEAT_CCIDX
}

static void array(const char *name, const uint64_t *v, int n)
{
    puts_(",\"");
    puts_(name);
    puts_("\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            putc_(',');
        hex(v[i]);
    }
    putc_(']');
}

void on_exception(uint64_t esr, uint64_t elr)
{
    puts_("{\"error\":\"exception\"");
    field("esr", esr, 0);
    field("elr", elr, 0);
    puts_("}\n");
    semihost_exit(2);
}

int main(void)
{
    uint64_t midr = READ("s3_0_c0_c0_0");
    uint64_t ctr = READ("s3_3_c0_c0_1");
    uint64_t clidr = READ("s3_1_c0_c0_1");
    uint64_t mmfr2 = READ("s3_0_c0_c7_2");
    uint64_t pfr1 = READ("s3_0_c0_c4_1");
    uint64_t cc[14], rb[14], tnd[7], tnd_rb[7], cc2[14];
    int ccidx = ((mmfr2 >> 20) & 0xf) == 1;

    // Selector = (Level-1)<<1 | InD, for all 7 levels: undescribed ones are kept too so a
    // consumer can see what the CPU returns for them.
    for (int s = 0; s < 14; s++)
        cc[s] = ccsidr((uint64_t)s, &rb[s]);
    // TnD (bit 4) with InD=0 selects the tag cache of a level (FEAT_MTE2).
    for (int l = 0; l < 7; l++)
        tnd[l] = ccsidr(((uint64_t)l << 1) | (1u << 4), &tnd_rb[l]);
    if (ccidx)
        for (int s = 0; s < 14; s++)
            cc2[s] = ccsidr2((uint64_t)s);

    putc_('{');
    field("midr", midr, 1);
    field("ctr", ctr, 0);
    field("clidr", clidr, 0);
    field("mmfr2", mmfr2, 0);
    field("pfr1", pfr1, 0);
    puts_(ccidx ? ",\"ccidx\":1" : ",\"ccidx\":0");
    array("ccsidr", cc, 14);
    array("csselr_readback", rb, 14);
    array("ccsidr_tnd", tnd, 7);
    array("csselr_tnd_readback", tnd_rb, 7);
    if (ccidx)
        array("ccsidr2", cc2, 14);
    puts_("}\n");
    return 0;
}
