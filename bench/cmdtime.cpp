// cmdtime: times whole commands precisely and side by side.
//
//   cmdtime REPS CMD_A... ::: CMD_B... [::: CMD_C...]
//
// Runs the commands interleaved (A B C A B C ...), REPS rounds after one
// warm-up round, with stdout and stderr on /dev/null, and prints one line per
// command: "median_us mean_us cpu_us" (wall from posix_spawn to wait4, and the
// child's user+system time). A leading NAME=VALUE word of a command is put in
// its environment, so no `env` process is timed with it.
//
// Bash's `time` has millisecond resolution and times a fork of bash as well;
// a run of `armcache show` on a small host takes about a millisecond.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
  std::vector<std::string> env_extra;
  std::vector<std::string> argv;
  std::vector<double> wall_us;
  double cpu_us = 0;
};

struct Sample {
  double wall_us;
  double cpu_us;
};

bool run_once(const Command& c, Sample& out) {
  std::vector<char*> argv, envp;
  for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (const auto& e : c.env_extra) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid;
  const int err = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    std::fprintf(stderr, "cmdtime: %s: %s\n", argv[0], std::strerror(err));
    return false;
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) return false;
  const auto t1 = std::chrono::steady_clock::now();
  out.wall_us = std::chrono::duration<double, std::micro>(t1 - t0).count();
  out.cpu_us = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: cmdtime REPS CMD_A... ::: CMD_B... [::: ...]\n");
    return 2;
  }
  char* end = nullptr;
  const long reps = std::strtol(argv[1], &end, 10);
  if (*end != '\0' || reps < 1) {
    std::fprintf(stderr, "cmdtime: REPS must be a positive number\n");
    return 2;
  }
  std::vector<Command> cmds(1);
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == ":::") {
      cmds.emplace_back();
    } else if (cmds.back().argv.empty() && a.find('=') != std::string::npos && a.front() != '=') {
      cmds.back().env_extra.push_back(a);
    } else {
      cmds.back().argv.push_back(a);
    }
  }
  for (const auto& c : cmds)
    if (c.argv.empty()) {
      std::fprintf(stderr, "cmdtime: an empty command\n");
      return 2;
    }
  Sample s;
  for (auto& c : cmds)
    if (!run_once(c, s)) return 1;  // warm-up: page cache, dentries
  for (long r = 0; r < reps; ++r)
    for (auto& c : cmds) {
      if (!run_once(c, s)) return 1;
      c.wall_us.push_back(s.wall_us);
      c.cpu_us += s.cpu_us;
    }
  for (auto& c : cmds) {
    std::sort(c.wall_us.begin(), c.wall_us.end());
    double sum = 0;
    for (double w : c.wall_us) sum += w;
    std::printf("%.1f %.1f %.1f\n", c.wall_us[c.wall_us.size() / 2], sum / double(reps), c.cpu_us / double(reps));
  }
  return 0;
}
