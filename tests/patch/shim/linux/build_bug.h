/* User-space stand-in for <linux/build_bug.h> (see types.h here for why): the
 * shim's ARRAY_SIZE() needs nothing from it. */
#ifndef EXITPROF_SHIM_LINUX_BUILD_BUG_H
#define EXITPROF_SHIM_LINUX_BUILD_BUG_H
#endif
