#!/usr/bin/env bash
# up.sh: configure and start a real upstream OpenStack Zed (Debian 12's packages,
# installed by install.sh) on 127.0.0.1 only, then create the world nicconform
# runs in, as a project *member* (not admin: an admin passes a server lock,
# nova/compute/api.py:239 check_instance_lock), and print the variables a run needs.
#
#   MariaDB   127.0.0.1:13306      RabbitMQ 127.0.0.1:5672 (epmd 4369, dist 25672)
#   Keystone  :5000 (uwsgi)        Glance :9292 (glance-api)    Placement :8778 (uwsgi)
#   Nova API  :8774 (uwsgi, Debian's nova-api-uwsgi.ini), nova-conductor, nova-scheduler,
#             nova-compute (compute_driver = fake.FakeDriver, host nicconform-compute)
#   Neutron   :9696 (neutron-server: API + RPC), ML2 mechanism driver `fake_agent`
#             (Debian's python3-neutron) + fake_l2_agent.py, the L2 agent over Neutron's RPC
#
# The world: project/user `nicconform` (role member), flavor nicconform.tiny, image
# nicconform-fake (1 MiB raw), network nicconform-net (vxlan, 10.20.0.0/22) and two
# ACTIVE servers nicconform-a, nicconform-b with one NIC each, made by the member.
#
# Variables (all optional):
#   NICCONFORM_OPENSTACK_STATE       state folder: configs, MariaDB datadir, logs (log/),
#                                    pids (run/), generated secrets, the env files
#                                    (default /tmp/nicconform-openstack)
#   NICCONFORM_OPENSTACK_AGENT_POLL  seconds between the L2 agent's polls: how long a bound
#                                    port stays DOWN before it is wired ACTIVE (default 1;
#                                    a running agent with another poll is restarted)
#
# Output: $STATE/token.env (a fresh project-scoped token of the member, valid 1 h) and
# $STATE/password.env (Keystone password login), each `export NICCONFORM_…=…` lines
# (mode 0600), and on stdout one `ENV …` line of the settings without their secrets.
#
# Idempotent: a running service is left running; databases, users and resources that
# exist are reused. Stop everything with down.sh. Runs as root with no stdin (CI=true).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
S=${NICCONFORM_OPENSTACK_STATE:-/tmp/nicconform-openstack}
POLL=${NICCONFORM_OPENSTACK_AGENT_POLL:-1}
LOG=$S/log; RUN=$S/run
mkdir -p "$S" "$LOG" "$RUN"
PY=/usr/bin/python3           # never pyenv's python3: the OpenStack modules live in Debian's
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset OS_AUTH_TOKEN OS_TOKEN OS_CLOUD || true
T0=$(date +%s)
say() { echo "up.sh [$(( $(date +%s) - T0 ))s] $*" >&2; }

HOST=nicconform-compute
DBPORT=13306
KS=http://127.0.0.1:5000

