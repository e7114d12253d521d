/* `exitprof record --boot`: see record.h. The VMM is started held (held_vmm.h) until the BPF
 * programs are attached; bin 0 starts at the VM's first kvm_entry (the BPF side's vm_start map). */
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
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "clock.h"
#include "console.h"
#include "exit_table.h"
#include "held_vmm.h"
#include "number.h"
#include "preflight.h"
#include "report.h"
#include "session.h"
#include "signals.h"
#include "cli.h"
#include "timeline_save.h"

#define RECORD_POLL_MS 200
#define RECORD_TERM_GRACE_S 5 /* after --duration/Ctrl-C: SIGTERM, then SIGKILL after this */

/* ---- options ---- */

static const char record_doc[] =
	"exitprof record -- record the exit timeline of a VM from its first VM-entry\n\n"
	"Starts the VMM command given after --, holds it until the BPF programs are attached, then "
	"bins every VM exit of that process by time since the VM's first VM-entry (per vCPU and "
	"exit reason: count and exit->entry time). Stops when the VMM exits, at --duration (the VMM "
	"then gets SIGTERM, and SIGKILL 5 s later) or on Ctrl-C, and writes the timeline as CSV "
	"(columns: docs/boot-analysis.md) and the "
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

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;

	switch (key) {
	case 'b': a->boot = 1; break;
	case 'o': a->output = arg; break;
	case 'c': a->console = arg; break;
	case 's': a->summary_csv = arg; break;
	case 'v': a->verbose = 1; break;
	case 'B':
		if (args_parse_bin(arg, &a->bin_ns))
			return cli_usage_error(state, "--bin '%s' is not a bin width: " ARGS_BIN_FIX, arg);
		break;
	case 'd':
		if (number_parse_positive(arg, ARGS_SECONDS_MAX, &a->duration_s))
			return cli_usage_error(state, ARGS_BAD_DURATION, arg);
		break;
	case ARGP_KEY_ARGS:
		a->cmd = state->argv + state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!a->boot)
			return cli_usage_error(state, "--boot is required: add --boot (for a VM that already runs: "
					       "exitprof --vm PID --timeline FILE)");
		if (!a->output)
			return cli_usage_error(state, "missing the timeline's file: add -o FILE.csv");
		if (!a->cmd || !a->cmd[0])
			return cli_usage_error(state, "missing the VMM command: add it after --, e.g. -- qemu-system-x86_64 -enable-kvm ...");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The summary of the same run, from the exits map: the table on stderr, --csv if asked. */
static int write_summary(struct session *s, const struct record_args *a, double secs)
{
	struct exit_table et;
	struct report r = { "total", secs, secs, NULL, false };
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

int record_parse_args(int argc, char **argv, struct record_args *a, unsigned flags)
{
	static const struct argp argp = { record_options, record_parse, "-- VMM-COMMAND [ARGS...]", record_doc, 0, 0, 0 };

	*a = (struct record_args){ .bin_ns = EXITPROF_DEFAULT_BIN_NS };
	return subcommand_parse(&argp, "exitprof record", argc, argv, a, flags);
}

int exitprof_record_main(int argc, char **argv)
{
	struct record_args a;
	struct tp_avail tp = { 0 };
	struct console con = { .fd = -1 };
	struct session s;
	struct held_vmm vmm;
	char err[512];
	int op[2] = { -1, -1 }; /* the VMM's stdout, with --console */
	int sfd = -1, rc = CLI_FAILED, status = 0, exited = 0, stopped_early = 0, exec_errno;
	pid_t pid;

	if (record_parse_args(argc, argv, &a, 0))
		return CLI_USAGE;

	struct preflight_req pre = {
		.outputs = { { "-o", a.output }, { "--console", a.console }, { "--csv", a.summary_csv } },
	};
	if (preflight_run(&pre, &tp))
		return CLI_FAILED;

	/* SIGCHLD/SIGINT/SIGTERM as events; the child unblocks them before exec. */
	sfd = signals_fd(true);
	if (sfd < 0 || (a.console && pipe2(op, O_CLOEXEC))) {
		fprintf(stderr, "exitprof: cannot set up pipes/signals (%s)\n", strerror(errno));
		goto out_fds;
	}
	if (held_vmm_start(&vmm, a.cmd, op[1])) {
		fprintf(stderr, "exitprof: fork: %s\n", strerror(errno));
		goto out_fds;
	}
	pid = vmm.pid;
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
		held_vmm_abandon(&vmm);
		goto out_fds;
	}

	/* Attached: let the VMM run. */
	uint64_t t_start = clock_now_ns();
	exec_errno = held_vmm_release(&vmm);
	if (exec_errno) {
		fprintf(stderr, "exitprof: cannot run '%s' (%s): check the VMM command after --\n", a.cmd[0],
			strerror(exec_errno));
		session_close(&s);
		goto out_fds;
	}
	fprintf(stderr, "exitprof: recording VMM pid %d (%s)...%s\n", (int)pid, a.cmd[0],
		a.duration_s > 0 ? "" : " until it exits; Ctrl-C to stop");

	uint64_t deadline = a.duration_s > 0 ? t_start + (uint64_t)(a.duration_s * 1e9) : 0;
	uint64_t kill_at = 0;
	while (!exited || con.fd >= 0) {
		struct pollfd pfd[2] = { { sfd, POLLIN, 0 }, { con.fd, POLLIN, 0 } };
		uint64_t now = clock_now_ns();

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
					kill_at = clock_now_ns() + RECORD_TERM_GRACE_S * 1000000000ull;
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
	double secs = (double)(clock_now_ns() - t_start) / 1e9;
	session_detach(&s);

	if (WIFEXITED(status))
		fprintf(stderr, "exitprof: VMM exited with status %d after %.2f s\n", WEXITSTATUS(status), secs);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "exitprof: VMM ended by signal %d after %.2f s\n", WTERMSIG(status), secs);

	uint64_t t0 = 0;
	int bad = write_summary(&s, &a, secs);
	bad |= timeline_save(&s, (uint32_t)pid, a.bin_ns, a.output, &t0);
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
	rc = bad || !t0 ? CLI_FAILED : CLI_OK;
out_fds:
	console_free(&con);
	for (int i = 0; i < 2; i++)
		if (op[i] >= 0)
			close(op[i]);
	if (sfd >= 0)
		close(sfd);
	return rc;
}
