// The S2, OTLP (and NATS URL) sink flags of the real cdp-proxy: bad settings exit 2 with a
// message naming the flag (and never the token or a header value); --help lists every flag with its
// environment twin and shows no secret given through the environment.
'use strict';
const { spawnSync } = require('child_process');
const h = require('../../../integration/lib/proxy_harness');

const CDP_PROXY = process.env.CDP_PROXY;
if (!CDP_PROXY) h.skip('CDP_PROXY is not set (run through meson test)');

function run(args, env = {}) {
  const r = spawnSync(CDP_PROXY, ['--api-listen', '127.0.0.1:0', '--cdp-listen', '127.0.0.1:0', '--data-dir', '', ...args],
    { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

const bad = [
  [['--s2-basin', 'faultline-x'], /--s2-basin and --s2-stream go together/],
  [['--s2-basin', 'Bad_Basin', '--s2-stream', 's'], /--s2-basin 'Bad_Basin': a basin name is 8-48/],
  [['--s2-basin', 'faultline-x', '--s2-stream', 's'], /--s2-token \(or S2_ACCESS_TOKEN\) is needed/],
  [['--s2-basin', 'faultline-x', '--s2-stream', 's', '--s2-token', 'sekrit-1', '--s2-endpoint', 'ftp://x'], /--s2-endpoint 'ftp:\/\/x': expected an http/],
  [['--s2-basin', 'faultline-x', '--s2-stream', 's', '--s2-token', 'sekrit-1', '--s2-types', 'nope'], /--s2-types/],
  [['--s2-basin', 'faultline-x', '--s2-stream', 's', '--s2-endpoint', 'http://127.0.0.1:99999'], /--s2-endpoint 'http:\/\/127.0.0.1:99999': port must be a number/],
  [['--otlp-endpoint', 'collector:4318'], /--otlp-endpoint 'collector:4318': expected an http/],
  [['--otlp-endpoint', 'http://[::1/v1/logs'], /--otlp-endpoint 'http:\/\/\[::1\/v1\/logs': expected \[ipv6\]:port/],
  [['--otlp-endpoint', 'http://h:99999/v1/logs'], /--otlp-endpoint 'http:\/\/h:99999\/v1\/logs': port must be a number/],
  [['--nats', 'nats://[::1'], /--nats: 'nats:\/\/\[::1' is not a NATS server URL \(nats:\/\/HOST:PORT\): expected \[ipv6\]:port/],
  [['--otlp-endpoint', 'http://127.0.0.1:1/v1/logs', '--otlp-protocol', 'grpc'], /gRPC is not supported/],
  [['--otlp-endpoint', 'http://127.0.0.1:1/v1/logs', '--otlp-compression', 'zstd'], /--otlp-compression 'zstd': gzip or none/],
  [['--otlp-endpoint', 'http://127.0.0.1:1/v1/logs', '--otlp-header', 'bad name=sekrit-1'], /--otlp-header: bad header 'bad name'/],
];

const steps = [
  ['bad settings exit 2 naming the flag, never the secret', async () => {
    for (const [args, want] of bad) {
      const r = run(args);
      h.equal(r.code, 2, `exit code for ${args.join(' ')}`);
      h.check(want.test(r.out), `${args.join(' ')}: ${r.out}`);
      h.check(!r.out.includes('sekrit-1'), `no secret in: ${r.out}`);
    }
    const env = run([], { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'not a url' });
    h.equal(env.code, 2, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is checked too');
  }],
  ['--help lists each flag with its environment twin and no secret from the environment', async () => {
    const r = spawnSync(CDP_PROXY, ['--help'], { env: { ...process.env, FAULTLINE_S2_TOKEN: 'sekrit-2', S2_ACCESS_TOKEN: 'sekrit-3',
      FAULTLINE_OTLP_HEADER: 'Authorization=sekrit-4' }, encoding: 'utf8' });
    h.equal(r.status, 0, 'exit code');
    for (const flag of ['s2-basin', 's2-stream', 's2-token', 's2-endpoint', 's2-timeout-ms', 's2-categories', 's2-types',
      'otlp-endpoint', 'otlp-header', 'otlp-protocol', 'otlp-compression', 'otlp-timeout-ms', 'otlp-categories']) {
      h.check(r.stdout.includes(`--${flag} `), `--${flag} in --help`);
      h.check(r.stdout.includes(`env FAULTLINE_${flag.toUpperCase().replace(/-/g, '_')}`), `FAULTLINE_ twin of --${flag}`);
    }
    h.check(!/sekrit/.test(r.stdout), 'no secret in --help');
  }],
];

h.run(steps, async () => {});
