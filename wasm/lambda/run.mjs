// run.mjs runs index.mjs's handler on a CloudFront event read from the file
// named by argv[2] (or stdin) and prints the result as JSON on stdout. It
// is the Node side of the parity test and `make lambda`'s smoke check.
import { readFileSync } from 'node:fs';
import { handler } from './index.mjs';

const src = process.argv[2] ? readFileSync(process.argv[2]) : readFileSync(0);
const out = await handler(JSON.parse(src));
process.stdout.write(JSON.stringify(out) + '\n');
