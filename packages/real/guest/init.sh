#!/bin/busybox sh
# reclaim-lab guest /init: sets the machine up as the scenario asks, runs the
# driver, and prints everything on the serial console for the host to parse.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Keep kernel messages off the console the host parses (OOM reports included).
echo 1 > /proc/sys/kernel/printk
. /run.conf
say() { echo "@@RL $*"; }
fail() { say "error $*"; sync; poweroff -f; }
say "boot kernel=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /modules.list); do
  insmod "/lib/modules/$m.ko" || fail "insmod $m"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
# THP off: the simulator has base pages only.
echo never > /sys/kernel/mm/transparent_hugepage/enabled
echo never > /sys/kernel/mm/transparent_hugepage/defrag
echo "$SWAPPINESS" > /proc/sys/vm/swappiness
echo "$PAGE_CLUSTER" > /proc/sys/vm/page-cluster
echo "$DIRTY_RATIO" > /proc/sys/vm/dirty_ratio
echo "$DIRTY_BG_RATIO" > /proc/sys/vm/dirty_background_ratio
# MGLRU is switched at run time: y turns on every component, n is the classic LRU.
echo "$LRU_GEN" > /sys/kernel/mm/lru_gen/enabled || fail "lru_gen"
say "lru_gen $(cat /sys/kernel/mm/lru_gen/enabled)"
if [ "$SWAP_BYTES" -gt 0 ]; then
  if [ "$SWAP_DEV" = zram ]; then
    echo lz4 > /sys/block/zram0/comp_algorithm || fail "zram comp_algorithm"
    echo "$SWAP_BYTES" > /sys/block/zram0/disksize || fail "zram disksize"
    mkswap /dev/zram0 > /dev/null && swapon /dev/zram0 || fail "swapon zram"
  else
    mkswap /dev/vdb > /dev/null && swapon /dev/vdb || fail "swapon vdb"
  fi
fi
mkdir -p /mnt/files /dev/shm
mount -t ext4 /dev/vda /mnt/files || fail "mount files"
mount -t tmpfs -o size=100% tmpfs /dev/shm
# The machine's memory is the limit of /rl; the scenario's memcgs live below it.
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/rl
echo "$MEM_BYTES" > /sys/fs/cgroup/rl/memory.max || fail "memory.max"
while read -r path max high min low swapmax oomgroup; do
  [ -z "$path" ] && continue
  dir=/sys/fs/cgroup/rl
  parent=$dir
  for part in $(echo "$path" | tr '/' ' '); do
    echo +memory > "$parent/cgroup.subtree_control"
    parent=$parent/$part
    mkdir -p "$parent"
  done
  dir=$parent
  [ "$max" != - ] && { echo "$max" > "$dir/memory.max" || fail "memory.max $path"; }
  [ "$high" != - ] && { echo "$high" > "$dir/memory.high" || fail "memory.high $path"; }
  [ "$min" != - ] && { echo "$min" > "$dir/memory.min" || fail "memory.min $path"; }
  [ "$low" != - ] && { echo "$low" > "$dir/memory.low" || fail "memory.low $path"; }
  [ "$swapmax" != - ] && { echo "$swapmax" > "$dir/memory.swap.max" || fail "memory.swap.max $path"; }
  [ "$oomgroup" = 1 ] && echo 1 > "$dir/memory.oom.group"
done < /memcgs.conf
sync
echo 3 > /proc/sys/vm/drop_caches
say "ready uptime=$(cut -d' ' -f1 /proc/uptime)"
/driver /plan.bin
say "exit $?"
swapoff -a 2>/dev/null
sync
poweroff -f
