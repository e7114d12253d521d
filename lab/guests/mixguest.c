/*
 * mixguest: a micro-guest with a known mix of VM exits, for the lab's exact-count checks.
 *
 * Each vCPU runs mix_guest.S in real mode: N CPUIDs, M OUTs to an ignored port, K times
 * RDMSR+WRMSR of an intercepted MSR, optional CPUID queries (the exitprof leaves), then one HLT.
 * With --wait the VM and its vCPUs exist (so `exitprof --vm PID` can attach) before any vCPU
 * runs: the program prints "READY pid=P" and runs only after SIGUSR1. That removes the race
 * between attaching the profiler and the first exit. With --hold it keeps its VM after DONE until
 * a (further) SIGUSR1: KVM's statistics of a VM are readable only while the VM exists. With
 * --leader-exit the main thread ends (pthread_exit) before any vCPU runs, as some VMMs' main
 * threads do: a successor thread waits until the leader shows 'Z' in /proc, then 0.5 s more (so a
 * profiler that polls the process sees the ended leader before the first exit), then runs the
 * vCPUs and prints the results; the process lives until its last thread ends. With --loop each
 * vCPU starts its mix again after every HLT until the process is killed: a busy guest that
 * outlasts any window however slow the host is (nothing is printed after the VCPU lines).
 * With --pin CPU every vCPU thread runs on that CPU only, so that they wait for it in turn.
 *
 * The VMM times its own part of each round trip through user space: CLOCK_MONOTONIC from the
 * moment KVM_RUN returned to the moment it calls KVM_RUN again (taken right around the ioctl,
 * so the interval lies inside the one between the ioctl's sys_exit and the next sys_enter).
 * It also reads its vCPU thread's run_delay (/proc/thread-self/schedstat: the scheduler's
 * runnable-but-not-running time) before the first KVM_RUN and after the last.
 *
 * Output lines (stdout), read by lab/l1/lib/ (machine.sh, guests.sh):
 *   READY pid=P vcpus=V
 *   LEADER-EXITED pid=P                      (--leader-exit: the main thread has ended)
 *   VCPU i tid=T
 *   LEAF vcpu=0 idx=I in_eax=.. in_ecx=.. eax=.. ebx=.. ecx=.. edx=..
 *   QUERIES vcpu=0 attempts=A quiet=0|1
 *   ISA svm|vmx                               (the vendor module that runs the host's KVM)
 *   EXPECT reason=0xRR name=NAME count=C      (exit reasons the guest controls, all vCPUs)
 *   TIME vcpu=i ns=N                          (the vCPU's KVM_RUN loop, CLOCK_MONOTONIC)
 *   USER vcpu=i ns=N rounds=R                 (the VMM's own time: the sum over the R returns of
 *                                              KVM_RUN followed by another call, return -> call)
 *   RUNDELAY vcpu=i ns=N                      (the thread's schedstat run_delay over the loop)
 *   CALIBRATE syscall_ns=S clock_ns=C         (average getppid(2) round trip and clock read,
 *                                              measured before the vCPUs run)
 *   TIME run ns=N                             (from starting the first vCPU thread to the last
 *                                              one's end: the benchmark's measure, lab/l1/bench)
 *   DONE
 * mixguest --isa prints "ISA vmx|svm WHY" and "REASON label code name" lines, and runs nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "host_isa.h"
#include "microvm.h"
#include "reasons.h"

extern const unsigned char mix_guest_start[], mix_guest_end[];

#define CODE_GPA 0x1000
#define DATA_GPA(i) (0x2000 + (i) * 0x1000)
#define MAX_VCPUS 4
#define MAX_QUERIES 32
#define QUIET_TRIES 16
#define IO_PORT 0x80
#define LEADER_GRACE_MS 500 /* after the leader ended, before the first vCPU runs */

/*
 * The exits the guest controls, by the kernel's kvm_exit names (codes from user/reasons.c):
 * SVM has one code for RDMSR and WRMSR, VMX one each.
 */
struct isa_names {
	unsigned isa;
	const char *label, *cpuid, *hlt, *io, *rdmsr, *wrmsr;
};
static const struct isa_names svm_names = { EXIT_ISA_SVM, "svm", "cpuid", "hlt", "io", "msr", "msr" };
static const struct isa_names vmx_names = { EXIT_ISA_VMX, "vmx", "CPUID", "HLT", "IO_INSTRUCTION",
					     "MSR_READ", "MSR_WRITE" };

