// Smoke-test /init for an emulated arm64 host: proves that the guest kernel offers KVM and
// that cache ID registers can be read through ONE_REG. Build: e2e/build-init.sh.
// Prints one "SMOKE {json}" line, then powers the machine off (QEMU -no-reboot then exits).
#include <asm/kvm.h>
#include <linux/kvm.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "init-common.h"

namespace {

constexpr uint64_t kClidr = 0x603000000013c801ULL;
constexpr uint64_t kCtr = 0x603000000013d801ULL;
constexpr uint64_t kMidr = 0x603000000013c000ULL;
constexpr uint64_t kMmfr2 = 0x603000000013c03aULL;
constexpr uint64_t kDemuxCcsidr = 0x6020000000110000ULL; // | csselr, 32-bit values

[[noreturn]] void fail(const char* what)
{
    printf("SMOKE {\"ok\":false,\"step\":\"%s\",\"errno\":%d,\"error\":\"%s\"}\n", what, errno,
           strerror(errno));
    init::power_off();
}

// Debian builds KVM in, but fetch-kernels.sh copies kvm.ko and its deps to /lib/modules
// (numbered in load order) when a kernel has it as a module.
void load_modules()
{
    DIR* d = opendir("/lib/modules");
    if (!d)
        return;
    std::vector<std::string> names;
    while (dirent* e = readdir(d))
        if (strstr(e->d_name, ".ko"))
            names.emplace_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        std::string p = "/lib/modules/" + n;
        int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
            printf("smoke: loading %s: %s\n", n.c_str(), strerror(errno));
        if (fd >= 0)
            close(fd);
    }
}

bool get_reg(int vcpu, uint64_t id, uint64_t* val)
{
    *val = 0;
    kvm_one_reg r{};
    r.id = id;
    r.addr = reinterpret_cast<uint64_t>(val);
    return ioctl(vcpu, KVM_GET_ONE_REG, &r) == 0;
}

double uptime_s()
{
    timespec ts{};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

} // namespace

int main()
{
    init::setup();
    setvbuf(stdout, nullptr, _IOLBF, 0);
    double t_init = uptime_s();

    if (access("/dev/kvm", F_OK) != 0)
        load_modules();
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        fail("open /dev/kvm");
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    int ipa = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
    // Type 0 asks for a 40-bit IPA space, which hosts with a smaller PARange (e.g. 36 bits)
    // refuse; ask for the host limit then.
    unsigned long type = (ipa > 0 && ipa < 40) ? KVM_VM_TYPE_ARM_IPA_SIZE(ipa) : 0;
    int vm = ioctl(kvm, KVM_CREATE_VM, type);
    if (vm < 0)
        fail("KVM_CREATE_VM");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        fail("KVM_CREATE_VCPU");
    kvm_vcpu_init init{};
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) != 0)
        fail("KVM_ARM_PREFERRED_TARGET");
    if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) != 0)
        fail("KVM_ARM_VCPU_INIT");

    uint64_t clidr, ctr, midr, mmfr2;
    if (!get_reg(vcpu, kClidr, &clidr))
        fail("GET_ONE_REG CLIDR_EL1");
    get_reg(vcpu, kCtr, &ctr);
    get_reg(vcpu, kMidr, &midr);
    get_reg(vcpu, kMmfr2, &mmfr2);

    // DEMUX CCSIDR: an unreadable selector (ENOENT on <= 6.2 hosts) is printed as null.
    std::string cc;
    for (unsigned sel = 0; sel < 14; sel++) {
        uint32_t v = 0;
        kvm_one_reg r{};
        r.id = kDemuxCcsidr | sel;
        r.addr = reinterpret_cast<uint64_t>(&v);
        char buf[24];
        if (ioctl(vcpu, KVM_GET_ONE_REG, &r) == 0)
            snprintf(buf, sizeof buf, "\"0x%x\"", v);
        else
            snprintf(buf, sizeof buf, "null");
        cc += (sel ? "," : "") + std::string(buf);
    }

    char rel[128] = "";
    if (FILE* f = fopen("/proc/sys/kernel/osrelease", "r")) {
        if (fgets(rel, sizeof rel, f))
            rel[strcspn(rel, "\n")] = 0;
        fclose(f);
    }
    printf("SMOKE {\"ok\":true,\"kernel\":\"%s\",\"api\":%d,\"ipa_size\":%d,\"target\":%u,"
           "\"clidr\":\"0x%llx\",\"ctr\":\"0x%llx\",\"midr\":\"0x%llx\",\"mmfr2\":\"0x%llx\","
           "\"ccsidr\":[%s],\"init_at_s\":%.3f,\"done_at_s\":%.3f}\n",
           rel, api, ipa, init.target, (unsigned long long)clidr, (unsigned long long)ctr,
           (unsigned long long)midr, (unsigned long long)mmfr2, cc.c_str(), t_init, uptime_s());
    init::power_off();
}
