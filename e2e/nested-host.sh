#!/bin/busybox sh
# Runs inside the emulated host (started by init-run from run-nested.sh): every case of
# /cases ("NAME MODE DT [EXTRAS]") runs Debian's qemu-system-aarch64 with real KVM on a 2-vCPU
# guest and prints, between NESTED-CASE and NESTED-DONE, the guest console, QEMU's stderr
# and the interposer's log, each line prefixed.
#   MODE    stock | view:FILE (armcache vmm-exec --view FILE) | closest:FILE (the same with
#           --closest) | native (vmm-exec --native)
#   DT      own (QEMU's device tree) | merged:VIEW (QEMU's tree + armcache firmware --into-dtb
#           VIEW; VIEW "native": what `kvm show --native` reads on this host)
#   EXTRAS  comma-separated: reboot (boot twice), loud (earlycon, full log), guest=NAME (the
#           guest kernel /guest/Image-NAME instead of /guest/Image)
/bin/busybox mkdir -p /bin /tmp
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
# Debian's QEMU and its libraries, copied from the arm64 packages (no ld.so.cache here).
export LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
QEMU="/usr/bin/qemu-system-aarch64 -accel kvm -cpu host -smp 2 -m 256 -nodefaults -no-user-config -display none"
QEMU="$QEMU -initrd /guest/initrd.cpio"
APPEND="console=ttyAMA0 rdinit=/init panic=-1 quiet"
M=virt,gic-version=3
echo "NESTED-HOST $(uname -r) $(grep -c ^processor /proc/cpuinfo) cpus"
t() { cut -d' ' -f1 /proc/uptime; }

while read -r name mode dt extra; do
    [ -n "$name" ] || continue
    case $name in \#*) continue ;; esac
    rm -f /tmp/g.log /tmp/q.err /tmp/vmm.log /tmp/qemu.dtb /tmp/merged.dtb
    has() { case ",$extra," in *",$1,"*) return 0 ;; esac; return 1; }
    image=/guest/Image
    for x in $(echo "$extra" | tr ',' ' '); do
        case $x in guest=*) image=/guest/Image-${x#guest=} ;; esac
    done
    q="$QEMU -kernel $image"
    dtb=""
    case $dt in
        merged:*)
            src=${dt#merged:}
            if [ "$src" = native ]; then
                src=/tmp/native.json
                /armcache kvm show --native --json >$src 2>/tmp/fw.out || echo "NESTED-FW $name kvm show --native rc=$?"
            fi
            # QEMU's own tree for exactly this machine, then the view's caches added to it.
            $q -M "$M,dumpdtb=/tmp/qemu.dtb" -append "$APPEND" >/tmp/dump.out 2>&1
            /armcache firmware "$src" --into-dtb /tmp/qemu.dtb -o /tmp/merged.dtb --clusters 2 >>/tmp/fw.out 2>&1
            echo "NESTED-FW $name rc=$? $(tr '\n' ' ' </tmp/fw.out)"
            dtb="-dtb /tmp/merged.dtb" ;;
    esac
    append=$APPEND
    noreboot=-no-reboot
    if has reboot; then append="$APPEND armcache_reboot"; noreboot=""; fi
    case $mode in
        stock) pre="" ;;
        view:*) pre="/armcache vmm-exec --view ${mode#view:} --log /tmp/vmm.log --" ;;
        closest:*) pre="/armcache vmm-exec --view ${mode#closest:} --closest --log /tmp/vmm.log --" ;;
        native) pre="/armcache vmm-exec --native --log /tmp/vmm.log --" ;;
    esac
    # A refused view must stop QEMU before any guest code: boot that case with earlycon and
    # the full log, so even the kernel's first line would show.
    has loud && append="console=ttyAMA0 earlycon rdinit=/init panic=-1"
    echo "NESTED-CASE $name mode=$mode dt=$dt $extra"
    start=$(t)
    if has reboot; then
        # The guest reboots after every dump; stop QEMU once it has dumped twice (two boots,
        # so the vCPUs were initialised again in between).
        $pre $q -M "$M" $dtb -append "$append" -serial file:/tmp/g.log 2>/tmp/q.err &
        pid=$!
        n=0
        while [ "$n" -lt 600 ]; do
            [ "$(grep -c GUEST-END /tmp/g.log 2>/dev/null)" -ge 2 ] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
            n=$((n + 1))
        done
        kill "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        [ "$(grep -c GUEST-END /tmp/g.log 2>/dev/null)" -ge 2 ] && rc=0
    else
        timeout 120 $pre $q -M "$M" $dtb $noreboot -append "$append" -serial file:/tmp/g.log 2>/tmp/q.err
        rc=$?
        # Debian 12's QEMU 7.2 now and then aborts in its own vCPU-stop code (a race in QEMU,
        # seen once in a CI run on stock 6.1 without armcache): run such a case once more and
        # say so, so the retry is visible in the log and the check.
        if [ "$rc" = 134 ] && grep -q 'qemu_cpu_stop: assertion failed' /tmp/q.err; then
            echo "NESTED-RETRY $name $(tail -n 1 /tmp/q.err)"
            rm -f /tmp/g.log /tmp/vmm.log
            start=$(t)
            timeout 120 $pre $q -M "$M" $dtb $noreboot -append "$append" -serial file:/tmp/g.log 2>/tmp/q.err
            rc=$?
        fi
    fi
    end=$(t)
    sed 's/^/G| /' /tmp/g.log 2>/dev/null | tr -d '\r'
    sed 's/^/E| /' /tmp/q.err 2>/dev/null
    sed 's/^/L| /' /tmp/vmm.log 2>/dev/null
    echo "NESTED-DONE $name rc=$rc start=$start end=$end"
done </cases