/* The data block of one vCPU, at %bp (offsets must match mix_guest.S). */
struct mix_block {
	uint32_t n_cpuid, n_io, n_msr, n_query, quiet_tries, attempts;
	uint32_t query_end, pad; /* query_end: scratch of the guest code */
	uint32_t query[MAX_QUERIES][2];
	uint32_t result[MAX_QUERIES][4];
};
_Static_assert(__builtin_offsetof(struct mix_block, query) == 0x20, "layout");
_Static_assert(__builtin_offsetof(struct mix_block, result) == 0x120, "layout");

struct vcpu_thread {
	int idx;
	pthread_t thread;
	uint64_t run_ns; /* wall time of its KVM_RUN loop, first entry to the final HLT */
	uint64_t spin_ns;	  /* MIX spin=N: the VMM's busy time per port-0x80 exit */
	uint64_t user_ns, rounds; /* KVM_RUN return -> next call, summed; how many */
	int64_t run_delay_ns;	  /* schedstat run_delay over the loop, -1 = unreadable */
	char error[300];
};

static struct microvm vm;
static int nr_vcpus, hold, loop, pin_cpu = -1;
static sigset_t go;
static struct vcpu_thread threads[MAX_VCPUS];

static void die(const char *what)
{
	fprintf(stderr, "mixguest: %s\n", what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mixguest [--wait] [--hold] [--loop] [--leader-exit] [--pin CPU] [--query L:S,...] [--snapshot R,...] MIX [MIX...]\n"
		"       mixguest --isa\n"
		"  MIX         cpuid=N,io=M,msr=K[,spin=NS] for one vCPU (up to %d vCPUs); spin: the VMM\n"
		"              busy-waits NS ns (CLOCK_MONOTONIC) on each of its I/O exits\n"
		"  --wait      print READY pid=P and run only after SIGUSR1\n"
		"  --hold      after DONE, keep the VM until SIGUSR1\n"
		"  --loop      each vCPU runs its mix again after every HLT, until killed\n"
		"  --leader-exit  the main thread ends before the vCPUs run; a successor thread runs them\n"
		"  --pin       run every vCPU thread on CPU only\n"
		"  --query     vCPU 0 runs CPUID for each leaf:subleaf pair (hex) after its mix\n"
		"  --snapshot  vCPU 0 reads 0x4FFFFFFF, 0x4FFFFFFD per reason R (hex), 0x4FFFFFFF,\n"
		"              retried until no other exit fell in between (at most %d tries)\n"
		"  --isa       print \"ISA vmx|svm WHY\" (whose exit codes the EXPECT lines use), then\n"
		"              \"REASON label code name\" per exit the guest controls\n",
		MAX_VCPUS, QUIET_TRIES);
	exit(2);
}

static uint32_t parse_u32(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX) {
		fprintf(stderr, "mixguest: '%s' is not a 32-bit number\n", s);
		usage();
	}
	return (uint32_t)v;
}

static void parse_mix(char *arg, struct mix_block *b, uint64_t *spin_ns)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');

		if (!eq)
			usage();
		*eq = '\0';
		if (!strcmp(tok, "cpuid"))
			b->n_cpuid = parse_u32(eq + 1);
		else if (!strcmp(tok, "io"))
			b->n_io = parse_u32(eq + 1);
		else if (!strcmp(tok, "msr"))
			b->n_msr = parse_u32(eq + 1);
		else if (!strcmp(tok, "spin"))
			*spin_ns = parse_u32(eq + 1);
		else
			usage();
	}
}

static void add_query(struct mix_block *b, uint32_t leaf, uint32_t subleaf)
{
	if (b->n_query == MAX_QUERIES) {
		fprintf(stderr, "mixguest: more than %d queries\n", MAX_QUERIES);
		exit(2);
	}
	b->query[b->n_query][0] = leaf;
	b->query[b->n_query][1] = subleaf;
	b->n_query++;
}

