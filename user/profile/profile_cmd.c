// SPDX-License-Identifier: GPL-2.0
/*
 * `exitprof --vm PID | --all`: profile KVM VM exits per VM, vCPU and exit reason (counts, exit->entry latency,
 * kernel/VMM/halted split), aggregated in the kernel by exitprof.bpf.c.
 *
 * Flow: parse and validate the command line; check outputs, the target, privileges, tracefs and
 * BTF (each failure: one line, non-zero exit, nothing loaded yet); load + attach; wait for ticks,
 * the duration, a signal or the VM's exit; print; detach on every path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "args.h"
#include "cli.h"
#include "clock.h"
#include "exit_table.h"
#include "metrics.h"
#include "metrics_http.h"
#include "preflight.h"
#include "profile_cmd.h"
#include "report.h"
#include "session.h"
#include "signals.h"
#include "target.h"
#include "ticks.h"
#include "timeline_save.h"

#define ERR_MAX 512
#define VM_POLL_MS 200 /* how often a --vm target is checked for having exited */

/* Outputs of one run. The table goes to stderr when CSV or JSON took stdout. An output that
 * fails is closed and dropped: the run goes on writing the others, so what was collected still
 * reaches the table (or the files) and the exit status says something was lost. */
struct outputs {
	FILE *table;
	FILE *csv;
	FILE *json;
	const char *csv_path, *json_path;
	bool reader_gone; /* the table's reader closed its end (e.g. `| head`): end the run quietly */
	bool failed;	  /* an output could not be written (error line given) */
};

