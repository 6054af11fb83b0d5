#!/bin/busybox sh
# /init of the nested guest (Debian's arm64 kernel under Debian's QEMU with KVM, inside the
# emulated host): prints every file of the guest's cache sysfs and `lscpu -C`, then powers
# off, or reboots (QEMU re-inits the vCPUs) when the command line says armcache_reboot, or
# (armcache_loop) keeps ticking and dumping for the migration bed.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
dump() {
    echo "GUEST-BEGIN $(uname -r) $(cat /proc/uptime)"
    for d in /sys/devices/system/cpu/cpu[0-9]*; do
        echo "GUEST-CPU ${d##*/} $(ls "$d/cache" 2>/dev/null | tr '\n' ' ')"
    done
    for f in /sys/devices/system/cpu/cpu[0-9]*/cache/index*/*; do
        [ -f "$f" ] && echo "GUEST-FILE ${f#/sys/devices/system/cpu/} $(cat "$f" 2>/dev/null)"
    done
    lscpu -C 2>&1 | sed 's/^/GUEST-LSCPU /'
    echo "GUEST-END"
}
dump
if grep -q armcache_loop /proc/cmdline; then
    # The migration bed (run-migrate.sh): keep running, a tick a second and the dump again
    # every third, so the destination shows the guest runs on after the load and what it sees.
    # The tick comes last: the host stops the guest just after one, while it sleeps.
    n=0
    while :; do
        sleep 1
        n=$((n + 1))
        [ $((n % 3)) = 0 ] && dump
        echo "GUEST-ALIVE $n $(cut -d' ' -f1 /proc/uptime)"
    done
fi
if grep -q armcache_reboot /proc/cmdline; then reboot -f; else poweroff -f; fi
