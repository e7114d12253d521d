/* CO-RE: the one BPF object adapts to tracepoint layouts other than this kernel's. libbpf is
 * given the BTF of a simulated older layout (old_layout.c: kvm_exit without isa and vcpu_id,
 * exit_reason at offset 16 instead of 8) in place of the kernel's for the relocations; the test
 * checks from libbpf's log that exit_reason was relocated to offset 16 and that isa and vcpu_id
 * were found missing (so bpf_core_field_exists() is 0 and the code reading them is dead), and
 * that the kernel's verifier accepts the result. Then the same against this kernel's own BTF,
 * and the tp_btf programs against it.
 * It proves loading, not reading: on this host the layout in the BTF is not the real one, and
 * kvm_exit never fires here anyway. Needs root and kernel BTF (exits 77 otherwise).
 * Usage: test_bpf_core OLD_LAYOUT.o */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "exitprof.skel.h"

static char logbuf[1 << 20];
static size_t loglen;

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (loglen < sizeof(logbuf) - 1) {
		int n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
		if (n > 0)
			loglen += (size_t)n < sizeof(logbuf) - loglen ? (size_t)n : sizeof(logbuf) - loglen - 1;
	}
	return 0;
}

/* What libbpf (1.1's debug log) decided for bpf_core_field_exists(ctx->FIELD) of kvm_exit:
 * the line naming the relocation is followed by one naming the candidate's outcome.
 * 1 = found, 0 = missing, -1 = no such relocation in the log. */
static int field_found(const char *field)
{
	char want[128];
	const char *p = logbuf;

	snprintf(want, sizeof(want), "struct trace_event_raw_kvm_exit.%s (", field);
	while ((p = strstr(p, want))) {
		const char *bol = p, *eol = strchr(p, '\n'), *next;
		while (bol > logbuf && bol[-1] != '\n')
			bol--;
		if (!eol)
			return -1;
		if (memmem(bol, (size_t)(eol - bol), "<field_exists>", 14) && !memmem(bol, (size_t)(eol - bol), "candidate", 9)) {
			next = eol + 1;
			eol = strchr(next, '\n');
			if (!eol)
				return -1;
			if (memmem(next, (size_t)(eol - next), "non-matching candidate", 22))
				return 0;
			if (memmem(next, (size_t)(eol - next), "matching candidate", 18))
				return 1;
			return -1;
		}
		p = eol;
	}
	return -1;
}

/* Loads the object's programs of one kind (section prefix "tp/": the classic tracepoint
 * programs, which read the records whose layout CO-RE adapts to; "tp_btf/": the BTF-typed ones)
 * with CO-RE against btf_path (NULL = the kernel's). kvm_only: only the kvm tracepoints'
 * programs, not --time-split's syscall and scheduler ones (a BTF made of kvm records alone has
 * nothing for those). Returns the load status. */
static int load_with(const char *btf_path, const char *kind, bool kvm_only)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path);
	struct exitprof_bpf *obj;
	struct bpf_program *prog;
	int err;

	loglen = 0;
	logbuf[0] = '\0';
	obj = exitprof_bpf__open_opts(&opts);
	if (!obj)
		return -1;
	bpf_object__for_each_program(prog, obj->obj) {
		const char *sec = bpf_program__section_name(prog);

		bpf_program__set_autoload(prog, strncmp(sec, kind, strlen(kind)) == 0 &&
						  (!kvm_only || strstr(sec, "kvm") != NULL));
	}
	err = exitprof_bpf__load(obj);
	exitprof_bpf__destroy(obj);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OLD_LAYOUT.o\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "SKIP: needs root and /sys/kernel/btf/vmlinux\n");
		return TEST_SKIP;
	}
	libbpf_set_print(capture);

	int err = load_with(argv[1], "tp/", true);
	CHECK(err == 0, "old layout: load failed (%d); libbpf log:\n%s", err, logbuf);
	CHECK(strstr(logbuf, "struct trace_event_raw_kvm_exit.exit_reason (0:2 @ offset 16)") != NULL,
	      "old layout: exit_reason not relocated to offset 16");
	CHECK(field_found("isa") == 0, "old layout: isa should be missing (%d)", field_found("isa"));
	CHECK(field_found("vcpu_id") == 0, "old layout: vcpu_id should be missing (%d)", field_found("vcpu_id"));
	if (!failures)
		printf("ok: old layout (no isa, no vcpu_id, exit_reason at 16): relocated and loaded\n");

	err = load_with(NULL, "tp/", false);
	CHECK(err == 0, "this kernel: load failed (%d); libbpf log:\n%s", err, logbuf);
	CHECK(field_found("isa") == 1, "this kernel: isa should exist (%d)", field_found("isa"));
	CHECK(field_found("vcpu_id") == 1, "this kernel: vcpu_id should exist (%d)", field_found("vcpu_id"));
	if (!failures)
		printf("ok: this kernel's layout: isa and vcpu_id found, loaded\n");

	/* The tp_btf programs pass this kernel's verifier too (where its BTF lacks the vendor vCPU
	 * structs, as on a host without kvm_intel/kvm_amd, their branches are dead code: the lab
	 * proves the reads). */
	err = load_with(NULL, "tp_btf/", false);
	CHECK(err == 0, "this kernel: tp_btf programs: load failed (%d); libbpf log:\n%s", err, logbuf);
	if (!failures)
		printf("ok: this kernel: the tp_btf programs loaded\n");
	return test_result("test_bpf_core");
}
