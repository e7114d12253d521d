/* Test helper: a process that is a "KVM process" the way exitprof checks it (it holds a VM fd,
 * anon_inode:kvm-vm) but runs no vCPU. Prints "ready" once the VM exists, then sleeps until
 * killed or for argv[1] seconds. Exits 77 (skip) when /dev/kvm cannot create a VM. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm >= 0 ? ioctl(kvm, KVM_CREATE_VM, 0) : -1;
	unsigned secs = argc > 1 ? (unsigned)atoi(argv[1]) : 60;

	if (vm < 0) {
		perror("kvm_holder: KVM_CREATE_VM");
		return 77;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(secs);
	return 0;
}
