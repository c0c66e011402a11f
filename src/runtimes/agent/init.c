// kindling-init: PID 1 of a namespace sandbox.
//
// bubblewrap has already built the environment's namespaces and filesystem, loaded the seccomp filter and set
// no_new_privs; it execs this program as uid 0 holding only CAP_SETUID, CAP_SETGID and CAP_SETPCAP. This
// program:
//   1. listens on 127.0.0.1:PORT of the environment's own network namespace and forwards every connection
//      to the Runtime API's Unix socket (bind-mounted in), so the runtime finds AWS_LAMBDA_RUNTIME_API at
//      127.0.0.1:9001 as in Lambda;
//   2. drops the capability bounding set, starts the runtime as the unprivileged sandbox user;
//   3. drops its own remaining capabilities, then forwards bytes and reaps orphans until the runtime exits;
//   4. reports how the runtime ended ("exit N" / "signal N") on the status fd and exits, which ends every
//      other process of the environment (the kernel kills a PID namespace with its init).
//
// Usage: kindling-init UID GID PORT UPSTREAM_SOCKET STATUS_FD ENV_FD -- COMMAND [ARGS...]
// ENV_FD carries the runtime's environment as NUL-terminated KEY=VALUE strings. The function's environment
// variables are user input: they are handed to execve of the runtime only, never to a privileged process
// (this program, bubblewrap and the launcher run with an empty environment).
// Arguments come from the driver; the bytes it forwards are not interpreted.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONNECTIONS 64
#define BUFFER_SIZE 65536

struct direction {
  char *buf;
  size_t len;
  size_t off;
  int eof; /* the reading side reached end of stream */
  int shut; /* the writing side has been shut down for writing */
};

struct connection {
  int used;
  int guest; /* TCP socket accepted from the runtime */
  int upstream; /* Unix socket to the Runtime API */
  struct direction to_upstream;
  struct direction to_guest;
};

static struct connection connections[MAX_CONNECTIONS];

#define MAX_ENV_BYTES (1 << 20)

static void die(const char *what) {
  dprintf(2, "kindling-init: %s: %s\n", what, strerror(errno));
  _exit(126);
}

static int parse_int(const char *s) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 0x7fffffff) {
    dprintf(2, "kindling-init: bad number '%s'\n", s);
    _exit(126);
  }
  return (int)v;
}

static void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl");
}

static int listen_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind 127.0.0.1");
  if (listen(fd, 64) < 0) die("listen");
  return fd;
}

static int connect_upstream(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    return -1;
  }
  set_nonblocking(fd);
  return fd;
}

static void drop_bounding_set(void) {
  for (int cap = 0; cap <= 63; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) die("PR_CAPBSET_DROP");
  }
}

static void drop_all_capabilities(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &header, data) < 0) die("capset");
}

static void close_connection(struct connection *c) {
  close(c->guest);
  close(c->upstream);
  free(c->to_upstream.buf);
  free(c->to_guest.buf);
  memset(c, 0, sizeof *c);
}

static void accept_connections(int listen_fd, const char *upstream_path) {
  for (;;) {
    int guest = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (guest < 0) return; /* EAGAIN or a transient error: wait for the next readiness */
    int one = 1;
    /* Request/response traffic of small writes: never let Nagle hold a response back. */
    setsockopt(guest, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct connection *slot = NULL;
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
      if (!connections[i].used) {
        slot = &connections[i];
        break;
      }
    }
    int upstream = slot ? connect_upstream(upstream_path) : -1;
    if (upstream < 0) {
      close(guest);
      continue;
    }
    slot->used = 1;
    slot->guest = guest;
    slot->upstream = upstream;
    slot->to_upstream.buf = malloc(BUFFER_SIZE);
    slot->to_guest.buf = malloc(BUFFER_SIZE);
    if (!slot->to_upstream.buf || !slot->to_guest.buf) close_connection(slot);
  }
}

/* Moves bytes from `from` to `to` through `d`. Returns -1 when the connection must be closed. */
static int pump(int from, int to, struct direction *d, short from_events, short to_events) {
  if (d->len == 0 && !d->eof && (from_events & (POLLIN | POLLHUP | POLLERR))) {
    ssize_t n = recv(from, d->buf, BUFFER_SIZE, 0);
    if (n > 0) {
      d->len = (size_t)n;
      d->off = 0;
      to_events |= POLLOUT; /* try the write at once: usually the peer has room */
    } else if (n == 0) {
      d->eof = 1;
    } else if (errno != EAGAIN && errno != EINTR) {
      return -1;
    }
  }
  if (d->len > 0 && (to_events & (POLLOUT | POLLERR | POLLHUP))) {
    ssize_t n = send(to, d->buf + d->off, d->len, MSG_NOSIGNAL);
    if (n > 0) {
      d->off += (size_t)n;
      d->len -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return -1;
    }
  }
  if (d->eof && d->len == 0 && !d->shut) {
    shutdown(to, SHUT_WR);
    d->shut = 1;
  }
  return 0;
}

