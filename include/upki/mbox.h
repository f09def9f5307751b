/* mbox.h - splitting mailboxes into messages, as a stream.
 *
 * Reads mboxo and mboxrd (">From " quoting undone one level), LF or CRLF,
 * from any GInputStream (a file, a gzip-decompressing stream, stdin) in
 * fixed-size chunks, so memory is bounded by the largest message allowed,
 * never by the archive.  A message over the limit is skipped (reported,
 * not loaded) and the reader goes on at the next "From " line.
 */
#ifndef UPKI_MBOX_H
#define UPKI_MBOX_H

#include <gio/gio.h>

typedef struct upki_mbox_reader upki_mbox_reader;

typedef struct upki_mbox_message {
	/* The message without its "From " line, unquoted; NULL when too
	 * large.  It points into the reader's buffer (no copy): valid until
	 * the next call of upki_mbox_reader_next() or _free(). */
	const char *data;
	gsize len;
	guint64 offset;     /* byte offset of its "From " line in the (uncompressed) stream */
	guint64 size;       /* bytes it takes in the stream, "From " line included */
	gboolean too_large; /* over max_message: data is NULL */
} upki_mbox_message;

/* in is referenced, not consumed.  max_message: largest message kept
 * (0: no limit).  Free with upki_mbox_reader_free(). */
upki_mbox_reader *upki_mbox_reader_new(GInputStream *in, gsize max_message);
void upki_mbox_reader_free(upki_mbox_reader *r);

/* As upki_mbox_reader_new(), for the part [start, end) of a file (end
 * G_MAXUINT64: to its end), with in positioned at start, which must be
 * a boundary (see upki_mbox_find_boundary()).  The reader stops at end
 * as at the end of the stream, and offsets stay those of the file, so
 * parts of one mbox can be read in parallel and give what one reader
 * gives.  Bytes before start are never read. */
upki_mbox_reader *upki_mbox_reader_new_range(GInputStream *in, gsize max_message, guint64 start, guint64 end);

/* A boundary is where the reader starts a message: "From " at offset 0
 * or after '\n'.  *at: the first boundary at or after from in the
 * regular file fd of size bytes, or size if there is none (read with
 * pread(): fd's offset does not move). */
gboolean upki_mbox_find_boundary(int fd, guint64 from, guint64 size, guint64 *at, GError **error);

/* Next message.  Returns TRUE and fills *msg, FALSE at the end of the
 * stream or on a read error (then *error is set).  *msg owns nothing;
 * upki_mbox_message_clear() only resets it. */
gboolean upki_mbox_reader_next(upki_mbox_reader *r, upki_mbox_message *msg, GError **error);
void upki_mbox_message_clear(upki_mbox_message *msg);

/* Bytes consumed from the stream so far (for progress). */
guint64 upki_mbox_reader_tell(const upki_mbox_reader *r);

/* TRUE when buf (the start of a file) looks like an mbox: it begins with
 * a "From " line in the mbox sense (sender and date). */
gboolean upki_mbox_looks_like(const char *buf, gsize len);

#endif
