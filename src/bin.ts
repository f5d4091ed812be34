#!/usr/bin/env node
import { run } from './cli/main.ts';

await run();
