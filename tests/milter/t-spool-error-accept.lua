-- t-spool-error-accept.lua - OnSpoolError accept: a genuine notice whose
-- job cannot be written (TMP/broken-spool2 is a regular file) is
-- delivered, marked, and its job is lost (the log says so).
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("spool failure accepted", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_CONTINUE, "spool broken, OnSpoolError accept: continue", reply_name(r))
	check((notice_header(conn) or ""):match("^genuine; kind=cert%-issue"), "still marked genuine",
		notice_header(conn))
	mt.disconnect(conn)
end)
