#!/bin/busybox sh
# Runs inside the emulated host (started by init-run from run-migrate.sh): the steps of /steps,
# each a line, with Debian's qemu-system-aarch64 and real KVM. Streams leave through the
# virtio disk /dev/vda (slot K at K*256 MiB; run-migrate.sh cuts them out) and arrive in
# the initramfs as /streams/NAME.mig. Everything is printed between markers:
#   capture NAME                   kvm show --json -> MIGRATE-FILE NAME ... MIGRATE-FILE-END
#   save NAME SLOT MODE            boot a guest, let it tick, migrate it to slot SLOT
#   load NAME MODE [NEXT SLOT]     QEMU -incoming the stream, watch the guest, then maybe save
#   refuse MODE                    vmm-exec must refuse to start QEMU
#   MODE  stock | compat:PROFILE (armcache vmm-exec --compat PROFILE)
/bin/busybox mkdir -p /bin /tmp
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
export LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
for m in /lib/modules-blk/*.ko; do [ -f "$m" ] && insmod "$m"; done
QEMU="/usr/bin/qemu-system-aarch64 -accel kvm -cpu host -M virt,gic-version=3 -smp 2 -m 128 -nodefaults"
QEMU="$QEMU -no-user-config -display none -kernel /guest/Image -initrd /guest/initrd.cpio"
APPEND="console=ttyAMA0 rdinit=/init panic=-1 quiet armcache_loop"
echo "MIGRATE-HOST $(uname -r) disk=$([ -b /dev/vda ] && echo yes || echo no)"
t() { cut -d' ' -f1 /proc/uptime; }
prefix() { case $1 in stock) echo "" ;; compat:*) echo "/armcache vmm-exec --compat ${1#compat:} --log /tmp/vmm.log --" ;; esac; }
# wait_for PATTERN COUNT SECONDS: until the guest console holds COUNT lines matching PATTERN
# (0 = none seen in time) or QEMU is gone.
wait_for() {
    n=0
    while [ "$n" -lt $(($3 * 5)) ]; do
        cnt=$(grep -c "$1" /tmp/g.log 2>/dev/null)
        [ "${cnt:-0}" -ge "$2" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
        n=$((n + 1))
    done
    return 1
}
# full_dump SECONDS: until the guest printed a whole cache dump (GUEST-BEGIN ... GUEST-END).
full_dump() {
    n=0
    while [ "$n" -lt $(($1 * 5)) ]; do
        awk '/GUEST-BEGIN/ {b = 1} b && /GUEST-END/ {f = 1} END {exit !f}' /tmp/g.log 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
        n=$((n + 1))
    done
    return 1
}
start_qemu() { # MODE EXTRA...
    mode=$1; shift
    rm -f /tmp/g.log /tmp/q.err /tmp/vmm.log /tmp/mon /tmp/mon.out
    mkfifo /tmp/mon
    $(prefix "$mode") $QEMU -append "$APPEND" -serial file:/tmp/g.log -monitor stdio "$@" \
        </tmp/mon >/tmp/mon.out 2>/tmp/q.err &
    pid=$!
    exec 3>/tmp/mon
}
# migrate_out NAME SLOT: stop the guest at a quiet moment (just after a tick, while it sleeps:
# a live switchover that landed while the guest printed left it printing nothing more on the
# destination once in three runs), stream it to a file, copy the file to the disk slot.
# The destination continues it (load: cont).
migrate_out() {
    seen=$(grep -c GUEST-ALIVE /tmp/g.log 2>/dev/null)
    wait_for GUEST-ALIVE $((${seen:-0} + 1)) 30
    sleep 0.3
    last=$(grep GUEST-ALIVE /tmp/g.log | tail -n 1 | cut -d' ' -f2)
    t0=$(t)
    echo "stop" >&3
    echo "migrate \"exec:cat > /tmp/$1.mig\"" >&3
    echo "quit" >&3
    n=0
    while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 600 ]; do sleep 0.2; n=$((n + 1)); done
    t1=$(t)
    bytes=$(wc -c </tmp/$1.mig 2>/dev/null || echo 0)
    dd if=/tmp/$1.mig of=/dev/vda bs=1M seek=$(($2 * 256)) 2>/dev/null && sync
    echo "MIGRATE-SAVED $1 slot=$2 bytes=$bytes last_alive=${last:-none} save_s=$(echo "$t1 - $t0" | bc 2>/dev/null || echo ?)"
    rm -f /tmp/$1.mig
}
# loaded: wait (up to 120 s) until the incoming stream is loaded (QEMU reports the VM paused,
# as the source was), then continue the guest; 1 if QEMU exited instead.
loaded() {
    n=0
    while [ "$n" -lt 240 ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        echo "info status" >&3
        sleep 0.5
        if tr -d "\r" </tmp/mon.out 2>/dev/null | grep -q "VM status: paused *$"; then echo "cont" >&3; return 0; fi
        n=$((n + 1))
    done
    return 1
}
report() { # what the guest and QEMU printed
    sed 's/^/G| /' /tmp/g.log 2>/dev/null | tr -d '\r'
    sed 's/^/E| /' /tmp/q.err 2>/dev/null
    sed 's/^/L| /' /tmp/vmm.log 2>/dev/null
    grep -v '^(qemu)' /tmp/mon.out 2>/dev/null | grep . | sed 's/^/M| /'
}
finish() {
    exec 3>&-
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
}

while read -r op a b c d; do
    case $op in ""|\#*) continue ;; esac
    echo "MIGRATE-STEP $op $a $b $c $d start=$(t)"
    case $op in
        capture)
            /armcache kvm show --json >/tmp/cap.json 2>/tmp/cap.err
            echo "MIGRATE-FILE $a rc=$?"
            cat /tmp/cap.json
            echo "MIGRATE-FILE-END"
            sed 's/^/E| /' /tmp/cap.err ;;
        save) # NAME SLOT MODE
            start_qemu "$c"
            if wait_for GUEST-ALIVE 2 120; then migrate_out "$a" "$b"; else echo "MIGRATE-NOT-RUNNING $a"; fi
            finish
            report ;;
        load) # NAME MODE [NEXT SLOT]
            if [ ! -s "/streams/$a.mig" ]; then echo "MIGRATE-NO-STREAM $a"; echo "MIGRATE-DONE $op $a end=$(t)"; continue; fi
            start_qemu "$b" -incoming "exec:cat /streams/$a.mig"
            t0=$(t)
            if loaded && full_dump 60; then
                echo "MIGRATE-RESUMED $a after_s=$(echo "$(t) - $t0" | bc 2>/dev/null || echo ?)"
                if [ -n "$c" ]; then wait_for GUEST-ALIVE 2 60; migrate_out "$c" "$d"; fi
            else
                echo "MIGRATE-NOT-RESUMED $a"
            fi
            finish
            echo "MIGRATE-QEMU-RC $a rc=$rc"
            report ;;
        refuse) # MODE
            $(prefix "$a") $QEMU -append "$APPEND" -serial file:/tmp/g.log </dev/null >/tmp/mon.out 2>/tmp/q.err
            rc=$?
            echo "MIGRATE-REFUSE-RC rc=$rc"
            sed 's/^/E| /' /tmp/q.err ;;
    esac
    echo "MIGRATE-DONE $op $a end=$(t)"
done </steps
