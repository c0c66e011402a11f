// The HTTP-hop floor: a raw node:http server on loopback that answers an Invoke-shaped POST the way
// Kindling answers a successful one (200, JSON, X-Amz-Executed-Version) with the body echoed. Nothing a
// platform must do is here, so the gap between it and Kindling is what Kindling adds.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'X-Amz-Executed-Version': '$LATEST',
      'x-amzn-RequestId': '00000000-0000-0000-0000-000000000000',
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
