#!/usr/bin/env node
// Entry point of the installed command; the program lives in dist/ (built by `tsc -b`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
