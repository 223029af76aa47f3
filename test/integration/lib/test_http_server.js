// The lifecycle the sink tests' servers share: an http (or https) server on a loopback port
// that tracks its sockets, so close() cuts open keep-alive connections and down(ms) refuses
// connections for a while, then listens again on the same port. Subclasses answer each
// request, its body read whole, in answer(req, res, body) and name their URL in urlFor(port).
'use strict';
const http = require('http');
const https = require('https');

class TestHttpServer {
  // tls: { key, cert } serves https instead of http.
  constructor({ tls = null } = {}) {
    this.tls = tls;
    this.sockets = new Set();
    this.makeServer();
  }

  makeServer() {
    const handler = (req, res) => this.handle(req, res);
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 60000;
    this.server.on(this.tls ? 'secureConnection' : 'connection', (s) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => this.answer(req, res, Buffer.concat(chunks)));
  }

  async listen(port = 0) {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = this.server.address().port;
    this.url = this.urlFor(this.port);
    return this;
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(() => r()));
  }

  // Refuses connections for ms (listener closed, open connections cut), then listens again.
  async down(ms) {
    await this.close();
    this.makeServer();
    await new Promise((r) => setTimeout(r, ms));
    await this.listen(this.port);
  }
}

module.exports = { TestHttpServer };
