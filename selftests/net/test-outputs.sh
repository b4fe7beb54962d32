#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-outputs.sh - jsonl outputs hold whole lines only and are not world
# readable: on a full disk a record is written whole or not at all, and the
# loss is counted per output by name; files are created 0640 (or
# --output-mode) whatever the umask; a partial line that a killed writer
# left is cut when the file is opened again. The full disk is a small tmpfs
# on a scratch directory, in the runner's private mount namespace.
source "$(dirname "$0")/lib.sh"

FULL=$TMP/full
trap 'umount "$FULL" 2>/dev/null; kf_teardown' EXIT
kf_setup
kf_start_server
mkdir "$FULL"
mount -t tmpfs -o size=16k,mode=0755 kflow-test "$FULL" || kf_fail "cannot mount a small tmpfs"
printf '{"old":1}\n{"cut by a kill' >"$TMP/old.jsonl"
umask 022
kf_start_agent rec --interval 1 --timeout closed_fin=1 --output jsonl:"$FULL/rec.jsonl" \
	--output jsonl:"$TMP/old.jsonl"
for _ in $(seq 6); do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 8 || kf_fail "traffic"
	sleep 0.5
done
sleep 2
kf_stop_agent INT

python3 - "$TMP/rec.jsonl" "$FULL/rec.jsonl" "$TMP/rec.log" "jsonl:$FULL/rec.jsonl" <<'PY' || kf_fail "full disk"
import json, re, sys
whole = open(sys.argv[1]).read().splitlines()
full = open(sys.argv[2], "rb").read()
assert full.endswith(b"\n"), "the full output ends in a partial line"
got = full.decode().splitlines()
for l in got:
    json.loads(l)  # every line parses: no record glued to a partial one
assert got == whole[:len(got)], "the full output is not a prefix of the records"
lost = sum(int(m.group(1)) for m in
           re.finditer(r"--output %s: (\d+) records not written \(No space left on device\)"
                       % re.escape(sys.argv[4]), open(sys.argv[3]).read()))
assert len(whole) > len(got) > 0, (len(whole), len(got))
assert lost == len(whole) - len(got), "log counts %d lost, %d were" % (lost, len(whole) - len(got))
print("full disk: %d of %d records written, %d counted lost" % (len(got), len(whole), lost))
PY
[ "$(stat -c %a "$TMP/rec.jsonl")" = 640 ] || kf_fail "jsonl file created $(stat -c %a "$TMP/rec.jsonl"), want 640"
head -1 "$TMP/old.jsonl" | grep -qx '{"old":1}' || kf_fail "the existing file's whole lines changed"
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/old.jsonl" ||
	kf_fail "the partial line a killed writer left was not cut"
grep -q "old.jsonl: cut 15 bytes of a partial record" "$TMP/rec.log" || kf_fail "the cut is not logged"

kf_start_agent mode --interval 1 --output-mode 0600 --output jsonl:"$TMP/mode600.jsonl"
kf_stop_agent INT
[ "$(stat -c %a "$TMP/mode600.jsonl")" = 600 ] || kf_fail "--output-mode 0600 gave $(stat -c %a "$TMP/mode600.jsonl")"
echo "ok"
