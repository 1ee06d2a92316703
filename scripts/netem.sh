#!/usr/bin/env bash
# Emulated links between a device and a worker, and a slower device, for
# tests and benchmarks (docs/emulation.md). Needs root, iproute2 (ip, tc)
# and nftables.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: netem.sh [--skip-without-root] COMMAND ...

  up NAME [--subnet A.B.C.D]   namespaces NAME-dev and NAME-srv joined by a veth pair
                               in a /30 (default 10.213.x.y/30 from NAME); prints
                               DEV_NS SRV_NS DEV_IP SRV_IP DEV_IF SRV_IF as KEY=VALUE
  env NAME                     prints those lines again
  down NAME                    stops its relays and the processes left in its
                               namespaces, deletes the namespaces (idempotent)
  rate NAME UP DOWN            tbf on each veth end: device->server at UP,
                               server->device at DOWN (e.g. 500kbit, 1.1mbit, 6mbit)
  rate NAME off                removes the shaping
  blackhole NAME on|off        drops every packet on the device's veth (nftables
                               table of its own in NAME-dev)
  link NAME down|up            sets the device's veth down or up
  exec NAME dev|srv CMD...     runs CMD in the namespace
  cpu-quota PCT CMD...         runs CMD held to PCT % of one core (cgroup v1 cpu);
                               combine: netem.sh cpu-quota 25 netem.sh exec NAME dev CMD...
                               (or the other way round)
  relay NAME [--in srv|dev] [--listen HOST:PORT] [--bin PATH] --to HOST:PORT
        [--delay-ms D] [--jitter-ms J] [--up-delay-ms D1] [--down-delay-ms D2] [--seed N]
                               starts seam-relay in the namespace (default srv,
                               listening on SRV_IP:0; dev: 127.0.0.1:0), prints
                               RELAY_ADDR RELAY_PID RELAY_CONTROL RELAY_LOG
  relay-set NAME [--pid PID] KEY=VALUE...
                               changes a running relay's delay_ms, up_delay_ms,
                               down_delay_ms or jitter_ms (all its relays without
                               --pid); returns once the relay applied them
  relay-stop NAME [PID]        stops one relay, or all of NAME's
  profile NAME PROFILE [--links FILE] [--relay-to HOST:PORT] [--in srv|dev]
                               applies a link profile of bench/links.conf: the rate
                               with tc, offline as a blackhole; prints PROFILE UP DOWN
                               RTT_MS and RELAY_DELAY_MS RELAY_JITTER_MS (the delay
                               each way, which tc cannot add here), and starts the
                               relay with them when --relay-to is given
  profiles [--links FILE]      lists the profiles

--skip-without-root: exit 77 (the CTest skip code) instead of 1 when not root
or a tool is missing. This kernel has no netem qdisc: delay and jitter come
from seam-relay, rate from tbf (docs/emulation.md).
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state_root=${SEAM_NETEM_STATE:-/run/seam-netem}
nft_table=seam_netem
dev_if=veth-dev
srv_if=veth-srv
unavailable=1

die() { echo "netem.sh: $*" >&2; exit 1; }
# Not root or a tool missing: a caller's "skip".
unavailable() { echo "netem.sh: $*" >&2; exit "$unavailable"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    unavailable "needs root (network namespaces, tc, nftables and cgroups); run it as root"
  fi
}
need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || unavailable "'$t' not found (scripts/install-deps.sh installs iproute2 and nftables)"
  done
}

check_name() {
  [[ ${1:-} =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$ ]] ||
    die "NAME must be 1 to 32 letters, digits, '_', '.' or '-' (got '${1:-}')"
}

# Loads the KEY=VALUE lines that `up` wrote.
load() {
  check_name "$1"
  local f=$state_root/$1/env
  [ -f "$f" ] || die "no emulated network '$1' (run: netem.sh up $1)"
  DEV_NS='' SRV_NS='' DEV_IP='' SRV_IP='' DEV_IF='' SRV_IF=''
  local k v
  while IFS='=' read -r k v; do
    case "$k" in DEV_NS|SRV_NS|DEV_IP|SRV_IP|DEV_IF|SRV_IF) printf -v "$k" '%s' "$v" ;; esac
  done <"$f"
}

# ---------------------------------------------------------------- up / down

