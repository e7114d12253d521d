/*
 * leafsweep: sweeps the exitprof CPUID leaves' ecx inside a micro-guest and checks every answer
 * against docs/leaves.md (leafsweep_check.c), for the lab's leaf-sweep check.
 *
 * For each of 0x4FFFFFFF..0x4FFFFFFC in turn, the guest (leafsweep_guest.S, real mode, one vCPU)
 * executes CPUID with ecx set to every boundary value (below), then to --random pseudo-random
 * values from a xorshift64* generator seeded with --seed (half of them uniform over all 2^32,
 * a quarter in 0..0x7ff where both ISAs define their low codes, a quarter in
 * 0xfffff800..0xffffffff where the APM's VMRUN failure codes are). The guest loops over a chunk
 * of queries in guest memory and stores the answers next to them; one OUT per chunk hands them
 * to this program, which checks them in execution order and refills the chunk.
 *
 * Boundary values, each with its two neighbours: 0, 0xff, 0x100 (first code without a direct
 * counter slot), 0x104 (after the patch's SVM high slots), 0x3ff, 0x400, 0x403, 0x407 (SVM NPF,
 * VMGEXIT, PML full), 0x7fff, 0x8000, 0xffff, 0x10000 (VMX basic reasons are 16 bits),
 * 0x7fffffff, 0x80000000, 0xfffffffb, 0xffffffff, every code either ISA's table in
 * user/guest/reasons.c defines, and the host ISA's CPUID code with bit 16 and bit 31 set (a VMX
 * full exit reason, an SVM sign extension).
 *
 * --mode says which kvm.exit_stats the caller set (read back from /sys/module/kvm/parameters/
 * exit_stats, which must agree; a kernel without the patch counts as 0): 1 or 2 checks the
 * contract's answers, 0 runs every query twice, the second time on leaf 0x4FFFFFF0, and wants
 * both answers equal.
 *
 * --handled FILE gives the codes KVM's exit handler tables have ("isa code" lines, isa 1 VMX,
 * 2 SVM: tests/patch/handler-tables --list of the kernel's source and .config, as lab/run packs
 * it); then every defined reason the contract leaves to those tables must answer valid exactly
 * when they have it. Without it, only the same answer every time.
 *
 * Output (stdout):
 *   HANDLED codes=N undefined=U            (--handled: codes of this ISA; U not in the SDM/APM)
 *   LEAFSWEEP isa=SVM|VMX mode=M seed=0x... random=N boundary=B chunk=C
 *   LEAF leaf=0x4fffffff checked=N valid=V undefined=U not_handled=H
 *   REASONS defined=D valid=V not_handled=H      (the defined reasons' answers, modes 1 and 2)
 *   VIOLATION leaf=0x.. in_ecx=0x.. eax=0x.. ebx=0x.. ecx=0x.. edx=0x.. why=...   (first few)
 *   TIME cpuids=C chunk_exits=K run_ns=R ns_per_cpuid=P
 *   RESULT checked=N violations=V
 * Exit status: 0 every answer per the contract, 1 a violation, 2 the sweep could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_isa.h"
#include "leafsweep_check.h"
#include "microvm.h"

extern const unsigned char leafsweep_guest_start[], leafsweep_guest_end[];

/* Guest-physical layout (must match leafsweep_guest.S): all below 64 KiB, real mode. */
#define CODE_GPA 0x1000
#define CTL_GPA 0x2000
#define QUERY_GPA 0x4000
#define ANSWER_GPA 0x8000
#define CHUNK 2048 /* queries: 16 KiB of (eax, ecx), 32 KiB of answers */
#define CHUNK_PORT 0x80
#define MAX_BOUNDARY 2048

