#!/usr/bin/env node
/** The executable entry point of `redis-operator` (bin/redis-operator.js loads its build). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
