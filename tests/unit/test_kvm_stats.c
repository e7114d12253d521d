/* user/profile/kvm_stats.c: the parser against a stats file a real kernel produced (6.18, captured from a
 * fresh vCPU: every counter present and zero), against hand-built images (values, the ns scaling,
 * every kind of damage), and, where /dev/kvm works, the live reader on this process's own vCPU
 * after a micro-guest's exits. Usage: test_kvm_stats REAL_6.18.bin */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "kvm_stats.h"
#include "microvm.h"

#define NAME_SIZE 48

struct image {
	uint8_t buf[16384];
	size_t len;
};

/* An image with the given statistics: names, flags, exponents, values (one u64 each). */
static void build(struct image *im, int n, const char *const *names, const uint32_t *flags, const int16_t *exps,
		  const uint64_t *vals)
{
	struct kvm_stats_header h = { 0, NAME_SIZE, (uint32_t)n, sizeof(h), sizeof(h) + 16, 0 };
	size_t dsz = sizeof(struct kvm_stats_desc) + NAME_SIZE;

	memset(im, 0, sizeof(*im));
	h.data_offset = h.desc_offset + (uint32_t)(n * dsz);
	memcpy(im->buf, &h, sizeof(h));
	snprintf((char *)im->buf + h.id_offset, 16, "kvm-1/vcpu-0");
	for (int i = 0; i < n; i++) {
		struct kvm_stats_desc d = { flags[i], exps[i], 1, (uint32_t)(i * 8), 0 };
		uint8_t *p = im->buf + h.desc_offset + i * dsz;

		memcpy(p, &d, sizeof(d));
		snprintf((char *)p + sizeof(d), NAME_SIZE, "%s", names[i]);
		memcpy(im->buf + h.data_offset + i * 8, &vals[i], 8);
	}
	im->len = h.data_offset + (size_t)n * 8;
}

static int parse(const struct image *im, struct kvm_stat_values *v, char *err)
{
	memset(v, 0, sizeof(*v));
	return kvm_stats_parse(im->buf, im->len, v, err, 256);
}

static void synthetic(void)
{
	static const char *const names[] = { "exits", "halt_wait_ns", "pf_fixed", "io_exits" };
	const uint32_t secs = KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS | KVM_STATS_BASE_POW10;
	uint32_t flags[] = { KVM_STATS_TYPE_CUMULATIVE, secs, KVM_STATS_TYPE_CUMULATIVE, KVM_STATS_TYPE_CUMULATIVE };
	int16_t exps[] = { 0, -9, 0, 0 };
	uint64_t vals[] = { 12345, 777, 5, 42 };
	struct kvm_stat_values v;
	struct image im, bad;
	char err[256];

	build(&im, 4, names, flags, exps, vals);
	CHECK(parse(&im, &v, err) == 0, "good image: %s", err);
	CHECK(v.v[KVM_STAT_EXITS] == 12345 && v.present[KVM_STAT_EXITS], "exits = %llu",
	      (unsigned long long)v.v[KVM_STAT_EXITS]);
	CHECK(v.v[KVM_STAT_HALT_WAIT_NS] == 777, "halt_wait_ns at 10^-9 s stays 777");
	CHECK(v.v[KVM_STAT_IO_EXITS] == 42, "io_exits after an unknown statistic");
	CHECK(!v.present[KVM_STAT_MMIO_EXITS] && v.v[KVM_STAT_MMIO_EXITS] == 0, "mmio_exits absent");
	/* Parsing adds: two vCPUs sum. */
	CHECK(kvm_stats_parse(im.buf, im.len, &v, err, sizeof(err)) == 0 && v.v[KVM_STAT_EXITS] == 24690,
	      "a second image adds: %llu", (unsigned long long)v.v[KVM_STAT_EXITS]);

	/* A kernel that reports the wait in microseconds (10^-6 s) is scaled to ns. */
	exps[1] = -6;
	build(&im, 4, names, flags, exps, vals);
	CHECK(parse(&im, &v, err) == 0 && v.v[KVM_STAT_HALT_WAIT_NS] == 777000, "10^-6 s -> %llu ns",
	      (unsigned long long)v.v[KVM_STAT_HALT_WAIT_NS]);
	exps[1] = 3;
	build(&im, 4, names, flags, exps, vals);
	CHECK(parse(&im, &v, err) == -1 && strstr(err, "time unit"), "10^3 s refused: %s", err);
	exps[1] = -9;

	/* Damage of every kind: one line, -1, nothing read past the end. */
	build(&im, 4, names, flags, exps, vals);
	for (size_t cut = 0; cut < im.len; cut += 7) {
		bad = im;
		bad.len = cut;
		CHECK(parse(&bad, &v, err) == -1 && strstr(err, "malformed KVM stats data"), "cut at %zu: %s", cut,
		      err);
	}
	bad = im;
	((struct kvm_stats_header *)bad.buf)->num_desc = 1000000;
	CHECK(parse(&bad, &v, err) == -1 && strstr(err, "descriptors beyond"), "num_desc huge: %s", err);
	bad = im;
	((struct kvm_stats_header *)bad.buf)->name_size = 0;
	CHECK(parse(&bad, &v, err) == -1 && strstr(err, "name size"), "name_size 0: %s", err);
	bad = im;
	memset(bad.buf + sizeof(struct kvm_stats_header) + 16 + sizeof(struct kvm_stats_desc), 'x', NAME_SIZE);
	CHECK(parse(&bad, &v, err) == -1 && strstr(err, "unterminated"), "unterminated name: %s", err);
	bad = im;
	((struct kvm_stats_desc *)(bad.buf + sizeof(struct kvm_stats_header) + 16))->offset = 4000;
	CHECK(parse(&bad, &v, err) == -1 && strstr(err, "beyond the end"), "value offset past the end: %s", err);
	flags[0] = KVM_STATS_TYPE_LOG_HIST;
	build(&bad, 4, names, flags, exps, vals);
	CHECK(parse(&bad, &v, err) == -1 && strstr(err, "not one cumulative"), "exits as a histogram: %s", err);
}

