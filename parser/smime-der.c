/* smime-der.c - splitting a CMS SignedData into its certificates and the
 * rest (why: smime-der-private.h).
 *
 * ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT SignedData }
 * SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET,
 *     encapContentInfo SEQUENCE, certificates [0] IMPLICIT SET OPTIONAL,
 *     crls [1] IMPLICIT OPTIONAL, signerInfos SET }
 * Only these shapes are split; every length is checked against what
 * encloses it before it is used.  The outer layers may be BER with
 * indefinite lengths (the service's signatures are); the certificates
 * must be definite, which is what a certificate's DER is.
 */
#include <string.h>

#include "smime-der-private.h"

enum {
	TAG_INTEGER = 0x02, TAG_OID = 0x06, TAG_SEQUENCE = 0x30, TAG_SET = 0x31,
	TAG_CTX0 = 0xa0, TAG_CTX1 = 0xa1,
};

/* 1.2.840.113549.1.7.2 */
static const guint8 oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };

/* Indefinite lengths nest: bounded so that a hostile signature cannot
 * recurse without end. */
#define MAX_DEPTH 16

/* One element.  Definite: its content is [cs, ce) and it ends at ce.
 * Indefinite (BER, as the service's signer writes its outer layers):
 * ce is where its end-of-contents octets are, and it ends two after. */
typedef struct tlv {
	guint8 tag;
	gboolean indef;
	gsize off; /* of the tag */
	gsize cs;  /* content start */
	gsize ce;  /* content end */
	gsize end; /* first byte after the element */
} tlv;

static gboolean read_elem(const guint8 *b, gsize off, gsize limit, guint depth, tlv *t);

static gboolean is_eoc(const guint8 *b, gsize pos, gsize limit)
{
	return limit - pos >= 2 && b[pos] == 0 && b[pos + 1] == 0;
}

/* The children of an indefinite element, up to its end-of-contents. */
static gboolean find_eoc(const guint8 *b, tlv *t, gsize limit, guint depth)
{
	gsize pos = t->cs;
	tlv child;

	if (!(t->tag & 0x20) || depth >= MAX_DEPTH)
		return FALSE;
	while (pos < limit && !is_eoc(b, pos, limit)) {
		if (!read_elem(b, pos, limit, depth + 1, &child))
			return FALSE;
		pos = child.end;
	}
	if (!is_eoc(b, pos, limit))
		return FALSE;
	t->ce = pos;
	t->end = pos + 2;
	return TRUE;
}

/* Reads the element at off, which must end by limit.  Long lengths of up
 * to four bytes; one-byte tags only. */
static gboolean read_elem(const guint8 *b, gsize off, gsize limit, guint depth, tlv *t)
{
	gsize n, len = 0, pos = off + 2;

	if (off >= limit || limit - off < 2 || (b[off] & 0x1f) == 0x1f)
		return FALSE;
	t->tag = b[off];
	t->off = off;
	t->indef = b[off + 1] == 0x80;
	if (t->indef) {
		t->cs = pos;
		return find_eoc(b, t, limit, depth);
	}
	if (b[off + 1] < 0x80) {
		len = b[off + 1];
	} else {
		n = b[off + 1] & 0x7f;
		if (n > 4 || limit - pos < n)
			return FALSE;
		for (gsize i = 0; i < n; i++)
			len = len << 8 | b[pos + i];
		pos += n;
	}
	if (len > limit - pos)
		return FALSE;
	t->cs = pos;
	t->ce = pos + len;
	t->end = t->ce;
	return TRUE;
}

static gboolean expect(const guint8 *b, gsize off, gsize limit, guint8 tag, tlv *t)
{
	return read_elem(b, off, limit, 0, t) && t->tag == tag;
}

static gsize header_size(gsize len)
{
	return 2 + (len < 0x80 ? 0 : len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1);
}

/* Bytes of an element with content_len bytes of content, encoded the way
 * the original was (definite or not). */
static gsize elem_size(gboolean indef, gsize content_len)
{
	return indef ? 2 + content_len + 2 : header_size(content_len) + content_len;
}

static void put_header(GByteArray *out, guint8 tag, gboolean indef, gsize len)
{
	guint8 h[6];
	gsize n = 0;

	h[n++] = tag;
	if (indef) {
		h[n++] = 0x80;
	} else if (len < 0x80) {
		h[n++] = (guint8)len;
	} else {
		gsize bytes = header_size(len) - 2;
		h[n++] = (guint8)(0x80 | bytes);
		for (gsize i = bytes; i-- > 0;)
			h[n++] = (guint8)(len >> (8 * i));
	}
	g_byte_array_append(out, h, (guint)n);
}

