-- common.lua - helpers shared by the upki-milter miltertest scripts.
--
-- tests/integration/milter-miltertest.sh runs each t-*.lua with
-- -D MILTER=<binary> -D CONF=<config> -D SOCK=<socket spec> -D TOP=<source dir>
-- -D TMP=<temp dir>.  A script calls check() for every assertion; each
-- prints one TAP line ("ok - ..." / "not ok - ..."), numbered by the
-- shell script.  A Lua error inside a case is caught and reported as a
-- failure of that case, so one broken step does not hide the others.

function tap(ok, desc, diag)
	if ok then
		mt.echo("ok - " .. desc)
	else
		mt.echo("not ok - " .. desc)
		if diag then mt.echo("# " .. tostring(diag)) end
	end
end

function check(cond, desc, diag)
	tap(cond and true or false, desc, diag)
	return cond
end

-- Runs fn(); a Lua error becomes a failing TAP line named desc.
function case(desc, fn)
	local ok, err = pcall(fn)
	if not ok then tap(false, desc .. " (died)", err) end
end

function read_file(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("a")
	f:close()
	return s
end

function sample(name)
	return read_file(TOP .. "/samples/" .. name)
end

-- Splits a message into its header fields, each value as an MTA passes
-- it (leading space dropped, folds kept as "\n" + white space), and its
-- body with CRLF line ends.
function split_message(text)
	text = text:gsub("\r\n", "\n")
	local hdr, body = text:match("^(.-)\n\n(.*)$")
	if not hdr then hdr, body = text, "" end
	local fields = {}
	for line in (hdr .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):[ \t]?(.*)$")
			if name then fields[#fields + 1] = { name = name, value = value } end
		end
	end
	return fields, (body:gsub("\n", "\r\n"))
end

-- Starts the filter, unless the caller runs it itself (-D NOSTART=1:
-- the valgrind test starts it under valgrind).
function start_filter(conf)
	if NOSTART then return end
	mt.startfilter(MILTER, "-f", "-c", conf or CONF, "-p", SOCK)
end

function connect()
	local conn = mt.connect(SOCK, 40, 0.25)
	if conn == nil then error("cannot connect to " .. SOCK) end
	return conn
end

-- Sends a message (text, or fields + body) on a new connection (or on
-- conn, when given: one that mt.conninfo() has set up).
-- Returns conn and what the filter answered: "eoh-accept" when the end
-- of the header already settled it, else the reply code after eom.
-- extra: fields to put in front of the message's own.
function send(text, extra, conn)
	local fields, body = split_message(text)
	conn = conn or connect()
	if extra then
		for i = #extra, 1, -1 do table.insert(fields, 1, extra[i]) end
	end
	for _, f in ipairs(fields) do
		local err = mt.header(conn, f.name, f.value)
		if err ~= nil then error("header " .. f.name .. ": " .. err) end
	end
	local err = mt.eoh(conn)
	if err ~= nil then error("eoh: " .. err) end
	if mt.getreply(conn) == SMFIR_ACCEPT then return conn, "eoh-accept" end
	local pos = 1
	while pos <= #body do
		err = mt.bodystring(conn, body:sub(pos, pos + 65534))
		if err ~= nil then error("body: " .. err) end
		if mt.getreply(conn) == SMFIR_SKIP then break end
		pos = pos + 65535
	end
	err = mt.eom(conn)
	if err ~= nil then error("eom: " .. err) end
	return conn, mt.getreply(conn)
end

function reply_name(r)
	local names = {
		[SMFIR_ACCEPT] = "accept", [SMFIR_CONTINUE] = "continue",
		[SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
		[SMFIR_REPLYCODE] = "replycode", [SMFIR_DISCARD] = "discard",
	}
	return names[r] or tostring(r)
end

-- X-UPKI-Notice value the filter inserted, or nil.
function notice_header(conn)
	return mt.getheader(conn, "X-UPKI-Notice", 0)
end

function write_file(path, text)
	local f = assert(io.open(path, "wb"))
	f:write(text)
	f:close()
end

-- send() from a client at ip (host name host): the connect step first,
-- as an MTA sends it when the filter asks for it (PeerList).
function send_from(ip, text, extra, host)
	local conn = connect()
	local err = mt.conninfo(conn, host or "client.example", ip)
	if err ~= nil then error("conninfo " .. ip .. ": " .. err) end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then error("conninfo " .. ip .. ": no continue") end
	return send(text, extra, conn)
end