static struct microvm vm;
static struct sweep sweep;
static uint64_t run_ns;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "leafsweep: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: leafsweep --mode 0|1|2 [--random N] [--seed S] [--handled FILE]\n"
			"  --mode    the kvm.exit_stats value the caller set (checked against " LEAF_MODE_PARAM ")\n"
			"  --random  pseudo-random ecx values per leaf (default 10000)\n"
			"  --seed    their generator's seed (default 0x1eaf5eed)\n"
			"  --handled \"isa code\" lines of KVM's exit handler tables (1 VMX, 2 SVM): a\n"
			"            defined reason must then answer valid exactly for those codes\n");
	exit(2);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("'%s' is not a number", s);
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: small, fast and the same on every run with the same seed. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t random_ecx(void)
{
	uint64_t r = rng_next();

	switch (r >> 62) {
	case 2:
		return (uint32_t)r & 0x7ff;
	case 3:
		return 0xfffff800u | ((uint32_t)r & 0x7ff);
	default:
		return (uint32_t)r;
	}
}

static uint32_t boundary[MAX_BOUNDARY];
static size_t nboundary;

static void add_around(uint32_t v)
{
	for (int d = -1; d <= 1; d++) {
		if (nboundary == MAX_BOUNDARY)
			die("%s", "more than MAX_BOUNDARY boundary values");
		boundary[nboundary++] = v + (uint32_t)d;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void build_boundary(void)
{
	static const uint32_t anchors[] = { 0, 0xff, 0x100, 0x104, 0x3ff, 0x400, 0x403, 0x407,
					    0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
					    0x80000000u, 0xfffffffbu, 0xffffffffu };
	static const unsigned isas[] = { EXIT_ISA_VMX, EXIT_ISA_SVM };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
		add_around(anchors[i]);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < exit_reason_count(isas[k]); i++)
			add_around(exit_reason_code_at(isas[k], i));
	add_around(sweep.cpuid_reason | 0x10000);
	add_around(sweep.cpuid_reason | 0x80000000u);
	qsort(boundary, nboundary, sizeof(boundary[0]), cmp_u32);
	for (size_t i = 0; i < nboundary; i++)
		if (!n || boundary[n - 1] != boundary[i])
			boundary[n++] = boundary[i];
	nboundary = n;
}

/* Runs the guest over one chunk of queries (already in guest memory) up to its OUT. */
static void run_chunk(uint32_t n)
{
	struct kvm_run *run = vm.vcpu[0].run;
	uint64_t t0 = now_ns();

	*(uint32_t *)(vm.mem + CTL_GPA) = n;
	if (microvm_run(&vm, 0))
		die("%s", vm.err);
	run_ns += now_ns() - t0;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != CHUNK_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT)
		die("the guest stopped with KVM exit %s, not its chunk OUT",
		    microvm_exit_name(run->exit_reason));
}

/* The queries of one leaf: the boundary values, then the random ones, CHUNK CPUIDs at a time. */
static void sweep_leaf(uint32_t leaf, uint64_t nrandom)
{
	uint32_t *q = (uint32_t *)(vm.mem + QUERY_GPA);
	const uint32_t *a = (const uint32_t *)(vm.mem + ANSWER_GPA);
	uint64_t total = nboundary + nrandom, next = 0;
	uint32_t per = sweep.mode == 0 ? 2 : 1;

	while (next < total) {
		uint32_t n = 0, ecx[CHUNK];

		for (; n < CHUNK / per && next < total; n++, next++) {
			ecx[n] = next < nboundary ? boundary[next] : random_ecx();
			q[2 * per * n] = leaf;
			q[2 * per * n + 1] = ecx[n];
			if (per == 2) {
				q[4 * n + 2] = SWEEP_REF_LEAF;
				q[4 * n + 3] = ecx[n];
			}
		}
		run_chunk(n * per);
		for (uint32_t i = 0; i < n; i++) {
			const struct leaf_regs *r = (const struct leaf_regs *)(a + 4 * per * i);

			if (per == 2)
				sweep_check_off(&sweep, leaf, ecx[i], r, r + 1);
			else
				sweep_check(&sweep, leaf, ecx[i], r);
		}
		sweep_chunk_exit(&sweep);
	}
}

/* --handled FILE: "isa code" lines (tests/patch/handler-tables --list); those of the host's isa. */
static void load_handled(const char *path)
{
	static uint32_t codes[1024];
	unsigned isa;
	uint32_t code;
	size_t n = 0, undefined;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot read --handled %s", path);
	while (fscanf(f, "%u %" SCNu32, &isa, &code) == 2)
		if (isa == sweep.isa && n < sizeof(codes) / sizeof(codes[0]))
			codes[n++] = code;
	if (!feof(f) || !n)
		die("--handled %s: not \"isa code\" lines, or none of this ISA", path);
	fclose(f);
	undefined = sweep_set_handled(&sweep, codes, n);
	printf("HANDLED codes=%zu undefined=%zu\n", n, undefined);
}

