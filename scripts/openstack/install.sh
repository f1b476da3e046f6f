#!/usr/bin/env bash
# install.sh: the Debian 12 (bookworm) packages of a real upstream OpenStack Zed
# for `make conformance-openstack`: Keystone, Glance, Placement, Nova (api,
# conductor, scheduler; the compute service runs from python3-nova with the
# fake virt driver, see up.sh), Neutron (ML2), MariaDB, RabbitMQ and the
# openstack CLI. Nothing is started and nothing is configured: every package's
# "configure a database / register an endpoint" question is answered "no", and
# /usr/sbin/policy-rc.d keeps package scripts from starting daemons. up.sh does
# the rest, under its own state folder.
#
# Idempotent: installed packages are left as they are. Root (or sudo), no
# stdin: safe for CI (CI=true) on a fresh Debian 12 machine.
#   Usage: scripts/openstack/install.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
sudo=
[ "$(id -u)" = 0 ] || sudo="sudo -E"

pkgs=(
  mariadb-server python3-pymysql
  rabbitmq-server
  keystone
  glance-api
  placement-api
  nova-api nova-conductor nova-scheduler
  neutron-server
  python3-openstackclient
  curl
)
# The Debian nova-compute package drags in qemu, libvirt, open-iscsi and ovmf;
# the compute service runs straight from python3-nova (nova.cmd.compute) with
# compute_driver = fake.FakeDriver instead.
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all ${#pkgs[@]} packages already installed"
  exit 0
fi

# Keep package scripts from starting daemons (exit 101: "action forbidden").
if [ ! -x /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  echo "install.sh: created /usr/sbin/policy-rc.d (exit 101)"
fi

# Answer the openstack-pkg-tools / dbconfig-common questions "no", so that no
# postinst touches a database or tries to reach a Keystone.
sel=$(mktemp)
trap 'rm -f "$sel"' EXIT
for p in keystone nova-common nova-api glance-common glance-api placement-common placement-api neutron-common neutron-server neutron-api; do
  for q in configure_db dbconfig-install configure_ksat register-endpoint create-admin-tenant configure_rabbit; do
    echo "$p $p/$q boolean false" >>"$sel"
  done
done
echo "dbconfig-common dbconfig-common/dbconfig-install boolean false" >>"$sel"
$sudo debconf-set-selections "$sel"

# An image without package lists (a fresh CI container) needs them first.
if ! apt-cache show nova-api >/dev/null 2>&1; then
  $sudo apt-get update -qq
fi
$sudo apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
echo "install.sh: done in $(( $(date +%s) - start ))s (${#missing[@]} of ${#pkgs[@]} packages were missing)"
