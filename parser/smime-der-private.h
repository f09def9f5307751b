/* smime-der-private.h - finding the certificates inside a CMS SignedData
 * by its DER bytes alone.
 *
 * Decoding a certificate is most of what a signature check costs with
 * OpenSSL 3.0 (its decoder path for the public key), and every notice
 * carries the same two or three certificates.  So the signature is split
 * here into the certificates, which smime-cache.c decodes once per
 * process, and the rest, which OpenSSL decodes as usual.  The walk is
 * strict: one-byte tags, lengths definite or (for the outer layers) BER indefinite, the fields of RFC 5652 in
 * their order, nothing after the ContentInfo.  Anything else is not
 * split, and the caller decodes the signature whole as before: the split
 * may only ever be an equivalent of that, never a second reading.
 */
#ifndef UPKI_SMIME_DER_PRIVATE_H
#define UPKI_SMIME_DER_PRIVATE_H

#include <glib.h>

typedef struct upki_der_span {
	gsize off, len; /* a whole TLV: tag, length and value */
} upki_der_span;

typedef struct upki_der_split {
	GArray *certs;  /* upki_der_span: each certificate of the certificates field, in order */
	GBytes *rest;   /* the ContentInfo re-encoded without the certificates field */
} upki_der_split;

/* TRUE when der is a ContentInfo of type signedData, exactly as above,
 * with a certificates field holding only certificates; fills *out (free
 * with upki_der_split_clear()).  FALSE otherwise, *out untouched. */
gboolean upki_der_split_signed_data(const guint8 *der, gsize len, upki_der_split *out);
void upki_der_split_clear(upki_der_split *s);

#endif