/* Reads the runtime's environment (NUL-terminated KEY=VALUE strings) from fd until end of stream. */
static char **read_environment(int fd) {
  char *buf = malloc(MAX_ENV_BYTES + 1);
  if (!buf) die("malloc");
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, MAX_ENV_BYTES - len);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read environment");
    }
    len += (size_t)n;
    if (len == MAX_ENV_BYTES) {
      dprintf(2, "kindling-init: environment too large\n");
      _exit(126);
    }
  }
  close(fd);
  buf[len] = '\0';
  size_t count = 0;
  for (size_t i = 0; i < len; i++) count += buf[i] == '\0';
  char **env = calloc(count + 1, sizeof *env);
  if (!env) die("calloc");
  size_t k = 0;
  for (size_t i = 0; i < len && k < count; k++) {
    env[k] = buf + i;
    i += strlen(buf + i) + 1;
  }
  env[k] = NULL;
  return env;
}

static void report(int status_fd, int status) {
  if (status_fd < 0) return;
  if (WIFSIGNALED(status)) {
    dprintf(status_fd, "signal %d\n", WTERMSIG(status));
  } else {
    dprintf(status_fd, "exit %d\n", WEXITSTATUS(status));
  }
}

int main(int argc, char **argv) {
  if (argc < 9 || strcmp(argv[7], "--") != 0) {
    dprintf(2, "usage: kindling-init UID GID PORT UPSTREAM_SOCKET STATUS_FD ENV_FD -- COMMAND [ARGS...]\n");
    return 126;
  }
  uid_t uid = (uid_t)parse_int(argv[1]);
  gid_t gid = (gid_t)parse_int(argv[2]);
  int port = parse_int(argv[3]);
  const char *upstream_path = argv[4];
  int status_fd = parse_int(argv[5]);
  char **environment = read_environment(parse_int(argv[6]));
  char **command = &argv[8];
  if (uid == 0 || gid == 0) {
    dprintf(2, "kindling-init: refusing to run the runtime as root\n");
    return 126;
  }
  if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0) status_fd = -1;

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
  int sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig_fd < 0) die("signalfd");

  /* Listen before the runtime starts, so its first request never races the forwarder. */
  int listen_fd = listen_loopback(port);
  drop_bounding_set();

  pid_t runtime = fork();
  if (runtime < 0) die("fork");
  if (runtime == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setgroups(0, NULL) < 0) die("setgroups");
    if (setresgid(gid, gid, gid) < 0) die("setresgid");
    /* Changing every uid away from 0 clears the permitted and effective capability sets. */
    if (setresuid(uid, uid, uid) < 0) die("setresuid");
    drop_all_capabilities(); /* the inheritable set too */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("PR_SET_NO_NEW_PRIVS");
    /* Nothing but stdin, stdout and stderr crosses into the runtime. */
    if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
      for (int fd = 3; fd < 1024; fd++) close(fd);
    }
    execve(command[0], command, environment);
    dprintf(2, "kindling-init: cannot execute %s: %s\n", command[0], strerror(errno));
    _exit(127);
  }

  /* The forwarder keeps uid 0 (to reach the Runtime API socket) but no capability at all. */
  drop_all_capabilities();

  struct pollfd fds[2 + 2 * MAX_CONNECTIONS];
  int owner[2 + 2 * MAX_CONNECTIONS];
  for (;;) {
    int n = 0;
    fds[n].fd = sig_fd;
    fds[n].events = POLLIN;
    owner[n++] = -1;
    fds[n].fd = listen_fd;
    fds[n].events = POLLIN;
    owner[n++] = -1;
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
      struct connection *c = &connections[i];
      if (!c->used) continue;
      fds[n].fd = c->guest;
      fds[n].events = (short)(((c->to_upstream.len == 0 && !c->to_upstream.eof) ? POLLIN : 0) |
                              (c->to_guest.len > 0 ? POLLOUT : 0));
      owner[n++] = i;
      fds[n].fd = c->upstream;
      fds[n].events = (short)(((c->to_guest.len == 0 && !c->to_guest.eof) ? POLLIN : 0) |
                              (c->to_upstream.len > 0 ? POLLOUT : 0));
      owner[n++] = i;
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }

    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(sig_fd, &info, sizeof info) > 0) {
      }
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == runtime) {
          report(status_fd, status);
          _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
        }
      }
    }
    if (fds[1].revents) accept_connections(listen_fd, upstream_path);

    for (int k = 2; k < n; k += 2) {
      struct connection *c = &connections[owner[k]];
      if (!c->used) continue;
      short guest_events = fds[k].revents;
      short upstream_events = fds[k + 1].revents;
      if (pump(c->guest, c->upstream, &c->to_upstream, guest_events, upstream_events) < 0 ||
          pump(c->upstream, c->guest, &c->to_guest, upstream_events, guest_events) < 0) {
        close_connection(c);
        continue;
      }
      if (c->to_upstream.shut && c->to_guest.shut) close_connection(c);
    }
  }
}
