/* ledger-html.c - the derived states as one self-contained HTML page:
 * Japanese and English, a timeline chart in inline SVG drawn here,
 * sortable tables, readable printed.
 *
 * Self-contained because the page is mailed, archived and opened
 * offline by the certificate office: no external asset, no font, no
 * script from elsewhere (the sorting script is inline and the page works
 * without it).  Every string from the ledger is escaped: a DN or a
 * Message-ID is whatever a mail said.  The counts carry data-key
 * attributes ("jobs.retrieved") so that a program (the Chromium test)
 * finds them in the DOM without reading the layout.
 */
#include <stddef.h>
#include <string.h>

#include "upki/ledger.h"
#include "upki/report.h"
#include "ledger-tally.h"

/* per ledger_kinds[] */
static const char *const kind_colours[LEDGER_N_KINDS + 1] = { "#4e79a7", "#76b7b2", "#59a14f", "#edc948", "#e15759", "#b07aa1" };

#define CHART_W 900
#define CHART_H 240
#define CHART_LEFT 40
#define CHART_BOTTOM 40

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
	"th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee;cursor:pointer}td.n{text-align:right}"
	".cards span{display:inline-block;border:1px solid #bbb;padding:.3em .6em;margin:.2em}"
	".action{background:#fde8e8}"
	"@media print{th{cursor:auto}h2{page-break-after:avoid}tr{page-break-inside:avoid}"
	"body{margin:0}}";

/* Clicking a heading sorts its table (numbers as numbers); the page
 * reads the same without it. */
static const char script[] =
	"document.querySelectorAll('table.sortable th').forEach(function(th){"
	"th.addEventListener('click',function(){"
	"var b=th.closest('table').tBodies[0],i=th.cellIndex,up=th.dataset.up!=='1';"
	"th.dataset.up=up?'1':'0';"
	"Array.from(b.rows).sort(function(x,y){"
	"var a=x.cells[i].textContent,c=y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);"
	"var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return up?r:-r;})"
	".forEach(function(r){b.appendChild(r);});});});";

static void esc(GString *o, const char *s)
{
	char *e = g_markup_escape_text(s ? s : "", -1);

	g_string_append(o, e);
	g_free(e);
}

static void cell(GString *o, const char *s)
{
	g_string_append(o, "<td>");
	esc(o, s ? s : "");
	g_string_append(o, "</td>");
}

static void cell_time(GString *o, gint64 t)
{
	char *iso = upki_report_time_iso(t);

	cell(o, iso);
	g_free(iso);
}

static void count(GString *o, const char *group, const char *key, guint n, const char *label)
{
	g_string_append_printf(o, "<span>%s: <b data-key=\"%s.%s\">%u</b></span>", label, group, key, n);
}

static void summary(GString *o, const upki_ledger_report *r, const ledger_tally *t)
{
	g_string_append(o, "<h2>概要 / Summary</h2><div class=\"cards\">");
	count(o, "summary", "notices", r->events->len, "正規の通知 / genuine notices");
	count(o, "summary", "suspicious", r->suspects->len, "不審な通知 / suspicious");
	g_string_append(o, "</div><div class=\"cards\">発行 / jobs: ");
	for (gsize i = 0; i < LEDGER_N_JOB_STATES; i++)
		count(o, "jobs", ledger_job_states[i], t->jobs[i], ledger_job_states[i]);
	g_string_append(o, "</div><div class=\"cards\">証明書 / certificates: ");
	for (gsize i = 0; i < LEDGER_N_CERT_STATES; i++)
		count(o, "certificates", ledger_cert_states[i], t->certs[i], ledger_cert_states[i]);
	g_string_append(o, "</div>\n");
}

/* ---- the chart: notices per month, stacked by kind ---- */

