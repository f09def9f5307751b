/* charset-private.h - what prefilter-fold.c needs to know of charset.c
 * to read Japanese bytes as upki_mime_to_utf8() would, without calling it. */
#ifndef UPKI_CHARSET_PRIVATE_H
#define UPKI_CHARSET_PRIVATE_H

#include <glib.h>

typedef enum {
	CS_GUESS,     /* no charset, or one that promises nothing: guessed */
	CS_UTF8,
	CS_ISO2022JP, /* strict FIRST_ISO2022JP, then fallbacks */
	CS_SJIS,      /* strict FIRST_SJIS over the whole text, then fallbacks */
	CS_EUCJP,     /* strict FIRST_EUCJP over the whole text, then fallbacks */
	CS_OTHER      /* any other name: iconv's */
} upki_charset_family;

/* The family upki_mime_to_utf8() reads charset (a MIME label) as. */
upki_charset_family upki_charset_family_of(const char *charset);

/* The converter upki_mime_to_utf8() tries first, strictly, on the whole
 * text of a Japanese family (NULL for the others): when every byte
 * sequence of a text converts with it, its result is the text. */
const char *upki_charset_first(upki_charset_family f);

/* buf converted from the iconv charset from: NULL unless every byte
 * converts (and no NUL comes out).  Caller frees. */
char *upki_charset_convert_strict(const char *buf, gsize len, const char *from);

/* buf (ISO-2022-JP) as upki_charset_convert_strict(buf, len,
 * upki_charset_first(CS_ISO2022JP)) converts it, when it is written
 * plainly (charset-jis.c says what that means); NULL otherwise (and when
 * upki_fast_paths_on() is FALSE), and the caller converts it with iconv.  Caller frees. */
char *upki_charset_jis_plain(const char *buf, gsize len);

#endif
