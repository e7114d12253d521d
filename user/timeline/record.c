/* `exitprof record --boot`: see record.h.
 *
 * Why the VMM is started by us and held: a boot's first exits happen within milliseconds of the
 * VMM's start, before anyone could type its pid. So the child is forked, waits on a pipe, and
 * only exec()s the VMM once the BPF programs (filtered to the child's pid, which exec keeps)
 * are attached. Bin 0 starts at the VM's first kvm_entry (the BPF side's vm_start map).
 */
#define _GNU_SOURCE
#include "record.h"

#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exit_table.h"
#include "preflight.h"
#include "report.h"
#include "session.h"
#include "subcommand.h"
#include "timeline.h"
#include "timeline_csv.h"

#define RECORD_POLL_MS 200
#define RECORD_TERM_GRACE_S 5 /* after --duration/Ctrl-C: SIGTERM, then SIGKILL after this */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the timeline out of the BPF maps ---- */

struct collect_ctx {
	struct tl_table *t;
	uint32_t tgid;
	int nomem;
};

static int collect_cell(const struct tl_key *k, const struct tl_val *v, void *ctx)
{
	struct collect_ctx *c = ctx;
	struct tl_record r = { k->bin, k->vcpu_id, k->isa, k->reason, v->count, v->total_ns };

	if (k->tgid != c->tgid)
		return 0;
	if (tl_table_add(c->t, &r)) {
		c->nomem = 1;
		return 1;
	}
	return 0;
}

int record_write_timeline(struct session *s, uint32_t tgid, uint64_t bin_ns, const char *path,
			  uint64_t *t0_ns)
{
	struct tl_table t;
	struct collect_ctx c = { &t, tgid, 0 };
	struct exit_table et;
	FILE *f;
	int rc = -1;

	*t0_ns = 0;
	tl_table_init(&t, bin_ns);
	if (timeline_read(session_timeline_fd(s), s->ncpus, collect_cell, &c)) {
		fprintf(stderr, "exitprof: cannot read the timeline map (%s)\n",
			c.nomem ? "out of memory" : strerror(errno));
		goto out;
	}
	timeline_vm_start(session_vm_start_fd(s), tgid, t0_ns);
	if (session_read(s, &et) == 0) {
		if (et.stats[EXITPROF_STAT_DROP_TIMELINE] || et.stats[EXITPROF_STAT_DROP_VMS])
			fprintf(stderr,
				"exitprof: warning: %" PRIu64 " exits are missing from the timeline (its map was full):"
				" use a wider --bin\n",
				et.stats[EXITPROF_STAT_DROP_TIMELINE] + et.stats[EXITPROF_STAT_DROP_VMS]);
		exit_table_free(&et);
	}
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "exitprof: cannot write the timeline %s (%s): choose a writable path\n", path,
			strerror(errno));
		goto out;
	}
	errno = 0;
	int bad = tl_write_csv(f, &t);
	if (f != stdout && fclose(f))
		bad = -1;
	if (bad) {
		fprintf(stderr, "exitprof: cannot write the timeline %s (%s): check the disk\n", path,
			strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	tl_table_free(&t);
	return rc;
}

/* ---- the console log: the VMM's stdout, line by line, with the time each line arrived ---- */

struct console {
	int fd;          /* read end of the VMM's stdout, -1 when closed */
	char part[4096]; /* the line being assembled */
	size_t plen;
	uint64_t part_ns; /* arrival of its first byte */
	struct cline { uint64_t ns; char *text; } *lines;
	size_t n, cap;
};

static void console_push(struct console *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *p = realloc(c->lines, cap * sizeof(*c->lines));
		if (!p)
			return; /* the log is a convenience: keep profiling */
		c->lines = p;
		c->cap = cap;
	}
	c->lines[c->n].ns = c->part_ns;
	c->lines[c->n].text = strndup(c->part, c->plen);
	if (c->lines[c->n].text)
		c->n++;
	c->plen = 0;
}

