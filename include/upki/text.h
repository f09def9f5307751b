/* text.h - small helpers on decoded (UTF-8) mail text.
 *
 * Shared by the extractors so that "blank" and "a line" mean the same
 * everywhere: Japanese mail indents with U+3000 and pads with U+00A0.
 */
#ifndef UPKI_TEXT_H
#define UPKI_TEXT_H

#include <glib.h>

/* ASCII white space, U+3000 ideographic space and U+00A0. */
gboolean upki_text_is_blank(gunichar c);

/* Moves *start forward and *end back over blanks; [*start, *end) is
 * valid UTF-8. */
void upki_text_trim(const char **start, const char **end);

/* A copy of text (NULL reads as "") made valid UTF-8 (bad bytes become
 * U+FFFD) with CRLF turned into LF.  Caller frees. */
char *upki_text_prepare(const char *text);

#endif
