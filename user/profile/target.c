/* See target.h. A KVM process is one holding a VM fd: KVM_CREATE_VM returns an anon inode
 * named "kvm-vm", so /proc/PID/fd/N links to "anon_inode:kvm-vm" (the same test kvm_stat and
 * perf kvm use to find guests). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "target.h"

int target_is_kvm(int pid)
{
	char path[64], link[256];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while (!found && (de = readdir(d))) {
		char fdpath[sizeof(path) + sizeof(de->d_name) + 2];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, "anon_inode:kvm-vm");
	}
	closedir(d);
	return found;
}

int target_tgid(int pid)
{
	char path[64], line[128];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int target_check(int pid, char *err, size_t errlen)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (access(path, F_OK) != 0) {
		snprintf(err, errlen, "no process with pid %d: check the VMM's pid (e.g. pgrep -a qemu)", pid);
		return -1;
	}
	int tgid = target_tgid(pid);
	if (tgid > 0 && tgid != pid) {
		snprintf(err, errlen, "pid %d is a thread of process %d: give the process, --vm %d", pid, tgid, tgid);
		return -1;
	}
	r = target_is_kvm(pid);
	if (r < 0 && errno == EACCES) {
		snprintf(err, errlen, "cannot inspect /proc/%d/fd (permission denied): run exitprof as root", pid);
		return -1;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot inspect /proc/%d/fd (%s): is pid %d still running?", pid, strerror(errno), pid);
		return -1;
	}
	if (r == 0) {
		char comm[64];
		target_comm(pid, comm, sizeof(comm));
		snprintf(err, errlen,
			 "pid %d (%s) is not a KVM process (no anon_inode:kvm-vm fd): give the pid of a VMM such as qemu, or use --all",
			 pid, comm);
		return -1;
	}
	return 0;
}

void target_comm(int pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, (int)len, f)) {
		snprintf(buf, len, "?");
	} else {
		buf[strcspn(buf, "\n")] = '\0';
	}
	if (f)
		fclose(f);
}

int target_alive(int pid)
{
	char path[64], buf[512], *p;
	size_t n;
	FILE *f;

	/* A zombie (exited, not yet reaped by its parent) is gone for our purpose. */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p || p[1] != ' ')
		return 1;
	return p[2] != 'Z' && p[2] != 'X';
}