static void parse_queries(char *arg, struct mix_block *b)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		char *colon = strchr(tok, ':');
		char hex[2][16];

		if (colon)
			*colon = '\0';
		snprintf(hex[0], sizeof(hex[0]), "0x%s", tok);
		snprintf(hex[1], sizeof(hex[1]), "0x%s", colon ? colon + 1 : "0");
		add_query(b, parse_u32(hex[0]), parse_u32(hex[1]));
	}
}

static void parse_snapshot(char *arg, struct mix_block *b)
{
	char hex[16];

	add_query(b, 0x4FFFFFFF, 0);
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		snprintf(hex, sizeof(hex), "0x%s", tok);
		add_query(b, 0x4FFFFFFD, parse_u32(hex));
	}
	add_query(b, 0x4FFFFFFF, 0);
	b->quiet_tries = QUIET_TRIES;
}

static struct mix_block *block(int i)
{
	return (struct mix_block *)(vm.mem + DATA_GPA(i));
}

/* Flat real mode at CODE_GPA; %bp points at this vCPU's data block. */
static void start_vcpu(int i)
{
	struct kvm_regs regs;

	if (microvm_vcpu_start(&vm, i, MICROVM_REAL, CODE_GPA, 0) || microvm_get_regs(&vm, i, &regs))
		die(vm.err);
	regs.rbp = DATA_GPA(i);
	if (microvm_set_regs(&vm, i, &regs))
		die(vm.err);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The thread's run_delay in ns (schedstat's second field), -1 if unreadable. */
static int64_t run_delay_ns(void)
{
	unsigned long long run, delay;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &delay);
	fclose(f);
	return n == 2 ? (int64_t)delay : -1;
}

/* Runs vCPU i until an exit other than I/O to IO_PORT (which it handles by doing nothing), timing
 * its own part of each round trip. Returns the KVM exit reason, or -1 with t->error set. */
static int run_timed(struct vcpu_thread *t)
{
	const struct microvm_vcpu *v = &vm.vcpu[t->idx];
	uint64_t ret = 0, call;
	int r;

	for (;;) {
		call = now_ns();
		if (ret) {
			t->user_ns += call - ret;
			t->rounds++;
		}
		r = ioctl(v->fd, KVM_RUN, 0);
		ret = now_ns();
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(t->error, sizeof(t->error), "KVM_RUN on vCPU %d: %s", t->idx, strerror(errno));
			return -1;
		}
		if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != IO_PORT)
			return (int)v->run->exit_reason;
		while (t->spin_ns && now_ns() - ret < t->spin_ns)
			; /* the VMM's "handling" of the I/O */
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_thread *t = arg;
	int64_t d0, d1;
	uint64_t t0;
	int r;

	if (pin_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			snprintf(t->error, sizeof(t->error), "cannot pin to CPU %d: %s", pin_cpu, strerror(errno));
			return NULL;
		}
	}
	printf("VCPU %d tid=%ld\n", t->idx, (long)syscall(SYS_gettid));
	d0 = run_delay_ns();
	t0 = now_ns();
	r = run_timed(t);
	while (loop && r == KVM_EXIT_HLT) {
		start_vcpu(t->idx);
		r = run_timed(t);
	}
	t->run_ns = now_ns() - t0;
	d1 = run_delay_ns();
	t->run_delay_ns = d0 < 0 || d1 < 0 ? -1 : d1 - d0;
	if (r < 0)
		return NULL;
	if (r != KVM_EXIT_HLT)
		snprintf(t->error, sizeof(t->error), "unexpected KVM exit %s (%d)",
			 microvm_exit_name(r), r);
	return NULL;
}

/* The vendor module that runs the host's KVM decides the exit codes: kvm_intel VMX, kvm_amd SVM. */
static const struct isa_names *host_isa(void)
{
	char why[128];
	unsigned isa = host_kvm_isa(why, sizeof(why));

	if (isa == EXIT_ISA_VMX)
		return &vmx_names;
	if (isa == EXIT_ISA_SVM)
		return &svm_names;
	fprintf(stderr, "mixguest: cannot tell whether KVM runs on VMX or SVM: %s\n", why);
	exit(1);
}

static uint32_t reason_code(const struct isa_names *isa, const char *reason)
{
	uint32_t code;

	if (exit_reason_lookup(isa->isa, reason, &code))
		die("exit reason missing from user/reasons.c");
	return code;
}