static void chart(GString *o, const GArray *months)
{
	guint top = 1;
	double slot = 0;

	for (guint i = 0; i < months->len; i++) {
		guint sum = 0;
		for (gsize k = 0; k <= LEDGER_N_KINDS; k++)
			sum += g_array_index(months, ledger_month, i).n[k];
		top = MAX(top, sum);
	}
	slot = months->len ? (double)(CHART_W - CHART_LEFT) / months->len : 0;
	g_string_append(o, "<h2>時系列 / Timeline</h2>");
	g_string_append_printf(o, "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
			       " role=\"img\" aria-label=\"notices per month\">", CHART_W, CHART_H + 30);
	g_string_append_printf(o, "<text x=\"0\" y=\"12\" font-size=\"11\">%u</text>", top);
	g_string_append_printf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", CHART_LEFT,
			       CHART_H - CHART_BOTTOM, CHART_W, CHART_H - CHART_BOTTOM);
	for (guint i = 0; i < months->len; i++) {
		const ledger_month *m = &g_array_index(months, ledger_month, i);
		double x = CHART_LEFT + i * slot, y = CHART_H - CHART_BOTTOM;
		for (gsize k = 0; k <= LEDGER_N_KINDS; k++) {
			double h = (double)m->n[k] * (CHART_H - CHART_BOTTOM - 10) / top;
			if (!m->n[k])
				continue;
			y -= h;
			g_string_append_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
					       "<title>%s %s: %u</title></rect>", x + 1, y, MAX(slot - 2, 1.0), h,
					       kind_colours[k], m->month, ledger_kinds[k], m->n[k]);
		}
		if (months->len <= 30 || i % 3 == 0)
			g_string_append_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" transform=\"rotate(60 %.1f %d)\">%s</text>",
					       x + 2, CHART_H - CHART_BOTTOM + 10, x + 2, CHART_H - CHART_BOTTOM + 10,
					       m->month);
	}
	for (gsize k = 0; k <= LEDGER_N_KINDS; k++)
		g_string_append_printf(o, "<rect x=\"%zu\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
				       "<text x=\"%zu\" y=\"%d\" font-size=\"11\">%s</text>", CHART_LEFT + k * 140,
				       CHART_H + 12, kind_colours[k], CHART_LEFT + k * 140 + 14, CHART_H + 21, ledger_kinds[k]);
	g_string_append(o, "</svg>\n");
}

/* ---- tables ---- */

static void table_head(GString *o, const char *id, const char *const *heads, gsize n)
{
	g_string_append_printf(o, "<table class=\"sortable\" id=\"%s\"><thead><tr>", id);
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(o, "<th>%s</th>", heads[i]);
	g_string_append(o, "</tr></thead><tbody>\n");
}

static void job_row(GString *o, gconstpointer item)
{
	const upki_ledger_job *j = item;
	g_string_append_printf(o, "<tr%s>", j->action ? " class=\"action\"" : "");
	cell(o, j->action);
	cell(o, j->state);
	cell(o, j->kind);
	cell(o, j->recipient);
	cell_time(o, j->signed_at);
	cell(o, j->deadline);
	cell(o, j->serial);
	cell(o, j->job_id);
	cell(o, j->where);
	g_string_append(o, "</tr>\n");
}

static void cert_row(GString *o, gconstpointer item)
{
	const upki_ledger_cert *c = item;
	g_string_append_printf(o, "<tr%s>", c->action ? " class=\"action\"" : "");
	cell(o, c->action);
	cell(o, c->state);
	cell(o, c->serial);
	cell(o, c->dn);
	cell_time(o, c->since);
	cell(o, c->old_serial);
	cell(o, c->new_serial);
	g_string_append(o, "</tr>\n");
}

static const char *const job_heads[] = { "対応 / Action", "状態 / State", "種別 / Kind", "宛先 / Recipient",
					 "署名 / Signed", "期限 / Deadline", "シリアル / Serial", "Job", "URL (host/path)" };
static const char *const cert_heads[] = { "対応 / Action", "状態 / State", "シリアル / Serial", "DN",
					  "日時 / Since", "旧 / Old serial", "新 / New serial" };

static void event_row(GString *o, gconstpointer item)
{
	const upki_ledger_event *e = item;
	char *where = g_strdup_printf("%s#%" G_GUINT64_FORMAT, e->source, e->offset);

	g_string_append(o, "<tr>");
	cell_time(o, e->signed_at);
	cell(o, e->kind);
	cell(o, e->serial);
	cell(o, e->old_serial);
	cell(o, e->dn);
	cell(o, e->job_id);
	cell(o, where);
	g_string_append(o, "</tr>\n");
	g_free(where);
}

