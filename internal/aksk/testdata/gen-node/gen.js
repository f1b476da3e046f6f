// gen.js regenerates ../node-sdk-vectors.json: SDK-HMAC-SHA256 test vectors
// made by the official Huawei Cloud Node SDK core
// (@huaweicloud/huaweicloud-sdk-core, the version in package.json).
//
//   cd internal/aksk/testdata/gen-node && npm ci && node gen.js > ../node-sdk-vectors.json
//
// Each request goes through the SDK's own path: HcClient.buildRequest (path
// parameters, content type), BasicCredentials.processAuthRequest (project
// header, X-Sdk-Content-Sha256, AKSKSigner.sign). The canonical request and
// string to sign are captured from AKSKSigner's own builders. The request
// sent is rebuilt as DefaultHttpClient._sendHttpRequest hands it to axios:
// the endpoint, the URL without a trailing slash as WHATWG URL escapes it, the query serialized by
// querystring.stringify, the signed headers plus User-Agent (added after
// signing), and the body JSON-serialized unless it is a string.
'use strict';
process.env.TZ = 'UTC';
const querystring = require('querystring');
const core = require('@huaweicloud/huaweicloud-sdk-core');
const { HcClient } = require('@huaweicloud/huaweicloud-sdk-core/HcClient');
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');
const version = require('@huaweicloud/huaweicloud-sdk-core/package.json').version;

const ak = 'QTWAOYTTINDUT2QVKYUC';
const sk = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const date = '20191115T033655Z';
const endpoint = 'https://ecs.cn-north-4.myhuaweicloud.com';
const project = '0f2a4c6e8b1d3f5a7c9e0b2d4f6a8c1e';
const server = '5c1f0e7a-3b2d-4c6e-9f8a-1b3c5d7e9f0a';
const port = '8d2e4f6a-1c3b-4d5e-8f7a-9b0c1d2e3f4a';
const detach = '/v2.1/{project_id}/servers/{server_id}/os-interface/{port_id}';
const list = '/v2.1/{project_id}/servers/{server_id}/os-interface';
const attach = { interfaceAttachment: { port_id: port } };

const inputs = [
  { name: 'detach', method: 'DELETE', url: detach },
  { name: 'detach with a security token', method: 'DELETE', url: detach, token: 'temporary-security-token-3f9a' },
  { name: 'detach with a JSON content type', method: 'DELETE', url: detach, contentType: 'application/json' },
  { name: 'detach with a text/plain content type', method: 'DELETE', url: detach, contentType: 'text/plain' },
  { name: 'detach with a microversion header', method: 'DELETE', url: detach, headers: { 'X-OpenStack-Nova-API-Version': '2.1' } },
  { name: 'list', method: 'GET', url: list },
  { name: 'list with a query', method: 'GET', url: list, query: { limit: 10, marker: 'a b/c', name: 'é~' } },
  { name: 'list with a repeated query', method: 'GET', url: list, query: { tag: ['z', 'a', 'm'] } },
  { name: 'attach with a JSON body', method: 'POST', url: list, contentType: 'application/json;charset=UTF-8', data: attach },
  { name: 'attach with a JSON body and no content type', method: 'POST', url: list, data: attach },
  { name: 'attach with a text/plain body', method: 'POST', url: list, contentType: 'text/plain', data: 'port_id=' + port },
  { name: 'attach with an octet-stream body', method: 'POST', url: list, contentType: 'application/octet-stream', data: 'binary' },
  { name: 'detach with a space in the id', method: 'DELETE', url: detach, server: 'a b' },
  { name: 'detach with an escape in the id', method: 'DELETE', url: detach, port: '%41%2F' },
  { name: 'detach with non-ASCII and reserved bytes in the id', method: 'DELETE', url: detach, port: "€+=;:@!*'()" },
  { name: 'detach with an extra header with surrounding space', method: 'DELETE', url: detach, headers: { 'X-Client-Note': '  spaced value  ' } },
  { name: 'path ending in a slash', method: 'GET', url: '/v2.1/{project_id}/servers/' },
];

// Capture what AKSKSigner builds.
let captured = {};
const buildCanonicalRequest = AKSKSigner.buildCanonicalRequest;
AKSKSigner.buildCanonicalRequest = function (...args) {
  captured.canonical = buildCanonicalRequest.apply(this, args);
  return captured.canonical;
};
const getStringToSign = AKSKSigner.getStringToSign;
AKSKSigner.getStringToSign = function (...args) {
  captured.sts = getStringToSign.apply(this, args);
  return captured.sts;
};

async function vector(input) {
  captured = {};
  const cred = new core.BasicCredentials().withAk(ak).withSk(sk).withProjectId(project);
  if (input.token) {
    cred.withSecurityToken(input.token);
  }
  const client = { region: undefined, credential: cred, endpoints: [endpoint], proxyAgent: undefined };
  const headers = Object.assign({ 'X-Sdk-Date': date }, input.headers || {});
  const options = {
    method: input.method,
    url: input.url,
    contentType: input.contentType,
    pathParams: { server_id: input.server || server, port_id: input.port || port },
    queryParams: input.query || {},
    headers,
    data: input.data,
  };
  const req = await HcClient.prototype.buildRequest.call(client, options);
  const sent = Object.assign({}, req.headers, { 'User-Agent': 'huaweicloud-usdk-nodejs/3.0' });
  const header = {};
  for (const [k, v] of Object.entries(sent)) {
    header[k] = [String(v)];
  }
  // axios: new URL(baseURL + url).pathname (WHATWG escaping), then the query.
  const parsed = new URL(endpoint + req.url.replace(/\/$/, ''));
  let url = parsed.origin + parsed.pathname;
  const qs = querystring.stringify(req.queryParams || {});
  if (qs) {
    url += '?' + qs;
  }
  let body = '';
  if (req.data !== undefined && req.data !== null) {
    body = typeof req.data === 'string' ? req.data : JSON.stringify(req.data);
  }
  const authz = req.headers.Authorization;
  const sig = authz.replace(/^.*Signature=/, '');
  if (!captured.canonical || !captured.sts) {
    throw new Error(input.name + ': nothing captured');
  }
  return {
    name: input.name, method: input.method, url, header, body,
    canonical_request: captured.canonical, string_to_sign: captured.sts, signature: sig, authorization: authz,
  };
}

(async () => {
  const out = {
    generator: 'internal/aksk/testdata/gen-node',
    sdk: '@huaweicloud/huaweicloud-sdk-core',
    version,
    toolchain: 'node ' + process.version,
    ak, sk, date,
    vectors: [],
  };
  for (const input of inputs) {
    out.vectors.push(await vector(input));
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
})().catch((e) => {
  process.stderr.write('gen-node: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