static void real_layout(const char *path)
{
	struct image im;
	struct kvm_stat_values v;
	char err[256];
	FILE *f = fopen(path, "rb");

	CHECK(f != NULL, "open %s", path);
	if (!f)
		return;
	im.len = fread(im.buf, 1, sizeof(im.buf), f);
	fclose(f);
	CHECK(im.len > 1000 && im.len < sizeof(im.buf), "%s: %zu bytes", path, im.len);
	CHECK(parse(&im, &v, err) == 0, "6.18 vCPU stats parse: %s", err);
	for (int i = 0; i < KVM_STAT__MAX; i++)
		CHECK(v.present[i] && v.v[i] == 0, "6.18 has %s, zero on a fresh vCPU", kvm_stat_names[i]);
}

/* A real-mode guest: 10 OUTs to port 0xe9, then HLT (both come back to user space). */
static void live(void)
{
	struct microvm vm;
	struct microvm_code c = { 0 };
	struct kvm_stat_values before, after;
	char err[256];
	int n, r;
	size_t loop;

	if (microvm_create(&vm, 0, 1)) {
		fprintf(stderr, "note: no /dev/kvm VM (%s): live part not run\n", vm.err);
		return;
	}
	mvc_mov_esi(&c, 10);
	loop = mvc_label(&c);
	mvc_out_al(&c, 0xe9);
	mvc_dec_esi_jnz(&c, loop);
	mvc_hlt(&c);
	CHECK(microvm_load(&vm, 0x1000, c.buf, c.len) == 0 &&
		      microvm_vcpu_start(&vm, 0, MICROVM_REAL, 0x1000, 0) == 0, "guest set up: %s", vm.err);
	CHECK(kvm_stats_of_vm(getpid(), &before, &n, err, sizeof(err)) == 0 && n == 1, "read own vCPU: %s", err);
	r = microvm_run_until_not_io(&vm, 0, 0xe9);
	CHECK(r == KVM_EXIT_HLT, "guest ended with %s", microvm_exit_name((uint32_t)r));
	CHECK(kvm_stats_of_vm(getpid(), &after, &n, err, sizeof(err)) == 0 && n == 1, "read again: %s", err);
	uint64_t exits = after.v[KVM_STAT_EXITS] - before.v[KVM_STAT_EXITS];
	uint64_t halts = after.v[KVM_STAT_HALT_EXITS] - before.v[KVM_STAT_HALT_EXITS];
	uint64_t io = after.v[KVM_STAT_IO_EXITS] - before.v[KVM_STAT_IO_EXITS];
	/* 11 at least (real hardware adds page faults and interrupts); io_exits is counted by the
	 * vendor's I/O handler, which this host's PVM backend does not use (0 here). */
	CHECK(exits >= 11, "exits grew by %llu, want >= 11 (10 OUT + HLT)", (unsigned long long)exits);
	CHECK(halts == 1, "halt_exits grew by %llu, want 1", (unsigned long long)halts);
	CHECK(io <= exits, "io_exits grew by %llu of %llu exits", (unsigned long long)io, (unsigned long long)exits);
	printf("live: exits +%llu, halt_exits +%llu, io_exits +%llu\n", (unsigned long long)exits,
	       (unsigned long long)halts, (unsigned long long)io);
	CHECK(kvm_stats_of_vm(1, &after, &n, err, sizeof(err)) == -1 && strstr(err, "pid 1"), "pid 1 has no vCPUs: %s",
	      err);
	microvm_destroy(&vm);
}

int main(int argc, char **argv)
{
	synthetic();
	if (argc > 1)
		real_layout(argv[1]);
	live();
	return test_result("test_kvm_stats");
}