/* Opens one machine-readable output; "-" is stdout, and then the table moves to stderr. */
static int open_one(struct outputs *o, const char *opt, const char *path, FILE **f, char *err, size_t errlen)
{
	if (!path)
		return 0;
	if (!strcmp(path, "-"))
		o->table = stderr;
	*f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!*f) {
		snprintf(err, errlen, "%s %s cannot be opened (%s): choose a writable path", opt, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_outputs(struct outputs *o, const struct args *a, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->table = stdout;
	o->csv_path = a->csv;
	o->json_path = a->json;
	if (open_one(o, "--csv", a->csv, &o->csv, err, errlen) || open_one(o, "--json", a->json, &o->json, err, errlen))
		return -1;
	if (o->csv && report_csv_header(o->csv)) {
		snprintf(err, errlen, "cannot write --csv %s (%s): free space or choose another path", a->csv,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Drops a machine-readable output after a write error (one line; stdout is not closed). */
static void drop_output(struct outputs *o, FILE **f, const char *opt, const char *path)
{
	cli_error("exitprof", "cannot write %s %s (%s): free space or choose another path; the table still has the counts",
		  opt, path, strerror(errno));
	if (*f != stdout)
		fclose(*f);
	*f = NULL;
	o->failed = true;
}

static int close_outputs(struct outputs *o)
{
	int bad = 0;

	if (o->csv && o->csv != stdout && fclose(o->csv))
		bad = 1;
	if (o->json && o->json != stdout && fclose(o->json))
		bad = 1;
	return bad ? -1 : 0;
}

/* Writes one report to every output still open. A table whose reader went away (EPIPE) is
 * dropped silently; a table that cannot be written otherwise is an error, after which the
 * report goes to stderr so that nothing collected is lost. */
static void emit(struct outputs *o, const struct args *a, const struct exit_table *t, const struct report *r)
{
	if (o->table && report_table(o->table, t, r, a->per_vcpu, a->sort)) {
		if (errno == EPIPE) {
			o->reader_gone = true;
			o->table = NULL;
		} else if (errno == ENOMEM) {
			cli_error("exitprof", "out of memory while formatting the table: free memory or use --all less widely");
			o->failed = true;
		} else if (o->table != stderr) {
			cli_error("exitprof", "cannot write the table (%s): free space or redirect stdout; it goes to stderr now",
				  strerror(errno));
			o->failed = true;
			o->table = stderr;
			report_table(o->table, t, r, a->per_vcpu, a->sort);
		}
	}
	if (o->csv && report_csv_rows(o->csv, t, r))
		drop_output(o, &o->csv, "--csv", o->csv_path);
	if (o->json && report_json(o->json, t, r))
		drop_output(o, &o->json, "--json", o->json_path);
}

/* VM names, remembered while the VMs run: the final table is often printed after they exit. */
#define NAME_CACHE 64
static struct { int pid; char comm[32]; } names[NAME_CACHE];
static int n_names;

static void remember_vm(int pid)
{
	for (int i = 0; i < n_names; i++)
		if (names[i].pid == pid)
			return;
	if (n_names < NAME_CACHE && target_alive(pid)) {
		names[n_names].pid = pid;
		target_vm_name(pid, names[n_names].comm, sizeof(names[n_names].comm));
		n_names++;
	}
}

static void remember_vms(const struct exit_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		remember_vm((int)t->rows[i].key.tgid);
}

static void vm_name(int pid, char *buf, size_t len)
{
	for (int i = 0; i < n_names; i++)
		if (names[i].pid == pid) {
			snprintf(buf, len, "%s", names[i].comm);
			return;
		}
	if (target_alive(pid))
		target_vm_name(pid, buf, len);
	else
		snprintf(buf, len, "exited");
}

/* The metrics of the cumulative table t, to the HTTP server (h) and/or --metrics-file. Returns 0,
 * or -1 after one error line when the file cannot be written. */
static int publish_metrics(const struct args *a, struct metrics_http *h, bool to_file, const struct exit_table *t,
			   const struct session *s)
{
	struct prog_cost c[8];
	struct metrics_prog_cost mc[8];
	int n = a->bpf_stats ? session_prog_costs(s, c, 8) : 0;

	for (int i = 0; i < n; i++)
		mc[i] = (struct metrics_prog_cost){ c[i].name, c[i].run_cnt, c[i].run_time_ns };
	struct metrics_input in = { t, a->per_vcpu, vm_name, n > 0 ? mc : NULL, n > 0 ? n : 0 };
	if (h) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m) {
			int r = metrics_write(m, &in);

			if (fclose(m) == 0 && r == 0)
				metrics_http_update(h, buf, len);
			free(buf);
		}
	}
	if (to_file && metrics_write_file(a->metrics_file, &in)) {
		cli_error("exitprof", "cannot write --metrics-file %s (%s): free space or choose another path",
			  a->metrics_file, strerror(errno));
		return -1;
	}
	return 0;
}

/* --bpf-stats: what each program cost, per run, as the kernel measured it (bench/README.md). */
static void print_prog_costs(const struct session *s)
{
	struct prog_cost c[16]; /* every program of the object, loaded or not */
	int n = session_prog_costs(s, c, 16);

	for (int i = 0; i < n; i++)
		fprintf(stderr, "exitprof: bpf-stats %-26s runs %llu  run_time_ns %llu  avg_ns %.1f  recursion_misses %llu\n",
			c[i].name, (unsigned long long)c[i].run_cnt, (unsigned long long)c[i].run_time_ns,
			c[i].run_cnt ? (double)c[i].run_time_ns / (double)c[i].run_cnt : 0.0,
			(unsigned long long)c[i].recursion_misses);
}

enum stop_reason { STOP_DURATION, STOP_SIGNAL, STOP_VM_EXIT, STOP_READER_GONE, STOP_ERROR };

int profile_main(int argc, char **argv)
{
	char err[ERR_MAX];
	struct args a;
	struct tp_avail tp = { 0 };
	struct outputs out;
	struct session s;
	struct exit_table prev, cur;
	struct metrics_http *mh = NULL;
	enum stop_reason why = STOP_ERROR;
	struct ticks tk;
	double t_start, t_prev, deadline, next_names = 0;
	bool metrics_failed = false;
	int sfd, rc = CLI_FAILED;

	if (args_parse(argc, argv, &a, err, sizeof(err), false)) {
		cli_error("exitprof", "%s", err);
		return CLI_USAGE;
	}
	struct preflight_req pre = {
		.outputs = { { "--csv", a.csv }, { "--json", a.json }, { "--timeline", a.timeline },
			     { "--metrics-file", a.metrics_file } },
		.vm_pid = a.vm_pid,
	};
	if (preflight_run(&pre, &tp))
		return CLI_FAILED;
	if (a.time_split && !tp.userspace_exit) {
		cli_error("exitprof", "--time-split splits the time after kvm:kvm_userspace_exit, which this kernel lacks: run without --time-split");
		return CLI_FAILED;
	}
	if (a.time_split && !tp.split_events) {
		cli_error("exitprof", "--time-split needs the tracepoints raw_syscalls:sys_enter/sys_exit and sched:sched_switch/sched_wakeup, which tracefs lacks (CONFIG_FTRACE_SYSCALLS): run without --time-split");
		return CLI_FAILED;
	}
	if (!tp.userspace_exit || !tp.vcpu_wakeup)
		fprintf(stderr, "exitprof: note: kvm:%s missing: the VMM/HALTED split is not measured\n",
			!tp.userspace_exit ? "kvm_userspace_exit" : "kvm_vcpu_wakeup");
	sfd = signals_fd(false);
	if (sfd < 0) {
		fprintf(stderr, "exitprof: cannot set up signal handling (%s)\n", strerror(errno));
		return CLI_FAILED;
	}
	if (open_outputs(&out, &a, err, sizeof(err))) {
		cli_error("exitprof", "%s", err);
		close_outputs(&out);
		return CLI_FAILED;
	}

	struct session_cfg cfg = {
		.tgid = (uint32_t)a.vm_pid,
		.vcpu = a.vcpu < 0 ? EXITPROF_VCPU_ANY : (uint32_t)a.vcpu,
		.tp = tp,
		.verbose = a.verbose,
		.bpf_stats = a.bpf_stats,
		.timeline = a.timeline != NULL,
		.bin_ns = a.bin_ns,
		.max_keys = a.max_keys,
		.time_split = a.time_split,
	};
	if (session_open(&s, &cfg, err, sizeof(err))) {
		cli_error("exitprof", "%s", err);
		close_outputs(&out);
		return CLI_FAILED;
	}
	if (a.metrics && !(mh = metrics_http_start(a.metrics_addr, a.metrics_port, err, sizeof(err)))) {
		cli_error("exitprof", "%s", err);
		session_close(&s);
		close_outputs(&out);
		return CLI_FAILED;
	}
	if (mh) {
		char ip[16];
		uint32_t h = ntohl(a.metrics_addr);

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255);
		fprintf(stderr, "exitprof: metrics at http://%s:%u/metrics\n", ip, a.metrics_port);
	}

	if (a.all)
		fprintf(stderr, "exitprof: profiling every VM...%s\n", a.duration_s > 0 ? "" : " Ctrl-C to stop");
	else
		fprintf(stderr, "exitprof: profiling VM pid %d...%s\n", a.vm_pid, a.duration_s > 0 ? "" : " Ctrl-C to stop");
	exit_table_init(&prev);
	if (a.vm_pid)
		remember_vm(a.vm_pid);
	t_start = t_prev = clock_now_s();
	deadline = a.duration_s > 0 ? t_start + a.duration_s : 0;
	ticks_init(&tk, t_start, a.interval_s, mh != NULL, a.metrics_file != NULL);

	for (;;) {
		double t = clock_now_s(), wake = t + VM_POLL_MS / 1000.0;
		struct pollfd pfd = { sfd, POLLIN, 0 };
		unsigned due;
		int n;

		if (deadline && t >= deadline) {
			why = STOP_DURATION;
			break;
		}
		if (a.vm_pid && !target_alive(a.vm_pid)) {
			why = STOP_VM_EXIT;
			break;
		}
		if (a.all && t >= next_names) { /* name VMs while they run: many end before the table */
			session_for_each_tgid(&s, remember_vm);
			next_names = t + 1.0;
		}
		due = ticks_due(&tk, t);
		if (due) { /* one read for the report and the metrics due now */
			if (session_read(&s, &cur)) {
				fprintf(stderr, "exitprof: cannot read the BPF maps (%s)\n", strerror(errno));
				break;
			}
			remember_vms(&cur);
		}
		if (due & TICK_BIT(TICK_INTERVAL)) {
			struct exit_table delta;
			struct report r = { "interval", t - t_start, t - t_prev, vm_name, a.time_split };

			if (exit_table_delta(&delta, &cur, &prev)) {
				fprintf(stderr, "exitprof: cannot read the BPF maps (%s)\n", strerror(errno));
				exit_table_free(&cur);
				break;
			}
			emit(&out, &a, &delta, &r);
			exit_table_free(&delta);
			exit_table_free(&prev);
			prev = cur; /* the same rows: cur is read below, then freed as prev */
			t_prev = t;
			if (out.reader_gone) {
				why = STOP_READER_GONE;
				break;
			}
		}
		if (due & (TICK_BIT(TICK_HTTP) | TICK_BIT(TICK_FILE))) {
			if (publish_metrics(&a, due & TICK_BIT(TICK_HTTP) ? mh : NULL, due & TICK_BIT(TICK_FILE), &cur, &s)) {
				metrics_failed = true;
				tk.next[TICK_FILE] = 0; /* one error line; the table still gets everything */
			}
		}
		if (due && !(due & TICK_BIT(TICK_INTERVAL))) /* else prev holds it */
			exit_table_free(&cur);
		ticks_advance(&tk, due, t);
		wake = ticks_wake(&tk, wake);
		if (deadline && deadline < wake)
			wake = deadline;
		n = poll(&pfd, 1, (int)((wake - t) * 1000.0) + 1);
		if (n > 0) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) > 0) {
				why = STOP_SIGNAL;
				break;
			}
		} else if (n < 0 && errno != EINTR) {
			fprintf(stderr, "exitprof: poll failed (%s)\n", strerror(errno));
			break;
		}
	}

	/* Detach first, so the final numbers are a consistent end state; maps stay readable. */
	double t_end = clock_now_s();
	session_detach(&s);
	if (why != STOP_ERROR) {
		double t = t_end;

		if (why == STOP_VM_EXIT)
			fprintf(stderr, "exitprof: VM pid %d exited after %.2f s: summary of what was collected\n",
				a.vm_pid, t - t_start);
		if (session_read(&s, &cur)) {
			fprintf(stderr, "exitprof: cannot read the BPF maps (%s)\n", strerror(errno));
		} else {
			struct report total = { "total", t - t_start, t - t_start, vm_name, a.time_split };
			int bad = 0;

			/* With --interval, the last partial interval too, so intervals add up to the total. */
			if (a.interval_s > 0 && t - t_prev > 0.001) {
				struct exit_table delta;
				struct report r = { "interval", t - t_start, t - t_prev, vm_name, a.time_split };

				if (exit_table_delta(&delta, &cur, &prev) == 0) {
					emit(&out, &a, &delta, &r);
					exit_table_free(&delta);
				}
			}
			emit(&out, &a, &cur, &total);
			if (a.metrics_file && !metrics_failed && publish_metrics(&a, mh, true, &cur, &s))
				metrics_failed = true;
			exit_table_free(&cur);
			uint64_t t0;
			if (a.timeline && timeline_save(&s, (uint32_t)a.vm_pid,
								a.bin_ns ? a.bin_ns : EXITPROF_DEFAULT_BIN_NS, a.timeline, &t0))
				bad = 1;
			rc = bad || out.failed || metrics_failed ? CLI_FAILED : CLI_OK;
		}
	}
	exit_table_free(&prev);
	if (mh)
		fprintf(stderr, "exitprof: metrics served %lu scrapes\n", metrics_http_scrapes(mh));
	metrics_http_stop(mh);
	if (a.bpf_stats)
		print_prog_costs(&s);
	session_close(&s);
	if (close_outputs(&out)) {
		fprintf(stderr, "exitprof: cannot finish writing the output files (%s)\n", strerror(errno));
		rc = CLI_FAILED;
	}
	close(sfd);
	return rc;
}
