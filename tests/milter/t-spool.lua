-- t-spool.lua - Spool set: genuine cert-issue and pin-issue notices are
-- handed off (one job each, the same notice twice is one job); suspicious
-- ones and other kinds are not.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

local function jobs()
	local p = io.popen("ls " .. TMP .. "/spool/new 2>/dev/null | wc -l")
	local n = tonumber(p:read("a"))
	p:close()
	return n
end

case("hand-off", function()
	local conn = send(sample("cert-issue.eml"))
	mt.disconnect(conn)
	check(jobs() == 1, "genuine cert-issue: one job in new/", jobs())
	conn = send(sample("cert-issue-lf.eml"))
	mt.disconnect(conn)
	check(jobs() == 1, "the same notice again: still one job", jobs())
	conn = send(sample("pin-issue.eml"))
	mt.disconnect(conn)
	check(jobs() == 2, "genuine pin-issue: a second job", jobs())
	conn = send(sample("cert-revoked.eml"))
	mt.disconnect(conn)
	conn = send(sample("phish-unsigned.eml"))
	mt.disconnect(conn)
	check(jobs() == 2, "revocation and phish: no job", jobs())
	local p = io.popen("stat -c %a " .. TMP .. "/spool/new/* | sort -u")
	local modes = p:read("a")
	p:close()
	check(modes == "600\n", "jobs are mode 0600", modes)
end)

-- The job names the envelope recipient (the first RCPT TO), not the To
-- field: the mailbox the notice reached is what the office acts on.
case("envelope recipient", function()
	local fields, body = split_message(sample("cert-issue-utf8.eml"))
	local conn = connect()
	check(mt.rcptto(conn, "<office@example.ac.jp>") == nil, "RCPT TO sent")
	check(mt.rcptto(conn, "<second@example.ac.jp>") == nil, "a second RCPT TO sent")
	for _, f in ipairs(fields) do mt.header(conn, f.name, f.value) end
	mt.eoh(conn)
	mt.bodystring(conn, body)
	mt.eom(conn)
	mt.disconnect(conn)
	local p = io.popen("grep -l '\"recipient\":\"office@example.ac.jp\"' " .. TMP .. "/spool/new/*.json | wc -l")
	local n = tonumber(p:read("a"))
	p:close()
	check(n == 1, "one job names the first envelope recipient", n)
	p = io.popen("grep -l 'second@example.ac.jp' " .. TMP .. "/spool/new/*.json | wc -l")
	n = tonumber(p:read("a"))
	p:close()
	check(n == 0, "the second recipient is not named", n)
end)