static void put_eoc(GByteArray *out, gboolean indef)
{
	static const guint8 eoc[2] = { 0, 0 };

	if (indef)
		g_byte_array_append(out, eoc, 2);
}

/* The elements of the certificates field: definite certificates
 * (SEQUENCE) only; the other CertificateChoices are not split. */
static gboolean read_certs(const guint8 *b, const tlv *field, GArray *certs)
{
	gsize off = field->cs;
	tlv t;

	while (off < field->ce) {
		upki_der_span span;
		if (!expect(b, off, field->ce, TAG_SEQUENCE, &t) || t.indef)
			return FALSE;
		span.off = t.off;
		span.len = t.end - t.off;
		g_array_append_val(certs, span);
		off = t.end;
	}
	return certs->len > 0;
}

/* The fields of SignedData in their order; *cf is the certificates
 * field.  FALSE for any other shape. */
static gboolean find_certs(const guint8 *b, const tlv *sd, tlv *cf)
{
	tlv t, crls;
	gsize off;

	if (!expect(b, sd->cs, sd->ce, TAG_INTEGER, &t) || !expect(b, t.end, sd->ce, TAG_SET, &t) ||
	    !expect(b, t.end, sd->ce, TAG_SEQUENCE, &t) || !expect(b, t.end, sd->ce, TAG_CTX0, cf))
		return FALSE;
	off = cf->end;
	if (read_elem(b, off, sd->ce, 0, &crls) && crls.tag == TAG_CTX1)
		off = crls.end;
	return expect(b, off, sd->ce, TAG_SET, &t) && t.end == sd->ce;
}

/* The ContentInfo again, each of its three layers encoded as it was,
 * everything in it copied but the certificates field. */
static GBytes *rebuild(const guint8 *b, const tlv *ci, const tlv *oid, const tlv *ex, const tlv *sd,
		       const tlv *cf)
{
	gsize sd_content = (cf->off - sd->cs) + (sd->ce - cf->end);
	gsize ex_content = elem_size(sd->indef, sd_content);
	gsize ci_content = (oid->end - oid->off) + elem_size(ex->indef, ex_content);
	GByteArray *out = g_byte_array_sized_new((guint)elem_size(ci->indef, ci_content));

	put_header(out, TAG_SEQUENCE, ci->indef, ci_content);
	g_byte_array_append(out, b + oid->off, (guint)(oid->end - oid->off));
	put_header(out, TAG_CTX0, ex->indef, ex_content);
	put_header(out, TAG_SEQUENCE, sd->indef, sd_content);
	g_byte_array_append(out, b + sd->cs, (guint)(cf->off - sd->cs));
	g_byte_array_append(out, b + cf->end, (guint)(sd->ce - cf->end));
	put_eoc(out, sd->indef);
	put_eoc(out, ex->indef);
	put_eoc(out, ci->indef);
	return g_byte_array_free_to_bytes(out);
}

gboolean upki_der_split_signed_data(const guint8 *der, gsize len, upki_der_split *out)
{
	tlv ci, oid, ex, sd, cf;
	GArray *certs = NULL;

	/* Lengths of at most four bytes: keep every offset far from overflow. */
	if (!der || len > G_MAXINT32)
		return FALSE;
	if (!expect(der, 0, len, TAG_SEQUENCE, &ci) || ci.end != len)
		return FALSE;
	if (!expect(der, ci.cs, ci.ce, TAG_OID, &oid) || oid.indef || oid.ce - oid.cs != sizeof oid_signed_data ||
	    memcmp(der + oid.cs, oid_signed_data, sizeof oid_signed_data) != 0)
		return FALSE;
	if (!expect(der, oid.end, ci.ce, TAG_CTX0, &ex) || ex.end != ci.ce)
		return FALSE;
	if (!expect(der, ex.cs, ex.ce, TAG_SEQUENCE, &sd) || sd.end != ex.ce)
		return FALSE;
	if (!find_certs(der, &sd, &cf))
		return FALSE;
	certs = g_array_new(FALSE, FALSE, sizeof(upki_der_span));
	if (!read_certs(der, &cf, certs)) {
		g_array_unref(certs);
		return FALSE;
	}
	out->certs = certs;
	out->rest = rebuild(der, &ci, &oid, &ex, &sd, &cf);
	return TRUE;
}

void upki_der_split_clear(upki_der_split *s)
{
	if (s->certs)
		g_array_unref(s->certs);
	if (s->rest)
		g_bytes_unref(s->rest);
	s->certs = NULL;
	s->rest = NULL;
}
