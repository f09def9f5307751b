/* fastpath.h - one switch for the shortcuts that must not change output.
 *
 * Some work has a faster way that gives the same bytes (issue 15):
 * plainly written ISO-2022-JP from a table (charset-jis.c), the verdict's
 * JSON line written directly (report-json.c), the content of opaque
 * signed data taken without decoding its certificates again (smime.c).
 * Turned off, each goes the way it went before, which is what the
 * differential tests (tests/integration/fastpath-parity.sh, through
 * upki-scan's UPKI_SCAN_NO_CACHE=1) and the bench compare with.
 */
#ifndef UPKI_FASTPATH_H
#define UPKI_FASTPATH_H

#include <glib.h>

/* On by default; for the whole process (thread-safe). */
void upki_fast_paths_set(gboolean on);
gboolean upki_fast_paths_on(void);

#endif
