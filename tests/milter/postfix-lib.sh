# postfix-lib.sh - a throwaway Postfix instance for the milter tests and
# the benchmark (sourced, not run).  Everything lives in one temp dir $PF:
# config in $PF/etc, queue in $PF/spool, mail delivered to the Maildir
# $PF/mail/inbox/; it listens on 127.0.0.1:$PF_PORT only, logs to
# $PF/postfix.log, and relays nothing (every domain is a local virtual
# mailbox).  Recipe: ../shared/reference/test-harness-facts.md.
# Needs root (Postfix's daemons run as the postfix user).

# pf_free_port: a TCP port nobody listens on, from 20000 up.
pf_free_port() {
	p=$((20000 + ($$ * 7 + ${1:-0} * 131) % 30000))
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
	echo "$p"
}

# pf_missing: prints what is missing to run Postfix here, nothing if all is there.
pf_missing() {
	[ "$(id -u)" = 0 ] || { echo "not root (Postfix needs root)"; return; }
	command -v postfix >/dev/null 2>&1 || { echo "postfix not installed"; return; }
	command -v swaks >/dev/null 2>&1 || { echo "swaks not installed"; return; }
	id postfix >/dev/null 2>&1 || { echo "no postfix user"; return; }
	getent group postdrop >/dev/null 2>&1 || { echo "no postdrop group"; return; }
	command -v ss >/dev/null 2>&1 || { echo "ss (iproute2) not installed"; return; }
}

# pf_setup DIR PORT MILTER: writes the instance; MILTER is a Postfix milter
# spec (unix:/path or inet:127.0.0.1:port) or empty for none.
pf_setup() {
	PF=$1; PF_PORT=$2; pf_milter=$3
	mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF/mail/inbox"
	chmod 755 "$PF" "$PF/etc" "$PF/spool"
	chown root:root "$PF/etc" "$PF/spool"
	chown postfix:postfix "$PF/data" "$PF/mail" "$PF/mail/inbox"
	chmod 700 "$PF/data"
	pf_uid=$(id -u postfix); pf_gid=$(id -g postfix)
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.upki-milter.test
mydomain = upki-milter.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
virtual_mailbox_domains = static:all
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:$pf_uid
virtual_gid_maps = static:$pf_gid
virtual_destination_concurrency_limit = 50
maillog_file = $PF/postfix.log
maillog_file_prefixes = $PF
smtputf8_enable = no
biff = no
smtpd_banner = \$myhostname ESMTP
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
message_size_limit = 52428800
virtual_mailbox_limit = 0
milter_protocol = 6
milter_default_action = accept
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 30s
smtpd_milters = $pf_milter
non_smtpd_milters = \$smtpd_milters
EOF
	cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
proxywrite unix - - n -    1 proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
virtual   unix  - n n -    - virtual
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# pf_set KEY=VALUE: changes main.cf of a running or stopped instance.
pf_set() {
	postconf -c "$PF/etc" -e "$1"
}

pf_start() {
	postfix -c "$PF/etc" start >"$PF/start.log" 2>&1 || { cat "$PF/start.log" >&2; return 1; }
	# the smtpd listener is up once master has bound the port
	i=0
	while [ $i -lt 100 ]; do
		ss -Hltn "sport = :$PF_PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "postfix did not listen on $PF_PORT" >&2
	return 1
}

pf_reload() {
	postfix -c "$PF/etc" reload >/dev/null 2>&1
}

pf_stop() {
	[ -n "${PF:-}" ] && [ -f "$PF/etc/main.cf" ] && postfix -c "$PF/etc" stop >/dev/null 2>&1
	return 0
}

# pf_count: messages delivered so far.
pf_count() {
	ls "$PF/mail/inbox/new" 2>/dev/null | wc -l
}

# pf_wait N [SECONDS]: waits until N messages are delivered; 0 when they are.
pf_wait() {
	want=$1; limit=$(( ${2:-30} * 10 )); i=0
	while [ "$(pf_count)" -lt "$want" ]; do
		[ $i -ge "$limit" ] && return 1
		sleep 0.1; i=$((i + 1))
	done
	return 0
}

# pf_send FILE [SWAKS ARGS...]: sends the message in FILE through smtpd.
pf_send() {
	f=$1; shift
	swaks --server "127.0.0.1:$PF_PORT" --from sender@example.org --to user@example.ac.jp \
		--data "$f" --silent 2 "$@" >/dev/null 2>&1
}

# pf_find ID: the delivered file whose X-Test-Id is ID.
pf_find() {
	grep -l -m1 "^X-Test-Id: $1\$" "$PF/mail/inbox/new/"* 2>/dev/null | head -1
}
