/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability numbers newer than some build hosts' <linux/capability.h>
 * (CAP_PERFMON and CAP_BPF came in Linux 5.8). */
#ifndef PT_CAPS_COMPAT_H
#define PT_CAPS_COMPAT_H

#include <linux/capability.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#endif