/* Reads what is there, echoes it to our stdout, and splits it into lines. */
static void console_read(struct console *c)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (c->plen)
				console_push(c);
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	uint64_t now = mono_ns();
	fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	for (ssize_t i = 0; i < n; i++) {
		if (c->plen == 0)
			c->part_ns = now;
		if (buf[i] == '\n') {
			console_push(c);
		} else if (buf[i] != '\r' && c->plen < sizeof(c->part)) {
			c->part[c->plen++] = buf[i];
		}
	}
}

/* CSV "t_ms,line": ms since bin 0 (negative: before the VM's first entry; since the VMM started
 * if it never entered). */
static int console_write(const struct console *c, const char *path, uint64_t t0)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("t_ms,line\r\n", f);
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%.3f,", ((double)c->lines[i].ns - (double)t0) / 1e6);
		csv_write_field(f, c->lines[i].text);
		fputs("\r\n", f);
	}
	return fclose(f);
}

static void console_free(struct console *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->lines[i].text);
	free(c->lines);
	if (c->fd >= 0)
		close(c->fd);
}

/* ---- options ---- */

struct record_args {
	int boot;
	const char *output, *console, *summary_csv;
	uint64_t bin_ns;
	double duration_s;
	int verbose;
	char **cmd;
};

static const char record_doc[] =
	"exitprof record -- record the exit timeline of a VM from its first VM-entry\n\n"
	"Starts the VMM command given after --, holds it until the BPF programs are attached, then "
	"bins every VM exit of that process by time since the VM's first VM-entry (per vCPU and "
	"exit reason: count and exit->entry time). Stops when the VMM exits, at --duration (the VMM "
	"then gets SIGTERM, and SIGKILL 5 s later) or on Ctrl-C, and writes the timeline as CSV "
	"(columns t_ms,vcpu,isa,reason,reason_name,count,time_ns; see docs/boot-analysis.md) and the "
	"usual summary table on stderr. The command must be the VMM itself or exec() it (a wrapper "
	"script ends in `exec qemu-system-x86_64 ...`): only the started process is profiled. Needs "
	"root (or CAP_BPF + CAP_PERFMON).\n\n"
	"Examples:\n"
	"  exitprof record --boot -o boot.csv -- qemu-system-x86_64 -enable-kvm -m 512M -kernel bzImage ...\n"
	"  exitprof record --boot -o boot.csv --bin 1 --console console.csv -- ./boot-vm.sh\n"
	"  exitprof plot boot.csv -o boot.svg\n";

static const struct argp_option record_options[] = {
	{ "boot", 'b', 0, 0, "Record a boot: start the VMM (after --) and profile it from its first VM-entry", 0 },
	{ "output", 'o', "FILE", 0, "Timeline CSV to write (- = stdout)", 0 },
	{ "bin", 'B', "MS", 0, "Bin width in milliseconds (default 10; decimals allowed, >= 0.001)", 0 },
	{ "duration", 'd', "S", 0, "Stop after S seconds even if the VMM still runs", 0 },
	{ "console", 'c', "FILE", 0, "Also capture the VMM's stdout (its serial console) as CSV t_ms,line", 0 },
	{ "csv", 's', "FILE", 0, "Also write the run's summary (exitprof --csv columns) to FILE", 0 },
	{ "verbose", 'v', 0, 0, "libbpf's messages on stderr", 0 },
	{ 0 },
};

