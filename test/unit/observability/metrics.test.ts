import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/observability/metrics.js';

describe('Metrics', () => {
  it('counts API requests by method and code, and times them by method', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeApiRequest('PATCH', 201, 0.02);
    metrics.observeApiRequest('PATCH', 409, 0.004);
    metrics.observeApiRequest('GET', 0);
    const text = await metrics.expose();
    expect(text).toMatch(/^redis_operator_api_requests_total\{method="PATCH",code="409"\} 1$/m);
    expect(text).toMatch(/^redis_operator_api_request_duration_seconds_count\{method="PATCH"\} 2$/m);
    expect(text).toMatch(/^redis_operator_api_request_duration_seconds_bucket\{le="0.005",method="PATCH"\} 1$/m);
    expect(text).not.toMatch(/^redis_operator_api_request_duration_seconds_count\{method="GET"\}/m);
  });

  it('times the waits for the client-side rate limit', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.observeRateLimiterWait(0);
    metrics.observeRateLimiterWait(2);
    const text = await metrics.expose();
    expect(text).toMatch(/^redis_operator_api_rate_limiter_wait_seconds_count 2$/m);
    expect(text).toMatch(/^redis_operator_api_rate_limiter_wait_seconds_sum 2$/m);
  });
});
