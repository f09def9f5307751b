/* tpool-private.h - per-thread caches that outlive their thread.
 *
 * libupki keeps several caches per thread (GPrivate: the prefilter's
 * fold tables, iconv descriptors, the JIS pair table, folded profile
 * strings, URL label forms, the JSON builder), so that no lock is taken
 * on the mail path.  But libmilter's worker pool ends idle threads and
 * starts new ones all the time (about one thread per message in
 * bench-milter), and a cache freed with its thread is rebuilt from
 * nothing by the next one: for the fold tables alone half a megabyte
 * zeroed and every character of the message classified again.  So a
 * thread that ends hands its cache to a pool, and a new thread takes
 * one from there before it builds its own.  Every one of these caches
 * is checked against its inputs on use (or depends on none), and only
 * one thread holds an object at a time, so a reused cache answers as a
 * new one would.  The pool is bounded; past UPKI_TPOOL_MAX idle objects
 * the ending thread frees its own.
 */
#ifndef UPKI_TPOOL_PRIVATE_H
#define UPKI_TPOOL_PRIVATE_H

#include <glib.h>

#define UPKI_TPOOL_MAX 32

typedef struct upki_tpool {
	GMutex lock;
	gpointer idle[UPKI_TPOOL_MAX];
	guint n;
} upki_tpool; /* static, zero-initialised */

/* An idle object, now the caller's; NULL when there is none. */
gpointer upki_tpool_take(upki_tpool *p);

/* Gives obj (not NULL) to the pool; FALSE when full: the caller frees it. */
gboolean upki_tpool_give(upki_tpool *p, gpointer obj);

/* Defines the pool `pool` and `release`, the GPrivate destructor that
 * gives the ending thread's object to it, or frees it with free_fn when
 * the pool is full:
 *   UPKI_TPOOL_DEFINE(tables_pool, tables_release, tables_free)
 *   static GPrivate tables_key = G_PRIVATE_INIT(tables_release); */
#define UPKI_TPOOL_DEFINE(pool, release, free_fn)                        \
	static upki_tpool pool;                                          \
	static void release(gpointer data)                               \
	{                                                                \
		if (data && !upki_tpool_give(&pool, data))               \
			free_fn(data);                                   \
	}

#endif
