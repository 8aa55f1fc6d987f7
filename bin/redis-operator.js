#!/usr/bin/env node
// Loads the compiled CLI (built by `npm ci`/`npm install` through the prepare script).
await import('../lib/src/cli/cli.js');
