/* A VMM command started by us and held before exec() until the BPF programs are attached.
 *
 * Why: a boot's first exits happen within milliseconds of the VMM's start, before anyone could
 * type its pid. So the child is forked and waits on a pipe; the BPF programs are filtered to its
 * pid (exec keeps it), and only then does it exec the VMM. If the parent gives up, the child
 * exits without ever running the VMM unprofiled. */
#ifndef EXITPROF_HELD_VMM_H
#define EXITPROF_HELD_VMM_H

#include <sys/types.h>

struct held_vmm {
	pid_t pid;
	int go_fd;  /* write end: one byte lets the child exec */
	int err_fd; /* read end: the child's exec errno, or EOF once exec succeeded */
};

/* Forks the child: signals unblocked, stdout on out_fd if out_fd >= 0. 0, or -1 with errno. */
int held_vmm_start(struct held_vmm *v, char **cmd, int out_fd);

/* Lets the child exec cmd. Returns 0 once exec succeeded, else the errno of the failed start
 * (the child is then reaped). */
int held_vmm_release(struct held_vmm *v);

/* Never execs: the child sees EOF and exits; reaped here. */
void held_vmm_abandon(struct held_vmm *v);

#endif
