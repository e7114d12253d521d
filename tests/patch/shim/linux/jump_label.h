/* User-space stand-in for <linux/jump_label.h>, enough for arch/x86/kvm/exit_stats.h:
 * a static key is a plain flag here, which a test sets to stand for kvm.exit_stats's mode
 * (the kernel's parameter setter flips the keys). Why: the header's inline hooks test them,
 * and the tests compile the kernel's own header unchanged. A test that calls the hooks
 * defines the keys (kvm_exit_stats_on, kvm_exit_stats_global). */
#ifndef EXITPROF_SHIM_LINUX_JUMP_LABEL_H
#define EXITPROF_SHIM_LINUX_JUMP_LABEL_H

#include <stdbool.h>

struct static_key_true {
	bool enabled;
};

struct static_key_false {
	bool enabled;
};

#define DECLARE_STATIC_KEY_TRUE(name) extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name
#define static_branch_likely(key) ((key)->enabled)
#define static_branch_unlikely(key) ((key)->enabled)

#endif
