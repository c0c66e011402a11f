// kindling-enter: puts itself into an execution environment's cgroups, then execs bubblewrap.
//
// Joining before bubblewrap starts means every process of the environment (bubblewrap's monitor, the
// sandbox's init, the runtime and anything it forks) is born inside the environment's cgroups: limits hold
// from the first instruction and a kill through the cgroup reaches all of them.
//
// Usage: kindling-enter CGROUP_PROCS_FILE... -- BWRAP [ARGS...]
// Also points stderr at stdout, so the environment's output arrives on one pipe in the order it was written.
// Arguments come from the driver only (trusted).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int i = 1;
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t)len) != len) {
      dprintf(2, "kindling-enter: cannot join %s: %s\n", argv[i], strerror(errno));
      return 125;
    }
    close(fd);
  }
  if (i + 1 >= argc) {
    dprintf(2, "usage: kindling-enter CGROUP_PROCS_FILE... -- BWRAP [ARGS...]\n");
    return 125;
  }
  if (dup2(1, 2) < 0) return 125;
  execv(argv[i + 1], &argv[i + 1]);
  dprintf(2, "kindling-enter: cannot execute %s: %s\n", argv[i + 1], strerror(errno));
  return 125;
}
