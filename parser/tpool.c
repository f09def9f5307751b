/* tpool.c - per-thread caches that outlive their thread (tpool-private.h
 * says why).  Taken once when a thread first needs its cache, given back
 * from the GPrivate destructor when the thread ends: a lock per thread,
 * none per message. */
#include "tpool-private.h"

gpointer upki_tpool_take(upki_tpool *p)
{
	gpointer obj = NULL;

	g_mutex_lock(&p->lock);
	if (p->n)
		obj = p->idle[--p->n];
	g_mutex_unlock(&p->lock);
	return obj;
}

gboolean upki_tpool_give(upki_tpool *p, gpointer obj)
{
	gboolean kept = FALSE;

	g_mutex_lock(&p->lock);
	if (p->n < UPKI_TPOOL_MAX) {
		p->idle[p->n++] = obj;
		kept = TRUE;
	}
	g_mutex_unlock(&p->lock);
	return kept;
}
