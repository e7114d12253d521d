/* User-space stand-in for <linux/jump_label.h>, enough for arch/x86/kvm/exit_stats.h:
 * a static key is a plain flag here. Why: the header's inline hooks test one, and this test
 * compiles the kernel's own header unchanged (the hooks themselves are not called here). */
#ifndef EXITPROF_SHIM_LINUX_JUMP_LABEL_H
#define EXITPROF_SHIM_LINUX_JUMP_LABEL_H

#include <stdbool.h>

struct static_key_true {
	bool enabled;
};

#define DECLARE_STATIC_KEY_TRUE(name) extern struct static_key_true name
#define static_branch_likely(key) ((key)->enabled)

#endif
