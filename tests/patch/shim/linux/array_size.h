/* User-space stand-in for <linux/array_size.h> (see types.h here for why). */
#ifndef EXITPROF_SHIM_LINUX_ARRAY_SIZE_H
#define EXITPROF_SHIM_LINUX_ARRAY_SIZE_H

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

#endif