cmd_up() {
  local name=${1:-}
  check_name "$name"
  shift
  local base=''
  while [ $# -gt 0 ]; do
    case "$1" in
      --subnet) base=${2:-}; shift 2 || die "--subnet needs A.B.C.D" ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  need_root
  need_tools ip
  local a b c d
  if [ -n "$base" ]; then
    [[ $base =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "--subnet: '$base' is not A.B.C.D"
    a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]}
    if [ "$a" -gt 255 ] || [ "$b" -gt 255 ] || [ "$c" -gt 255 ] || [ "$d" -gt 252 ]; then
      die "--subnet: '$base' is not an IPv4 address"
    fi
    d=$((d / 4 * 4))
  else
    # One of 16384 /30s of 10.213.0.0/16, from NAME. Two networks with the
    # same subnet do not clash: each pair lives in namespaces of its own.
    local n
    n=$(printf '%s' "$name" | cksum | cut -d' ' -f1)
    n=$((n % 16384))
    a=10 b=213 c=$((n / 64)) d=$((n % 64 * 4))
  fi
  DEV_NS=$name-dev SRV_NS=$name-srv DEV_IF=$dev_if SRV_IF=$srv_if
  DEV_IP=$a.$b.$c.$((d + 1)) SRV_IP=$a.$b.$c.$((d + 2))
  if ip netns list | grep -qE "^($DEV_NS|$SRV_NS)( |$)"; then
    die "namespaces of '$name' exist already (netem.sh down $name first)"
  fi
  mkdir -p "$state_root/$name/relays"
  # Whatever fails from here on, leave nothing behind.
  trap 'cmd_down "$name" >/dev/null 2>&1 || true' ERR
  ip netns add "$DEV_NS"
  ip netns add "$SRV_NS"
  # Both ends are made inside their namespaces: nothing appears outside.
  ip link add "$DEV_IF" netns "$DEV_NS" type veth peer name "$SRV_IF" netns "$SRV_NS"
  ip -n "$DEV_NS" addr add "$DEV_IP/30" dev "$DEV_IF"
  ip -n "$SRV_NS" addr add "$SRV_IP/30" dev "$SRV_IF"
  local ns
  for ns in "$DEV_NS" "$SRV_NS"; do ip -n "$ns" link set lo up; done
  ip -n "$DEV_NS" link set "$DEV_IF" up
  ip -n "$SRV_NS" link set "$SRV_IF" up
  trap - ERR
  print_env >"$state_root/$name/env"
  print_env
}

print_env() {
  printf 'DEV_NS=%s\nSRV_NS=%s\nDEV_IP=%s\nSRV_IP=%s\nDEV_IF=%s\nSRV_IF=%s\n' \
    "$DEV_NS" "$SRV_NS" "$DEV_IP" "$SRV_IP" "$DEV_IF" "$SRV_IF"
}

cmd_env() { load "${1:-}"; print_env; }

cmd_down() {
  local name=${1:-}
  check_name "$name"
  need_root
  need_tools ip
  local dir=$state_root/$name
  if [ -d "$dir/relays" ]; then relay_stop_all "$dir/relays"; fi
  local ns pids p k
  for ns in "$name-dev" "$name-srv"; do
    ip netns list | grep -qE "^$ns( |$)" || continue
    # Processes left inside (started with `exec`) would keep the namespace alive.
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
      for k in $(seq 30); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ] && break
        sleep 0.1
      done
      for p in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
    fi
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# --------------------------------------------------------- rate / blackhole

# Bits per second of a tc rate (bit, kbit, mbit, gbit; decimals allowed).
rate_bps() {
  local r=${1,,}
  [[ $r =~ ^([0-9]+(\.[0-9]+)?)(bit|kbit|mbit|gbit)$ ]] ||
    die "rate '$1': expected a number and bit, kbit, mbit or gbit (e.g. 500kbit, 1.1mbit)"
  local mult=1
  case "${BASH_REMATCH[3]}" in kbit) mult=1000 ;; mbit) mult=1000000 ;; gbit) mult=1000000000 ;; esac
  awk -v v="${BASH_REMATCH[1]}" -v m="$mult" 'BEGIN { printf "%.0f\n", v * m }'
}

