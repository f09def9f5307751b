/* fastpath.c - the process-wide switch of include/upki/fastpath.h. */
#include "upki/fastpath.h"

static gint off;

void upki_fast_paths_set(gboolean on)
{
	g_atomic_int_set(&off, !on);
}

gboolean upki_fast_paths_on(void)
{
	return !g_atomic_int_get(&off);
}
