/* code.h - upki-scan's exit status, and the accumulator that keeps it.
 *
 * Exit codes are an interface (DESIGN.md, upki-scan(1)): with --check 0
 * genuine, 1 not a notice, 2 suspicious; 3 when an input could not be
 * analysed, 4 for a usage or configuration error, 5 for an internal one;
 * --filter 75 when a genuine notice's hand-off failed (OnSpoolError).
 * A run keeps the highest code noted so far; noting is thread-safe.
 * Calls nothing else of upki-scan.
 */
#ifndef UPKI_SCAN_CODE_H
#define UPKI_SCAN_CODE_H

#include "upki/notice.h"

enum {
	EXIT_GENUINE = 0,
	EXIT_NOT_NOTICE = 1,
	EXIT_SUSPICIOUS = 2,
	EXIT_INPUT = 3,    /* an input could not be analysed */
	EXIT_USAGE = 4,    /* bad option, config or trust store */
	EXIT_INTERNAL = 5, /* out of memory, write error, spool failure, library not loadable */
	EXIT_TEMPFAIL = 75, /* --filter: the hand-off failed, OnSpoolError tempfail (EX_TEMPFAIL) */
};

typedef struct scan_code scan_code;

/* Starts at EXIT_GENUINE (0).  Free with scan_code_free(). */
scan_code *scan_code_new(void);
void scan_code_free(scan_code *c);
/* Raises the code to code; it only grows. */
void scan_code_note(scan_code *c, int code);
int scan_code_get(scan_code *c);

/* The --check code of a verdict. */
int scan_code_of_verdict(upki_verdict v);

#endif