# tbf on one interface. burst = max(4 KiB, 4 ms at the rate): at least two
# full 1514-byte frames (tbf needs burst >= the largest packet; larger GSO
# packets are split by tbf), and no more than a few ms of line-rate burst so
# short transfers see the rate too. limit = max(16 KiB, 100 ms at the rate):
# a queue of about 100 ms, as a cellular link's buffer, deep enough for TCP
# to keep a slow link busy (at 500kbit, 16 KiB is 260 ms).
shape() {
  local ns=$1 ifc=$2 rate=$3 bps burst limit
  bps=$(rate_bps "$rate")
  [ "$bps" -ge 8000 ] || die "rate '$rate' is below 8kbit"
  burst=$(awk -v b="$bps" 'BEGIN { x = b / 8 * 0.004; printf "%d\n", (x > 4096 ? x : 4096) }')
  limit=$(awk -v b="$bps" 'BEGIN { x = b / 8 * 0.1; printf "%d\n", (x > 16384 ? x : 16384) }')
  tc -n "$ns" qdisc replace dev "$ifc" root tbf rate "$bps"bit burst "$burst" limit "$limit"
}

unshape() {
  local ns=$1 ifc=$2
  if tc -n "$ns" qdisc show dev "$ifc" | grep -q '^qdisc tbf'; then
    tc -n "$ns" qdisc del dev "$ifc" root
  fi
}

cmd_rate() {
  local name=${1:-}
  load "$name"
  need_root
  need_tools tc
  if [ "${2:-}" = off ] && [ $# -eq 2 ]; then
    unshape "$DEV_NS" "$DEV_IF"
    unshape "$SRV_NS" "$SRV_IF"
    return
  fi
  [ $# -eq 3 ] || die "usage: netem.sh rate NAME UP DOWN | netem.sh rate NAME off"
  shape "$DEV_NS" "$DEV_IF" "$2"
  shape "$SRV_NS" "$SRV_IF" "$3"
}

blackhole_off() {
  local fam
  for fam in netdev inet; do
    if ip netns exec "$DEV_NS" nft list table "$fam" "$nft_table" >/dev/null 2>&1; then
      ip netns exec "$DEV_NS" nft delete table "$fam" "$nft_table"
    fi
  done
}

cmd_blackhole() {
  local name=${1:-}
  load "$name"
  need_root
  need_tools nft
  case "${2:-}" in
    on)
      blackhole_off
      # Ingress and egress hooks of the veth: packets vanish as on a dead
      # link (no error to the sender's socket, ARP included); loopback in
      # the namespace keeps working. Kernels before 5.16 have no netdev
      # egress hook: then the inet input/output hooks on the same interface.
      if ! ip netns exec "$DEV_NS" nft -f - 2>/dev/null <<EOF
table netdev $nft_table {
  chain ingress { type filter hook ingress device "$DEV_IF" priority 0; policy drop; }
  chain egress { type filter hook egress device "$DEV_IF" priority 0; policy drop; }
}
EOF
      then
        ip netns exec "$DEV_NS" nft -f - <<EOF
table inet $nft_table {
  chain input { type filter hook input priority -10; policy accept; iifname "$DEV_IF" drop; }
  chain output { type filter hook output priority -10; policy accept; oifname "$DEV_IF" drop; }
}
EOF
      fi
      ;;
    off) blackhole_off ;;
    *) die "usage: netem.sh blackhole NAME on|off" ;;
  esac
}

cmd_link() {
  local name=${1:-}
  load "$name"
  need_root
  need_tools ip
  case "${2:-}" in
    down|up) ip -n "$DEV_NS" link set "$DEV_IF" "$2" ;;
    *) die "usage: netem.sh link NAME down|up" ;;
  esac
}

cmd_exec() {
  local name=${1:-} side=${2:-}
  load "$name"
  need_root
  need_tools ip
  [ $# -ge 3 ] || die "usage: netem.sh exec NAME dev|srv CMD..."
  shift 2
  case "$side" in
    dev) exec ip netns exec "$DEV_NS" "$@" ;;
    srv) exec ip netns exec "$SRV_NS" "$@" ;;
    *) die "exec: the side is dev or srv, not '$side'" ;;
  esac
}

# ---------------------------------------------------------------- cpu-quota

