// A static /init that mounts the pseudo filesystems, runs every command
// line of /run.list (argv split on spaces) with its output on the console,
// prints "RUN-RC <rc> <command>" after each, and powers off. Lets the test
// bed run any program (the kernel selftest, armcache) inside the
// emulated host without a shell.
#include "init-common.h"

int main() {
  init::setup();
  init::run_list("/run.list");
  init::power_off();
}
