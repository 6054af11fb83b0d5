// /init for the emulated arm64 host: runs the armcache checks listed in /checks and prints one
// line per check, "ARMCACHE-RESULT {json}", then powers the machine off.
// /checks: one check a line, "NAME ARG...", run as "/armcache ARG..." (no quoting; # comments).
// After them, the command lines of /run.list as e2e/init-run.cpp runs them (none without it).
// Result: {"check":NAME,"rc":N,"wall_s":T,"stdout":<the JSON it printed, or a string>,"stderr":S}
// Build: e2e/build-init.sh (boot.sh runs it for a .cpp).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "init-common.h"

namespace {

double now_s()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::string json_string(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += char(c);
        } else if (c == '\n') {
            o += "\\n";
        } else if (c < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += char(c);
        }
    }
    return o + "\"";
}

std::string slurp(int fd)
{
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        out.append(buf, size_t(n));
    return out;
}

// armcache prints JSON with newlines; JSON strings never contain raw newlines, so dropping
// them keeps it valid and puts the whole result on one console line.
std::string one_line_json(std::string s)
{
    std::string o;
    for (char c : s)
        if (c != '\n' && c != '\r')
            o += c;
    return o;
}

// The end of the kernel log: after a check dies of a signal, the kernel's own line about it
// (debug.exception-trace, enabled in main) says where.
std::string kernel_log_tail(size_t bytes)
{
    std::string buf(1 << 17, '\0');
    int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), int(buf.size()));
    if (n <= 0)
        return "";
    buf.resize(size_t(n));
    return buf.size() > bytes ? buf.substr(buf.size() - bytes) : buf;
}

int run_once(const std::string& name, const std::vector<std::string>& args, bool last_try);

// A check killed by a signal runs once more; the crash is printed first (ARMCACHE-CRASH with
// the kernel log's end) so matrix.py reports it even when the second run passes.
void run_check(const std::string& name, const std::vector<std::string>& args)
{
    int rc = run_once(name, args, false);
    if (rc < 128)
        return;
    printf("ARMCACHE-CRASH {\"check\":%s,\"rc\":%d,\"kmsg\":%s}\n", json_string(name).c_str(), rc,
           json_string(kernel_log_tail(1500)).c_str());
    run_once(name, args, true);
}

int run_once(const std::string& name, const std::vector<std::string>& args, bool last_try)
{
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) {
        printf("ARMCACHE-RESULT {\"check\":%s,\"rc\":-1,\"error\":\"pipe\"}\n", json_string(name).c_str());
        return -1;
    }
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        std::vector<char*> argv{const_cast<char*>("/armcache")};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv("/armcache", argv.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    // stderr is small (one line); read stdout fully first, then stderr.
    std::string so = slurp(out[0]), se = slurp(err[0]);
    close(out[0]);
    close(err[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (!WIFEXITED(status) && !last_try)
        return rc;
    size_t first = so.find_first_not_of(" \n\r\t");
    bool is_json = first != std::string::npos && (so[first] == '{' || so[first] == '[');
    printf("ARMCACHE-RESULT {\"check\":%s,\"rc\":%d,\"wall_s\":%.3f,\"stdout\":%s,\"stderr\":%s}\n",
           json_string(name).c_str(), rc, now_s() - t0,
           is_json ? one_line_json(so).c_str() : json_string(so).c_str(), json_string(se).c_str());
    return rc;
}

} // namespace

int main()
{
    init::setup();
    setvbuf(stdout, nullptr, _IOLBF, 0);
    // Results are long single console lines (kvm replay: ~100 KB); a kernel warning printed in
    // the middle (e.g. "hrtimer: interrupt took ..." under load) would break the JSON. Keep
    // errors and worse (console_loglevel 4) so a panic or oops still shows.
    if (FILE* f = fopen("/proc/sys/kernel/printk", "w")) {
        fputs("4", f);
        fclose(f);
    }
    if (FILE* f = fopen("/proc/sys/debug/exception-trace", "w")) {
        fputs("1", f);
        fclose(f);
    }

    char rel[128] = "";
    if (FILE* f = fopen("/proc/sys/kernel/osrelease", "r")) {
        if (fgets(rel, sizeof rel, f))
            rel[strcspn(rel, "\n")] = 0;
        fclose(f);
    }
    printf("ARMCACHE-BOOT {\"kernel\":%s,\"cpus\":%ld}\n", json_string(rel).c_str(),
           sysconf(_SC_NPROCESSORS_ONLN));

    std::ifstream in("/checks");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream ss(line);
        std::string name, a;
        ss >> name;
        std::vector<std::string> args;
        while (ss >> a)
            args.push_back(a);
        run_check(name, args);
    }
    printf("ARMCACHE-DONE\n");
    // Then the plain commands of /run.list, if any (the demo's nested guest).
    init::run_list("/run.list");
    init::power_off();
}
