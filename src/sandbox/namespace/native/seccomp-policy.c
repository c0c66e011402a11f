// Writes the namespace sandbox's seccomp filter, as the BPF program bubblewrap's --seccomp FD takes, to
// stdout. Compiled and run once at build time with libseccomp (no hand-assembled BPF).
//
// Policy: allow by default, deny (EPERM) what a function never needs and what kernel exploits and sandbox
// escapes reach for. Syscalls of a foreign ABI (i386, x32) kill the process: the filter only speaks the
// native one.

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const denied[] = {
    /* other processes and the kernel's view of them */
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    /* filesystems and namespaces */
    "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "unshare", "setns", "open_by_handle_at", "name_to_handle_at",
    "quotactl", "quotactl_fd", "swapon", "swapoff", "nfsservctl", "sysfs", "ustat", "_sysctl", "uselib",
    /* kernel code, kernel state, the machine */
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "get_kernel_syms", "query_module", "bpf", "perf_event_open", "lookup_dcookie", "reboot", "acct", "syslog",
    "iopl", "ioperm", "vm86", "vm86old", "vhangup", "settimeofday", "stime", "clock_settime", "clock_adjtime",
    "adjtimex", "fanotify_init",
    /* keyrings */
    "keyctl", "add_key", "request_key",
    /* attack surface popular with kernel exploits */
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    NULL,
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP,
};

static void check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "seccomp-policy: %s: %d\n", what, rc);
    exit(1);
  }
}

int main(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 1;
  check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "badarch");
  for (int i = 0; denied[i]; i++) {
    int nr = seccomp_syscall_resolve_name(denied[i]);
    if (nr == __NR_SCMP_ERROR || nr < 0) continue; /* not a syscall of this architecture */
    check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0), denied[i]);
  }
  /* clone(2) may not create namespaces (a new user namespace would hand out capabilities over it). */
  for (size_t i = 0; i < sizeof namespace_flags / sizeof namespace_flags[0]; i++) {
    check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i])),
          "clone");
  }
  /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone(2). */
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
  check(seccomp_export_bpf(ctx, STDOUT_FILENO), "export");
  seccomp_release(ctx);
  return 0;
}
