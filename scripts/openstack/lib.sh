# lib.sh: the process bookkeeping up.sh and down.sh share (sourced, not run).
# Every service runs in a process group of its own whose id is recorded in
# RUN/NAME.pid; a service is stopped by signalling that group, never by name.

# alive RUN NAME: the recorded process of NAME is running.
alive() { [ -f "$1/$2.pid" ] && kill -0 "$(cat "$1/$2.pid")" 2>/dev/null; }

# stop RUN NAME: SIGTERM the recorded process group of NAME, SIGKILL it after
# 15 s, then SIGKILL what is left of the group; forget the pid.
stop() {
  local f=$1/$2.pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
    echo "stopped $2 (pid $pid)"
  fi
  # children that outlived their leader (uwsgi workers, erl_child_setup, neutron's workers)
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$f"
}
