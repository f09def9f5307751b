/* batch.h - the input side of a batch scan.
 *
 * walk.c turns PATH arguments into a list of inputs (files in a stable
 * order), split.c cuts a large mbox into parts for -j, source.c scans
 * one input or part into a part_out (out.h) of result lines, message by
 * message, through libupki.  batch.c, the runner above them, runs the
 * inputs (in parallel with -j) and writes the part_outs in order.
 */
#ifndef UPKI_SCAN_BATCH_H
#define UPKI_SCAN_BATCH_H

#include "upki/prefilter.h"
#include "out.h"
#include "progress.h"
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

/* ---- what a scanning thread sees (set up by batch.c) ---- */

typedef struct scan_run {
	const scan_ctx *ctx;
	const upki_prefilter *pf; /* NULL: every message takes the whole pipeline */
	scan_progress *progress;  /* thread-safe, its functions only */
} scan_run;

/* ---- one input (source.c) ---- */

/* Scans every message of in, appending result lines to out and counts
 * to c; the progress figures move as it goes. */
void source_scan(const scan_run *r, const scan_input *in, part_out *out, scan_counts *c);

typedef struct scan_range {
	guint64 start, end; /* bytes of the file; end G_MAXUINT64: to its end */
} scan_range;

/* Scans one part of an mbox split with -j.  Its messages are numbered
 * from 0: out is local unless the part starts the file. */
void source_scan_range(const scan_run *r, const scan_input *in, const scan_range *range, part_out *out,
		       scan_counts *c);

/* ---- large mboxes in parts (split.c) ---- */

typedef struct split split;

/* One piece of work for -j: a whole input, or one part of a split one. */
typedef struct scan_part {
	const scan_input *in;
	split *sp;   /* NULL: the whole input */
	guint k;     /* the part's number in sp */
} scan_part;

/* The work for -j jobs: every input (scan_input*) in order, each large
 * uncompressed mbox as up to jobs parts.  Free with split_parts_free(). */
GArray *split_parts(const GPtrArray *inputs, guint jobs);
void split_parts_free(GArray *parts);
/* Scans one part (thread-safe; parts never wait for each other). */
void split_part_scan(const scan_run *r, const scan_part *p, part_out *out, scan_counts *c);
/* TRUE when part p's indexes are local (a split part after the first). */
gboolean split_part_is_local(const scan_part *p);

#endif