# CMD in a child group of the cgroup v1 cpu controller, with quota/period =
# PCT/100. The quota cannot go below 1000 µs, so the period is the smallest
# that gives PCT: at most 100 % a quota of 1000 µs and a period of
# 100000/PCT µs (25 % → 1000 per 4000 µs), above 100 % a period of 1000 µs.
# Work much shorter than the period is not slowed evenly.
cmd_cpu_quota() {
  local pct=${1:-}
  if ! [[ $pct =~ ^[0-9]+$ ]] || [ "$pct" -lt 1 ]; then
    die "usage: netem.sh cpu-quota PCT CMD... (PCT: 1 to 100 per core)"
  fi
  shift
  [ $# -gt 0 ] || die "usage: netem.sh cpu-quota PCT CMD..."
  need_root
  local ncpu
  ncpu=$(getconf _NPROCESSORS_ONLN)
  [ "$pct" -le $((100 * ncpu)) ] || die "cpu-quota: $pct % is more than the $ncpu cores here"
  local period quota
  if [ "$pct" -le 100 ]; then
    quota=1000
    period=$(((100000 + pct / 2) / pct))
  else
    period=1000
    quota=$((pct * 10))
  fi
  local root=/sys/fs/cgroup/cpu mnt=''
  if [ ! -f "$root/cgroup.procs" ]; then
    # `ip netns exec` mounts a fresh /sys without the cgroup mounts; in such
    # a private mount namespace, mount the cpu hierarchy again (never in
    # the machine's own mount namespace).
    if [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] &&
      grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup; then
      mnt=$(mktemp -d /tmp/seam-netem-cpu.XXXXXX)
      local opts
      opts=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup | head -n1 | cut -d: -f2)
      mount -t cgroup -o "$opts" cgroup "$mnt" || { rmdir "$mnt"; die "cannot mount the cgroup v1 cpu controller"; }
      root=$mnt
    else
      die "no cgroup v1 cpu controller at /sys/fs/cgroup/cpu"
    fi
  fi
  # A child of the group this script runs in, so that an outer limit holds.
  local parent grp
  parent=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup | head -n1 | cut -d: -f3-)
  parent=$root${parent%/}
  [ -d "$parent" ] || parent=$root
  grp=$parent/seam-quota-$$
  mkdir "$grp"
  if ! { echo "$period" >"$grp/cpu.cfs_period_us" && echo "$quota" >"$grp/cpu.cfs_quota_us"; }; then
    rmdir "$grp"
    [ -z "$mnt" ] || { umount "$mnt"; rmdir "$mnt"; }
    die "cpu-quota: the kernel refused period $period µs / quota $quota µs"
  fi
  local child rc=0
  # Explicit stdin: a background job would get /dev/null otherwise.
  exec 3<&0
  (
    echo "$BASHPID" >"$grp/cgroup.procs"
    exec "$@" <&3 3<&-
  ) &
  child=$!
  exec 3<&-
  trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT HUP
  while :; do
    rc=0
    wait "$child" || rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  trap - TERM INT HUP
  # Processes CMD left behind go back to the parent group, so the group can go.
  local p left=0
  while read -r p; do
    echo "$p" >"$parent/cgroup.procs" 2>/dev/null || true
    left=$((left + 1))
  done <"$grp/cgroup.procs"
  [ "$left" -eq 0 ] || echo "netem.sh: cpu-quota: $left process(es) of CMD outlived it; they run unrestricted now" >&2
  rmdir "$grp" 2>/dev/null || echo "netem.sh: cpu-quota: could not remove $grp" >&2
  [ -z "$mnt" ] || { umount "$mnt" && rmdir "$mnt"; } || true
  return "$rc"
}

# -------------------------------------------------------------------- relay

relay_bin() {
  local b
  for b in "${SEAM_RELAY:-}" "$(command -v seam-relay 2>/dev/null || true)" "$here/../build/tests/net/seam-relay"; do
    if [ -n "$b" ] && [ -x "$b" ]; then echo "$b"; return; fi
  done
  die "seam-relay not found: build it (cmake --build build --target seam-relay), or give --bin or SEAM_RELAY"
}

# Whether PID is a seam-relay (and not a reused pid).
is_relay() {
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null || true)
  [ "${exe##*/}" = seam-relay ]
}

