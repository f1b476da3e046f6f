// The client scenario with Huawei Cloud's official Node SDK core
// (@huaweicloud/huaweicloud-sdk-core, the version in package.json) against
// `nicconform mock -aksk AK:SK`: every call signed by the SDK's own AK/SK
// signer (SDK-HMAC-SHA256) through its HcClient. List the NICs, attach one
// by net_id, list, detach, wait for the 404, send a text/plain body (the
// SDK signs X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD: the mock must
// authenticate it, whatever it then answers), and be refused with a wrong
// secret key (401), with and without that body. One line per step (the
// SDK's own log of each error answer goes to stdout too; clients-node.sh
// keeps only the step lines); exit 1 when a step fails.
//
// Usage: node scenario.js ENDPOINT PROJECT SERVER NETWORK AK SK
'use strict';
const core = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');

const [endpoint, project, server, network, ak, sk] = process.argv.slice(2);
if (!sk) {
  process.stderr.write('usage: node scenario.js ENDPOINT PROJECT SERVER NETWORK AK SK\n');
  process.exit(2);
}

function client(secret) {
  const cred = new core.BasicCredentials().withAk(ak).withSk(secret).withProjectId(project);
  return new ClientBuilder((hc) => hc).withCredential(cred).withEndpoint(endpoint).build();
}

// call sends one request and returns [status, body]; an error answer is a
// status too (the SDK throws it).
async function call(hc, method, url, pathParams, data, contentType) {
  const opts = { method, url, pathParams: pathParams || {}, queryParams: {}, headers: {}, data, contentType };
  try {
    const res = await hc.sendRequest(opts);
    return [res.httpStatusCode, res];
  } catch (e) {
    if (e && e.httpStatusCode) {
      return [e.httpStatusCode, { message: e.errorMsg, code: e.errorCode }];
    }
    throw e;
  }
}

let n = 0;
let failed = false;
async function step(name, f) {
  n++;
  try {
    const detail = await f();
    console.log(`node-sdk step ${String(n).padStart(2)} ${name.padEnd(30)} ok: ${detail}`);
  } catch (e) {
    failed = true;
    console.log(`node-sdk step ${String(n).padStart(2)} ${name.padEnd(30)} FAILED: ${e && e.message || e}`);
  }
}

function expect(cond, what) {
  if (!cond) {
    throw new Error(what);
  }
}

(async () => {
  const hc = client(sk);
  const nics = '/v2.1/{project_id}/servers/{server_id}/os-interface';
  const nic = nics + '/{port_id}';
  let before = 0;
  let port = '';
  await step('list', async () => {
    const [status, body] = await call(hc, 'GET', nics, { server_id: server });
    expect(status === 200, `GET os-interface answered ${status}: ${JSON.stringify(body)}`);
    before = body.interfaceAttachments.length;
    return `${before} NIC(s)`;
  });
  await step('attach by net_id', async () => {
    const [status, body] = await call(hc, 'POST', nics, { server_id: server },
      { interfaceAttachment: { net_id: network } }, 'application/json');
    expect(status === 200, `POST os-interface answered ${status}: ${JSON.stringify(body)}`);
    port = body.interfaceAttachment.port_id;
    return `port ${port}`;
  });
  await step('list again', async () => {
    const [status, body] = await call(hc, 'GET', nics, { server_id: server });
    expect(status === 200 && body.interfaceAttachments.length === before + 1, `GET os-interface answered ${status} with ${JSON.stringify(body)}`);
    return `${body.interfaceAttachments.length} NICs`;
  });
  await step('detach', async () => {
    const [status, body] = await call(hc, 'DELETE', nic, { server_id: server, port_id: port });
    expect(status === 202, `DELETE os-interface/${port} answered ${status}: ${JSON.stringify(body)}`);
    return '202 accepted';
  });
  await step('wait for 404', async () => {
    for (let i = 1; i <= 200; i++) {
      const [status] = await call(hc, 'GET', nic, { server_id: server, port_id: port });
      if (status === 404) {
        return `404 after ${i} polls`;
      }
      expect(status === 200, `GET os-interface/${port} answered ${status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('still attached after 200 polls');
  });
  await step('text/plain body (UNSIGNED-PAYLOAD)', async () => {
    const [status, body] = await call(hc, 'POST', nics, { server_id: server }, 'not json', 'text/plain');
    expect(status !== 401 && status < 500, `answered ${status}: ${JSON.stringify(body)} (401: the mock refused the SDK's signature)`);
    return `authenticated, then ${status} (${body.code || ''})`;
  });
  await step('wrong secret key refused', async () => {
    const [status] = await call(client(sk + 'x'), 'GET', nics, { server_id: server });
    expect(status === 401, `answered ${status}, want 401`);
    return '401';
  });
  await step('text/plain, wrong secret key', async () => {
    // Authentication comes first: the 4xx of step 6 came after it.
    const [status] = await call(client(sk + 'x'), 'POST', nics, { server_id: server }, 'not json', 'text/plain');
    expect(status === 401, `answered ${status}, want 401`);
    return '401';
  });
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log('node-sdk: ' + (e && e.stack || e));
  process.exit(1);
});
