/* report.h - a verdict as text for people and programs.
 *
 * JSON keys and the text summary are interfaces (DESIGN.md): extend,
 * never rename.  The JSON carries the full retrieval URL (it is what the
 * caller asked for); nothing here is meant for logs: for those use
 * upki_url_redact().
 */
#ifndef UPKI_REPORT_H
#define UPKI_REPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include "upki/notice.h"

typedef struct upki_report_where {
	const char *source;  /* file name or "-" */
	guint64 index;       /* message number in the source, from 0 */
	guint64 offset;      /* byte offset of the message in the source */
} upki_report_where;

/* Unix time as "YYYY-MM-DDTHH:MM:SSZ"; NULL for a negative time.  The
 * one time format of every JSON document (reports, spool jobs).  Caller
 * frees. */
char *upki_report_time_iso(gint64 t);

/* Adds key: value to the object being built, null when value is NULL
 * (absent facts stay visible as null, never as missing keys). */
void upki_report_json_member(JsonBuilder *b, const char *key, const char *value);

/* The JSON lines of other modules (spool jobs) are built the same way:
 * upki_report_json_begin() hands out this thread's builder, reset;
 * upki_report_json_end() returns the line it built (caller frees) and
 * resets it.  Nothing else may build on this thread in between. */
JsonBuilder *upki_report_json_begin(void);
char *upki_report_json_end(void);

/* One JSON object on one line (no trailing newline).  Caller frees. */
char *upki_report_json(const upki_notice *n, const upki_report_where *w);

/* A JSON line for a message that could not be analysed:
 * {"source":..,"index":..,"offset":..,"error":"..."}.  Caller frees. */
char *upki_report_json_error(const upki_report_where *w, const char *error);


/* One CSV record (RFC 4180 quoting, no trailing newline) with the columns
 * of upki_report_csv_header().  A field that a spreadsheet would run as a
 * formula (starting with = + - @) gets a leading apostrophe.  Caller frees. */
char *upki_report_csv(const upki_notice *n, const upki_report_where *w);
/* The header row.  Static storage. */
const char *upki_report_csv_header(void);

/* A few lines for people: kind, verdict, reasons, URL host and path,
 * deadline, signer.  Ends with a newline.  Caller frees. */
char *upki_report_text(const upki_notice *n, const upki_report_where *w);

#endif
