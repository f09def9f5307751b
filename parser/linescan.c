/* linescan.c - lines that start with given bytes, found a vector at a
 * time.  Each round compares a block with '\n' and the block one byte
 * later with the two bytes wanted, and takes the first set bit of the
 * mask: most blocks hold no such line, and cost a few instructions. */
#include "linescan-private.h"

static inline gboolean hit_at(const char *b, gsize j, gsize end, char c1, char c2)
{
	return b[j] == '\n' && (j + 1 == end || b[j + 1] == c1 || b[j + 1] == c2);
}

#ifdef __x86_64__
#include <immintrin.h>

/* Bit j: b[i+j] is '\n' and b[i+j+1] is c1 or c2 (reads b[i..i+32]). */
static inline guint32 block_mask_sse2(const char *b, gsize i, char c1, char c2)
{
	const __m128i nl = _mm_set1_epi8('\n'), x = _mm_set1_epi8(c1), y = _mm_set1_epi8(c2);
	__m128i c0 = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
	__m128i n0 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 1));
	__m128i k1 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 16));
	__m128i n1 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 17));
	__m128i h0 = _mm_and_si128(_mm_cmpeq_epi8(c0, nl), _mm_or_si128(_mm_cmpeq_epi8(n0, x), _mm_cmpeq_epi8(n0, y)));
	__m128i h1 = _mm_and_si128(_mm_cmpeq_epi8(k1, nl), _mm_or_si128(_mm_cmpeq_epi8(n1, x), _mm_cmpeq_epi8(n1, y)));

	return (guint32)_mm_movemask_epi8(h0) | (guint32)_mm_movemask_epi8(h1) << 16;
}

/* 64 bytes a round: half the instructions of SSE2. */
__attribute__((target("avx2"))) static gsize scan_avx2(const char *b, gsize i, gsize end, char c1, char c2)
{
	const __m256i nl = _mm256_set1_epi8('\n'), x = _mm256_set1_epi8(c1), y = _mm256_set1_epi8(c2);

	for (; i + 65 <= end; i += 64) {
		__m256i c0 = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
		__m256i n0 = _mm256_loadu_si256((const __m256i *)(const void *)(b + i + 1));
		__m256i k1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + i + 32));
		__m256i n1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + i + 33));
		__m256i h0 = _mm256_and_si256(_mm256_cmpeq_epi8(c0, nl),
					      _mm256_or_si256(_mm256_cmpeq_epi8(n0, x), _mm256_cmpeq_epi8(n0, y)));
		__m256i h1 = _mm256_and_si256(_mm256_cmpeq_epi8(k1, nl),
					      _mm256_or_si256(_mm256_cmpeq_epi8(n1, x), _mm256_cmpeq_epi8(n1, y)));
		guint64 m = (guint32)_mm256_movemask_epi8(h0) | (guint64)(guint32)_mm256_movemask_epi8(h1) << 32;
		if (m)
			return i + (gsize)__builtin_ctzll(m);
	}
	return i;
}

/* The first hit found by whole blocks, or the first position they did
 * not cover (the caller goes on byte by byte). */
static gsize scan_blocks(const char *b, gsize i, gsize end, char c1, char c2)
{
	static int avx2 = -1;

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	if (avx2)
		i = scan_avx2(b, i, end, c1, c2);
	for (; i + 33 <= end; i += 32) {
		guint32 m = block_mask_sse2(b, i, c1, c2);
		if (m)
			return i + (gsize)__builtin_ctz(m);
	}
	return i;
}
#else
static gsize scan_blocks(const char *b, gsize i, gsize end, char c1, char c2)
{
	(void)b;
	(void)end;
	(void)c1;
	(void)c2;
	return i;
}
#endif

gsize upki_linescan_find(const char *b, gsize from, gsize end, char c1, char c2)
{
	gsize i = scan_blocks(b, from, end, c1, c2);

	for (; i < end; i++)
		if (hit_at(b, i, end, c1, c2))
			return i;
	return end;
}
