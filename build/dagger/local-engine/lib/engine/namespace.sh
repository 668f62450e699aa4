#!/bin/sh
# The engine's private world, run by start.ts as pid 1 of fresh mount, pid and network namespaces (unshare), with
# fd 5 open on the host's network namespace. What the engine changes in /usr, /etc, /opt, /var, /run and the
# network stays in here; when pid 1 (tini, after the exec below) dies, the kernel kills everything else in here.
#
# Environment: BORG_ENGINE_RUN (the run directory start.ts prepared: layers/, the configs, binds), BORG_ENGINE_RUNTIME (the
# unpacked runtime packages), BORG_ENGINE_BINARY. Arguments: the engine's own.
set -eu
run=$BORG_ENGINE_RUN
export PATH="$BORG_ENGINE_RUNTIME/usr/bin:$BORG_ENGINE_RUNTIME/usr/sbin:/usr/bin:/usr/sbin"
say() { echo "[namespace] $*" >&2; }

# Writable copies of the trees the engine rewrites (iptables links, resolv.conf, dnsmasq and CNI files). Lower
# layers, top first: our additions (layers/: runc, dagger-init, CNI plugins), the runtime packages' /usr (dnsmasq
# and the libraries it needs), the host's tree.
for tree in usr etc opt var; do
  mkdir -p "$run/overlay/$tree/upper" "$run/overlay/$tree/work"
  lower=/$tree
  if [ "$tree" = usr ]; then lower=$BORG_ENGINE_RUNTIME/usr:$lower; fi
  if [ -d "$run/layers/$tree" ]; then lower=$run/layers/$tree:$lower; fi
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$run/overlay/$tree/upper,workdir=$run/overlay/$tree/work" "/$tree"
done
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t proc proc /proc
# The caller's binds (start.ts checked them): "source<TAB>target" lines, each mounted read-only.
tab=$(printf '\t')
while IFS=$tab read -r source target; do
  mkdir -p "$target"
  mount --bind "$source" "$target"
  mount -o remount,bind,ro "$target"
  say "bound $source at $target (read-only)"
done <"$run/binds"
ip link set lo up
say "mounts ready"

# The uplink: slirp4netns in the host's network namespace (fd 5) but in our pid namespace, so it dies with us. It
# gives tap0 10.0.2.100/24 and a default route via 10.0.2.2 in here; the host's own network is not touched.
nsenter --net=/proc/self/fd/5 slirp4netns --configure --mtu=65520 --disable-host-loopback 1 tap0 >"$run/slirp4netns.log" 2>&1 &
exec 5>&-
tries=0
until ip route show default | grep -q tap0; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    say "slirp4netns did not configure tap0 within 10s; see $run/slirp4netns.log"
    exit 1
  fi
  sleep 0.1
done
say "uplink ready: tap0 $(ip -o -4 addr show tap0 | awk '{print $4}')"

# docker.io's stand-in: the engine's config mirrors docker.io to localhost:5000.
docker-registry serve "$run/registry.yml" >"$run/registry.log" 2>&1 &
say "registry started on 127.0.0.1:5000"

# tini as pid 1 reaps orphans (the engine does not) and passes SIGTERM on to the engine. /usr/bin before /usr/sbin:
# the engine points /usr/bin/iptables* at the backend it picks, while /usr/sbin/iptables is the host's alternative.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin
exec tini -- "$BORG_ENGINE_BINARY" "$@"
