/* See session.h. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "collect.h"
#include "exitprof.skel.h"
#include "session.h"
#include "tp_flavour.h"

#define EXITS_MAP_BUDGET (64ull << 20)

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

uint32_t session_max_keys(int ncpus)
{
	uint64_t per_key = (uint64_t)sizeof(struct exit_val) * (uint64_t)(ncpus > 0 ? ncpus : 1);
	uint64_t keys = EXITS_MAP_BUDGET / per_key;

	if (keys > EXITPROF_MAX_KEYS)
		keys = EXITPROF_MAX_KEYS;
	if (keys < 256)
		keys = 256;
	return (uint32_t)keys;
}

/* Sets the programs of one flavour to load (the optional ones only where their tracepoint
 * exists) and the other flavour's not; the --time-split ones only with it (the sched programs in
 * both flavours: they are tp_btf only). cast: the tp_btf kvm_exit program that reads the exit
 * reason with bpf_rdonly_cast(), instead of the one with helper calls. */
static void set_programs(struct exitprof_bpf *obj, const struct tp_avail *tp, enum tp_flavour f, bool cast,
			 bool split)
{
	bool btf = f == TP_FLAVOUR_BTF;

	bpf_program__set_autoload(obj->progs.handle_kvm_exit_cast, btf && cast);
	bpf_program__set_autoload(obj->progs.handle_kvm_exit_btf, btf && !cast);
	bpf_program__set_autoload(obj->progs.handle_kvm_entry_btf, btf);
	bpf_program__set_autoload(obj->progs.handle_kvm_userspace_exit_btf, btf && tp->userspace_exit);
	bpf_program__set_autoload(obj->progs.handle_kvm_vcpu_wakeup_btf, btf && tp->vcpu_wakeup);
	bpf_program__set_autoload(obj->progs.handle_kvm_exit, !btf);
	bpf_program__set_autoload(obj->progs.handle_kvm_entry, !btf);
	/* The split needs these two; without them the times are still right, only unsplit. */
	bpf_program__set_autoload(obj->progs.handle_kvm_userspace_exit, !btf && tp->userspace_exit);
	bpf_program__set_autoload(obj->progs.handle_kvm_vcpu_wakeup, !btf && tp->vcpu_wakeup);
	/* --time-split: nothing of it is loaded without it. */
	bpf_program__set_autoload(obj->progs.handle_sys_exit_btf, btf && split);
	bpf_program__set_autoload(obj->progs.handle_sys_enter_btf, btf && split);
	bpf_program__set_autoload(obj->progs.handle_sys_exit, !btf && split);
	bpf_program__set_autoload(obj->progs.handle_sys_enter, !btf && split);
	bpf_program__set_autoload(obj->progs.handle_sched_switch_btf, split);
	bpf_program__set_autoload(obj->progs.handle_sched_wakeup_btf, split);
	/* handle_sched_process_exit: always (it frees the state of threads that end). */
}

/* Frees the BPF object (detaching whatever it attached); the stats handle stays. */
static void drop_object(struct session *s)
{
	session_detach(s);
	if (s->obj)
		exitprof_bpf__destroy(s->obj);
	s->obj = NULL;
}

/* Opens, configures, loads and attaches one flavour's programs; on failure nothing stays loaded. */
static int open_flavour(struct session *s, const struct session_cfg *cfg, enum tp_flavour f, bool cast, char *err,
			size_t errlen)
{
	struct exitprof_bpf *obj;
	unsigned slots;
	int e;

	obj = exitprof_bpf__open();
	if (!obj) {
		snprintf(err, errlen, "cannot open the BPF object (%s): run with --verbose for details", strerror(errno));
		return -1;
	}
	s->obj = obj;
	s->flavour = f;
	s->exit_cast = f == TP_FLAVOUR_BTF && cast;
	obj->rodata->targ_tgid = cfg->tgid;
	obj->rodata->targ_vcpu = cfg->vcpu;
	obj->rodata->timeline = cfg->timeline;
	if (cfg->bin_ns)
		obj->rodata->bin_ns = cfg->bin_ns;
	s->max_keys = cfg->max_keys ? cfg->max_keys : session_max_keys(s->ncpus);
	obj->rodata->nr_slots = s->max_keys;
	bpf_map__set_max_entries(obj->maps.exits, s->max_keys);
	bpf_map__set_max_entries(obj->maps.exit_slots, s->max_keys);
	/* A feature that is off costs no memory either. */
	bpf_map__set_max_entries(obj->maps.timeline_bins,
				 cfg->timeline ? (cfg->timeline_keys ? cfg->timeline_keys : EXITPROF_MAX_TIMELINE_KEYS) : 1);
	bpf_map__set_max_entries(obj->maps.vm_start, cfg->timeline ? EXITPROF_MAX_VMS : 1);
	/* 0: a caller that skipped preflight_tracepoints() */
	slots = cfg->tp.thread_slots ? cfg->tp.thread_slots : EXITPROF_THREAD_SLOTS;
	obj->rodata->thread_slot_mask = slots - 1;
	bpf_map__set_max_entries(obj->maps.thread_slots, slots);
	obj->rodata->time_split = cfg->time_split;
	obj->rodata->hot_extras = cfg->timeline || cfg->time_split;
	set_programs(obj, &cfg->tp, f, cast, cfg->time_split);

	e = exitprof_bpf__load(obj);
	if (e == -ENOMEM && cfg->max_keys) {
		snprintf(err, errlen, "the kernel cannot allocate an exits map of %u rows (%s): lower --max-keys",
			 cfg->max_keys, strerror(-e));
		drop_object(s);
		return -1;
	}
	if (e) {
		snprintf(err, errlen,
			 "the kernel refused the BPF program (%s tracepoints: %s): run with --verbose for libbpf's log (needs BTF with the kvm tracepoint types and task storage, Linux >= 5.11)",
			 tp_flavour_name(f), strerror(-e));
		drop_object(s);
		return -1;
	}
	e = exitprof_bpf__attach(obj);
	if (e) {
		snprintf(err, errlen, "cannot attach to the kvm tracepoints (%s tracepoints: %s): run with --verbose for details",
			 tp_flavour_name(f), strerror(-e));
		drop_object(s);
		return -1;
	}
	s->attached = true;
	return 0;
}

