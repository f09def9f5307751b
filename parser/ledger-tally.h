/* ledger-tally.h - what the text, JSON and HTML reports all count
 * (ledger-tally.c): the names of the states and kinds in report order,
 * the jobs and certificates per state, the notices per month and kind.
 * Private to ledger-report.c and ledger-html.c: one set of rules, so
 * the three forms of the report cannot count differently.
 */
#ifndef UPKI_LEDGER_TALLY_H
#define UPKI_LEDGER_TALLY_H

#include "upki/ledger.h"

#define LEDGER_N_JOB_STATES 5
#define LEDGER_N_CERT_STATES 4
#define LEDGER_N_KINDS 5 /* genuine kinds; a month's counts have one more: suspicious */

extern const char *const ledger_job_states[LEDGER_N_JOB_STATES];
extern const char *const ledger_cert_states[LEDGER_N_CERT_STATES];
/* the genuine kinds, then "suspicious" */
extern const char *const ledger_kinds[LEDGER_N_KINDS + 1];

typedef struct ledger_month {
	char month[8];                /* YYYY-MM (UTC), or "unknown" */
	guint n[LEDGER_N_KINDS + 1];  /* per ledger_kinds[] */
} ledger_month;

typedef struct ledger_tally {
	guint jobs[LEDGER_N_JOB_STATES];   /* per ledger_job_states[] */
	guint certs[LEDGER_N_CERT_STATES]; /* per ledger_cert_states[] */
	GArray *months;                    /* ledger_month, by month */
} ledger_tally;

/* Counts r into *t: genuine notices by the month of their signing time,
 * suspicious ones by theirs or, unsigned, by their Date's.  Clear with
 * ledger_tally_clear(). */
void ledger_tally_build(ledger_tally *t, const upki_ledger_report *r);
void ledger_tally_clear(ledger_tally *t);

#endif
