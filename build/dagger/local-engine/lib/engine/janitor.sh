#!/bin/sh
# Outlives the engine by a moment. Every process of the engine's namespace inherits a lock on $1 (flock --no-fork
# took it before unshare); it is free again once all of them are gone, however the namespace ended (stopped, or
# killed along with whoever started it). Then this removes the cgroups the engine's containers were given (buildkit's
# `defaultCgroupParent`, $2): the one mark the engine leaves on the host.
set -u
lock=$1 cgroup_parent=$2

# Wait for the namespace to take the lock (milliseconds after its start); give up after 10s: it never started.
tries=0
while flock --nonblock --shared "$lock" true; do
  tries=$((tries + 1))
  [ "$tries" -gt 200 ] && break
  sleep 0.05
done
flock --shared "$lock" true
echo "[janitor] the namespace is gone; removing cgroups $cgroup_parent" >&2

tries=0
for dir in /sys/fs/cgroup/"$cgroup_parent" /sys/fs/cgroup/*/"$cgroup_parent"; do
  [ -d "$dir" ] || continue
  # A container's cgroup can stay busy for a moment after the kernel killed its processes.
  until find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "janitor: could not remove $dir" >&2
      break
    fi
    sleep 0.1
  done
done
