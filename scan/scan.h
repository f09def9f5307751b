/* scan.h - what the parts of the upki-scan command share.
 *
 * upki-scan.c parses options and builds the scanner; batch.c
 * walks PATH arguments (message files, mboxes, Maildirs, directories);
 * filter.c is the procmail filter.  None of this is libupki:
 * only these files print or decide exit codes.
 */
#ifndef UPKI_SCAN_H
#define UPKI_SCAN_H

#include <stdio.h>

#include "upki/config.h"
#include "upki/notice.h"
#include "upki/report.h"
#include "upki/wrap.h"

enum {
	EXIT_GENUINE = 0,
	EXIT_NOT_NOTICE = 1,
	EXIT_SUSPICIOUS = 2,
	EXIT_INPUT = 3,    /* an input could not be analysed */
	EXIT_USAGE = 4,    /* bad option, config or trust store */
	EXIT_INTERNAL = 5, /* out of memory, write error, spool failure, library not loadable */
};

#define UPKI_VERSION "0.1.0"

typedef enum { FORMAT_JSON, FORMAT_TEXT, FORMAT_CSV } scan_format;

typedef struct scan_args {
	char *format_name;
	scan_format format;
	char *config;
	char *ca_file;
	char *ca_dir;
	char *verify_time;
	char *spool;
	char *annotate;  /* --annotate: headers|wrap (overrides Annotate) */
	gboolean check;
	gboolean filter;
	gboolean notices_only;
	gboolean quiet;
	gint jobs;
	gboolean version;
	char **paths;
} scan_args;

typedef struct scanner {
	scan_args *a;
	upki_config *cfg;
	upki_smime_verifier *verifier;
	upki_options opts;
	upki_wrapper *wrapper; /* Annotate wrap loaded (NULL: headers mode) */
	int worst;   /* highest exit code so far; only grows */
	GMutex lock; /* guards worst and stdout when -j > 1 */
} scanner;

/* Raises s->worst to code (thread-safe). */
void scan_note_code(scanner *s, int code);

/* Formats one result or one error the way the options ask, into out
 * (nothing with --check, or for not-notice with --notices-only). */
void scan_format_notice(scanner *s, const upki_notice *n, const upki_report_where *w, GString *out);
void scan_format_error(scanner *s, const upki_report_where *w, const char *msg, GString *out);

/* batch.c: scans every PATH (or stdin); returns the exit code. */
int scan_batch_run(scanner *s);

/* spool.c: hands a genuine cert-issue or pin-issue notice to
 * the spool of --spool (or the Spool key); does nothing for any other
 * notice or without a spool.  FALSE after a failed write, with a line on
 * stderr and EXIT_INTERNAL noted.  Call it once per analysed message. */
gboolean scan_spool_notice(scanner *s, const upki_notice *n, const upki_report_where *w);
/* TRUE when scan_spool_notice() would write a job for n. */
gboolean scan_spool_wanted(const scanner *s, const upki_notice *n);

/* wrap.c: applies --annotate and, for Annotate wrap, loads the
 * templates.  FALSE (after a line on stderr) when they do not load,
 * except with --filter, which then goes on in headers mode. */
gboolean scan_wrap_setup(scanner *s);
/* The wrapped message for n, or NULL when n is not to be wrapped or
 * wrapping failed (said on stderr): then headers mode. */
GString *scan_wrap_message(scanner *s, const GByteArray *in, const upki_notice *n);

/* filter.c: --filter; returns the exit code (0 unless --check). */
int scan_filter_run(scanner *s);

/* --filter when setup failed (bad option, config or trust store): the
 * message on stdin goes to stdout with only forged verdict headers
 * removed, why on stderr.  Needs s->cfg (defaults will do) and
 * s->opts.max_size, nothing else.  Returns the exit code (0 unless
 * stdout fails). */
int scan_filter_strip(scanner *s, const char *why);

#endif
