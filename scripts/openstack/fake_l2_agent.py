#!/usr/bin/python3
"""A fake L2 agent for neutron's ML2 `fake_agent` mechanism driver.

The driver (neutron.tests.unit.plugins.ml2.drivers.mech_fake_agent, shipped in
Debian's python3-neutron, entry point `fake_agent`) binds a port only on a host
where an alive agent of type "OFA driver agent" is registered, and (like every
agent-based driver) puts an L2 provisioning block on the port, so the port stays
DOWN until an agent reports the device up.  This process does what a real L2
agent does over neutron's own RPC API (nothing else):

  * report_state every REPORT seconds (registers/keeps alive the agent);
  * every POLL seconds, get_ports_by_vnic_type_and_host(normal, HOST); for each
    compute port bound here and still DOWN: get_devices_details_list_and_failed_devices
    (neutron marks it BUILD, as for the OVS agent), then update_device_list(up)
    (neutron lifts the L2 block -> ACTIVE -> network-vif-plugged to Nova).

Started by up.sh (its own process group, stopped by down.sh):
  fake_l2_agent.py --config-file neutron.conf [--config-file ml2_conf.ini] [--host H] [--poll 1.0]
--poll is NICCONFORM_OPENSTACK_AGENT_POLL: how long a bound port stays DOWN (then
BUILD) before it is ACTIVE, as an OVS agent's polling loop makes it.
"""
import sys

from neutron.common import eventlet_utils
eventlet_utils.monkey_patch()

import argparse  # noqa: E402
import time  # noqa: E402

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

from neutron.agent import rpc as agent_rpc  # noqa: E402
from neutron.common import config as common_config  # noqa: E402
from neutron.conf.agent import common as agent_conf  # noqa: E402
from neutron_lib.agent import topics  # noqa: E402
from neutron_lib import constants  # noqa: E402
from neutron_lib import context as n_context  # noqa: E402

LOG = logging.getLogger('fake_l2_agent')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config-file', action='append', required=True)
    ap.add_argument('--host', default='nicconform-compute')
    ap.add_argument('--poll', type=float, default=1.0)
    ap.add_argument('--report', type=float, default=15.0)
    ap.add_argument('--log-file')
    a = ap.parse_args()
    agent_conf.register_agent_state_opts_helper(cfg.CONF)
    common_config.register_common_config_options()
    argv = []
    for f in a.config_file:
        argv += ['--config-file', f]
    if a.log_file:
        argv += ['--log-file', a.log_file]
    common_config.init(argv)
    logging.setup(cfg.CONF, 'fake_l2_agent')

    ctx = n_context.get_admin_context_without_session()
    state_rpc = agent_rpc.PluginReportStateAPI(topics.REPORTS)
    plugin_rpc = agent_rpc.PluginApi(topics.PLUGIN)
    agent_id = 'fake-l2-%s' % a.host
    state = {
        'binary': 'neutron-fake-l2-agent',
        'host': a.host,
        'topic': 'N/A',
        'agent_type': constants.AGENT_TYPE_OFA,  # what mech_fake_agent binds for
        'configurations': {'tunnel_types': ['vxlan'],
                           'interface_mappings': {'physnet1': 'fake0'}},
        'start_flag': True,
    }
    last_report = 0.0
    while True:
        now = time.time()
        if now - last_report >= a.report:
            try:
                state_rpc.report_state(ctx, dict(state), use_call=True)
                state.pop('start_flag', None)
                last_report = now
            except Exception as e:  # server not up yet
                LOG.warning('report_state failed: %s', e)
                time.sleep(2)
                continue
        try:
            ports = plugin_rpc.get_ports_by_vnic_type_and_host(ctx, 'normal', a.host)
        except Exception as e:
            LOG.warning('get_ports_by_vnic_type_and_host failed: %s', e)
            ports = []
        down = [p['id'] for p in ports
                if p.get('status') == constants.PORT_STATUS_DOWN
                and p.get('admin_state_up')
                and str(p.get('device_owner', '')).startswith('compute:')]
        if down:
            try:
                plugin_rpc.get_devices_details_list_and_failed_devices(ctx, down, agent_id, a.host)
                res = plugin_rpc.update_device_list(ctx, down, [], agent_id, a.host)
                LOG.info('wired %s: %s', down, res)
            except Exception as e:
                LOG.warning('wiring %s failed: %s', down, e)
        time.sleep(a.poll)


if __name__ == '__main__':
    sys.exit(main())
