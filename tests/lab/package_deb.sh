#!/usr/bin/env bash
# Issue 20: the Debian package. Built from this build (scripts/mkdeb), installed into a fresh,
# empty root with dpkg --root (its dependencies are the running system's libraries, so they are
# not installed there: --force-depends), then:
#   - dpkg knows it (status "install ok installed") and it holds the programs, man pages, unit
#     and defaults where Debian puts them;
#   - systemd-analyze verify finds nothing wrong with the unit in that root (systemd's own
#     units copied there, as if systemd were installed in it);
#   - the installed vnetgwd and vnetgw print their version;
#   - the installed vnetgwd tells a service manager READY=1 over $NOTIFY_SOCKET once it serves
#     its API, and STOPPING=1 on SIGTERM (Type=notify);
#   - the man pages render without a warning; the package is removed and purged cleanly.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/netns.sh

BUILD=${VNETGW_BUILD:-build}
VERSION=$(sed -n 's/^#define VNETGW_VERSION "\(.*\)"/\1/p' src/lib/version.h)

lab_init
ROOT=$LAB_DIR/root
deb=$(run scripts/mkdeb "$BUILD") || lab_fail "scripts/mkdeb failed"
say "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb -I "$deb" >"$LAB_DIR/info.txt" || lab_fail "dpkg-deb -I"
expect "the package is vnetgw $VERSION" grep -q "Version: $VERSION" "$LAB_DIR/info.txt"
say "$(grep 'Depends:' "$LAB_DIR/info.txt")"

mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" "$ROOT/tmp"
: >"$ROOT/var/lib/dpkg/status"
run dpkg --root="$ROOT" --force-depends --force-script-chrootless -i "$deb" >"$LAB_DIR/dpkg.out" 2>&1 ||
	{ cat "$LAB_DIR/dpkg.out" >&2; lab_fail "dpkg --root -i"; }
expect "dpkg: install ok installed" sh -c "dpkg --root='$ROOT' -s vnetgw | grep -q 'Status: install ok installed'"
for f in usr/sbin/vnetgwd usr/bin/vnetgw usr/share/man/man8/vnetgwd.8 usr/share/man/man1/vnetgw.1 \
	lib/systemd/system/vnetgwd.service etc/default/vnetgwd usr/share/doc/vnetgw/README.md; do
	expect "installed: /$f" test -s "$ROOT/$f"
done
expect "the programs are executable" test -x "$ROOT/usr/sbin/vnetgwd" -a -x "$ROOT/usr/bin/vnetgw"

# systemd-analyze verify in that root: systemd's own units there too (sysinit.target, ...).
mkdir -p "$ROOT/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
# Its Documentation= man pages are checked too, from that root (MANPATH).
MANPATH=$ROOT/usr/share/man systemd-analyze verify --root="$ROOT" /lib/systemd/system/vnetgwd.service \
	>"$LAB_DIR/verify.out" 2>&1
rc=$?
cat "$LAB_DIR/verify.out" >&2
expect "systemd-analyze verify: no complaint about vnetgwd.service (exit $rc)" \
	sh -c "[ $rc = 0 ] && ! grep -q . '$LAB_DIR/verify.out'"

expect "installed vnetgwd --version: $("$ROOT/usr/sbin/vnetgwd" --version)" \
	test "$("$ROOT/usr/sbin/vnetgwd" --version)" = "vnetgwd $VERSION"
expect "installed vnetgw --version: $("$ROOT/usr/bin/vnetgw" --version)" \
	sh -c "'$ROOT/usr/bin/vnetgw' --version | grep -q '^vnetgw $VERSION '"

# Type=notify: a service manager's socket, the installed daemon started against it.
cat >"$LAB_DIR/notify.py" <<'PY'
# notify.py SOCKET OUT: receive sd_notify datagrams on SOCKET, one line each into OUT.
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PY
python3 "$LAB_DIR/notify.py" "$LAB_DIR/notify.sock" "$LAB_DIR/notify.log" &
lab_track $!
wait_for 10 "the notify socket" test -S "$LAB_DIR/notify.sock" || lab_fail "no notify socket"
port=$((20000 + RANDOM % 20000))
NOTIFY_SOCKET=$LAB_DIR/notify.sock "$ROOT/usr/sbin/vnetgwd" --data-dir "$LAB_DIR/data" \
	--api-listen "127.0.0.1:$port" >"$LAB_DIR/vnetgwd.log" 2>&1 &
pid=$!
lab_track "$pid"
wait_for 20 "READY=1 from the installed vnetgwd" grep -q 'READY=1' "$LAB_DIR/notify.log" ||
	{ cat "$LAB_DIR/vnetgwd.log" >&2; lab_fail "vnetgwd never said READY=1"; }
expect "ready means serving: the admin socket answers" \
	sh -c "VNETGW_ADMIN_SOCKET='$LAB_DIR/data/admin.sock' '$ROOT/usr/bin/vnetgw' admin settings show >/dev/null"
kill -TERM "$pid"
wait_for 20 "vnetgwd exits on SIGTERM" pid_gone "$pid" || lab_fail "vnetgwd ignored SIGTERM"
expect "STOPPING=1 on SIGTERM" grep -q 'STOPPING=1' "$LAB_DIR/notify.log"

for m in "$ROOT/usr/share/man/man8/vnetgwd.8" "$ROOT/usr/share/man/man1/vnetgw.1"; do
	expect "$(basename "$m") renders without a warning" \
		sh -c "groff -man -Tutf8 -ww -z '$m' 2>&1 | (! grep -q .)"
done

run dpkg --root="$ROOT" --force-script-chrootless -r vnetgw >"$LAB_DIR/remove.out" 2>&1 ||
	{ cat "$LAB_DIR/remove.out" >&2; lab_fail "dpkg -r"; }
expect "removed: no program left" test ! -e "$ROOT/usr/sbin/vnetgwd" -a ! -e "$ROOT/usr/bin/vnetgw"
expect "the conffile stays until purge" test -e "$ROOT/etc/default/vnetgwd"
run dpkg --root="$ROOT" --force-script-chrootless -P vnetgw >"$LAB_DIR/purge.out" 2>&1 ||
	{ cat "$LAB_DIR/purge.out" >&2; lab_fail "dpkg -P"; }
expect "purged: the conffile is gone" test ! -e "$ROOT/etc/default/vnetgwd"
lab_pass "vnetgw $VERSION packaged, installed into a fresh root, verified, started (READY=1), removed and purged"
