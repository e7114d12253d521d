/* Test helper: a process that is a "KVM process" the way exitprof checks it (it holds a VM fd,
 * anon_inode:kvm-vm) but runs no vCPU. Prints "ready" once the VM exists, then sleeps until
 * killed or for argv[1] seconds. With argv[2] = "leader-exit" the main thread ends at once
 * (pthread_exit) and a second thread does the sleeping, as some VMMs do: the process lives on
 * with a zombie leader. Exits 77 (skip) when /dev/kvm cannot create a VM. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	sleep(*(unsigned *)arg);
	exit(0);
}

int main(int argc, char **argv)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm >= 0 ? ioctl(kvm, KVM_CREATE_VM, 0) : -1;
	static unsigned secs;
	pthread_t th;

	secs = argc > 1 ? (unsigned)atoi(argv[1]) : 60;
	if (vm < 0) {
		perror("kvm_holder: KVM_CREATE_VM");
		return 77;
	}
	if (argc > 2 && !strcmp(argv[2], "leader-exit")) {
		if (pthread_create(&th, NULL, sleeper, &secs)) {
			perror("kvm_holder: pthread_create");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		pthread_exit(NULL);
	}
	printf("ready\n");
	fflush(stdout);
	sleep(secs);
	return 0;
}
