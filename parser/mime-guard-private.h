/* mime-guard-private.h - defusing input that would crash GMime (used by
 * mime.c; tests/unit/test-mime.c pins it down).
 */
#ifndef UPKI_MIME_GUARD_H
#define UPKI_MIME_GUARD_H

#include <glib.h>

/* Returns NULL when buf needs no change, else a copy of exactly len bytes
 * (offsets unchanged) in which address fields holding more group colons
 * than GMime's recursive group parser survives have the extra colons
 * turned into spaces.  Caller frees. */
char *upki_mime_guard(const char *buf, gsize len);

#endif
