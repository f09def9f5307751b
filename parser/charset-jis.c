/* charset-jis.c - plainly written ISO-2022-JP without iconv per character.
 *
 * The notices are ISO-2022-JP, and glibc's converter took ~45
 * instructions a byte.  A text written plainly (ASCII, ESC ( B and
 * ESC $ B designations, JIS X 0208 pairs, no other byte) is converted
 * here from a table of what the converter charset.c tries first
 * (upki_charset_first(CS_ISO2022JP)) makes of each pair on its own,
 * worked out once per thread the first time the pair is met.
 *
 * Why that is exact: in that converter a designation writes nothing, an
 * ASCII byte of the kinds accepted here is written as itself, and a pair
 * under ESC $ B is mapped alone, whatever came before; so when every
 * pair of a text converts alone, the strict whole-text conversion is
 * the concatenation of the pieces.  Anything else (another designation,
 * SO/SI, a control byte, an 8-bit byte, a byte outside 0x21-0x7E or a
 * line end while a pair is due, an escape cut off, a pair the converter
 * rejects) returns NULL and the caller converts the text with iconv as
 * before.  tests/unit/test-charset-jis.c compares both on every pair.
 */
#include <string.h>

#include "upki/charset.h"
#include "upki/fastpath.h"
#include "charset-private.h"
#include "tpool-private.h"

#define ESC 0x1b
#define CELLS 94

enum { PAIR_UNKNOWN, PAIR_OK, PAIR_FAILS };

typedef struct jis_table {
	guint8 state[CELLS * CELLS];
	guint8 len[CELLS * CELLS];
	char utf8[CELLS * CELLS][4];
} jis_table;

/* The table outlives its thread (tpool-private.h): the converter's
 * reading of a pair does not change. */
UPKI_TPOOL_DEFINE(table_pool, table_release, g_free)

static GPrivate table_key = G_PRIVATE_INIT(table_release);
static jis_table *table_get(void)
{
	jis_table *t = g_private_get(&table_key);

	if (!t) {
		t = upki_tpool_take(&table_pool);
		if (!t)
			t = g_new0(jis_table, 1);
		g_private_set(&table_key, t);
	}
	return t;
}

/* The converter's reading of the pair j1 j2 alone, into the table. */
static gboolean pair_learn(jis_table *t, guint idx, guchar j1, guchar j2)
{
	const char seq[] = { ESC, '$', 'B', (char)j1, (char)j2, ESC, '(', 'B' };
	char *u = upki_charset_convert_strict(seq, sizeof seq, upki_charset_first(CS_ISO2022JP));
	gsize n = u ? strlen(u) : 0;

	if (!u || n == 0 || n > sizeof t->utf8[0]) {
		t->state[idx] = PAIR_FAILS;
		g_free(u);
		return FALSE;
	}
	memcpy(t->utf8[idx], u, n);
	t->len[idx] = (guint8)n;
	t->state[idx] = PAIR_OK;
	g_free(u);
	return TRUE;
}

static gboolean is_plain_ascii(guchar c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' || c == '\r';
}

char *upki_charset_jis_plain(const char *buf, gsize len)
{
	const guchar *p = (const guchar *)buf;
	jis_table *t = NULL;
	char *out = NULL, *w = NULL;
	gboolean kanji = FALSE;
	gsize i = 0;

	if (!upki_fast_paths_on() || !buf || len > G_MAXSIZE / 2 - 1)
		return NULL;
	t = table_get();
	/* A pair (two bytes) writes at most four, any other byte one. */
	out = w = g_malloc(2 * len + 1);
	while (i < len) {
		if (p[i] == ESC) {
			if (i + 2 >= len || !((p[i + 1] == '$' || p[i + 1] == '(') && p[i + 2] == 'B'))
				goto bail;
			kanji = p[i + 1] == '$';
			i += 3;
			continue;
		}
		if (!kanji) {
			gsize run = i;
			while (run < len && p[run] != ESC && is_plain_ascii(p[run]))
				run++;
			if (run == i)
				goto bail;
			memcpy(w, buf + i, run - i);
			w += run - i;
			i = run;
			continue;
		}
		if (i + 1 >= len || p[i] < 0x21 || p[i] > 0x7e || p[i + 1] < 0x21 || p[i + 1] > 0x7e)
			goto bail;
		guint idx = (guint)(p[i] - 0x21) * CELLS + (guint)(p[i + 1] - 0x21);
		if (t->state[idx] == PAIR_FAILS ||
		    (t->state[idx] == PAIR_UNKNOWN && !pair_learn(t, idx, p[i], p[i + 1])))
			goto bail;
		/* Four bytes always (a fixed-size copy is a store): the buffer has
		 * room, since no byte before this pair wrote more than two. */
		memcpy(w, t->utf8[idx], 4);
		w += t->len[idx];
		i += 2;
	}
	*w = '\0';
	return out;
bail:
	g_free(out);
	return NULL;
}
