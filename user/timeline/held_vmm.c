/* See held_vmm.h. */
#define _GNU_SOURCE
#include "held_vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signals.h"

static void child_run(int go_fd, int err_fd, int out_fd, char **cmd)
{
	char c;

	signals_unblock();
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (read(go_fd, &c, 1) != 1)
		_exit(127); /* the parent gave up (BPF did not attach): never run unprofiled */
	execvp(cmd[0], cmd);
	int e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int held_vmm_start(struct held_vmm *v, char **cmd, int out_fd)
{
	int go[2], ep[2];

	v->pid = -1;
	v->go_fd = v->err_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return -1;
	if (pipe2(ep, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	fflush(NULL);
	v->pid = fork();
	if (v->pid == 0) {
		close(go[1]);
		close(ep[0]);
		child_run(go[0], ep[1], out_fd, cmd);
	}
	close(go[0]);
	close(ep[1]);
	v->go_fd = go[1];
	v->err_fd = ep[0];
	if (v->pid < 0) {
		int e = errno;

		close_fd(&v->go_fd);
		close_fd(&v->err_fd);
		errno = e;
		return -1;
	}
	return 0;
}

int held_vmm_release(struct held_vmm *v)
{
	int exec_errno = 0;

	if (write(v->go_fd, "g", 1) != 1) {
		exec_errno = errno;
		kill(v->pid, SIGKILL);
	}
	close_fd(&v->go_fd);
	if (!exec_errno && read(v->err_fd, &exec_errno, sizeof(exec_errno)) != sizeof(exec_errno))
		exec_errno = 0; /* EOF: the exec closed the CLOEXEC pipe */
	close_fd(&v->err_fd);
	if (exec_errno)
		waitpid(v->pid, NULL, 0);
	return exec_errno;
}

void held_vmm_abandon(struct held_vmm *v)
{
	close_fd(&v->go_fd);
	close_fd(&v->err_fd);
	waitpid(v->pid, NULL, 0);
}