int session_open(struct session *s, const struct session_cfg *cfg, char *err, size_t errlen)
{
	enum tp_request req = cfg->tp.request;
	char why[256] = "";
	struct tp_btf_support sup = { 0 };
	bool btf;

	memset(s, 0, sizeof(*s));
	s->stats_fd = -1;
	libbpf_set_print(cfg->verbose ? libbpf_print_verbose : libbpf_print_quiet);
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		snprintf(err, errlen, "cannot count the possible CPUs (/sys/devices/system/cpu/possible): is /sys mounted?");
		return -1;
	}
	if (cfg->bpf_stats) {
		/* Stats stay on while the fd is open; enabled before attach so every run is measured. */
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (s->stats_fd < 0) {
			snprintf(err, errlen, "cannot enable BPF run-time statistics (%s): needs Linux >= 5.8",
				 strerror(errno));
			return -1;
		}
	}
	if (req != TP_REQUEST_CLASSIC)
		sup = tp_btf_probe(why, sizeof(why));
	btf = sup.usable;
	if (req == TP_REQUEST_BTF && !btf) {
		snprintf(err, errlen, "%s=btf, but %s: unset it to use the classic tracepoints", TP_REQUEST_ENV, why);
		session_close(s);
		return -1;
	}
	/* The cast program where the kernel has the kfunc; should its verifier still refuse it, the
	 * helper-call one, which reads the same field. */
	if (sup.cast && open_flavour(s, cfg, TP_FLAVOUR_BTF, true, err, errlen) == 0)
		goto opened;
	if (btf && open_flavour(s, cfg, TP_FLAVOUR_BTF, false, err, errlen) == 0)
		goto opened;
	if (btf && req == TP_REQUEST_BTF) {
		session_close(s);
		return -1;
	}
	if (btf) {
		/* The BTF offered them, yet the kernel refused: the user pays the costlier classic
		 * tracepoints, so this is said even without --verbose. */
		snprintf(why, sizeof(why), "%s", err);
		if (!cfg->verbose)
			fprintf(stderr, "exitprof: note: the tp_btf programs did not load, using the classic tracepoints: %s\n",
				why);
	}
	if (open_flavour(s, cfg, TP_FLAVOUR_CLASSIC, false, err, errlen)) {
		session_close(s);
		return -1;
	}
opened:
	if (cfg->verbose)
		fprintf(stderr, "exitprof: %s tracepoints%s%s%s%s\n", tp_flavour_name(s->flavour),
			s->exit_cast ? ", exit reason by bpf_rdonly_cast" : "", *why ? " (" : "", why, *why ? ")" : "");
	return 0;
}

int session_read(struct session *s, struct exit_table *t)
{
	return collect_exits(bpf_map__fd(s->obj->maps.exit_slots), bpf_map__fd(s->obj->maps.exits),
			     bpf_map__fd(s->obj->maps.stats), s->ncpus, t);
}

void session_for_each_tgid(struct session *s, void (*cb)(int tgid))
{
	struct exit_key key, next, *prev = NULL;
	int fd = bpf_map__fd(s->obj->maps.exit_slots);
	int last = -1;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if ((int)key.tgid != last)
			cb((int)key.tgid);
		last = (int)key.tgid;
	}
}

void session_detach(struct session *s)
{
	if (s->obj && s->attached)
		exitprof_bpf__detach(s->obj);
	s->attached = false;
}

void session_close(struct session *s)
{
	drop_object(s);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	s->stats_fd = -1;
}

int session_prog_costs(const struct session *s, struct prog_cost *out, int n)
{
	struct bpf_program *prog;
	int i = 0;

	if (!s->obj || s->stats_fd < 0)
		return -1;
	bpf_object__for_each_program(prog, s->obj->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (i >= n || fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		out[i].name = bpf_program__name(prog);
		out[i].event = strrchr(bpf_program__section_name(prog), '/') + 1; /* tp/kvm/X, tp_btf/X */
		out[i].run_cnt = info.run_cnt;
		out[i].run_time_ns = info.run_time_ns;
		out[i].recursion_misses = info.recursion_misses;
		i++;
	}
	return i;
}

int session_timeline_cells(struct session *s, collect_cell_fn cb, void *ctx)
{
	return collect_timeline(bpf_map__fd(s->obj->maps.timeline_bins), s->ncpus, cb, ctx);
}

int session_vm_start(struct session *s, uint32_t tgid, uint64_t *t0_ns)
{
	return bpf_map_lookup_elem(bpf_map__fd(s->obj->maps.vm_start), &tgid, t0_ns) == 0 ? 0 : -1;
}
