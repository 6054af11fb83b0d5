// A static /init that mounts the pseudo filesystems, runs every command
// line of /run.list (argv split on spaces) with its output on the console,
// prints "RUN-RC <rc> <command>" after each, and powers off. Lets the test
// bed run any program (the kernel selftest, armcache) inside the
// emulated host without a shell.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "init-common.h"

int main() {
  init::setup();
  std::ifstream list("/run.list");
  std::string line;
  while (std::getline(list, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> args;
    std::istringstream ss(line);
    for (std::string a; ss >> a;) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
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
  init::power_off();
}
