-- t-signals.lua - SIGHUP reloads the configuration for new messages (a
-- message keeps the one it started with; a bad file is logged and the
-- running one kept); SIGTERM lets the message in flight finish.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()
local base = read_file(CONF)
local SIGHUP, SIGTERM = 1, 15

local function reload(extra)
	write_file(CONF, base .. extra)
	mt.signal(SIGHUP)
	mt.sleep(0.5)
end

-- Sends the header and body of a message, not its end.
local function begin(text)
	local fields, body = split_message(text)
	local conn = connect()
	for _, f in ipairs(fields) do mt.header(conn, f.name, f.value) end
	mt.eoh(conn)
	mt.bodystring(conn, body)
	return conn
end

local function finish(conn)
	local err = mt.eom(conn)
	if err ~= nil then error("eom: " .. err) end
	return mt.getreply(conn)
end

case("mark before reload", function()
	local conn, r = send(sample("phish-http.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "OnSuspicious mark: accepted", reply_name(r))
	mt.disconnect(conn)
end)

case("reload to reject", function()
	reload("OnSuspicious reject\n")
	local conn, r = send(sample("phish-http.eml"))
	check(r == SMFIR_REPLYCODE, "after SIGHUP: OnSuspicious reject in force", reply_name(r))
	mt.disconnect(conn)
end)

case("bad config keeps the old one", function()
	reload("NoSuchKey 1\n")
	local conn, r = send(sample("phish-http.eml"))
	check(r == SMFIR_REPLYCODE, "bad config on SIGHUP: still running, old config kept", reply_name(r))
	mt.disconnect(conn)
end)

case("message keeps its config across a reload", function()
	local conn = begin(sample("phish-http.eml"))
	reload("OnSuspicious mark\n")
	local r = finish(conn)
	check(r == SMFIR_REPLYCODE, "message begun under reject is rejected", reply_name(r))
	mt.disconnect(conn)
	conn, r = send(sample("phish-http.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "next message: marked", reply_name(r))
	mt.disconnect(conn)
end)

case("SIGTERM finishes the message in flight", function()
	local idle = connect()
	mt.negotiate(idle, nil, nil, nil)
	local conn = begin(sample("cert-issue.eml"))
	mt.signal(SIGTERM)
	mt.sleep(0.5)
	mt.header(idle, "Subject", "hello")
	local err = mt.eoh(idle)
	local ir = mt.getreply(idle)
	check(err == nil and (ir == SMFIR_TEMPFAIL or ir == SMFIR_REPLYCODE),
	      "a message begun after SIGTERM is deferred", tostring(err) .. " " .. reply_name(ir))
	local r = finish(conn)
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "message in flight finished", reply_name(r))
	check(notice_header(conn) == "genuine; kind=cert-issue", "and annotated")
	mt.disconnect(conn)
	-- libmilter closes its socket at its next poll (up to some seconds)
	local refused = false
	for i = 1, 12 do
		mt.sleep(1)
		local ok, c2 = pcall(mt.connect, SOCK, 1, 0.1)
		if not ok or c2 == nil then refused = true; break end
		mt.disconnect(c2, false)
	end
	check(refused, "no new connections once it is finished")
end)
