// kindling-enter: puts itself into an execution environment's cgroups, then execs bubblewrap.
//
// Joining before bubblewrap starts means every process of the environment (bubblewrap's monitor, the
// sandbox's init, the runtime and anything it forks) is born inside the environment's cgroups: limits hold
// from the first instruction and a kill through the cgroup reaches all of them.
//
// Usage: kindling-enter CGROUP_PROCS_FILE... -- BWRAP [ARGS...]
//        kindling-enter CGROUP_PROCS_FILE... --stdin
// The second form joins, then reads BWRAP and its arguments from stdin (each ending in a NUL byte, until
// end of file) and runs them with stdin on /dev/null; an empty stdin (the server stopped, or crashed)
// moves back to each cgroup's parent, removes the cgroup and exits 0. The driver starts launchers
// this way ahead of demand: on cgroup v1 joining a cgroup waits for an RCU grace period (10-20 ms on a
// busy host), which then happens off the request path.
// Also points stderr at stdout, so the environment's output arrives on one pipe in the order it was written.
// Arguments come from the driver only (trusted).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/** Bound on the command read from stdin (bubblewrap's arguments are a few KB). */
#define MAX_COMMAND_BYTES (1024 * 1024)
#define MAX_COMMAND_ARGS 4096

/**
 * A launcher that will run nothing (the server stopped or crashed) leaves no cgroup behind: it moves back to
 * each cgroup's parent and removes the directory. PROCS_FILE is <cgroup dir>/cgroup.procs.
 */
static void leave_cgroups(char **procs_files, int count, const char *pid, size_t pid_len) {
  for (int k = 0; k < count; k++) {
    char dir[4096], parent[4096];
    size_t n = strlen(procs_files[k]);
    const char *suffix = "/cgroup.procs";
    size_t suffix_len = strlen(suffix);
    if (n <= suffix_len || n >= sizeof dir || strcmp(procs_files[k] + n - suffix_len, suffix) != 0) continue;
    memcpy(dir, procs_files[k], n - suffix_len);
    dir[n - suffix_len] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) continue;
    size_t parent_len = (size_t)(slash - dir);
    if (parent_len + suffix_len >= sizeof parent) continue;
    memcpy(parent, dir, parent_len);
    memcpy(parent + parent_len, suffix, suffix_len + 1);
    int fd = open(parent, O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t written = write(fd, pid, pid_len);
    close(fd);
    if (written == (ssize_t)pid_len) rmdir(dir);
  }
}

static int run_from_stdin(char **procs_files, int procs_count, const char *pid, size_t pid_len) {
  char *buf = malloc(MAX_COMMAND_BYTES + 1);
  if (buf == NULL) return 125;
  size_t len = 0;
  for (;;) {
    if (len == MAX_COMMAND_BYTES) {
      dprintf(2, "kindling-enter: command too long\n");
      return 125;
    }
    ssize_t n = read(0, buf + len, MAX_COMMAND_BYTES - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 125;
    if (n == 0) break;
    len += (size_t)n;
  }
  // Nothing to run: the driver no longer needs this launcher.
  if (len == 0) {
    leave_cgroups(procs_files, procs_count, pid, pid_len);
    return 0;
  }
  if (buf[len - 1] != '\0') return 125;
  static char *args[MAX_COMMAND_ARGS + 1];
  int count = 0;
  for (size_t at = 0; at < len; at += strlen(buf + at) + 1) {
    if (count == MAX_COMMAND_ARGS) return 125;
    args[count++] = buf + at;
  }
  args[count] = NULL;
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0) return 125;
  if (dup2(1, 2) < 0) return 125;
  execv(args[0], args);
  dprintf(2, "kindling-enter: cannot execute %s: %s\n", args[0], strerror(errno));
  return 125;
}

int main(int argc, char **argv) {
  int i = 1;
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  for (; i < argc && strcmp(argv[i], "--") != 0 && strcmp(argv[i], "--stdin") != 0; i++) {
    int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t)len) != len) {
      dprintf(2, "kindling-enter: cannot join %s: %s\n", argv[i], strerror(errno));
      return 125;
    }
    close(fd);
  }
  if (i < argc && strcmp(argv[i], "--stdin") == 0) return run_from_stdin(&argv[1], i - 1, pid, (size_t)len);
  if (i + 1 >= argc) {
    dprintf(2, "usage: kindling-enter CGROUP_PROCS_FILE... (-- BWRAP [ARGS...] | --stdin)\n");
    return 125;
  }
  if (dup2(1, 2) < 0) return 125;
  execv(argv[i + 1], &argv[i + 1]);
  dprintf(2, "kindling-enter: cannot execute %s: %s\n", argv[i + 1], strerror(errno));
  return 125;
}
