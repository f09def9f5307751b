/* batch.h - what the batch parts of upki-scan share.
 *
 * walk.c turns PATH arguments into a list of inputs (files in
 * a stable order), source.c scans one input into a buffer of
 * result lines, batch.c runs the inputs (in parallel with -j)
 * and writes the buffers in order, progress.c keeps the
 * figures for the progress line and the summary.
 */
#ifndef UPKI_SCAN_BATCH_H
#define UPKI_SCAN_BATCH_H

#include <stdatomic.h>
#include <stdio.h>

#include "scan.h"

/* ---- inputs (walk.c) ---- */

typedef enum {
	INPUT_STDIN,    /* one message on standard input */
	INPUT_FILE,     /* a message file, an mbox or a gzip'd mbox: sniffed when opened */
	INPUT_MAILDIR,  /* a message file in a Maildir's cur/ or new/: always one message */
	INPUT_ERROR     /* a PATH that could not be walked: error says why */
} input_type;

typedef struct scan_input {
	input_type type;
	char *path;
	guint64 size;   /* bytes on disk, for progress */
	gboolean named; /* named on the command line (not found by a walk) */
	char *error;
} scan_input;

/* Expands PATH arguments (NULL or empty: stdin) into scan_input*, in
 * command-line order, directories sorted by name, recursively.  Never
 * fails: a PATH that cannot be read becomes an INPUT_ERROR entry. */
GPtrArray *walk_paths(char **paths);

/* ---- output of an input or part (out.c) ---- */

#define NO_INDEX G_MAXUINT64

/* Lines kept until their turn: in memory, then in an unlinked temporary
 * file.  direct: straight to stdout (-j 1).  local: the lines of a part
 * whose first index is not known yet, kept as records that say where
 * their index is (NO_INDEX: nowhere); the writer adds the base. */
typedef struct out_buf {
	GString *mem;
	FILE *spill;
	gboolean direct;
	gboolean local;
} out_buf;

void out_buf_init(out_buf *o, gboolean direct, gboolean local);
/* Takes the lines (one record when local, its index at index_at) and
 * empties *lines. */
void out_buf_add(out_buf *o, GString *lines, gsize index_at);
/* Writes everything to f, local indexes moved up by base, then frees. */
void out_buf_write(out_buf *o, FILE *f, guint64 base);

typedef struct batch batch;

/* All an input or part hands to the writer: its stdout lines, and when
 * local its stderr lines and the spool jobs of its notices (their
 * source label holds the index). */
typedef struct part_out {
	out_buf lines;
	out_buf errors;  /* local only */
	GPtrArray *jobs; /* local only: deferred spool jobs */
	gboolean local;
} part_out;

void part_out_init(part_out *po, gboolean direct, gboolean local);
/* Keeps n (taken) to be spooled when the part is written. */
void part_out_defer_job(part_out *po, upki_notice *n, const upki_report_where *w);
/* Writes lines, stderr lines and spool jobs with base added to their
 * indexes, then frees them. */
void part_out_write(part_out *po, batch *b, const char *source, guint64 base);

typedef struct quick quick;

/* ---- figures (progress.c) ---- */

typedef struct scan_counts {
	guint64 messages;
	guint64 errors;
	guint64 verdicts[3][UPKI_KIND_COUNT]; /* [upki_verdict][upki_kind] */
} scan_counts;

struct batch {
	scanner *s;
	quick *quick;
	GPtrArray *inputs;      /* scan_input* */
	guint64 total_bytes;    /* on disk, all inputs */
	atomic_uint_fast64_t done_bytes;
	atomic_uint_fast64_t done_messages;
	gint64 started;         /* monotonic, microseconds */
	gboolean show_progress; /* stderr is a TTY, not --quiet or --check */
	gboolean progress_inline; /* -j 1: the scanning thread draws the line */
	GMutex lock;            /* guards totals, the progress line and stderr */
	gint64 last_draw;
	gboolean line_shown;
	scan_counts totals;
};

void progress_start(batch *b);
/* Redraws the progress line if it is due (a few times a second). */
void progress_tick(batch *b);
/* Clears the progress line for good (end of the scan). */
void progress_finish(batch *b);
/* Prints the summary on stderr. */
void progress_summary(batch *b);
/* Adds one input's counts to the totals (thread-safe). */
void counts_merge(batch *b, const scan_counts *c);
/* Writes one line on stderr without tearing the progress line. */
void batch_stderr(batch *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The same for the stderr lines of a part (out_buf_write with base). */
void batch_stderr_records(batch *b, out_buf *o, guint64 base);

/* ---- one input (source.c) ---- */

/* Scans every message of in, appending result lines to out and counts
 * to c; done_bytes and done_messages move as it goes. */
void source_scan(batch *b, const scan_input *in, part_out *out, scan_counts *c);

/* One part of an mbox split with -j: its messages are numbered from
 * first_index.  error: the part cannot be scanned (its number is not
 * known), reported as one error line instead. */
typedef struct scan_range {
	guint64 start, end; /* bytes of the file; end G_MAXUINT64: to its end */
} scan_range;

/* Scans one part of an mbox split with -j.  Its messages are numbered
 * from 0: out is local unless the part starts the file. */
void source_scan_range(batch *b, const scan_input *in, const scan_range *range, part_out *out, scan_counts *c);

/* ---- large mboxes in parts (split.c) ---- */

typedef struct split split;

/* One piece of work for -j: a whole input, or one part of a split one. */
typedef struct scan_part {
	guint input; /* in batch->inputs */
	split *sp;   /* NULL: the whole input */
	guint k;     /* the part's number in sp */
} scan_part;

/* The work for -j jobs: every input in order, each large uncompressed
 * mbox as up to jobs parts.  Free with split_parts_free(). */
GArray *split_parts(batch *b, guint jobs);
void split_parts_free(GArray *parts);
/* Scans one part (thread-safe; parts never wait for each other). */
void split_part_scan(batch *b, const scan_part *p, part_out *out, scan_counts *c);
/* TRUE when part p's indexes are local (a split part after the first). */
gboolean split_part_is_local(const scan_part *p);

/* ---- the cheap look (quick.c) ---- */

/* libupki's prefilter for the profile.  NULL when the environment variable
 * UPKI_SCAN_FULL is set: every message then takes the whole pipeline
 * (tests compare the two). */
quick *quick_new(const upki_profile *p);
void quick_free(quick *q);

/* The verdict for one message; NULL with *error when it has none.  A
 * message the prefilter rules out is decided from its header block
 * (q NULL: never). */
upki_notice *quick_analyze(const quick *q, const scanner *s, const char *buf, gsize len, GError **error);

#endif
