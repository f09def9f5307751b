/* certinfo.c - the DN and serial sections of retrieval, renewal and
 * revocation notices.
 *
 * The notices print each section under a label in 【】, the DN between
 * lines of dashes with one RDN a line, each number on its own indented
 * line (U+3000).  Labels come from the profile, so a reworded notice is a
 * config change, not a code change.  Pure functions, no I/O.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "extract-private.h"
#include "text-private.h"

#define MAX_DN_LINES 64
#define MAX_SERIAL_LEN 200

/* A copy of line i without its indentation (U+3000 or spaces). */
static char *trimmed_line(char **lines, guint i)
{
	const char *s = lines[i], *e = s + strlen(s);

	upki_text_trim(&s, &e);
	return g_strndup(s, e - s);
}

/* Index of the first line starting with one of labels, -1 when none. */
static int find_section(char **lines, const GPtrArray *labels)
{
	for (int i = 0; labels && lines[i]; i++) {
		const char *s = lines[i], *e = s + strlen(s);

		upki_text_trim(&s, &e);
		for (guint j = 0; j < labels->len; j++) {
			const char *label = g_ptr_array_index(labels, j);
			gsize len = strlen(label);
			if (len && (gsize)(e - s) >= len && g_ascii_strncasecmp(s, label, len) == 0)
				return i;
		}
	}
	return -1;
}

static gboolean is_dashes(const char *t)
{
	int n = 0;

	for (const char *c = t; *c; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);
		if (u != '-' && u != 0xFF0D && u != 0x2015 && u != 0x2014 && u != 0x2500 && u != 0x2212)
			return FALSE;
		n++;
	}
	return n >= 3;
}

static gboolean ends_dn(const char *t)
{
	return !*t || is_dashes(t) || g_str_has_prefix(t, "【") || g_str_has_prefix(t, "[");
}

/* The RDN lines under a DN label, between lines of dashes. */
static char *dn_after(char **lines, int label)
{
	GPtrArray *rdns = g_ptr_array_new_with_free_func(g_free);
	char *dn = NULL;
	int i = label + 1;
	char *t = NULL;

	for (; lines[i]; i++) {
		t = trimmed_line(lines, i);
		if (*t)
			break;
		g_clear_pointer(&t, g_free);
	}
	if (t && is_dashes(t))
		i++;
	g_clear_pointer(&t, g_free);
	for (; lines[i] && rdns->len < MAX_DN_LINES; i++) {
		t = trimmed_line(lines, i);
		if (ends_dn(t))
			break;
		g_ptr_array_add(rdns, g_steal_pointer(&t));
	}
	g_free(t);
	if (rdns->len) {
		g_ptr_array_add(rdns, NULL);
		dn = g_strjoinv(",", (char **)rdns->pdata);
	}
	g_ptr_array_unref(rdns);
	return dn;
}

/* Decimal as is; hex (with colons, or 0x) through OpenSSL's bignums. */
static char *serial_to_decimal(const char *s)
{
	GString *hex = NULL;
	BIGNUM *bn = NULL;
	char *dec = NULL;
	char *out = NULL;

	if (!*s || strlen(s) > MAX_SERIAL_LEN)
		return NULL;
	if (strspn(s, "0123456789") == strlen(s))
		return g_strdup(s);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	hex = g_string_new(NULL);
	for (const char *c = s; *c; c++) {
		if (*c == ':')
			continue;
		if (!g_ascii_isxdigit(*c))
			goto out;
		g_string_append_c(hex, *c);
	}
	if (!hex->len || !BN_hex2bn(&bn, hex->str) || !(dec = BN_bn2dec(bn)))
		goto out;
	out = g_strdup(dec);
out:
	OPENSSL_free(dec);
	BN_free(bn);
	g_string_free(hex, TRUE);
	return out;
}

static char *serial_after(char **lines, int label)
{
	char *t = NULL;
	char *serial = NULL;

	if (label < 0)
		return NULL;
	for (int i = label + 1; lines[i]; i++) {
		t = trimmed_line(lines, i);
		if (*t)
			break;
		g_clear_pointer(&t, g_free);
	}
	if (t && !g_str_has_prefix(t, "【"))
		serial = serial_to_decimal(t);
	g_free(t);
	return serial;
}

/* Cuts buf into lines in place; the NULL-terminated array is freed with
 * g_free (one allocation, whatever the number of lines). */
static char **split_lines(char *buf)
{
	GPtrArray *lines = g_ptr_array_new();
	char *c = buf;

	for (;;) {
		char *nl = strchr(c, '\n');
		g_ptr_array_add(lines, c);
		if (!nl)
			break;
		*nl = '\0';
		c = nl + 1;
	}
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(lines, FALSE);
}

gboolean upki_extract_certinfo(const char *text, const upki_profile *p, upki_certinfo *info)
{
	char *buf = NULL;
	char **lines = NULL;
	int dn;

	if (!info)
		return FALSE;
	memset(info, 0, sizeof *info);
	if (!text || !p)
		return FALSE;
	buf = upki_text_prepare(text);
	lines = split_lines(buf);
	dn = find_section(lines, p->dn_labels);
	if (dn >= 0)
		info->dn = dn_after(lines, dn);
	info->serial = serial_after(lines, find_section(lines, p->serial_labels));
	info->old_serial = serial_after(lines, find_section(lines, p->old_serial_labels));
	g_free(lines);
	g_free(buf);
	return info->dn || info->serial || info->old_serial;
}

void upki_certinfo_clear(upki_certinfo *info)
{
	if (!info)
		return;
	g_clear_pointer(&info->dn, g_free);
	g_clear_pointer(&info->serial, g_free);
	g_clear_pointer(&info->old_serial, g_free);
}