int main(int argc, char **argv)
{
	uint64_t nrandom = 10000, seed = 0x1eaf5eed;
	int mode = -1;
	const char *handled = NULL;
	char why[128];
	unsigned isa;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = (int)parse_u64(argv[++i]);
		else if (!strcmp(argv[i], "--random") && i + 1 < argc)
			nrandom = parse_u64(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = parse_u64(argv[++i]);
		else if (!strcmp(argv[i], "--handled") && i + 1 < argc)
			handled = argv[++i];
		else
			usage();
	}
	if (mode < 0 || mode > 2 || !seed)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A kernel without the patch answers like mode 0 (docs/leaves.md). */
	if (leaf_mode_param() != mode && !(mode == 0 && leaf_mode_param() < 0))
		die("%s does not read the --mode given (kernel without the patch?)", LEAF_MODE_PARAM);
	isa = host_kvm_isa(why, sizeof(why));
	if (sweep_init(&sweep, isa, mode))
		die("cannot tell whether KVM runs on VMX or SVM: %s", why);
	build_boundary();
	rng_state = seed;
	if (handled)
		load_handled(handled);

	/* The VM's CPUID is what KVM supports, as an ordinary VMM would set it. */
	if (microvm_create(&vm, 0, 1) || microvm_set_supported_cpuid(&vm) ||
	    microvm_load(&vm, CODE_GPA, leafsweep_guest_start,
			 leafsweep_guest_end - leafsweep_guest_start) ||
	    microvm_vcpu_start(&vm, 0, MICROVM_REAL, CODE_GPA, 0))
		die("%s", vm.err);
	printf("LEAFSWEEP isa=%s mode=%d seed=0x%" PRIx64 " random=%" PRIu64 " boundary=%zu chunk=%d\n",
	       exit_isa_text(isa), mode, seed, nrandom, nboundary, CHUNK);
	for (uint32_t leaf = LEAF_TOTAL; leaf >= LEAF_REASON_CYCLES; leaf--)
		sweep_leaf(leaf, nrandom);
	microvm_destroy(&vm);
	if (leaf_mode_param() != mode && !(mode == 0 && leaf_mode_param() < 0))
		die("%s changed during the sweep", LEAF_MODE_PARAM);

	for (int k = 0; k < SWEEP_NLEAVES; k++) {
		const struct sweep_leaf_stats *ls = &sweep.leaf[k];

		printf("LEAF leaf=0x%x checked=%" PRIu64 " valid=%" PRIu64 " undefined=%" PRIu64
		       " not_handled=%" PRIu64 "\n",
		       LEAF_TOTAL - k, ls->checked, ls->valid, ls->undefined, ls->not_handled);
	}
	if (mode)
		printf("REASONS defined=%zu valid=%zu not_handled=%zu\n", sweep.nreasons,
		       sweep_count_status(&sweep, LEAF_VALID), sweep_count_status(&sweep, LEAF_NOT_HANDLED));
	for (uint64_t i = 0; i < sweep.violations && i < SWEEP_MAX_VIOLATIONS; i++) {
		const struct sweep_violation *v = &sweep.first[i];

		printf("VIOLATION leaf=0x%x in_ecx=0x%x eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x why=%s\n",
		       v->leaf, v->ecx, v->regs.eax, v->regs.ebx, v->regs.ecx, v->regs.edx, v->why);
	}
	printf("TIME cpuids=%" PRIu64 " chunk_exits=%" PRIu64 " run_ns=%" PRIu64 " ns_per_cpuid=%" PRIu64 "\n",
	       sweep.cpuids, sweep.chunk_exits, run_ns, sweep.cpuids ? run_ns / sweep.cpuids : 0);
	printf("RESULT checked=%" PRIu64 " violations=%" PRIu64 "\n", sweep.checked, sweep.violations);
	return sweep.violations || sweep.checked != SWEEP_NLEAVES * (nboundary + nrandom);
}
