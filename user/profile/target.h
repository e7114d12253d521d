/* Checks on the VM to profile: the pid exists and is a KVM process. */
#ifndef EXITPROF_TARGET_H
#define EXITPROF_TARGET_H

#include <stddef.h>

/* 1 if /proc/PID/fd holds an fd whose link is "anon_inode:kvm-vm", 0 if not, -1 on error
 * (errno set: ENOENT no such process, EACCES not allowed to look). */
int target_is_kvm(int pid);

/* The process (thread group) a pid belongs to, from /proc/PID/status; -1 if unknown. */
int target_tgid(int pid);

/* 0 if pid is a running KVM process; else -1 with one line (cause and fix) in err. */
int target_check(int pid, char *err, size_t errlen);

/* The process name (/proc/PID/comm) into buf, or "?" if it is gone. */
void target_comm(int pid, char *buf, size_t len);

/* The VM's name: QEMU's -name (NAME, or guest=NAME) from /proc/PID/cmdline where the VMM was given
 * one, else the process name. */
void target_vm_name(int pid, char *buf, size_t len);

/* 1 while any thread of the process runs (its leader may have ended), 0 when it is gone or a
 * zombie. */
int target_alive(int pid);

#endif
