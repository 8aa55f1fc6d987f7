// Records every module URL the process resolves, one per line, in the file
// $RECORD_MODULES_TO: `node --import ./test/support/module-recorder.mjs ...`.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const file = process.env.RECORD_MODULES_TO;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (file) appendFileSync(file, resolved.url + '\\n');
  return resolved;
}
`));