static void expect(const struct isa_names *isa, const char *reason, const char *label,
		   uint64_t count)
{
	printf("EXPECT reason=0x%x name=%s count=%" PRIu64 "\n", reason_code(isa, reason), label, count);
}

/* --isa: "REASON label code name" for each exit the guest controls (the EXPECT lines' labels). */
static void print_reason(const struct isa_names *isa, const char *label, const char *reason)
{
	printf("REASON %s %" PRIu32 " %s\n", label, reason_code(isa, reason), reason);
}

static void print_expectations(void)
{
	const struct isa_names *isa = host_isa();
	uint64_t cpuid = 0, io = 0, msr = 0;

	for (int i = 0; i < nr_vcpus; i++) {
		struct mix_block *b = block(i);

		cpuid += b->n_cpuid + (uint64_t)b->attempts * b->n_query;
		io += b->n_io;
		msr += b->n_msr;
	}
	printf("ISA %s\n", isa->label);
	expect(isa, isa->cpuid, "cpuid", cpuid);
	expect(isa, isa->io, "io", io);
	if (!strcmp(isa->rdmsr, isa->wrmsr)) {
		expect(isa, isa->rdmsr, "msr", 2 * msr);
	} else {
		expect(isa, isa->rdmsr, "rdmsr", msr);
		expect(isa, isa->wrmsr, "wrmsr", msr);
	}
	expect(isa, isa->hlt, "hlt", (uint64_t)nr_vcpus);
}

static void print_queries(void)
{
	struct mix_block *b = block(0);
	int quiet;

	if (!b->n_query)
		return;
	for (uint32_t q = 0; q < b->n_query; q++)
		printf("LEAF vcpu=0 idx=%u in_eax=0x%x in_ecx=0x%x eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n",
		       q, b->query[q][0], b->query[q][1], b->result[q][0], b->result[q][1],
		       b->result[q][2], b->result[q][3]);
	quiet = b->result[b->n_query - 1][0] - b->result[0][0] == b->n_query - 1;
	if (b->quiet_tries)
		printf("QUERIES vcpu=0 attempts=%u quiet=%d\n", b->attempts, quiet);
	else
		printf("QUERIES vcpu=0 attempts=%u\n", b->attempts);
}

/* The average cost of a system call that does nothing (getppid) and of one clock read, here and
 * now (with whatever tracepoint programs are attached): the lab's bound for the parts of a
 * KVM_RUN round trip that neither the USER clock nor the syscall tracepoints cover. */
static void calibrate(void)
{
	enum { N = 2000 };
	uint64_t t0, t1, t2;

	t0 = now_ns();
	for (int i = 0; i < N; i++)
		syscall(SYS_getppid);
	t1 = now_ns();
	for (int i = 0; i < N; i++)
		now_ns();
	t2 = now_ns();
	printf("CALIBRATE syscall_ns=%" PRIu64 " clock_ns=%" PRIu64 "\n", (t1 - t0) / N, (t2 - t1) / N);
}

/* Runs every vCPU to its HLT, prints the results, keeps the VM with --hold; 1 if a vCPU failed. */
static int run_vcpus(void)
{
	uint64_t run_ns;
	int failed = 0, sig;

	calibrate();
	run_ns = now_ns();

	for (int i = 0; i < nr_vcpus; i++) {
		threads[i].idx = i;
		if (pthread_create(&threads[i].thread, NULL, vcpu_thread, &threads[i]))
			die("pthread_create failed");
	}
	for (int i = 0; i < nr_vcpus; i++) {
		pthread_join(threads[i].thread, NULL);
		if (i == nr_vcpus - 1)
			run_ns = now_ns() - run_ns;
		if (threads[i].error[0]) {
			fprintf(stderr, "mixguest: vCPU %d: %s\n", i, threads[i].error);
			failed = 1;
		}
	}
	if (!failed) {
		print_queries();
		print_expectations();
		for (int i = 0; i < nr_vcpus; i++) {
			printf("TIME vcpu=%d ns=%" PRIu64 "\n", i, threads[i].run_ns);
			printf("USER vcpu=%d ns=%" PRIu64 " rounds=%" PRIu64 "\n", i, threads[i].user_ns,
			       threads[i].rounds);
			printf("RUNDELAY vcpu=%d ns=%" PRId64 "\n", i, threads[i].run_delay_ns);
		}
		printf("TIME run ns=%" PRIu64 "\n", run_ns);
		printf("DONE\n");
	}
	if (hold) {
		printf("HOLDING\n");
		sigwait(&go, &sig);
	}
	microvm_destroy(&vm);
	return failed;
}

