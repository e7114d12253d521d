/* target.c against real processes: this test itself (not KVM), a pid that does not exist, a
 * zombie, and a child holding a KVM VM fd (kvm_holder; that part is skipped without /dev/kvm). */
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "target.h"

static volatile int thread_tid, thread_stop;
static void *thread_fn(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	while (!thread_stop)
		usleep(1000);
	return NULL;
}

static int free_pid(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int pid = 32768;
	char path[64];

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 32768;
		fclose(f);
	}
	for (pid--; pid > 1; pid--) {
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (access(path, F_OK) != 0)
			return pid;
	}
	return -1;
}

int main(int argc, char **argv)
{
	char err[256];
	int pid;

	CHECK(target_is_kvm(getpid()) == 0, "this test is not a KVM process");
	CHECK(target_check(getpid(), err, sizeof(err)) == -1 && strstr(err, "is not a KVM process"), "%s", err);
	pid = free_pid();
	CHECK(target_check(pid, err, sizeof(err)) == -1 && strstr(err, "no process with pid"), "%s", err);
	CHECK(target_is_kvm(pid) == -1 && errno == ENOENT, "missing pid -> ENOENT");
	CHECK(target_alive(getpid()) == 1, "we are alive");
	CHECK(target_alive(pid) == 0, "a free pid is not alive");

	/* A thread id is not a VM: exitprof filters by process (tgid). */
	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	while (!thread_tid)
		usleep(1000);
	CHECK(target_tgid(thread_tid) == getpid(), "thread %d belongs to us", thread_tid);
	CHECK(target_check(thread_tid, err, sizeof(err)) == -1 && strstr(err, "is a thread of process"), "%s", err);
	thread_stop = 1;
	pthread_join(th, NULL);

	/* A zombie counts as gone: the VM has exited even if nobody reaped it yet. */
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	usleep(200000);
	CHECK(target_alive(z) == 0, "zombie %d is not alive", z);
	waitpid(z, NULL, 0);

	if (argc > 1) {
		int pfd[2];
		char buf[16] = "";

		if (pipe(pfd) == 0) {
			pid_t h = fork();
			if (h == 0) {
				dup2(pfd[1], 1);
				execl(argv[1], argv[1], "30", (char *)NULL);
				_exit(127);
			}
			close(pfd[1]);
			ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
			if (n > 0 && !strncmp(buf, "ready", 5)) {
				CHECK(target_is_kvm(h) == 1, "kvm_holder %d holds anon_inode:kvm-vm", h);
				CHECK(target_check(h, err, sizeof(err)) == 0, "kvm_holder accepted: %s", err);
				CHECK(target_alive(h) == 1, "kvm_holder alive");
			} else {
				fprintf(stderr, "note: kvm_holder could not create a VM (/dev/kvm), KVM case not run\n");
			}
			kill(h, SIGKILL);
			waitpid(h, NULL, 0);
			close(pfd[0]);
		}
		/* A VMM whose main thread ends while its other threads go on is still a live VM. */
		if (pipe(pfd) == 0) {
			pid_t h = fork();
			if (h == 0) {
				dup2(pfd[1], 1);
				execl(argv[1], argv[1], "2", "leader-exit", (char *)NULL);
				_exit(127);
			}
			close(pfd[1]);
			memset(buf, 0, sizeof(buf));
			ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
			if (n > 0 && !strncmp(buf, "ready", 5)) {
				char st[64], line[256] = "";
				FILE *f;

				usleep(300000); /* the leader has ended by now */
				snprintf(st, sizeof(st), "/proc/%d/stat", h);
				if ((f = fopen(st, "r"))) {
					if (!fgets(line, sizeof(line), f))
						line[0] = '\0';
					fclose(f);
				}
				CHECK(strstr(line, ") Z ") != NULL, "kvm_holder's leader is a zombie: %s", line);
				CHECK(target_alive(h) == 1, "leader ended, vCPU-like thread running: alive");
				CHECK(target_is_kvm(h) == 1, "leader ended: the VM fd is found through the other thread");
				CHECK(target_check(h, err, sizeof(err)) == 0, "leader ended: accepted (%s)", err);
				siginfo_t si;
				/* The sleeper ends the process after 2 s: a zombie until reaped, and gone. */
				waitid(P_PID, (id_t)h, &si, WEXITED | WNOWAIT);
				CHECK(target_alive(h) == 0, "whole process ended (zombie, not reaped): not alive");
				waitpid(h, NULL, 0);
				CHECK(target_alive(h) == 0, "reaped: gone");
			}
			close(pfd[0]);
		}
	}
	return test_result("test_target");
}
