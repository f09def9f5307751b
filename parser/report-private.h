/* report-private.h - the json-glib reference of report-json.c's lines. */
#ifndef UPKI_REPORT_PRIVATE_H
#define UPKI_REPORT_PRIVATE_H

#include <glib.h>

#include "upki/report.h"

/* upki_report_json() and upki_report_json_error() through json-glib's
 * builder and generator: the same bytes, slower.  Caller frees. */
char *upki_report_json_built(const upki_notice *n, const upki_report_where *w);
char *upki_report_json_error_built(const upki_report_where *w, const char *error);

/* s gets v as a JSON string, escaped as json-glib 1.6 escapes it. */
void upki_report_json_escape(GString *s, const char *v);

#endif
