import { describe, expect, it } from 'vitest';
import { DEFAULT_KUBE_API_QPS, DEFAULT_MAX_CONCURRENT_RECONCILES, defaultKubeApiBurst } from '../../../src/cli/run-command.js';
import { runCli } from '../../support/cli.js';

describe('redis-operator run flags', () => {
  it('refuses a rate limit that is not a number, naming the flags, with exit 2', async () => {
    const result = await runCli(['run', '--kube-api-qps', 'fast', '--kube-api-burst', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--kube-api-qps: must be a number, 0 or more, got "fast"/);
    expect(result.stderr).toMatch(/--kube-api-burst: must be a positive integer, got "0"/);
  });

  it('says the client-side rate limit, the workers and why those defaults in run --help', async () => {
    const { stdout } = await runCli(['run', '--help']);
    const help = stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`0 turns the limit off (default: "${DEFAULT_KUBE_API_QPS}")`);
    expect(help).toMatch(/--kube-api-burst <n> .*\(default: twice --kube-api-qps\)/);
    expect(help).toMatch(new RegExp(`--max-concurrent-reconciles <n> .*\\(default: "${DEFAULT_MAX_CONCURRENT_RECONCILES}"\\)`));
    expect(help).toContain(`Defaults chosen from the benchmark (README, "Memory and scale"): ${DEFAULT_MAX_CONCURRENT_RECONCILES} workers`);
    expect(help).toContain('no client-side rate limit');
  });

  it('without --kube-api-burst lets two seconds\' worth of --kube-api-qps go at once, at least one request', () => {
    expect(defaultKubeApiBurst(50)).toBe(100);
    expect(defaultKubeApiBurst(0.2)).toBe(1);
    expect(defaultKubeApiBurst(2.5)).toBe(5);
  });
});
