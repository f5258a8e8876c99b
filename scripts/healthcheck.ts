// `tskube healthcheck <url>`: compose healthchecks. Exits 0 when the URL answers 200
// within 3 s, else 1, printing what it got (docker inspect shows it). HTTPS is not
// verified: it checks a component on its own container's loopback, where there is
// nothing to authenticate, and the apiserver's CA may not be anywhere it can read.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) {
  console.error('usage: tskube healthcheck <http(s)://host:port/path>');
  process.exit(64);
}

const get = url.startsWith('https:') ? httpsGet : httpGet;
const req = get(url, { rejectUnauthorized: false, timeout: 3000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => { if (body.length < 2000) body += d; });
  res.on('end', () => {
    console.log(`${res.statusCode} ${body.trim().slice(0, 500)}`);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
});
req.on('timeout', () => req.destroy(new Error('no answer in 3 s')));
req.on('error', (err) => {
  console.log(`${url}: ${err.message}`);
  process.exit(1);
});
