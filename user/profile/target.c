/* See target.h. A KVM process is one holding a VM fd: KVM_CREATE_VM returns an anon inode
 * named "kvm-vm", so /proc/PID/fd/N links to "anon_inode:kvm-vm" (the same test kvm_stat and
 * perf kvm use to find guests). */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "target.h"

/* 1 if the fd directory at path holds a KVM VM fd, 0 if not, -1 (errno) if unreadable. */
static int fd_dir_has_vm(const char *path)
{
	char link[256];
	struct dirent *de;
	DIR *d = opendir(path);
	int found = 0;

	if (!d)
		return -1;
	while (!found && (de = readdir(d))) {
		char fdpath[256 + sizeof(de->d_name) + 2];
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

int target_is_kvm(int pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	r = fd_dir_has_vm(path);
	if (r != 0)
		return r;
	/* A leader thread that has ended (pthread_exit) shows an empty fd directory while the
	 * other threads still share the process's files: look through them too. */
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (r != 1 && (de = readdir(d))) {
		char tpath[sizeof(path) + sizeof(de->d_name) + 8];

		if (de->d_name[0] == '.')
			continue;
		snprintf(tpath, sizeof(tpath), "%s/%s/fd", path, de->d_name);
		if (fd_dir_has_vm(tpath) == 1)
			r = 1;
	}
	closedir(d);
	return r;
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

/* The state letter of /proc/.../stat at path ('?' if unreadable). */
static char stat_state(const char *path)
{
	char buf[512], *p;
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	return p && p[1] == ' ' ? p[2] : '?';
}

int target_alive(int pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int alive = 0;

	/* The VM lives as long as any thread of its process does: a VMM may end its main thread
	 * (pthread_exit) while its vCPU threads go on, and the leader then shows 'Z'. A zombie
	 * process (exited, not yet reaped) is gone for our purpose. */
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!alive && (de = readdir(d))) {
		char tpath[sizeof(path) + sizeof(de->d_name) + 8], st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(tpath, sizeof(tpath), "%s/%s/stat", path, de->d_name);
		st = stat_state(tpath);
		alive = st != 'Z' && st != 'X' && st != '?';
	}
	closedir(d);
	return alive;
}

/* QEMU's -name value: "NAME", "NAME,process=..." or "guest=NAME,..." (option syntax). */
static int qemu_name(const char *arg, char *buf, size_t len)
{
	const char *p = arg, *end;

	if (!strncmp(p, "guest=", 6))
		p += 6;
	else if (strchr(p, '=') && strchr(p, '=') < (strchr(p, ',') ? strchr(p, ',') : p + strlen(p)))
		return -1; /* first item is some other key=value: look for guest= below */
	end = strchr(p, ',');
	snprintf(buf, len, "%.*s", (int)(end ? end - p : (ptrdiff_t)strlen(p)), p);
	return buf[0] ? 0 : -1;
}

void target_vm_name(int pid, char *buf, size_t len)
{
	char path[64], cmd[8192];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
	if (f)
		fclose(f);
	cmd[n] = '\0';
	for (size_t i = 0; i < n;) {
		const char *arg = cmd + i;
		size_t l = strlen(arg);

		if ((!strcmp(arg, "-name") || !strcmp(arg, "--name")) && i + l + 1 < n) {
			const char *val = arg + l + 1, *g = strstr(val, "guest=");

			if (qemu_name(val, buf, len) == 0)
				return;
			if (g && (g == val || g[-1] == ',') && qemu_name(g, buf, len) == 0)
				return;
		}
		i += l + 1;
	}
	target_comm(pid, buf, len);
}
