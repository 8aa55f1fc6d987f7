import { describe, expect, it } from 'vitest';
import { DEFAULT_KUBE_API_BURST, DEFAULT_KUBE_API_QPS } from '../../../src/cli/run-command.js';
import { runCli } from '../../support/cli.js';

describe('redis-operator run flags', () => {
  it('refuses a rate limit that is not a number, naming the flags, with exit 2', async () => {
    const result = await runCli(['run', '--kube-api-qps', 'fast', '--kube-api-burst', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--kube-api-qps: must be a number, 0 or more, got "fast"/);
    expect(result.stderr).toMatch(/--kube-api-burst: must be a positive integer, got "0"/);
  });

  it('says the client-side rate limit and its defaults in run --help', async () => {
    const { stdout } = await runCli(['run', '--help']);
    expect(stdout).toContain(`--kube-api-qps <n>`);
    expect(stdout).toMatch(new RegExp(`0 turns the limit off \\(default: "${DEFAULT_KUBE_API_QPS}"\\)`));
    expect(stdout).toMatch(new RegExp(`--kube-api-burst <n> +.*\\(default: "${DEFAULT_KUBE_API_BURST}"\\)`));
  });
});
