#!/usr/bin/env node
// Entry point of the installed command; the program lives in dist/ (built by `tsc -b`).
import { main } from '../dist/cli.js';

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
