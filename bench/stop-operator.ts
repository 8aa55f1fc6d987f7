import type { ChildProcess } from 'node:child_process';

/** Stops an operator process: SIGTERM, SIGKILL after 30 s; resolves once it has exited. */
export async function stopOperator(operator: ChildProcess | undefined): Promise<void> {
  if (operator === undefined || operator.exitCode !== null || operator.signalCode !== null) return;
  const exited = new Promise<void>((done) => operator.once('exit', () => done()));
  operator.kill('SIGTERM');
  const timer = setTimeout(() => operator.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
