/* stats.h - counters in Prometheus' text exposition format, for
 * node_exporter's textfile collector.
 *
 * The front ends keep their own counters (milter/stats.c,
 * fetch/stats.c); this module only formats them and writes the file.
 * Text: "# HELP name text" and "# TYPE name counter|gauge" before the
 * samples of a family, one sample a line "name{label="value",...} N",
 * values as integers.  A counter's name ends in _total.  Label values are
 * escaped as the format wants (backslash, double quote, newline); help
 * text escapes backslash and newline.  Names are fixed by the caller's
 * code: a bad one is a programming error (g_return_if_fail), never
 * something a message or a job can reach.
 */
#ifndef UPKI_STATS_H
#define UPKI_STATS_H

#include <glib.h>

typedef enum { UPKI_STATS_COUNTER, UPKI_STATS_GAUGE } upki_stats_type;

/* TRUE when name is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
gboolean upki_stats_name_ok(const char *name);
/* TRUE when name is a label name ([a-zA-Z_][a-zA-Z0-9_]*, not "__" first). */
gboolean upki_stats_label_ok(const char *name);

/* Appends the HELP and TYPE lines of a family to out. */
void upki_stats_family(GString *out, const char *name, upki_stats_type type, const char *help);

/* Appends one sample.  labels: NULL, or name, value, name, value, ...,
 * NULL (values escaped here). */
void upki_stats_sample(GString *out, const char *name, const char *const *labels, guint64 value);

/* Appends value escaped for a label value (\\, \", \n). */
void upki_stats_escape_label(GString *out, const char *value);

/* Replaces path with text atomically: a temp file ".NAME.XXXXXX" in the
 * same directory (not *.prom, so the collector never reads it), mode
 * 0644 whatever the umask (counters are no secret), fsync, rename over
 * path, fsync of the directory.  A reader sees the old file or the new
 * one, never a part.  FALSE with a G_FILE_ERROR naming the path, and no
 * temp file left. */
gboolean upki_stats_write_file(const char *path, const char *text, gsize len, GError **error);

/* A front end's one StatsFile writer: what the last writes were, so that
 * a file that keeps failing is logged once an hour, not once a minute.
 * Zero-initialise it. */
typedef struct upki_stats_writer {
	gboolean failing;
	gint64 last_said; /* seconds (caller's clock) of the last FAILED */
} upki_stats_writer;

typedef enum {
	UPKI_STATS_QUIET = 0,  /* nothing to log */
	UPKI_STATS_FAILED,     /* log *error: the first failure, or a hour since the last said */
	UPKI_STATS_RECOVERED,  /* log that the file is written again */
} upki_stats_note;

#define UPKI_STATS_FAIL_SECONDS 3600

/* upki_stats_write_file(), then what the front end should log.  now: a
 * monotonic clock in seconds.  *error is set only with FAILED. */
upki_stats_note upki_stats_writer_put(upki_stats_writer *w, const char *path, const char *text,
				      gsize len, gint64 now, GError **error);

#endif
