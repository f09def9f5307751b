/* test-linescan.c - parser/linescan.c: the vector scans (AVX2 where the
 * CPU has it, SSE2, plain C) find the same line starts as a naive scan,
 * over random buffers, every start offset and every range length.
 *
 * The library's upki_linescan_find() takes AVX2 on a CPU that has it.
 * The same source is compiled twice more into this test: once with
 * __builtin_cpu_supports() answering no (SSE2 blocks, then bytes), once
 * without __x86_64__ (bytes only), so all three paths are held to the
 * naive answer on any machine that runs x86-64.
 */
#include <string.h>

#include "linescan-private.h"
#include "test-util.h"

gsize linescan_sse2(const char *b, gsize from, gsize end, char c1, char c2);
gsize linescan_plain(const char *b, gsize from, gsize end, char c1, char c2);

#ifdef __x86_64__
#define upki_linescan_find linescan_sse2
#define hit_at hit_at_sse2
#define block_mask_sse2 block_mask_sse2_only
#define scan_avx2 scan_avx2_unused
#define scan_blocks scan_blocks_sse2
#define __builtin_cpu_supports(feature) 0
#include "linescan.c"
#undef upki_linescan_find
#undef hit_at
#undef block_mask_sse2
#undef scan_avx2
#undef scan_blocks
#undef __builtin_cpu_supports
#define LINESCAN_X86 1
#undef __x86_64__
#else
gsize linescan_sse2(const char *b, gsize from, gsize end, char c1, char c2)
{
	return upki_linescan_find(b, from, end, c1, c2);
}
#endif

#define upki_linescan_find linescan_plain
#define hit_at hit_at_plain
#define scan_blocks scan_blocks_plain
#include "linescan.c"
#undef upki_linescan_find
#undef hit_at
#undef scan_blocks
#ifdef LINESCAN_X86
#define __x86_64__ 1
#endif

typedef gsize (*find_fn)(const char *b, gsize from, gsize end, char c1, char c2);

static const struct {
	const char *name;
	find_fn fn;
} paths[] = {
	{ "library", upki_linescan_find },
	{ "sse2", linescan_sse2 },
	{ "plain", linescan_plain },
};

/* The contract of linescan-private.h, one byte at a time. */
static gsize naive(const char *b, gsize from, gsize end, char c1, char c2)
{
	for (gsize i = from; i < end; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 == end || b[i + 1] == c1 || b[i + 1] == c2)
			return i;
	}
	return end;
}

static void check_all(const char *b, gsize from, gsize end, char c1, char c2)
{
	gsize want = naive(b, from, end, c1, c2);

	for (gsize p = 0; p < G_N_ELEMENTS(paths); p++) {
		gsize got = paths[p].fn(b, from, end, c1, c2);
		if (got != want)
			g_error("%s: from %zu end %zu c1 %02x c2 %02x: %zu, naive %zu", paths[p].name, from,
				end, (guchar)c1, (guchar)c2, got, want);
	}
}

/* Small hand-made cases whose answers are read off the contract. */
static void test_cases(void)
{
	static const struct {
		const char *buf;
		gsize from, end;
		gsize want;
	} rows[] = {
		{ "", 0, 0, 0 },
		{ "abc", 0, 3, 3 },                  /* no '\n' at all */
		{ "a\nFrom x", 0, 8, 1 },             /* "\nF" */
		{ "a\nxyz\n>q", 0, 8, 5 },            /* "\nx" is no hit, "\n>" is */
		{ "a\nFrom x", 2, 8, 8 },             /* the hit lies before from */
		{ "abc\n", 0, 4, 3 },                 /* a '\n' that ends the range */
		{ "a\nb\nc", 0, 2, 1 },               /* end cuts right after the '\n' */
		{ "\n\n\n", 0, 3, 2 },                /* "\n\n" is no hit; the last ends the range */
		{ "\nF", 0, 2, 0 },                   /* the very first byte */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
		for (gsize p = 0; p < G_N_ELEMENTS(paths); p++) {
			g_test_message("row %zu, %s", i, paths[p].name);
			g_assert_cmpuint(paths[p].fn(rows[i].buf, rows[i].from, rows[i].end, 'F', '>'), ==,
					 rows[i].want);
		}
}

/* A hit at every position of a buffer long enough for each vector width:
 * a 64-byte AVX2 round, a 32-byte SSE2 round and the byte tail. */
static void test_every_position(void)
{
	enum { LEN = 300 };
	char buf[LEN + 1];

	for (gsize at = 0; at + 1 < LEN; at++) {
		memset(buf, 'x', LEN);
		buf[LEN] = '\0';
		buf[at] = '\n';
		buf[at + 1] = '-';
		for (gsize from = 0; from < 70 && from < LEN; from++) {
			gsize want = at >= from ? at : LEN;
			for (gsize p = 0; p < G_N_ELEMENTS(paths); p++)
				g_assert_cmpuint(paths[p].fn(buf, from, LEN, '-', '-'), ==, want);
		}
		/* The '\n' alone, the wanted byte beyond end: it ends the range. */
		for (gsize p = 0; p < G_N_ELEMENTS(paths); p++)
			g_assert_cmpuint(paths[p].fn(buf, 0, at + 1, 'Z', 'Z'), ==, at);
	}
}

/* Random buffers from an alphabet dense in '\n' and the wanted bytes,
 * every start (all 64 alignments) and a spread of range lengths; the
 * buffer is copied to each alignment of a fresh allocation too. */
static void test_random(void)
{
	static const char alphabet[] = "\n\n\nF>-ro m\r\0\xff";
	GRand *r = g_rand_new_with_seed(20261201);
	guint checks = 0;

	for (int round = 0; round < 60; round++) {
		gsize len = (gsize)g_rand_int_range(r, 0, 400);
		char *base = g_malloc(len + 64 + 1);
		for (gsize shift = 0; shift < 64; shift += round % 2 ? 1 : 7) {
			char *b = base + shift;
			for (gsize i = 0; i < len; i++) {
				/* Mostly plain letters, so that hits are rare and blocks run long. */
				if (g_rand_int_range(r, 0, 8) == 0)
					b[i] = alphabet[g_rand_int_range(r, 0, (gint32)sizeof alphabet - 1)];
				else
					b[i] = 'a';
			}
			b[len] = '\0';
			for (gsize from = 0; from <= len && from < 70; from++) {
				gsize end = from + (gsize)g_rand_int_range(r, 0, (gint32)(len - from + 1));
				check_all(b, from, end, 'F', '>');
				check_all(b, from, len, '-', '-');
				checks += 2;
			}
		}
		g_free(base);
	}
	g_test_message("%u ranges compared", checks);
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#ifdef LINESCAN_X86
	g_test_message("AVX2: %s", __builtin_cpu_supports("avx2") ? "yes" : "no (library path is SSE2)");
#endif
	g_test_add_func("/linescan/cases", test_cases);
	g_test_add_func("/linescan/every-position", test_every_position);
	g_test_add_func("/linescan/random", test_random);
	return g_test_run();
}