# ---------- secrets (generated once) ----------
if [ ! -f "$S/secrets.env" ]; then
  umask 077
  { for v in DB_ROOT RABBIT KEYSTONE_DB ADMIN GLANCE PLACEMENT NOVA NEUTRON USER; do
      echo "PW_$v=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; done; } > "$S/secrets.env"
  umask 022
fi
# shellcheck disable=SC1091
. "$S/secrets.env"

. "$HERE/lib.sh"
# start NAME LOGFILE CMD... : run CMD in the background in a session (and process group)
# of its own, and record its pid, which is that group's id: down.sh stops the group.
start() {
  local name=$1 logf=$2; shift 2
  if alive "$RUN" "$name"; then say "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  setsid "$@" >>"$logf" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  say "$name started (pid $!)"
}
wait_http() { # URL [seconds]
  local i
  for i in $(seq 1 "${2:-120}"); do
    if curl -s -o /dev/null -m 3 "$1"; then return 0; fi
    sleep 1
  done
  echo "up.sh: $1 did not answer" >&2; return 1
}

# ---------- MariaDB ----------
MYSQL="mariadb --no-defaults -S $S/mysql.sock -uroot"
if [ ! -d "$S/mysql/mysql" ]; then
  say "initialising MariaDB datadir"
  mkdir -p "$S/mysql"
  mariadb-install-db --no-defaults --user=root --datadir="$S/mysql" --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1
fi
start mariadb "$LOG/mariadb.log" /usr/sbin/mariadbd --no-defaults --user=root --datadir="$S/mysql" \
  --socket="$S/mysql.sock" --port=$DBPORT --bind-address=127.0.0.1 --pid-file="$S/mysql.pid" \
  --skip-name-resolve --max-connections=2000 --innodb-buffer-pool-size=128M \
  --character-set-server=utf8 --collation-server=utf8_general_ci
for i in $(seq 1 60); do $MYSQL -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
db() { # NAME USER PASS
  $MYSQL -e "CREATE DATABASE IF NOT EXISTS $1; CREATE USER IF NOT EXISTS '$2'@'127.0.0.1' IDENTIFIED BY '$3';
             GRANT ALL PRIVILEGES ON $1.* TO '$2'@'127.0.0.1';"
}
db keystone keystone "$PW_KEYSTONE_DB"; db glance glance "$PW_GLANCE"; db placement placement "$PW_PLACEMENT"
db nova_api nova "$PW_NOVA"; db nova nova "$PW_NOVA"; db nova_cell0 nova "$PW_NOVA"; db neutron neutron "$PW_NEUTRON"
dburl() { echo "mysql+pymysql://$1:$2@127.0.0.1:$DBPORT/$3?charset=utf8"; }

# ---------- RabbitMQ ----------
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 \
  RABBITMQ_DIST_PORT=25672 RABBITMQ_MNESIA_BASE=$S/rabbitmq/mnesia RABBITMQ_LOG_BASE=$LOG/rabbitmq \
  RABBITMQ_ENABLED_PLUGINS_FILE=$S/rabbitmq/enabled_plugins RABBITMQ_CONFIG_FILE=$S/rabbitmq/rabbitmq \
  RABBITMQ_PID_FILE=$S/rabbitmq/beam.pid ERL_EPMD_ADDRESS=127.0.0.1 HOME=$S/rabbitmq
mkdir -p "$S/rabbitmq/mnesia" "$LOG/rabbitmq"
[ -f "$S/rabbitmq/enabled_plugins" ] || echo '[].' > "$S/rabbitmq/enabled_plugins"
[ -f "$S/rabbitmq/rabbitmq.conf" ] || printf 'listeners.tcp.default = 127.0.0.1:5672\nloopback_users = none\n' > "$S/rabbitmq/rabbitmq.conf"
start epmd "$LOG/epmd.log" /usr/bin/epmd -address 127.0.0.1
start rabbitmq "$LOG/rabbitmq.log" /usr/lib/rabbitmq/bin/rabbitmq-server
RMQCTL=/usr/lib/rabbitmq/bin/rabbitmqctl
for i in $(seq 1 90); do $RMQCTL -q await_startup >/dev/null 2>&1 && break; sleep 1; done
if ! $RMQCTL -q list_users 2>/dev/null | grep -q '^openstack'; then
  $RMQCTL -q add_user openstack "$PW_RABBIT" >/dev/null
  $RMQCTL -q set_permissions openstack '.*' '.*' '.*' >/dev/null
fi
TRANSPORT="rabbit://openstack:$PW_RABBIT@127.0.0.1:5672/"
unset HOME; export HOME=/root

# ---------- common config bits ----------
authtoken() { # USER PASS
cat <<EOT
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $2
EOT
}
svcauth() { # SECTION USER PASS
cat <<EOT
[$1]
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
region_name = RegionOne
project_name = service
username = $2
password = $3
EOT
}
# uwsgi with Debian's own settings (/etc/<svc>/<svc>-uwsgi.ini), minus uid/gid/logto/processes
uwsgi_ini() { # DEBIAN_INI OUT PORT PROCESSES THREADS
  grep -vE '^\s*(#|$)|^(uid|gid|logto|processes|threads|chdir|apparmor-profile)\s*=' "$1" | sed 's/^plugins = python3,apparmor/plugins = python3/' > "$2"
  printf 'processes = %s\nthreads = %s\nhttp-socket = 127.0.0.1:%s\nchdir = %s\n' "$4" "$5" "$3" "$S" >> "$2"
}

# ---------- Keystone ----------
mkdir -p "$S/keystone/fernet-keys" "$S/keystone/credential-keys"
cat > "$S/keystone/keystone.conf" <<EOT
[DEFAULT]
log_file = $LOG/keystone-app.log
[database]
connection = $(dburl keystone "$PW_KEYSTONE_DB" keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $S/keystone/fernet-keys
[credential]
key_repository = $S/keystone/credential-keys
EOT
KSM="keystone-manage --config-file $S/keystone/keystone.conf"
if [ ! -f "$S/keystone/.synced" ]; then
  say "keystone db_sync + fernet + bootstrap"
  $KSM db_sync >>"$LOG/keystone-manage.log" 2>&1
  $KSM fernet_setup --keystone-user root --keystone-group root >>"$LOG/keystone-manage.log" 2>&1
  $KSM credential_setup --keystone-user root --keystone-group root >>"$LOG/keystone-manage.log" 2>&1
  $KSM bootstrap --bootstrap-password "$PW_ADMIN" --bootstrap-admin-url $KS/v3/ \
    --bootstrap-internal-url $KS/v3/ --bootstrap-public-url $KS/v3/ --bootstrap-region-id RegionOne >>"$LOG/keystone-manage.log" 2>&1
  touch "$S/keystone/.synced"
fi
uwsgi_ini /etc/keystone/keystone-uwsgi.ini "$S/keystone/uwsgi.ini" 5000 2 4
echo "env = OS_KEYSTONE_CONFIG_FILES=$S/keystone/keystone.conf" >> "$S/keystone/uwsgi.ini"
start keystone "$LOG/keystone.log" /usr/bin/uwsgi --ini "$S/keystone/uwsgi.ini"
wait_http $KS/v3

export OS_AUTH_URL=$KS/v3 OS_USERNAME=admin OS_PASSWORD=$PW_ADMIN OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=RegionOne
# retry CMD...: runs an openstack CLI command again (up to 5 times, 3 s
# apart) when it failed on the connection: Nova's uwsgi resets one now and
# then (seen: "Connection aborted ... Connection reset by peer" on the poll
# of a server delete --wait). Only for commands that are safe to repeat.
# Another failure is returned as it is (its stderr shown); 5 connection
# failures return 75. CMD may hold a password: it is never printed.
retry() {
  local i rc errf=$RUN/retry.err
  for i in 1 2 3 4 5; do
    "$@" 2>"$errf" && return 0 || rc=$?
    if ! grep -qiE 'Unable to establish connection|Connection aborted|Connection reset|Connection refused|Remote end closed|Max retries exceeded|Gateway Timeout|Service Unavailable' "$errf"; then
      cat "$errf" >&2; return $rc
    fi
    say "a connection error ($(grep -oiE 'Connection [a-z]+|Remote end closed|Max retries exceeded|Gateway Timeout|Service Unavailable|Unable to establish connection' "$errf" | head -1)), try $i of 5"
    sleep 3
  done
  cat "$errf" >&2; return 75
}
OSC="retry openstack"
exists() { $OSC "$@" -f value -c id >/dev/null 2>&1; }
if [ ! -f "$S/keystone/.catalog" ]; then
  exists project show service || $OSC project create --domain default service >/dev/null
  for svc in glance:image:9292 placement:placement:8778 nova:compute:8774/v2.1 neutron:network:9696; do
    IFS=: read -r user type url <<<"$svc"
    pwv=PW_${user^^}
    exists user show --domain default "$user" || $OSC user create --domain default --password "${!pwv}" "$user" >/dev/null
    $OSC role add --project service --user "$user" admin
    if ! exists service show "$type"; then
      $OSC service create --name "$user" "$type" >/dev/null
      for iface in public internal admin; do
        $OSC endpoint create --region RegionOne "$type" $iface "http://127.0.0.1:$url" >/dev/null
      done
    fi
  done
  touch "$S/keystone/.catalog"
fi
say "keystone ready (services, endpoints)"

# ---------- Glance ----------
mkdir -p "$S/glance/images"
cat > "$S/glance/glance-api.conf" <<EOT
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
log_file = $LOG/glance-api-app.log
enabled_backends = fs:file
[database]
connection = $(dburl glance "$PW_GLANCE" glance)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $S/glance/images
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $S/glance/lock
$(authtoken glance "$PW_GLANCE")
EOT
if [ ! -f "$S/glance/.synced" ]; then
  glance-manage --config-file "$S/glance/glance-api.conf" db_sync >>"$LOG/glance-manage.log" 2>&1
  touch "$S/glance/.synced"
fi
start glance "$LOG/glance-api.log" /usr/bin/glance-api --config-file "$S/glance/glance-api.conf"

# ---------- Placement ----------
mkdir -p "$S/placement"
cat > "$S/placement/placement.conf" <<EOT
[DEFAULT]
log_file = $LOG/placement-app.log
[placement_database]
connection = $(dburl placement "$PW_PLACEMENT" placement)
[api]
auth_strategy = keystone
$(authtoken placement "$PW_PLACEMENT")
EOT
if [ ! -f "$S/placement/.synced" ]; then
  placement-manage --config-file "$S/placement/placement.conf" db sync >>"$LOG/placement-manage.log" 2>&1
  touch "$S/placement/.synced"
fi
uwsgi_ini /etc/placement/placement-api-uwsgi.ini "$S/placement/uwsgi.ini" 8778 1 4
echo "env = OS_PLACEMENT_CONFIG_DIR=$S/placement" >> "$S/placement/uwsgi.ini"
start placement "$LOG/placement.log" /usr/bin/uwsgi --ini "$S/placement/uwsgi.ini"

# ---------- Neutron ----------
mkdir -p "$S/neutron/state" "$S/neutron/lock"
cat > "$S/neutron/neutron.conf" <<EOT
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = keystone
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
transport_url = $TRANSPORT
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
state_path = $S/neutron/state
api_paste_config = /etc/neutron/api-paste.ini
log_file = $LOG/neutron-server-app.log
[database]
connection = $(dburl neutron "$PW_NEUTRON" neutron)
[oslo_concurrency]
lock_path = $S/neutron/lock
[agent]
report_interval = 15
$(authtoken neutron "$PW_NEUTRON")
$(svcauth nova nova "$PW_NOVA")
$(svcauth placement placement "$PW_PLACEMENT")
EOT
cat > "$S/neutron/ml2_conf.ini" <<EOT
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = fake_agent
extension_drivers = port_security
[ml2_type_vxlan]
vni_ranges = 1:1000
[ml2_type_flat]
flat_networks = physnet1
[securitygroup]
enable_security_group = true
firewall_driver = noop
EOT
NCONF=(--config-file "$S/neutron/neutron.conf" --config-file "$S/neutron/ml2_conf.ini")
if [ ! -f "$S/neutron/.synced" ]; then
  say "neutron-db-manage upgrade heads"
  neutron-db-manage "${NCONF[@]}" upgrade heads >>"$LOG/neutron-db-manage.log" 2>&1
  touch "$S/neutron/.synced"
fi
start neutron-server "$LOG/neutron-server.log" /usr/bin/neutron-server "${NCONF[@]}"
# the agent's poll is the run's parameter: an agent running with another poll is restarted
if alive "$RUN" fake-l2-agent && [ "$(cat "$RUN/fake-l2-agent.poll" 2>/dev/null)" != "$POLL" ]; then
  stop "$RUN" fake-l2-agent >&2
fi
start fake-l2-agent "$LOG/fake-l2-agent.log" $PY "$HERE/fake_l2_agent.py" "${NCONF[@]}" --host $HOST --poll "$POLL" --log-file "$LOG/fake-l2-agent-app.log"
echo "$POLL" >"$RUN/fake-l2-agent.poll"

# ---------- Nova ----------
mkdir -p "$S/nova/state" "$S/nova/instances" "$S/nova/lock"
cp /etc/nova/api-paste.ini "$S/nova/api-paste.ini"
cat > "$S/nova/nova.conf" <<EOT
[DEFAULT]
host = $HOST
my_ip = 127.0.0.1
transport_url = $TRANSPORT
compute_driver = fake.FakeDriver
state_path = $S/nova/state
instances_path = $S/nova/instances
enabled_apis = osapi_compute
osapi_compute_workers = 1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $S/nova/api-paste.ini
[api_database]
connection = $(dburl nova "$PW_NOVA" nova_api)
[database]
connection = $(dburl nova "$PW_NOVA" nova)
[glance]
api_servers = http://127.0.0.1:9292
[oslo_concurrency]
lock_path = $S/nova/lock
[vnc]
enabled = false
[scheduler]
discover_hosts_in_cells_interval = -1
workers = 1
[conductor]
workers = 1
$(authtoken nova "$PW_NOVA")
$(svcauth neutron neutron "$PW_NEUTRON")
$(svcauth placement placement "$PW_PLACEMENT")
EOT
NOVAC=(--config-file "$S/nova/nova.conf")
if [ ! -f "$S/nova/.synced" ]; then
  say "nova-manage api_db sync / cells / db sync"
  nova-manage "${NOVAC[@]}" api_db sync >>"$LOG/nova-manage.log" 2>&1
  nova-manage "${NOVAC[@]}" cell_v2 map_cell0 --database_connection "$(dburl nova "$PW_NOVA" nova_cell0)" >>"$LOG/nova-manage.log" 2>&1
  nova-manage "${NOVAC[@]}" cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' || \
    nova-manage "${NOVAC[@]}" cell_v2 create_cell --name cell1 >>"$LOG/nova-manage.log" 2>&1
  nova-manage "${NOVAC[@]}" db sync >>"$LOG/nova-manage.log" 2>&1
  touch "$S/nova/.synced"
fi
uwsgi_ini /etc/nova/nova-api-uwsgi.ini "$S/nova/uwsgi.ini" 8774 2 1
echo "env = OS_NOVA_CONFIG_DIR=$S/nova" >> "$S/nova/uwsgi.ini"
start nova-api "$LOG/nova-api.log" /usr/bin/uwsgi --ini "$S/nova/uwsgi.ini"
start nova-conductor "$LOG/nova-conductor.log" /usr/bin/nova-conductor "${NOVAC[@]}"
start nova-scheduler "$LOG/nova-scheduler.log" /usr/bin/nova-scheduler "${NOVAC[@]}"
compute_restarted=no
alive "$RUN" nova-compute || compute_restarted=yes
# the Debian nova-compute package (qemu, libvirt, open-iscsi...) is not installed: run its console script
start nova-compute "$LOG/nova-compute.log" $PY -c 'import sys; from nova.cmd.compute import main; sys.argv[0]="nova-compute"; sys.exit(main())' "${NOVAC[@]}"

wait_http http://127.0.0.1:9292/ ; wait_http http://127.0.0.1:8778/ ; wait_http http://127.0.0.1:9696/ ; wait_http http://127.0.0.1:8774/
# wait for the compute service to register, then map it into cell1
for i in $(seq 1 120); do
  $OSC compute service list --service nova-compute -f value -c State 2>/dev/null | grep -q up && break; sleep 1
done
nova-manage "${NOVAC[@]}" cell_v2 discover_hosts >>"$LOG/nova-manage.log" 2>&1
for i in $(seq 1 60); do
  $OSC network agent list --host $HOST -f value -c Alive 2>/dev/null | grep -q True && break; sleep 1
done
say "services up"

# ---------- the world ----------
exists project show nicconform || $OSC project create --domain default nicconform >/dev/null
exists user show --domain default nicconform || $OSC user create --domain default --password "$PW_USER" nicconform >/dev/null
$OSC role add --project nicconform --user nicconform member
PROJECT_ID=$($OSC project show nicconform -f value -c id)
exists flavor show nicconform.tiny || $OSC flavor create --ram 64 --vcpus 1 --disk 1 --public nicconform.tiny >/dev/null
if ! exists image show nicconform-fake; then
  head -c 1048576 /dev/zero > "$S/fake.img"
  $OSC image create --disk-format raw --container-format bare --public --file "$S/fake.img" nicconform-fake >/dev/null
fi
# everything below as the (non-admin, member) test user, in its project
U=(retry env OS_USERNAME=nicconform OS_PASSWORD="$PW_USER" OS_PROJECT_NAME=nicconform openstack)
"${U[@]}" network show nicconform-net -f value -c id >/dev/null 2>&1 || "${U[@]}" network create nicconform-net >/dev/null
"${U[@]}" subnet show nicconform-subnet -f value -c id >/dev/null 2>&1 || \
  "${U[@]}" subnet create --network nicconform-net --subnet-range 10.20.0.0/22 nicconform-subnet >/dev/null
NET_ID=$("${U[@]}" network show nicconform-net -f value -c id)
# wait_server NAME ACTIVE|gone: polls the server (every 2 s, at most 300 s)
# until it is ACTIVE, or until Nova no longer knows it. Our own loop, not
# --wait, so that a poll's connection error is retried, not fatal.
wait_server() {
  local n=$1 want=$2 i st rc
  for i in $(seq 1 150); do
    st=$("${U[@]}" server show "$n" -f value -c status 2>/dev/null) && rc=0 || rc=$?
    if [ $rc = 0 ]; then
      [ "$st" = "$want" ] && return 0
      [ "$st" = ERROR ] && { echo "up.sh: server $n is ERROR" >&2; return 1; }
    elif [ $rc = 75 ]; then
      echo "up.sh: Nova did not answer about server $n" >&2; return 1
    elif [ "$want" = gone ]; then
      return 0
    fi
    sleep 2
  done
  echo "up.sh: server $n not $want after 300 s (status ${st:-unknown})" >&2; return 1
}
if [ "$compute_restarted" = yes ]; then
  # FakeDriver keeps its instances and interfaces in memory: servers from an earlier nova-compute are stale
  for n in nicconform-a nicconform-b; do
    if "${U[@]}" server show $n -f value -c id >/dev/null 2>&1; then
      say "nova-compute was (re)started: recreating $n"
      "${U[@]}" server delete $n || say "the delete of $n failed; waiting for it to be gone anyway"
      wait_server $n gone || exit 1
    fi
  done
fi
for n in nicconform-a nicconform-b; do
  if ! "${U[@]}" server show $n -f value -c id >/dev/null 2>&1; then
    # not retried (a repeated create would make a second server of that
    # name); a create whose answer was lost is found by the wait
    "${U[@]:1}" server create --flavor nicconform.tiny --image nicconform-fake --nic net-id="$NET_ID" $n >/dev/null || \
      say "the create of $n failed; looking whether Nova made it anyway"
  fi
  wait_server $n ACTIVE || exit 1
done
SERVER_A=$("${U[@]}" server show nicconform-a -f value -c id)
SERVER_B=$("${U[@]}" server show nicconform-b -f value -c id)
for n in nicconform-a nicconform-b; do
  nics=$("${U[@]}" port list --server $n -f value -c ID | wc -l)
  [ "$nics" = 1 ] || say "WARNING: server $n has $nics NICs, not 1 (a run left something behind?)"
done
say "world ready: project $PROJECT_ID network $NET_ID servers $SERVER_A $SERVER_B (agent poll ${POLL}s)"
COMMON=(
  NICCONFORM_COMPUTE_URL=http://127.0.0.1:8774
  NICCONFORM_NETWORK_URL=http://127.0.0.1:9696
  NICCONFORM_PROJECT_ID="$PROJECT_ID"
  NICCONFORM_SERVER_ID="$SERVER_A"
  NICCONFORM_OTHER_SERVER_ID="$SERVER_B"
  NICCONFORM_NETWORK_ID="$NET_ID"
  NICCONFORM_PROFILE=nova
  NICCONFORM_DETACH_TIMEOUT=60s
  NICCONFORM_REQUEST_TIMEOUT=60s
)
PASSWORD=(
  OS_AUTH_URL=$KS/v3 OS_USERNAME=nicconform OS_PASSWORD="$PW_USER"
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_ID="$PROJECT_ID"
)
umask 077
# password login (keystone v3 password, project-scoped) — nicconform refuses a token and a password together
printf 'export %s\n' "${COMMON[@]}" "${PASSWORD[@]}" >"$S/password.env"
# a token of the member, project-scoped, valid 1 h (token.sh issues a fresh one)
TOKEN=$("$HERE/token.sh")
printf 'export %s\n' "${COMMON[@]}" "NICCONFORM_AUTH_TOKEN=$TOKEN" >"$S/token.env"
umask 022
# The settings without their secrets: the token and the password stay in
# the two files (mode 0600), never on stdout, where CI logs keep them.
echo "ENV ${COMMON[*]} (token: $S/token.env; password login: $S/password.env)"
say "done: source $S/token.env or $S/password.env"