cmd_relay() {
  local name=${1:-}
  load "$name"
  need_root
  need_tools ip
  shift
  local side=srv listen='' bin='' to='' pass=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --in) side=${2:-}; shift 2 || die "--in needs srv or dev" ;;
      --listen) listen=${2:-}; shift 2 || die "--listen needs HOST:PORT" ;;
      --bin) bin=${2:-}; shift 2 || die "--bin needs a path" ;;
      --to) to=${2:-}; pass+=(--to "$to"); shift 2 || die "--to needs HOST:PORT" ;;
      --delay-ms|--jitter-ms|--up-delay-ms|--down-delay-ms|--seed)
        [ $# -ge 2 ] || die "$1 needs a value"
        pass+=("$1" "$2"); shift 2 ;;
      *) die "relay: unknown option $1" ;;
    esac
  done
  [ -n "$to" ] || die "relay: --to HOST:PORT is required"
  local ns
  case "$side" in
    srv) ns=$SRV_NS; listen=${listen:-$SRV_IP:0} ;;
    dev) ns=$DEV_NS; listen=${listen:-127.0.0.1:0} ;;
    *) die "relay: --in is srv or dev, not '$side'" ;;
  esac
  [ -n "$bin" ] || bin=$(relay_bin)
  local dir=$state_root/$name/relays id
  id=$(date +%s%N)-$$
  local fifo=$dir/$id.out log=$dir/$id.log ctl=$dir/$id.control
  : >"$ctl"
  mkfifo "$fifo"
  # setsid: the relay outlives this script and a terminal's Ctrl-C; `down`
  # or `relay-stop` ends it. `ip netns exec` execs, so $! is the relay.
  setsid ip netns exec "$ns" "$bin" --listen "$listen" --control "$ctl" "${pass[@]}" \
    </dev/null >"$fifo" 2>"$log" &
  local pid=$! line=''
  exec 4<"$fifo"
  read -r -t 15 line <&4 || true
  exec 4<&-
  rm -f "$fifo"
  if [[ $line != "listening "* ]] || ! is_relay "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    cat "$log" >&2 || true
    die "relay: seam-relay did not start (log above)"
  fi
  echo "$pid" >"$dir/$id.pid"
  printf 'RELAY_ADDR=%s\nRELAY_PID=%s\nRELAY_CONTROL=%s\nRELAY_LOG=%s\n' "${line#listening }" "$pid" "$ctl" "$log"
}

# The id (file stem) of each live relay of a relay folder, optionally one pid.
relay_ids() {
  local dir=$1 want=${2:-} f pid
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if [ -n "$want" ] && [ "$pid" != "$want" ]; then continue; fi
    basename "$f" .pid
  done
}

