// What every test-bed /init does before and after its own work: mount the pseudo filesystems,
// make sure fds 0-2 are the console, and power the machine off (QEMU -no-reboot then exits).
// Header-only; e2e/build-init.sh rebuilds an /init when this file changes.
#pragma once

#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace init {

[[noreturn]] inline void power_off()
{
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

// The kernel starts /init with fds 0-2 on /dev/console only if the initramfs has that node;
// reopen it from devtmpfs so output is never lost.
inline void ensure_console()
{
    if (fcntl(1, F_GETFD) != -1)
        return;
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

// proc, sysfs and devtmpfs (EBUSY when the kernel mounted it already: fine), then the console.
inline void setup()
{
    mkdir("/proc", 0755);
    mkdir("/sys", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, nullptr);
    mount("sysfs", "/sys", "sysfs", 0, nullptr);
    mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
    ensure_console();
}

// Runs every command line of `path` (argv split on spaces, # comments) with its output on the
// console and prints "RUN-RC <rc> <command>" after each. A missing file runs nothing.
inline void run_list(const char* path)
{
    std::ifstream list(path);
    std::string line;
    while (std::getline(list, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::vector<std::string> args;
        std::istringstream ss(line);
        for (std::string a; ss >> a;)
            args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        std::fflush(stdout);
        const pid_t pid = fork();
        if (pid == 0) {
            execv(argv[0], argv.data());
            std::perror(argv[0]);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::printf("RUN-RC %d %s\n", rc, line.c_str());
        std::fflush(stdout);
    }
}

} // namespace init
