#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep integration
# tests (and for trying `rbmscope sweep submit --executor slurm` by hand).
#
#   scripts/slurm-local.sh start    install (Debian packages) and start munge, slurmctld, slurmd;
#                                   wait until the node is idle. Safe to run again.
#   scripts/slurm-local.sh stop     stop what start started (by PID)
#   scripts/slurm-local.sh status   print sinfo
#
# Needs root (jobs run as root). No systemd: the daemons are started directly.
# State, spool, logs and slurm.conf live in $RBMSCOPE_SLURM_DIR (default
# /tmp/rbmscope-slurm); /etc/slurm/slurm.conf is made a link to that
# slurm.conf when it does not exist, so sinfo/sbatch/squeue find the cluster
# without SLURM_CONF.
set -euo pipefail

D="${RBMSCOPE_SLURM_DIR:-/tmp/rbmscope-slurm}"
CONF="$D/slurm.conf"
CPUS="${RBMSCOPE_SLURM_CPUS:-2}"
MEM_MB="${RBMSCOPE_SLURM_MEM_MB:-2000}"

log() { echo "slurm-local: $*" >&2; }
die() { log "$*"; exit 1; }

alive() { # alive PIDFILE: the process in PIDFILE runs
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

node_state() { sinfo -h -N -n localhost -o %t 2>/dev/null | head -n1 || true; }

install_packages() {
  local need=()
  for p in slurmctld slurmd slurm-client munge; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "installing ${need[*]} needs root"
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

start_munge() {
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile=/etc/munge/munge.key
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0 # a munged is already serving /run/munge
  fi
  rm -f /run/munge/munged.pid
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$D/munged.pid" # started by us: stop stops it
  for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged did not start (see /var/log/munge/munged.log)"
}

write_conf() {
  mkdir -p "$D/state" "$D/spool"
  cat >"$CONF.tmp" <<EOF
# rbmscope local test cluster (scripts/slurm-local.sh)
ClusterName=rbmscope
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  mkdir -p /etc/slurm
  if [ ! -e /etc/slurm/slurm.conf ] || [ "$(readlink /etc/slurm/slurm.conf)" = "$CONF" ]; then
    ln -sfn "$CONF" /etc/slurm/slurm.conf
  elif ! grep -q "scripts/slurm-local.sh" /etc/slurm/slurm.conf; then
    log "note: /etc/slurm/slurm.conf is someone else's; use SLURM_CONF=$CONF with the Slurm commands"
  fi
}

start() {
  [ "$(id -u)" = 0 ] || die "start needs root (the daemons and the jobs run as root)"
  mkdir -p "$D"
  if alive "$D/slurmctld.pid" && alive "$D/slurmd.pid" && [ "$(SLURM_CONF=$CONF node_state)" = idle ]; then
    log "already running (node idle)"
    return 0
  fi
  install_packages
  start_munge
  write_conf
  export SLURM_CONF="$CONF"
  if ! alive "$D/slurmctld.pid"; then
    slurmctld -f "$CONF" -i # -i: ignore state files left by an earlier run
  fi
  if ! alive "$D/slurmd.pid"; then
    slurmd -f "$CONF" -N localhost
  fi
  local st=""
  for i in $(seq 120); do
    st="$(node_state)"
    case "$st" in
      idle) log "up: node localhost idle ($CPUS CPUs), SLURM_CONF=$CONF"; return 0 ;;
      down* | drain* | drng*)
        [ $((i % 10)) = 0 ] && scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  log "node state after 60 s: '${st}'"
  tail -n 20 "$D/slurmctld.log" "$D/slurmd.log" >&2 || true
  die "Slurm did not come up"
}

stop_pid() { # stop_pid PIDFILE NAME
  if alive "$1"; then
    local pid
    pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    log "stopped $2 ($pid)"
  fi
  rm -f "$1"
}

stop() {
  stop_pid "$D/slurmd.pid" slurmd
  stop_pid "$D/slurmctld.pid" slurmctld
  stop_pid "$D/munged.pid" munged
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) SLURM_CONF="$CONF" sinfo ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
