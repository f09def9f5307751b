/* scan.h - what the parts of the upki-scan command share: the command
 * line, the read-only context of a run, and the two ways to run.
 *
 * None of scan/ is libupki: only these files print or decide exit
 * codes.  Calls go one way, from the driver down to the output side;
 * no file calls a file above it (tests/integration/layout.sh checks it
 * on the objects):
 *
 *   driver   upki-scan.c  options, setup, exit code        -> conf, batch, filter, wrap, ledger, msg, code
 *            conf.c       the config files, one over another -> msg
 *   runners  batch.c      the run over all inputs, -j N      -> walk, split, out, format, progress, code
 *            filter.c     --filter, the procmail filter      -> wrap, spool, ledger, msg
 *            wrap.c       --annotate, Annotate wrap          -> msg
 *   inputs   split.c      a large mbox in parts              -> source
 *            source.c     one input, message by message      -> format, out, spool, ledger, progress, msg, code
 *            walk.c       PATH arguments to a list of inputs -> (nothing)
 *   output   out.c        lines kept until their turn        -> spool, msg
 *            format.c     result and error lines             -> msg
 *            spool.c      hand-off to upki-fetch's spool     -> msg, code
 *            ledger.c     --ledger records, --report prints  -> msg, code
 *            progress.c   progress line, figures, summary    -> msg
 *            msg.c        lines on stderr, the status line   -> (nothing)
 *            code.c       the exit-status accumulator        -> (nothing)
 *
 * Every message is analysed by libupki (upki_notice_analyze_prefiltered()),
 * called from source.c and filter.c.  Mutable state is owned: the exit
 * status by a scan_code, the progress figures by a scan_progress, each
 * behind its functions; everything else a run sees is a const scan_ctx.
 */
#ifndef UPKI_SCAN_H
#define UPKI_SCAN_H

#include <stdio.h>

#include "upki/config.h"
#include "upki/ledger.h"
#include "upki/notice.h"
#include "upki/report.h"
#include "upki/wrap.h"
#include "code.h"

#define UPKI_VERSION "0.1.0"

typedef enum { FORMAT_JSON, FORMAT_TEXT, FORMAT_CSV } scan_format;
/* --report: none, or the report's format (then no line per message). */
typedef enum { REPORT_NONE, REPORT_TEXT, REPORT_JSON, REPORT_HTML } scan_report;

/* The command line, as parsed (upki-scan.c). */
typedef struct scan_args {
	char *format_name;
	scan_format format;
	char **config;   /* --config FILE..., NULL: the system file and the user's (conf.h) */
	char *ca_file;
	char *ca_dir;
	char *verify_time;
	char *spool;
	char *annotate;  /* --annotate: headers|wrap (overrides Annotate) */
	char *ledger;    /* --ledger=FILE */
	scan_report report;
	char *as_of;     /* --as-of: the report's "now" (YYYY-MM-DD or ISO 8601) */
	gint64 as_of_time; /* as_of parsed; 0: now */
	gboolean check;
	gboolean check_config; /* -n */
	gboolean filter;
	gboolean notices_only;
	gboolean quiet;
	gint jobs;
	gboolean version;
	char **paths;
} scan_args;

/* What a run reads, set up by the driver and never changed afterwards
 * (shared by the threads of -j).  The driver owns what it points to. */
typedef struct scan_ctx {
	const scan_args *a;
	const upki_config *cfg;
	upki_options opts; /* for every message: profile, verifier, limits */
	scan_code *code;   /* the exit status so far: thread-safe, its functions only */
	const upki_wrapper *wrapper; /* Annotate wrap loaded; NULL: headers mode */
	upki_ledger *ledger; /* --ledger or --report; NULL: none.  Thread-safe, its functions only */
} scan_ctx;

/* batch.c: scans every PATH (or stdin); returns the exit code. */
int scan_batch_run(const scan_ctx *ctx);

/* wrap.c: applies --annotate to cfg and, for Annotate wrap, loads the
 * templates into *wrapper (the caller frees it).  FALSE (after a line
 * on stderr, naming the config file `where` when not NULL) when they do
 * not load, except with --filter, which then goes on in headers mode. */
gboolean scan_wrap_setup(const scan_args *a, upki_config *cfg, const char *where,
			 upki_wrapper **wrapper);
/* The wrapped message for n, or NULL when n is not to be wrapped or
 * wrapping failed (said on stderr): then headers mode. */
GString *scan_wrap_message(const scan_ctx *ctx, const GByteArray *in, const upki_notice *n);

/* filter.c: --filter; returns the exit code (0; 75 after a failed hand-off
 * with OnSpoolError tempfail; EXIT_INTERNAL when stdout fails). */
int scan_filter_run(const scan_ctx *ctx);

/* --filter when setup failed (bad option, config or trust store): the
 * message on stdin goes to stdout with only forged verdict headers
 * removed, why on stderr.  Needs ctx->cfg (defaults will do) and
 * ctx->opts.max_size, nothing else.  Returns the exit code (0 unless
 * stdout fails). */
int scan_filter_strip(const scan_ctx *ctx, const char *why);

#endif
