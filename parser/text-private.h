/* text-private.h - small helpers on decoded (UTF-8) mail text.
 *
 * Shared by the extractors so that "blank" and "a line" mean the same
 * everywhere: Japanese mail indents with U+3000 and pads with U+00A0.
 */
#ifndef UPKI_TEXT_PRIVATE_H
#define UPKI_TEXT_PRIVATE_H

#include <glib.h>

/* ASCII white space, U+3000 ideographic space and U+00A0. */
gboolean upki_text_is_blank(gunichar c);

/* Moves *start forward and *end back over blanks; [*start, *end) is
 * valid UTF-8. */
void upki_text_trim(const char **start, const char **end);

/* A copy of text (NULL reads as "") made valid UTF-8 (bad bytes become
 * U+FFFD) with CRLF turned into LF.  Caller frees. */
char *upki_text_prepare(const char *text);

/* TRUE for a character a reader does not show but that changes what is
 * shown or what a link is: format controls (category Cf: bidi embeddings,
 * overrides and isolates, zero-width space and joiners, soft hyphen,
 * word joiner, BOM, tag characters), variation selectors, the combining
 * grapheme joiner, Hangul fillers, line and paragraph separators and C0/C1
 * controls other than ASCII white space. */
gboolean upki_text_is_hidden_control(gunichar c);

/* TRUE when [s, s + len) (len -1: up to NUL) holds a hidden control;
 * bad UTF-8 is skipped byte by byte. */
gboolean upki_text_has_hidden_controls(const char *s, gssize len);

/* [s, s + len) (len -1: up to NUL) normalised by mode (G_NORMALIZE_ALL:
 * NFKD, G_NORMALIZE_ALL_COMPOSE: NFKC), made valid first, with every
 * run of combining marks cut to 30 before normalising (the stream-safe
 * form of UAX #15): g_utf8_normalize() sorts a run of marks in quadratic
 * time, and a hostile href can be one run of a megabyte.  For recognising
 * text only, never for output.  Never NULL; caller frees. */
char *upki_text_normalize(const char *s, gssize len, GNormalizeMode mode);

#endif