static int parse_positive(const char *s, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;
	double v;

	switch (key) {
	case 'b': a->boot = 1; break;
	case 'o': a->output = arg; break;
	case 'c': a->console = arg; break;
	case 's': a->summary_csv = arg; break;
	case 'v': a->verbose = 1; break;
	case 'B':
		if (parse_positive(arg, 3600e3, &v) || v < 0.001)
			argp_error(state, "--bin '%s': expected milliseconds from 0.001 to 3600000, e.g. --bin 10", arg);
		a->bin_ns = (uint64_t)(v * 1e6 + 0.5);
		break;
	case 'd':
		if (parse_positive(arg, 1e7, &v))
			argp_error(state, "--duration '%s': expected seconds > 0, e.g. --duration 60", arg);
		a->duration_s = v;
		break;
	case ARGP_KEY_ARGS:
		a->cmd = state->argv + state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!a->boot)
			argp_error(state, "--boot is required (the only mode so far; for a running VM use "
					  "exitprof --vm PID --timeline FILE)");
		if (!a->output)
			argp_error(state, "missing -o FILE.csv for the timeline");
		if (!a->cmd || !a->cmd[0])
			argp_error(state, "missing the VMM command after --, e.g. -- qemu-system-x86_64 -enable-kvm ...");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- the child: wait for the go byte, then become the VMM ---- */

static void child_run(int go_fd, int err_fd, int out_fd, char **cmd)
{
	char c;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (read(go_fd, &c, 1) != 1)
		_exit(127); /* the parent gave up (BPF did not attach): never run unprofiled */
	execvp(cmd[0], cmd);
	int e = errno;
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int check_outputs(const struct record_args *a, char *err, size_t errlen)
{
	if (preflight_output("-o", a->output, err, errlen) ||
	    preflight_output("--console", a->console, err, errlen) ||
	    preflight_output("--csv", a->summary_csv, err, errlen))
		return -1;
	return 0;
}

/* The summary of the same run, from the exits map: the table on stderr, --csv if asked. */
static int write_summary(struct session *s, const struct record_args *a, double secs)
{
	struct exit_table et;
	struct report r = { "total", secs, secs, NULL };
	int rc = 0;

	if (session_read(s, &et)) {
		fprintf(stderr, "exitprof: cannot read the BPF maps (%s)\n", strerror(errno));
		return -1;
	}
	if (report_table(stderr, &et, &r, false, SORT_COUNT))
		rc = -1;
	if (a->summary_csv) {
		FILE *f = fopen(a->summary_csv, "w");
		if (!f || report_csv_header(f) || report_csv_rows(f, &et, &r) || fclose(f)) {
			fprintf(stderr, "exitprof: cannot write --csv %s (%s)\n", a->summary_csv, strerror(errno));
			rc = -1;
		}
	}
	exit_table_free(&et);
	return rc;
}

int exitprof_record_main(int argc, char **argv)
{
	static const struct argp argp = { record_options, record_parse, "-- VMM-COMMAND [ARGS...]", record_doc, 0, 0, 0 };
	struct record_args a = { .bin_ns = EXITPROF_DEFAULT_BIN_NS };
	struct tp_avail tp = { false, false };
	struct console con = { .fd = -1 };
	struct session s;
	char err[512];
	int go[2] = { -1, -1 }, ep[2] = { -1, -1 }, op[2] = { -1, -1 };
	int sfd = -1, rc = 1, status = 0, exited = 0, stopped_early = 0;
	pid_t pid;

	if (subcommand_parse(&argp, "exitprof record", argc, argv, &a))
		return 2;

	if (check_outputs(&a, err, sizeof(err)) || preflight_privileges(err, sizeof(err)) ||
	    preflight_tracepoints(&tp, err, sizeof(err)) || preflight_btf(err, sizeof(err))) {
		fprintf(stderr, "exitprof: %s\n", err);
		return 1;
	}

	/* SIGCHLD/SIGINT/SIGTERM as events; the child unblocks them before exec. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || pipe2(go, O_CLOEXEC) || pipe2(ep, O_CLOEXEC) || (a.console && pipe2(op, O_CLOEXEC))) {
		fprintf(stderr, "exitprof: cannot set up pipes/signals (%s)\n", strerror(errno));
		goto out_fds;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "exitprof: fork: %s\n", strerror(errno));
		goto out_fds;
	}
	if (pid == 0) {
		close(go[1]);
		close(ep[0]);
		child_run(go[0], ep[1], op[1], a.cmd);
	}
	close(go[0]);
	close(ep[1]);
	go[0] = ep[1] = -1;
	if (a.console) {
		close(op[1]);
		op[1] = -1;
		con.fd = op[0];
		op[0] = -1;
		fcntl(con.fd, F_SETFL, O_NONBLOCK);
	}

	struct session_cfg cfg = {
		.tgid = (uint32_t)pid, .vcpu = EXITPROF_VCPU_ANY, .tp = tp,
		.timeline = true, .bin_ns = a.bin_ns, .verbose = a.verbose,
	};
	if (session_open(&s, &cfg, err, sizeof(err))) {
		fprintf(stderr, "exitprof: %s\n", err);
		close(go[1]); /* the child reads EOF and exits without running the VMM */
		go[1] = -1;
		waitpid(pid, NULL, 0);
		goto out_fds;
	}

	/* Attached: let the VMM run. */
	uint64_t t_start = mono_ns();
	if (write(go[1], "g", 1) != 1) {
		fprintf(stderr, "exitprof: cannot start the VMM (%s)\n", strerror(errno));
		kill(pid, SIGKILL);
	}
	close(go[1]);
	go[1] = -1;
	int exec_errno = 0;
	if (read(ep[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		fprintf(stderr, "exitprof: cannot run '%s' (%s): check the VMM command after --\n", a.cmd[0],
			strerror(exec_errno));
		waitpid(pid, NULL, 0);
		session_close(&s);
		goto out_fds;
	}
	fprintf(stderr, "exitprof: recording VMM pid %d (%s)...%s\n", (int)pid, a.cmd[0],
		a.duration_s > 0 ? "" : " until it exits; Ctrl-C to stop");

	uint64_t deadline = a.duration_s > 0 ? t_start + (uint64_t)(a.duration_s * 1e9) : 0;
	uint64_t kill_at = 0;
	while (!exited || con.fd >= 0) {
		struct pollfd pfd[2] = { { sfd, POLLIN, 0 }, { con.fd, POLLIN, 0 } };
		uint64_t now = mono_ns();

		if (!exited && deadline && now >= deadline && !stopped_early) {
			fprintf(stderr, "exitprof: --duration reached: stopping the VMM (SIGTERM)\n");
			stopped_early = 1;
			kill(pid, SIGTERM);
			kill_at = now + RECORD_TERM_GRACE_S * 1000000000ull;
		}
		if (!exited && kill_at && now >= kill_at) {
			kill(pid, SIGKILL);
			kill_at = 0;
		}
		if (poll(pfd, con.fd >= 0 ? 2 : 1, RECORD_POLL_MS) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGCHLD && !exited && !stopped_early) {
					fprintf(stderr, "exitprof: interrupted: stopping the VMM (SIGTERM)\n");
					stopped_early = 1;
					kill(pid, SIGTERM);
					kill_at = mono_ns() + RECORD_TERM_GRACE_S * 1000000000ull;
				}
			}
		}
		if (con.fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			console_read(&con);
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		if (exited && con.fd >= 0 && !(pfd[1].revents & (POLLIN | POLLHUP)))
			break; /* a grandchild keeps the pipe open: stop waiting for it */
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	double secs = (double)(mono_ns() - t_start) / 1e9;
	session_detach(&s);

	if (WIFEXITED(status))
		fprintf(stderr, "exitprof: VMM exited with status %d after %.2f s\n", WEXITSTATUS(status), secs);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "exitprof: VMM ended by signal %d after %.2f s\n", WTERMSIG(status), secs);

	uint64_t t0 = 0;
	int bad = write_summary(&s, &a, secs);
	bad |= record_write_timeline(&s, (uint32_t)pid, a.bin_ns, a.output, &t0);
	if (!t0)
		fprintf(stderr, "exitprof: the VMM never entered its VM (no kvm_entry): is it using KVM (-enable-kvm)?\n");
	if (a.console && console_write(&con, a.console, t0 ? t0 : t_start)) {
		fprintf(stderr, "exitprof: cannot write --console %s (%s)\n", a.console, strerror(errno));
		bad = 1;
	}
	if (!bad)
		fprintf(stderr, "exitprof: wrote %s (bins of %g ms from the first VM-entry)%s%s\n", a.output,
			(double)a.bin_ns / 1e6, a.console ? " and " : "", a.console ? a.console : "");
	session_close(&s);
	rc = bad || !t0 ? 1 : 0;
out_fds:
	console_free(&con);
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (ep[i] >= 0)
			close(ep[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	if (sfd >= 0)
		close(sfd);
	return rc;
}
