#!/usr/bin/env node
import { catchStopSignals } from './cli/signals.ts';

// Before anything else loads (see signals.ts).
const latch = catchStopSignals(process.argv.slice(2));
const { run } = await import('./cli/main.ts');
await run(latch);
