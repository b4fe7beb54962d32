#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-stream-access.sh - who may connect, and bad input.
#  - --stream-group G: the directory is 0750 and the socket 0660, root:G; a
#    process that is neither root nor in G (nobody) cannot connect, one in G
#    can, and its pid and uid are logged (a temporary group, removed at the
#    end);
#  - garbage, an unknown key, an unknown filter key, a bad value or an
#    endless line in the subscribe line: one error line and a close, the
#    agent running on; a client with an error exits non-zero;
#  - a --stream path that exists and is not a socket, an unknown group, a
#    live agent's socket: errors at start.
source "$(dirname "$0")/lib.sh"

GROUP=kfst$SUFFIX
SOCK=$TMP/run/kflow.sock
NOBODY=$(id -u nobody) || kf_fail "no user nobody"
trap 'groupdel "$GROUP" 2>/dev/null; kf_teardown' EXIT
groupadd "$GROUP" || kf_fail "cannot add group $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
chmod 0711 "$TMP" # others may pass through to the socket's directory
kf_setup

touch "$TMP/plain"
in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --stream "$TMP/plain" 2>"$TMP/plain.log" &&
	kf_fail "a --stream path that is a regular file was accepted"
grep -q "exists and is not a socket" "$TMP/plain.log" || kf_fail "no clear error: $(cat "$TMP/plain.log")"
[ "$(wc -l <"$TMP/plain.log")" = 1 ] || kf_fail "want the error line alone: $(cat "$TMP/plain.log")"
in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --stream "$SOCK" --stream-group no-such-$SUFFIX \
	2>"$TMP/group.log" && kf_fail "an unknown --stream-group was accepted"
grep -q "no such group" "$TMP/group.log" || kf_fail "no clear error: $(cat "$TMP/group.log")"
[ "$(wc -l <"$TMP/group.log")" = 1 ] || kf_fail "want the error line alone: $(cat "$TMP/group.log")"
[ -e "$TMP/plain" ] || kf_fail "the agent removed a file that is not a socket"

kf_start_agent rec --interval 1 --stream "$SOCK" --stream-group "$GROUP"
[ "$(stat -c '%a %U %G' "$TMP/run")" = "750 root $GROUP" ] ||
	kf_fail "directory is $(stat -c '%a %U %G' "$TMP/run"), want 750 root $GROUP"
[ "$(stat -c '%a %U %G' "$SOCK")" = "660 root $GROUP" ] ||
	kf_fail "socket is $(stat -c '%a %U %G' "$SOCK"), want 660 root $GROUP"
in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN-2 --stream "$SOCK" 2>"$TMP/second.log" &&
	kf_fail "a second agent took a live agent's socket"
grep -q "another process listens there" "$TMP/second.log" || kf_fail "no clear error: $(cat "$TMP/second.log")"
[ "$(wc -l <"$TMP/second.log")" = 1 ] || kf_fail "want the error line alone: $(cat "$TMP/second.log")"

setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$KFLOW" stream --socket "$SOCK" \
	--no-follow 2>"$TMP/nobody.log" && kf_fail "nobody, not in $GROUP, could connect"
grep -q "Permission denied" "$TMP/nobody.log" || kf_fail "nobody: $(cat "$TMP/nobody.log")"
setpriv --reuid=$NOBODY --regid=$NOBODY --groups=$GID "$KFLOW" stream --socket "$SOCK" \
	--no-follow --last 10 >"$TMP/member.jsonl" 2>"$TMP/member.log" ||
	kf_fail "a member of $GROUP could not connect: $(cat "$TMP/member.log")"
kf_wait_for "$TMP/rec.log" "stream: subscriber pid [0-9]* uid $NOBODY connected"

# Bad subscribe lines: hello, one error line, then the agent closes.
bad() {
	$PY "$NETDIR/streamsub.py" "$SOCK" "$TMP/bad.jsonl" --send "$1" >/dev/null ||
		kf_fail "subscriber for '${1:0:40}' failed"
	python3 - "$TMP/bad.jsonl" "$2" <<'PY' || kf_fail "bad subscribe line '${1:0:40}'"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
assert [o["event"] for o in got] == ["hello", "error"], got
assert sys.argv[2] in got[1]["error"], got[1]
PY
}
bad 'garbage\n' "not JSON"
bad '{"colour":1}\n' 'unknown key "colour"'
bad '{"include":[{"colour":"red"}]}\n' 'unknown filter key "colour"'
bad '{"include":[{"port":"http"}]}\n' '"port" must be a number'
bad '{"include":[{"ip":"300.1.1.1"}]}\n' "is not an IPv4 or IPv6 address"
bad '{"events":["flow_middle"]}\n' "unknown event"
bad '[1,2]\n' "one JSON object"
bad "$(head -c 5000 /dev/zero | tr '\0' x)" "longer than 4096"
bad '{"last":' "no whole subscribe line within 1 s"
"$KFLOW" stream --socket "$SOCK" --filter colour=red --no-follow 2>"$TMP/client.log" &&
	kf_fail "kflow stream with a refused filter exited 0"
grep -q '"event":"error"' "$TMP/client.log" || kf_fail "the client did not print the error"
kill -0 $AGENT_PID || kf_fail "the agent died of bad subscribe lines"
kf_stop_agent INT
echo "ok"
