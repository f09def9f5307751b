-- t-spool-error.lua - OnSpoolError tempfail (the default): a genuine
-- notice whose job cannot be written is deferred with 451 4.7.0, and the
-- MTA's retry, once the spool works, writes the job.  The shell script
-- makes TMP/broken-spool a regular file, so the spool cannot be made.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

local function jobs()
	local p = io.popen("ls " .. TMP .. "/broken-spool/new 2>/dev/null | wc -l")
	local n = tonumber(p:read("a"))
	p:close()
	return n
end

case("spool failure defers", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "spool broken: temporary failure", reply_name(r))
	check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.0", "upki-milter: temporary failure, please try again later"),
		"spool broken: reply is 451 4.7.0")
	check(notice_header(conn) == nil, "spool broken: no header edits sent")
	mt.disconnect(conn)
end)

case("the retry writes the job", function()
	os.remove(TMP .. "/broken-spool")
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_CONTINUE, "spool fixed: the retry is accepted", reply_name(r))
	check((notice_header(conn) or ""):match("^genuine; kind=cert%-issue"), "spool fixed: marked genuine",
		notice_header(conn))
	check(jobs() == 1, "spool fixed: the job is in new/", jobs())
	mt.disconnect(conn)
end)

case("other mail is not held up", function()
	local conn, r = send(sample("plain-attachment.eml"))
	check(r == SMFIR_CONTINUE, "ordinary mail: continue", reply_name(r))
	mt.disconnect(conn)
end)
