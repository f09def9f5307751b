/* rawheader.h - a message's header block as bytes: fields, line ends,
 * folding, comments.
 *
 * annotate.c edits headers textually (so that the body, and with it a
 * signature, stays byte for byte the same); this module finds where each
 * field starts and ends without interpreting anything.  The header block
 * ends, as in an MTA, at the first empty line or at the first line that is
 * neither a field nor a continuation line.  A leading mbox "From " line
 * (procmail passes one) is kept apart: nothing is ever inserted above it.
 */
#ifndef UPKI_RAWHEADER_H
#define UPKI_RAWHEADER_H

#include <glib.h>

typedef struct upki_raw_field {
	gsize start;      /* offset of the field's first byte */
	gsize end;        /* offset just after its last line end (or of the data's end) */
	gsize name_len;   /* bytes of the name, spaces before the colon excluded */
	gsize value;      /* offset just after the colon */
	gboolean has_eol; /* FALSE only for a last field without a line end */
} upki_raw_field;

/* One line of the block with its continuation lines: a field, or a
 * line that is no field (kept as it is, never parsed). */
typedef struct upki_raw_line {
	gsize start;
	gsize end;        /* just after its last line end (or of the data's end) */
	gint field;       /* its index in fields, -1: no field */
} upki_raw_line;

typedef struct upki_raw_header {
	gsize from_line;  /* bytes of a leading mbox "From " line, 0: none */
	gsize end;        /* offset of the empty line that ends the block, or len */
	gboolean crlf;    /* the first line ends in CRLF */
	gboolean odd;     /* a line readers may take differently (upki_raw_header_block_end) */
	GArray *fields;   /* upki_raw_field, in order */
	GArray *lines;    /* upki_raw_line: every line of the block, fields and others, in order */
} upki_raw_header;

/* Where the header block of msg (len bytes) ends: the offset of its
 * first empty line ("\n" or "\r\n"), len when there is none.  A leading
 * mbox "From " line counts as part of the block.  The one rule for the
 * block's end that every reader in libupki shares. */
gsize upki_raw_header_block_len(const char *msg, gsize len);

/* The same for the header block of an entity at msg[start..end) (a body
 * part): the offset of its first empty line, or end.  *odd (may be NULL;
 * set, never cleared) tells of a line readers may take differently: no
 * "Name:" with a name of printable ASCII (8-bit bytes, white space before
 * the colon, no colon at all), a continuation line first or of white
 * space only, a CR that ends no line.  Such a block is read one way here
 * and another way by some mail program. */
gsize upki_raw_header_block_end(const char *msg, gsize start, gsize end, gboolean *odd);

/* Scans the header block of msg (len bytes).  Never fails: a message
 * without fields has none.  Free with upki_raw_header_free(). */
upki_raw_header *upki_raw_header_scan(const char *msg, gsize len);
/* TRUE when the header block hdr starts with a field ("Name:") and holds
 * no NUL: what mime.c would take for a message.  Anything else must go
 * the full way, for its error. */
gboolean upki_raw_header_plausible(const char *hdr, gsize len);
void upki_raw_header_free(upki_raw_header *h);

/* TRUE when field f of msg is called name (ASCII, case-insensitive). */
gboolean upki_raw_field_is(const char *msg, const upki_raw_field *f, const char *name);

/* The next place in msg[from..end) where some mail program may see a
 * field called name begin (case-insensitive, white space allowed before
 * the colon): right after a bare CR, which some read as a line end; and,
 * with other_line (the bytes of a line that is no field), at from and at
 * the start of each of its lines, after white space.  Returns the offset
 * just after that field's colon, 0 when there is none. */
gsize upki_raw_find_hidden(const char *msg, gsize from, gsize end, const char *name,
			   gboolean other_line);

/* The value of f unfolded: line ends removed, leading and trailing
 * white space trimmed.  Caller frees. */
char *upki_raw_field_value(const char *msg, const upki_raw_field *f);

/* value with RFC 5322 comments (nested, with quoted-pairs) removed;
 * quoted strings are kept as they are.  Caller frees. */
char *upki_raw_strip_comments(const char *value);

/* "Name: value", folded with eol ("\r\n" or "\n") before a space so
 * that lines stay within 78 columns where the words allow (a word is
 * never split; unfolding gives value back, CR and LF in value become
 * spaces).  final_eol: end the last line too.  Caller frees. */
char *upki_raw_fold(const char *name, const char *value, const char *eol, gboolean final_eol);

#endif