static void suspect_row(GString *o, gconstpointer item)
{
	const upki_ledger_suspect *s = item;
	char *where = g_strdup_printf("%s#%" G_GUINT64_FORMAT, s->source, s->offset);

	g_string_append(o, "<tr>");
	cell(o, s->date);
	cell(o, s->kind);
	cell(o, s->from);
	cell(o, s->url_host);
	cell(o, s->reasons);
	cell(o, where);
	g_string_append(o, "</tr>\n");
	g_free(where);
}

static const char *const event_heads[] = { "署名 / Signed", "種別 / Kind", "シリアル / Serial", "旧 / Old",
					   "DN", "Job", "場所 / Source" };
static const char *const suspect_heads[] = { "日付 / Date", "種別 / Kind", "差出人 / From",
					     "リンク先 / Link host", "理由 / Reasons", "場所 / Source" };

typedef void (*row_fn)(GString *o, gconstpointer item);

/* One table of the page: its heading (NULL: none, it follows the one
 * before), id, columns, which rows and how each is drawn; with action,
 * only the rows needing one. */
typedef struct table_spec {
	const char *heading;
	const char *id;
	const char *const *heads;
	gsize n_heads;
	gsize rows;       /* offset of the GPtrArray* in upki_ledger_report */
	row_fn row;
	const char *(*action)(gconstpointer item); /* NULL: every row */
} table_spec;

static const char *job_action(gconstpointer item)
{
	return ((const upki_ledger_job *)item)->action;
}

static const char *cert_action(gconstpointer item)
{
	return ((const upki_ledger_cert *)item)->action;
}

#define ROWS(f) offsetof(upki_ledger_report, f)
#define HEADS(h) h, G_N_ELEMENTS(h)

static const table_spec table_specs[] = {
	{ "対応が必要 / Needing action", "action", HEADS(job_heads), ROWS(jobs), job_row, job_action },
	{ NULL, "action-certificates", HEADS(cert_heads), ROWS(certs), cert_row, cert_action },
	{ "発行 / Retrieval jobs", "jobs", HEADS(job_heads), ROWS(jobs), job_row, NULL },
	{ "証明書 / Certificates", "certificates", HEADS(cert_heads), ROWS(certs), cert_row, NULL },
	{ "通知の一覧 / All notices", "timeline", HEADS(event_heads), ROWS(events), event_row, NULL },
	{ "不審な通知 / Suspicious notices", "suspicious", HEADS(suspect_heads), ROWS(suspects),
	  suspect_row, NULL },
};

static void tables(GString *o, const upki_ledger_report *r)
{
	for (gsize t = 0; t < G_N_ELEMENTS(table_specs); t++) {
		const table_spec *ts = &table_specs[t];
		const GPtrArray *rows = *(GPtrArray *const *)((const char *)r + ts->rows);
		if (ts->heading)
			g_string_append_printf(o, "<h2>%s</h2>", ts->heading);
		table_head(o, ts->id, ts->heads, ts->n_heads);
		for (guint i = 0; i < rows->len; i++)
			if (!ts->action || ts->action(g_ptr_array_index(rows, i)))
				ts->row(o, g_ptr_array_index(rows, i));
		g_string_append(o, "</tbody></table>\n");
	}
}

char *upki_ledger_report_html(const upki_ledger_report *r)
{
	GString *o = g_string_new(NULL);
	char *as_of = upki_report_time_iso(r->policy.as_of);
	ledger_tally t;

	g_string_append_printf(o, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
			       "<title>UPKI 証明書の状況 / Certificate lifecycle</title><style>%s</style></head><body>\n",
			       style);
	g_string_append(o, "<h1>UPKI 証明書の状況 / Certificate lifecycle</h1><p>時点 / As of: <time>");
	esc(o, as_of);
	g_string_append_printf(o, "</time> (期限間近 / deadline soon: %u 日 days; 停滞 / stalled: %u 日 days)</p>\n",
			       r->policy.soon_days, r->policy.stall_days);
	ledger_tally_build(&t, r);
	summary(o, r, &t);
	chart(o, t.months);
	ledger_tally_clear(&t);
	tables(o, r);
	g_string_append_printf(o, "<script>%s</script>\n</body></html>\n", script);
	g_free(as_of);
	return g_string_free(o, FALSE);
}
