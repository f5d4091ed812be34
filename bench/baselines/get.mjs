// A bare node:http GET as an ES module (like dist/bin.js): the floor for a Node health check.
// Exits 0 on a 200 from URL, 1 otherwise.
import { get } from 'node:http';

get(process.env.URL, (res) => {
  res.resume();
  res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
}).on('error', () => process.exit(1));