cmd_relay_set() {
  local name=${1:-}
  load "$name"
  need_root
  shift
  local want='' kv=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --pid) want=${2:-}; shift 2 || die "--pid needs a pid" ;;
      delay_ms=*|up_delay_ms=*|down_delay_ms=*|jitter_ms=*) kv+=("$1"); shift ;;
      *) die "relay-set: '$1' is not KEY=VALUE with KEY delay_ms, up_delay_ms, down_delay_ms or jitter_ms" ;;
    esac
  done
  [ ${#kv[@]} -gt 0 ] || die "usage: netem.sh relay-set NAME [--pid PID] KEY=VALUE..."
  local dir=$state_root/$name/relays id pid before n k found=0
  for id in $(relay_ids "$dir" "$want"); do
    pid=$(cat "$dir/$id.pid")
    is_relay "$pid" || continue
    found=1
    printf '%s\n' "${kv[@]}" >"$dir/$id.control"
    before=$(grep -c -e ': applied ' -e 'keeping the current settings' "$dir/$id.log" || true)
    kill -HUP "$pid"
    # The relay answers within a poll round; bounded at 5 s.
    for k in $(seq 100); do
      n=$(grep -c -e ': applied ' -e 'keeping the current settings' "$dir/$id.log" || true)
      [ "$n" -gt "$before" ] && break
      sleep 0.05
    done
    [ "$n" -gt "$before" ] || die "relay-set: relay $pid did not answer within 5 s"
    if tail -n 1 "$dir/$id.log" | grep -q 'keeping the current settings'; then
      tail -n 1 "$dir/$id.log" >&2
      die "relay-set: relay $pid refused the settings"
    fi
    tail -n 1 "$dir/$id.log" >&2
  done
  [ "$found" -eq 1 ] || die "relay-set: no running relay${want:+ with pid $want} for '$name'"
}

relay_stop_all() {
  local dir=$1 want=${2:-} id pid k
  for id in $(relay_ids "$dir" "$want"); do
    pid=$(cat "$dir/$id.pid")
    if is_relay "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for k in $(seq 50); do is_relay "$pid" || break; sleep 0.1; done
      ! is_relay "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$id.pid" "$dir/$id.control" "$dir/$id.log" "$dir/$id.out"
  done
}

cmd_relay_stop() {
  local name=${1:-}
  load "$name"
  need_root
  relay_stop_all "$state_root/$name/relays" "${2:-}"
}

# ------------------------------------------------------------------ profile

# Reads one profile of the links file into P_UP P_DOWN P_RTT P_JITTER.
read_profile() {
  local file=$1 want=$2 n up down rtt jit rest
  [ -f "$file" ] || die "links file $file not found"
  while read -r n up down rtt jit rest; do
    [ -z "$n" ] || [[ $n == \#* ]] && continue
    if [ "$n" = "$want" ]; then
      P_UP=$up P_DOWN=$down P_RTT=$rtt P_JITTER=$jit
      return 0
    fi
  done <"$file"
  die "no profile '$want' in $file (netem.sh profiles lists them)"
}

cmd_profiles() {
  local file=$here/../bench/links.conf
  [ "${1:-}" = --links ] && file=${2:?--links needs a file}
  [ -f "$file" ] || die "links file $file not found"
  awk '!/^[[:space:]]*(#|$)/ { printf "%-10s up %-9s down %-9s rtt_ms %-5s jitter_ms %s\n", $1, $2, $3, $4, $5 }' "$file"
}

cmd_profile() {
  local name=${1:-} prof=${2:-}
  [ -n "$prof" ] || die "usage: netem.sh profile NAME PROFILE [--links FILE] [--relay-to HOST:PORT] [--in srv|dev]"
  load "$name"
  need_root
  shift 2
  local file=$here/../bench/links.conf relay_to='' side=srv
  while [ $# -gt 0 ]; do
    case "$1" in
      --links) file=${2:-}; shift 2 || die "--links needs a file" ;;
      --relay-to) relay_to=${2:-}; shift 2 || die "--relay-to needs HOST:PORT" ;;
      --in) side=${2:-}; shift 2 || die "--in needs srv or dev" ;;
      *) die "profile: unknown option $1" ;;
    esac
  done
  read_profile "$file" "$prof"
  echo "PROFILE=$prof"
  if [ "$P_UP" = - ]; then
    # offline: nothing gets through.
    cmd_rate "$name" off
    cmd_blackhole "$name" on
    echo "BLACKHOLE=on"
    [ -z "$relay_to" ] || echo "netem.sh: profile offline: no relay started" >&2
    return
  fi
  cmd_blackhole "$name" off
  cmd_rate "$name" "$P_UP" "$P_DOWN"
  local one_way
  one_way=$(awk -v r="$P_RTT" 'BEGIN { printf "%g\n", r / 2 }')
  printf 'BLACKHOLE=off\nUP=%s\nDOWN=%s\nRTT_MS=%s\nRELAY_DELAY_MS=%s\nRELAY_JITTER_MS=%s\n' \
    "$P_UP" "$P_DOWN" "$P_RTT" "$one_way" "$P_JITTER"
  if [ -n "$relay_to" ]; then
    cmd_relay "$name" --in "$side" --to "$relay_to" --delay-ms "$one_way" --jitter-ms "$P_JITTER"
  fi
}

# --------------------------------------------------------------------- main

if [ "${1:-}" = --skip-without-root ]; then
  unavailable=77
  shift
fi
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up) cmd_up "$@" ;;
  env) cmd_env "$@" ;;
  down) cmd_down "$@" ;;
  rate) cmd_rate "$@" ;;
  blackhole) cmd_blackhole "$@" ;;
  link) cmd_link "$@" ;;
  exec) cmd_exec "$@" ;;
  cpu-quota) cmd_cpu_quota "$@" ;;
  relay) cmd_relay "$@" ;;
  relay-set) cmd_relay_set "$@" ;;
  relay-stop) cmd_relay_stop "$@" ;;
  profile) cmd_profile "$@" ;;
  profiles) cmd_profiles "$@" ;;
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "netem.sh: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac
