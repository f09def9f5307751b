/* upki-pngstat.c - how much of a PNG screenshot is not background, for
 * the Chromium test (no image library needed):
 *
 *   upki-pngstat FILE    prints "WIDTH HEIGHT INKED" where INKED is the
 *                        number of pixels that differ from the top-left one
 *
 * Reads 8-bit RGB or RGBA, non-interlaced (what headless Chromium
 * writes); anything else exits 1 with the reason.  The IDAT stream is
 * inflated with GLib's zlib decompressor and the scanline filters undone
 * as the PNG specification says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

static guint32 be32(const guchar *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static int fail(const char *why)
{
	fprintf(stderr, "upki-pngstat: %s\n", why);
	return 1;
}

static GByteArray *inflate_all(const GByteArray *z)
{
	GConverter *c = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
	GByteArray *out = g_byte_array_new();
	guchar buf[65536];
	gsize in_off = 0;

	for (;;) {
		gsize read = 0, written = 0;
		GError *err = NULL;
		GConverterResult r = g_converter_convert(c, z->data + in_off, z->len - in_off, buf, sizeof buf,
							 G_CONVERTER_INPUT_AT_END, &read, &written, &err);
		in_off += read;
		g_byte_array_append(out, buf, (guint)written);
		if (r == G_CONVERTER_ERROR) {
			g_error_free(err);
			g_byte_array_unref(out);
			out = NULL;
			break;
		}
		if (r == G_CONVERTER_FINISHED)
			break;
	}
	g_object_unref(c);
	return out;
}

static guchar paeth(guchar a, guchar b, guchar c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int main(int argc, char **argv)
{
	guchar *buf = NULL;
	gsize len = 0, off = 8;
	guint32 w = 0, h = 0, bpp = 0;
	GByteArray *z = g_byte_array_new(), *raw = NULL;
	guint64 inked = 0;
	int rc = 1;

	if (argc != 2 || !g_file_get_contents(argv[1], (char **)&buf, &len, NULL))
		return fail("usage: upki-pngstat FILE.png");
	if (len < 8 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8) != 0) {
		rc = fail("not a PNG");
		goto out;
	}
	while (off + 12 <= len) {
		guint32 n = be32(buf + off);
		const guchar *type = buf + off + 4, *data = buf + off + 8;
		if (n > len - off - 12)
			break;
		if (memcmp(type, "IHDR", 4) == 0 && n >= 13) {
			w = be32(data);
			h = be32(data + 4);
			if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[12] != 0) {
				rc = fail("not 8-bit RGB or RGBA, non-interlaced");
				goto out;
			}
			bpp = data[9] == 6 ? 4 : 3;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			g_byte_array_append(z, data, n);
		}
		off += 12 + n;
	}
	raw = bpp ? inflate_all(z) : NULL;
	if (!raw || w == 0 || h == 0 || raw->len < (gsize)h * (1 + (gsize)w * bpp)) {
		rc = fail("no image data");
		goto out;
	}
	{
		gsize stride = (gsize)w * bpp;
		guchar *prev = g_malloc0(stride), *cur = NULL, first[4] = { 0 };
		for (guint32 y = 0; y < h; y++) {
			guchar f = raw->data[y * (stride + 1)];
			cur = raw->data + y * (stride + 1) + 1;
			for (gsize x = 0; x < stride; x++) {
				guchar a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
				switch (f) {
				case 1: cur[x] += a; break;
				case 2: cur[x] += b; break;
				case 3: cur[x] += (guchar)((a + b) / 2); break;
				case 4: cur[x] += paeth(a, b, c); break;
				default: break;
				}
			}
			if (y == 0)
				memcpy(first, cur, bpp);
			for (guint32 x = 0; x < w; x++)
				inked += memcmp(cur + (gsize)x * bpp, first, bpp) != 0;
			memcpy(prev, cur, stride);
		}
		g_free(prev);
	}
	printf("%u %u %" G_GUINT64_FORMAT "\n", w, h, inked);
	rc = 0;
out:
	if (raw)
		g_byte_array_unref(raw);
	g_byte_array_unref(z);
	g_free(buf);
	return rc;
}