/* /proc's state letter of the process's main thread ('?' if unreadable). */
static char leader_state(void)
{
	char path[64], buf[512], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", getpid(), getpid());
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* --leader-exit: the thread that carries on once the main thread has ended. */
static void *successor(void *arg)
{
	struct timespec grace = { 0, LEADER_GRACE_MS * 1000000L }, tick = { 0, 10000000L };

	(void)arg;
	for (int i = 0; leader_state() != 'Z'; i++) {
		if (i == 1000)
			die("--leader-exit: the main thread did not end within 10 s");
		nanosleep(&tick, NULL);
	}
	printf("LEADER-EXITED pid=%d\n", getpid());
	nanosleep(&grace, NULL);
	exit(run_vcpus());
}

int main(int argc, char **argv)
{
	struct mix_block *b0;
	int wait = 0, leader_exit = 0, nmix = 0, sig;
	char *mixes[MAX_VCPUS], *query = NULL, *snapshot = NULL;

	if (argc == 2 && !strcmp(argv[1], "--isa")) {
		char why[128];
		const struct isa_names *isa = host_isa();

		host_kvm_isa(why, sizeof(why));
		printf("ISA %s %s\n", isa->label, why);
		print_reason(isa, "cpuid", isa->cpuid);
		print_reason(isa, "io", isa->io);
		if (!strcmp(isa->rdmsr, isa->wrmsr)) {
			print_reason(isa, "msr", isa->rdmsr);
		} else {
			print_reason(isa, "rdmsr", isa->rdmsr);
			print_reason(isa, "wrmsr", isa->wrmsr);
		}
		print_reason(isa, "hlt", isa->hlt);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait"))
			wait = 1;
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--loop"))
			loop = 1;
		else if (!strcmp(argv[i], "--leader-exit"))
			leader_exit = 1;
		else if (!strcmp(argv[i], "--pin") && i + 1 < argc)
		{
			uint32_t cpu = parse_u32(argv[++i]);

			if (cpu >= CPU_SETSIZE)
				usage();
			pin_cpu = (int)cpu;
		}
		else if (!strcmp(argv[i], "--query") && i + 1 < argc)
			query = argv[++i];
		else if (!strcmp(argv[i], "--snapshot") && i + 1 < argc)
			snapshot = argv[++i];
		else if (argv[i][0] != '-' && nmix < MAX_VCPUS)
			mixes[nmix++] = argv[i];
		else
			usage();
	}
	if (!nmix || (query && snapshot) || (loop && (query || snapshot || hold)))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The VM's CPUID is what KVM supports, as an ordinary VMM would set it. */
	if (microvm_create(&vm, 0, nmix) || microvm_set_supported_cpuid(&vm) ||
	    microvm_load(&vm, CODE_GPA, mix_guest_start, mix_guest_end - mix_guest_start))
		die(vm.err);
	nr_vcpus = nmix;
	for (int i = 0; i < nr_vcpus; i++) {
		parse_mix(mixes[i], block(i), &threads[i].spin_ns);
		start_vcpu(i);
	}
	b0 = block(0);
	if (query)
		parse_queries(query, b0);
	if (snapshot)
		parse_snapshot(snapshot, b0);

	/* Block SIGUSR1 before announcing anything, so an early signal is not lost. */
	sigemptyset(&go);
	sigaddset(&go, SIGUSR1);
	sigprocmask(SIG_BLOCK, &go, NULL);
	if (wait) {
		printf("READY pid=%d vcpus=%d\n", getpid(), nr_vcpus);
		sigwait(&go, &sig);
	}

	if (leader_exit) {
		pthread_t succ;

		if (pthread_create(&succ, NULL, successor, NULL))
			die("pthread_create failed");
		pthread_exit(NULL); /* the process lives on in its other threads */
	}
	return run_vcpus();
}
